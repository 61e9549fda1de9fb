"""SCHEMA-*: answers judged against the published document, and Schemathesis's negative cases."""

from __future__ import annotations

import copy

import pytest
import schemathesis

from conformance.budget import Budget
from conformance.checks import (
    schema,
)
from conformance.driver import Exchange
from conformance.openapi import NOT_FETCHED, Published, cut_elsewhere
from conformance.verdicts import (
    ConformanceFailure,
    NotObserved,
)
from tests.support.checks import (
    DOCUMENT,
    QUICK,
    citing,
    json_answer,
    make_exchange,
    published_of,
    raises_verdict,
)
from tests.support.driving import BASE, STATUS


def _sender(code: int | None, sent: list[Exchange]) -> schema.Send:
    """A target that answers every generated request `code` (None: no answer)."""

    def send(
        label: str, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> Exchange:
        error = None if code is not None else "ConnectError: reset"
        ex = make_exchange(code, index=len(sent), url=url, method=method, error=error)
        ex.label, ex.request_body = label, content or b""
        ex.request_headers = list(headers.items())
        sent.append(ex)
        return ex

    return send


ACCOUNTS = f"{BASE}/v1/accounts"


def _strict() -> Published:
    """The test document, its status object allowing no properties beyond those it lists."""
    document = copy.deepcopy(DOCUMENT)
    answer = document["paths"]["/v1/operationStatus/{id}"]["get"]["responses"]["200"]
    answer["content"]["application/json"]["schema"]["additionalProperties"] = False
    return Published(
        schemathesis.openapi.from_dict(document, config=schemathesis.Config()), "api.json"
    )


def _referring() -> Published:
    """The test document, its status answer's `msg` a schema in another document (not fetched)."""
    document = copy.deepcopy(DOCUMENT)
    answer = document["paths"]["/v1/operationStatus/{id}"]["get"]["responses"]["200"]
    answer["content"]["application/json"]["schema"]["properties"]["msg"] = {
        "$ref": "https://schemas.example.test/common.json#/Message"
    }
    cut, elsewhere = cut_elsewhere(document)
    loaded = schemathesis.openapi.from_dict(cut, config=schemathesis.Config())
    return Published(loaded, "api.json", elsewhere=elsewhere)


def test_answers_that_match_the_document_pass_citing_the_document_first():
    fetched = make_exchange(200, b"{}", index=0, url=f"{BASE}/openapi.json")
    dropped = json_answer(200, b"", index=2)
    dropped.body_dropped = 120
    answers = [
        json_answer(200, b'{"status": "RUNNING"}'),
        dropped,
        json_answer(200, b'{"status": "X"}', 3),
    ]
    with citing() as cited:
        schema.answers_match_document(published_of(fetched), answers)
    assert [c.what for c in cited] == [
        "2 answers matched the published OpenAPI document (1 middle read of long operations "
        "was not kept whole)"
    ]
    assert list(cited[0].exchanges) == [fetched, answers[0], answers[2]]


def test_answers_kept_whole_are_cited_without_a_note():
    answer = json_answer(200, b'{"status": "RUNNING"}')
    with citing() as cited:
        schema.answers_match_document(published_of(), [answer])
    assert [c.what for c in cited] == ["1 answer matched the published OpenAPI document"]
    assert cited[0].exchanges == (answer,)


def test_an_undocumented_route_that_answers_404_is_not_judged():
    missing = make_exchange(404, url=f"{BASE}/v1/nowhere")
    broken = make_exchange(None, url=f"{BASE}/v1/nowhere", error="ConnectError: reset")
    cut = json_answer(200, b'{"status": "RUNNING"}')
    cut.error = "ReadTimeout: the body stopped"  # an answer whose body did not come whole
    with raises_verdict(NotObserved) as skipped:
        schema.answers_match_document(published_of(), [missing, broken, cut])
    assert skipped.value.reason == "no answer of a documented operation to validate"


def test_an_undocumented_operation_that_answers_fails():
    ex = make_exchange(200, b"{}", url=f"{BASE}/v1/nowhere?x=1", method="DELETE")
    with raises_verdict(ConformanceFailure) as failure:
        schema.answers_match_document(published_of(), [ex])
    assert failure.value.requirement.id == "SCHEMA-RESPONSES"
    assert failure.value.observed == "DELETE /v1/nowhere is not in the published document"
    assert failure.value.expected == "every operation of the asynchronous lifecycle documented"
    assert failure.value.hint == "Add the operation to the document at api.json."
    assert failure.value.exchanges == [ex]


def test_an_answer_the_document_forbids_fails_naming_the_problem():
    ex = json_answer(200, b'{"status": 7}')
    with raises_verdict(ConformanceFailure) as failure:
        schema.answers_match_document(published_of(), [ex])
    assert failure.value.observed.startswith(f"GET {STATUS} answered 200: Response violates schema")
    assert failure.value.expected == "the answer GET /v1/operationStatus/{id} documents in api.json"
    assert failure.value.exchanges == [ex]


def test_a_recorded_exchange_is_rebuilt_with_its_request_body():
    ex = json_answer(202, b"{}", url=f"{BASE}/v1/accounts", method="POST")
    ex.request_body = b'{"name": "a"}'
    rebuilt = schema._response(ex)
    assert rebuilt.request.body == b'{"name": "a"}'
    assert rebuilt.status_code == 202
    assert schema._response(json_answer(202, b"{}")).request.body is None


def test_a_document_without_the_submission_has_nothing_to_generate():
    with raises_verdict(NotObserved) as skipped:
        schema.generated_submissions_refused(
            published_of(), "PUT", "/v1/accounts", _sender(0, []), QUICK
        )
    assert skipped.value.reason == "the published document has no PUT /v1/accounts"


def test_generated_submissions_refused_without_a_server_error_pass():
    sent: list[Exchange] = []
    with citing() as cited:
        schema.generated_submissions_refused(
            published_of(), "POST", f"{BASE}/v1/accounts", _sender(422, sent), Budget(examples=12)
        )
    assert [c.what for c in cited] == [
        f"{len(sent)} requests generated from the document's schema got no server error"
    ]
    assert len(sent) > 8 and list(cited[0].exchanges) == sent[:8]
    assert sent[0].label == "schema-generated submission 1"
    with_body = [ex for ex in sent if ex.request_body]
    assert with_body and all(dict(ex.request_headers).get("Content-Type") for ex in with_body)


@pytest.mark.parametrize(("code", "shown"), [(500, "500"), (None, "ConnectError: reset")])
def test_a_generated_submission_answered_with_a_server_error_fails(code, shown):
    sent: list[Exchange] = []
    with raises_verdict(ConformanceFailure) as failure:
        schema.generated_submissions_refused(
            published_of(), "POST", "/v1/accounts", _sender(code, sent), Budget(examples=5)
        )
    assert failure.value.observed == (
        f"a request POST /v1/accounts forbids by its schema answered {shown}"
    )
    assert failure.value.expected == "a refusal (4xx) or an acceptance, never a server error"
    assert (
        failure.value.hint == "Validate the request against your own schema before starting work. "
    )
    assert failure.value.exchanges == [sent[-1]]


def test_an_answer_that_never_came_does_not_stop_the_later_answers_being_judged():
    broken = make_exchange(None, error="ConnectError: reset")
    answer = json_answer(200, b'{"status": "RUNNING"}', index=2)
    with citing() as cited:
        schema.answers_match_document(published_of(), [broken, answer])
    assert [c.what for c in cited] == ["1 answer matched the published OpenAPI document"]
    assert cited[0].exchanges == (answer,)


def test_an_undocumented_route_answering_404_does_not_stop_the_later_answers_being_judged():
    missing = make_exchange(404, url=f"{BASE}/v1/nowhere")
    answer = json_answer(200, b'{"status": "RUNNING"}', index=2)
    with citing() as cited:
        schema.answers_match_document(published_of(), [missing, answer])
    assert cited[0].exchanges == (answer,)


def test_every_middle_read_let_go_is_counted_in_the_note():
    dropped = [json_answer(200, b"", index=n) for n in (2, 3, 4)]
    for ex in dropped:
        ex.body_dropped = 120
    answer = json_answer(200, b'{"status": "RUNNING"}')
    with citing() as cited:
        schema.answers_match_document(published_of(), [answer, *dropped])
    assert [c.what for c in cited] == [
        "1 answer matched the published OpenAPI document (3 middle reads of long operations "
        "were not kept whole)"
    ]


def test_several_problems_with_one_answer_are_all_named_with_the_first_ones_detail():
    # No Content-Type and no "status": Schemathesis reports a group of two failures.
    ex = make_exchange(200, b'{"status": 1}')
    with raises_verdict(ConformanceFailure) as failure:
        schema.answers_match_document(published_of(), [ex])
    assert failure.value.observed == (
        f"GET {STATUS} answered 200: Missing Content-Type header; Response violates schema "
        "(The following media types are documented in the schema:)"
    )


def test_a_long_problem_is_cut_to_160_characters_in_the_failure():
    ex = json_answer(200, b'{"status": "RUNNING", "' + b"k" * 200 + b'": 1}')
    with raises_verdict(ConformanceFailure) as failure:
        schema.answers_match_document(_strict(), [ex])
    assert failure.value.observed == (
        f"GET {STATUS} answered 200: Response violates schema "
        "(Additional properties are not allowed ('" + "k" * 120 + ")"
    )


@pytest.mark.parametrize(
    ("failure", "named"),
    [
        (
            AssertionError("the answer could not be read"),
            "AssertionError (the answer could not be read)",
        ),
        (AssertionError(), "AssertionError"),  # nothing to add in parentheses
    ],
)
def test_a_failure_without_a_title_is_named_by_its_kind_and_own_words(failure, named):
    # A bare assertion inside the validation has neither a title nor a message attribute.
    assert schema._problems(failure) == named


def test_a_recorded_exchange_is_rebuilt_with_its_method_and_request_headers():
    ex = json_answer(202, b"{}", url=ACCOUNTS, method="POST")
    ex.request_headers = [("Content-Type", "application/json"), ("X-Request-Id", "r1")]
    request = schema._response(ex).request
    assert request.method == "POST"
    assert request.url == ACCOUNTS
    assert request.headers["X-Request-Id"] == "r1"
    assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ({}, (None, None)),  # no body at all (Schemathesis's NotSet): none sent, no type
        # A negative case's body of None with a media type is JSON null, sent as such.
        ({"body": None, "media_type": "application/json"}, (b"null", "application/json")),
        ({"body": {"name": 1}}, (b'{"name": 1}', "application/json")),
        (
            {"body": {"name": 1}, "media_type": "application/merge-patch+json"},
            (b'{"name": 1}', "application/merge-patch+json"),  # the case's own type is kept
        ),
        ({"body": b"\x00raw"}, (b"\x00raw", "application/json")),
        # JSON cannot encode bytes inside an object: sent as the text Python gives it.
        ({"body": {"name": b"x"}}, (b"{'name': b'x'}", "text/plain")),
    ],
)
def test_a_generated_case_is_sent_with_its_body_and_media_type(given, sent):
    case = published_of().operation("POST", ACCOUNTS).Case(**given)
    assert schema._body(case) == sent


def test_an_answer_documented_in_another_document_is_not_judged_saying_why_once():
    with raises_verdict(NotObserved) as skipped:
        schema.answers_match_document(_referring(), [json_answer(200, b'{"status": "RUNNING"}')])
    # Why the other document was not fetched is said once, after every part left out.
    assert skipped.value.reason == (
        "no answer could be judged (1 answer not judged, of GET /v1/operationStatus/{id}, "
        "answer 200; left out of the document: GET /v1/operationStatus/{id}, answer 200: "
        f"refers to https://schemas.example.test/common.json; {NOT_FETCHED})"
    )


@pytest.mark.parametrize("code", [0, 1, 202])
def test_a_recorded_exchange_is_rebuilt_with_the_very_code_it_got(code):
    # An in-process app may answer any number, 0 too: the document is read for that code.
    assert schema._response(json_answer(code, b"{}")).status_code == code
