"""The document, submission, status and transition checks on inputs the other tests leave out.

Each test pins a verdict, its words or its evidence at a point where the check's logic
turns: a body Schemathesis generated, a failure without a title, a run that was never
read, an id that is the whole status path, exactly two reads or two acceptances.
"""

from __future__ import annotations

import copy

import httpx
import pytest
import schemathesis

from conformance.checks import schema, status, submission, transitions
from conformance.description import Description
from conformance.driver import Ended, Run, Submission
from conformance.observations import Concurrent, SafetyTrial
from conformance.openapi import Published
from conformance.verdicts import Blocked, ConformanceFailure, Inconclusive

from .test_check_paths import (
    BASE,
    DESCRIPTION,
    DOCUMENT,
    STATUS,
    _cited,
    _description,
    _ex,
    _json,
    _poll,
    _published,
    _raises,
    _run,
    _state,
)

ACCOUNTS = f"{BASE}/v1/accounts"

# -- SCHEMA-RESPONSES: which answers are judged, and how a problem is worded -----------------


def test_an_answer_that_never_came_does_not_stop_the_later_answers_being_judged():
    broken = _ex(None, error="ConnectError: reset")
    answer = _json(200, b'{"status": "RUNNING"}', index=2)
    with _cited() as cited:
        schema.answers_match_document(_published(), [broken, answer])
    assert [c.what for c in cited] == ["1 answer matched the published OpenAPI document"]
    assert cited[0].exchanges == (answer,)


def test_an_undocumented_route_answering_404_does_not_stop_the_later_answers_being_judged():
    missing = _ex(404, url=f"{BASE}/v1/nowhere")
    answer = _json(200, b'{"status": "RUNNING"}', index=2)
    with _cited() as cited:
        schema.answers_match_document(_published(), [missing, answer])
    assert cited[0].exchanges == (answer,)


def test_every_middle_read_let_go_is_counted_in_the_note():
    dropped = [_json(200, b"", index=n) for n in (2, 3, 4)]
    for ex in dropped:
        ex.body_dropped = 120
    answer = _json(200, b'{"status": "RUNNING"}')
    with _cited() as cited:
        schema.answers_match_document(_published(), [answer, *dropped])
    assert [c.what for c in cited] == [
        "1 answer matched the published OpenAPI document (3 middle reads of long operations "
        "were not kept whole)"
    ]


def test_several_problems_with_one_answer_are_all_named_with_the_first_ones_detail():
    # No Content-Type and no "status": Schemathesis reports a group of two failures.
    ex = _ex(200, b'{"status": 1}')
    with _raises(ConformanceFailure) as failure:
        schema.answers_match_document(_published(), [ex])
    assert failure.value.observed == (
        f"GET {STATUS} answered 200: Missing Content-Type header; Response violates schema "
        "(The following media types are documented in the schema:)"
    )


def _strict() -> Published:
    """The test document, its status object allowing no properties beyond those it lists."""
    document = copy.deepcopy(DOCUMENT)
    answer = document["paths"]["/v1/operationStatus/{id}"]["get"]["responses"]["200"]
    answer["content"]["application/json"]["schema"]["additionalProperties"] = False
    return Published(
        schemathesis.openapi.from_dict(document, config=schemathesis.Config()), "api.json"
    )


def test_a_long_problem_is_cut_to_160_characters_in_the_failure():
    ex = _json(200, b'{"status": "RUNNING", "' + b"k" * 200 + b'": 1}')
    with _raises(ConformanceFailure) as failure:
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
    ex = _json(202, b"{}", url=ACCOUNTS, method="POST")
    ex.request_headers = [("Content-Type", "application/json"), ("X-Request-Id", "r1")]
    request = schema._response(ex).request
    assert request.method == "POST"
    assert request.url == ACCOUNTS
    assert request.headers["X-Request-Id"] == "r1"
    assert request.headers["Content-Type"] == "application/json"


# -- ROBUST-SUBMIT: the body and Content-Type a generated case is sent with -------------------


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
    case = _published().operation("POST", ACCOUNTS).Case(**given)
    assert schema._body(case) == sent


# -- SUBMIT-UNIQUE ---------------------------------------------------------------------------


def _accepted(n: int, op: str | None, path: str | None = None) -> Submission:
    ex = _ex(202, b"{}", index=n, url=ACCOUNTS, method="POST")
    url = httpx.URL(f"{BASE}/v1/operationStatus/{path or op}")
    return Submission("success", ex, status_url=url, operation_id=op)


def test_two_accepted_submissions_are_enough_to_compare():
    subs = [_accepted(1, "a"), _accepted(2, "b")]
    with _cited() as cited:
        submission.ids_unique(subs)
    assert [c.what for c in cited] == ["2 accepted concurrent submissions, 2 status URLs"]


def test_distinct_status_urls_that_repeat_an_operation_id_fail_naming_the_ids():
    subs = [_accepted(1, "op1", "u1"), _accepted(2, "op1", "u2"), _accepted(3, "op2", "u3")]
    with _raises(ConformanceFailure) as failure:
        submission.ids_unique(subs)
    assert failure.value.requirement.id == "SUBMIT-UNIQUE"
    assert failure.value.observed == (
        "3 accepted concurrent submissions gave 2 distinct operation ids; repeated: op1"
    )
    assert failure.value.expected == "3 distinct operation ids"


# -- TRANS-OUTCOME for concurrent operations -------------------------------------------------

DONE = _run(_state("RUNNING"), _state("SUCCESS", 2))


def _concurrent(*runs: Run, description: Description = DESCRIPTION, alone: Run = DONE) -> None:
    submission.concurrent_runs_end_as_declared(Concurrent([], list(runs)), alone, description)


def test_a_single_submission_whose_status_was_never_read_blocks_the_comparison():
    alone = _run()  # accepted, but the status URL was not read
    with _raises(Blocked) as blocked:
        _concurrent(DONE, alone=alone)
    assert blocked.value.reason == (
        "the status URL of a single success submission does not work either: "
        "the status URL was never read"
    )
    assert blocked.value.exchanges == alone.exchanges


def test_a_concurrent_operation_whose_status_was_never_read_blocks_with_its_exchanges():
    unread = _run()
    with _raises(Blocked) as blocked:
        _concurrent(DONE, unread)
    assert blocked.value.reason == (
        "an accepted operation could not be followed: the status URL was never read"
    )
    assert blocked.value.exchanges == unread.exchanges


def _lost_at(received: float) -> Run:
    gone = _ex(404, index=1)
    gone.received_at = received  # the submission was sent at 0
    run = _run(_poll(gone, None))
    run.ended = Ended.STATUS_ERROR
    return run


def test_a_late_gone_answer_is_inconclusive_citing_the_submission_and_that_answer():
    lost = _lost_at(296.0)  # window 300 s, tolerance 5 s
    with _raises(Inconclusive) as inconclusive:
        _concurrent(DONE, lost)
    assert inconclusive.value.exchanges == [lost.submission.exchange, lost.polls[0].exchange]


def test_a_late_gone_answer_is_a_loss_where_the_dialect_keeps_no_finished_operations():
    # Without a retention window there is no expiry to excuse a 404, however late.
    keeps_none = _description(
        dialect={"not_applicable": {"RETAIN-COMPLETED": "finished operations are not kept"}}
    )
    with _raises(ConformanceFailure) as failure:
        _concurrent(DONE, _lost_at(296.0), description=keeps_none)
    assert failure.value.observed == (
        "an accepted operation's status URL answered 404: it was lost (2 accepted at once)"
    )


def test_an_operation_left_running_is_named_by_its_last_state_citing_its_ends():
    queued = _description(dialect={"states": {"running": ["QUEUED", "RUNNING"]}})
    states = ["QUEUED", "QUEUED", "QUEUED", "QUEUED", "RUNNING"]
    polls = [_poll(_ex(200, b"{}", index=n), {"status": s}, queued) for n, s in enumerate(states)]
    stalled = _run(*polls)
    stalled.ended = Ended.BUDGET
    with _raises(ConformanceFailure) as failure:
        _concurrent(DONE, stalled, description=queued)
    assert failure.value.observed == (
        "an accepted operation was still RUNNING after the budget (2 accepted at once)"
    )
    # The submission and first read, then the last two reads: not the middle ones.
    ex = stalled.exchanges
    assert failure.value.exchanges == [ex[0], ex[1], ex[4], ex[5]]


# -- STATUS-ID-MATCH: the ids a status URL names -----------------------------------------------


@pytest.mark.parametrize(
    ("url", "named"),
    [
        (f"{BASE}/v1/operations/op7/status", "op7"),  # a segment in the middle
        (f"{BASE}/operations/123", "operations/123"),  # AIP-151: the whole path is the name
    ],
)
def test_an_id_the_status_url_names_anywhere_in_its_path_matches(url, named):
    read = _poll(_ex(200, b"{}", url=url), {"operationId": named, "status": "RUNNING"})
    with _cited() as cited:
        status.id_matches_url(_run(read), DESCRIPTION)
    assert [c.what for c in cited] == ["1 status body named the operation's own id"]


# -- STATUS-SAFE with the wall clock -----------------------------------------------------------


def test_a_lead_is_measured_from_the_last_of_the_often_read_operations_reads():
    # Only the last read (60) is more than 25 points ahead of the twin (30); the one before
    # it (10) is behind.
    often = [_state("RUNNING", n, progress=p) for n, p in ((1, 0), (2, 10), (3, 60))]
    trial = SafetyTrial(often=often, once=_state("RUNNING", 4, progress=30), later=None)
    with _raises(ConformanceFailure) as failure:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=False)
    assert failure.value.observed.startswith(
        "read 3 times, an operation went ('RUNNING', 0) -> ('RUNNING', 10) -> ('RUNNING', 60); "
        "its twin, read once, is at ('RUNNING', 30)"
    )


# -- TRANS-MODEL -------------------------------------------------------------------------------


def test_two_reads_are_enough_to_see_a_transition_and_the_terminal_state_held():
    with _cited() as cited:
        transitions.follows_state_model(DONE, DESCRIPTION)
    assert [c.what for c in cited] == [
        "states seen: RUNNING x1 -> SUCCESS x1; the terminal state held"
    ]


def test_a_run_that_never_ended_shows_its_states_with_no_note():
    run = _run(_state("RUNNING"), _state("RUNNING", 2))
    with _cited() as cited:
        transitions.follows_state_model(run, DESCRIPTION)
    assert [c.what for c in cited] == ["states seen: RUNNING x2"]
