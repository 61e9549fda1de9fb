"""RESULT-*: the resource a success names, the message a failure gives, and the reads of both."""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.checks import (
    result,
)
from conformance.driver import Run
from conformance.verdicts import (
    Blocked,
    ConformanceFailure,
    NotObserved,
)
from tests.support.checks import (
    DESCRIPTION,
    RESOURCE,
    citing,
    make_description,
    make_run,
    raises_verdict,
    state_read,
)
from tests.support.driving import (
    ACCEPTED,
    BASE,
    STATUS,
    make_driver,
    run_with,
    status_answer,
)


def _succeeded(**body: object) -> Run:
    return make_run(state_read("RUNNING"), state_read("SUCCESS", 2, **body))


def test_a_dialect_without_a_result_url_leaves_nothing_to_read():
    driver, _ = make_driver(dialect={"result_url": "none"})
    with raises_verdict(NotObserved) as skipped:
        result.success_names_resource(_succeeded(), driver)
    assert skipped.value.reason == "the dialect names no result URL (result_url = 'none')"


def test_a_success_without_its_result_url_fails_saying_what_is_missing():
    driver, _ = make_driver()
    run = _succeeded()
    with raises_verdict(ConformanceFailure) as failure:
        result.success_names_resource(run, driver)
    assert failure.value.requirement.id == "RESULT-URL"
    assert failure.value.observed == driver.resource_url(run)
    assert failure.value.expected == (
        "the URL of the resource the operation produced (body:resourceUrl)"
    )
    assert failure.value.exchanges == [run.polls[1].exchange]


@respx.mock
def test_a_result_url_on_another_origin_is_not_followed():
    driver, _ = make_driver()
    run = _succeeded(resourceUrl="https://elsewhere.test/accounts/7")
    with raises_verdict(Blocked) as blocked:
        result.success_names_resource(run, driver)
    assert blocked.value.reason == (
        "the resource URL 'https://elsewhere.test/accounts/7' is on another origin "
        "(https://elsewhere.test:443), so the suite did not follow it. If that origin belongs "
        "to the target, list it in allowed_origins in the target description."
    )
    assert blocked.value.exchanges == [run.polls[1].exchange]
    assert not respx.calls


@respx.mock
def test_a_result_that_got_no_answer_fails_naming_the_error():
    respx.get(RESOURCE).mock(side_effect=httpx.ConnectError("refused"))
    driver, _ = make_driver()
    run = _succeeded(resourceUrl=RESOURCE)
    with raises_verdict(ConformanceFailure) as failure:
        result.success_names_resource(run, driver)
    assert failure.value.observed == f"GET {RESOURCE} answered ConnectError: refused"
    assert failure.value.expected == "2xx"
    assert failure.value.exchanges[0] is run.polls[1].exchange
    assert [e.url for e in failure.value.exchanges] == [STATUS, RESOURCE]


@pytest.mark.parametrize(("code", "holds"), [(200, True), (204, True), (299, True), (300, False)])
@respx.mock
def test_a_result_holds_for_any_2xx(code, holds):
    respx.get(RESOURCE).respond(code)
    driver, _ = make_driver()
    run = _succeeded(resourceUrl=RESOURCE)
    if not holds:
        with raises_verdict(ConformanceFailure, match=f"answered {code}"):
            result.success_names_resource(run, driver)
        return
    with citing() as cited:
        result.success_names_resource(run, driver)
    assert [c.what for c in cited] == [f"the result {RESOURCE} answered {code}"]
    assert cited[0].exchanges[0] is run.polls[1].exchange
    assert [e.url for e in cited[0].exchanges] == [STATUS, RESOURCE]


@respx.mock
def test_the_result_is_read_with_the_operations_cookies():
    route = respx.get(RESOURCE).respond(200)
    driver, _ = make_driver()
    run = _succeeded(resourceUrl=RESOURCE)
    run.submission.jar = httpx.Cookies()
    run.submission.jar.set("session", "s1", domain="api.example.test")
    with citing() as cited:
        result.success_names_resource(run, driver)
    assert route.calls[0].request.headers["cookie"] == "session=s1"
    assert cited[0].exchanges[1].label == "read result"


@pytest.mark.parametrize(
    ("body", "shown"), [({}, "msg = None"), ({"msg": 42}, "msg = 42"), ({"msg": ""}, "msg = ''")]
)
def test_a_failure_without_a_message_quotes_what_it_had(body, shown):
    run = make_run(state_read("FAILED", **body))
    with raises_verdict(ConformanceFailure) as failure:
        result.failure_has_message(run, DESCRIPTION)
    assert failure.value.observed == shown
    assert failure.value.expected == "a message that says why the operation failed"
    assert failure.value.exchanges == [run.polls[0].exchange]


def test_a_failure_message_is_cited_up_to_80_characters():
    run = make_run(state_read("FAILED", msg="q" * 80 + "TAIL"))
    with citing() as cited:
        result.failure_has_message(run, DESCRIPTION)
    assert [c.what for c in cited] == [f"msg = {'q' * 80!r}"]
    assert cited[0].exchanges == (run.polls[0].exchange,)


@pytest.mark.parametrize("code", [403, 404, 500])
@respx.mock
def test_a_result_that_answers_an_error_is_not_the_result(code):
    done = status_answer("SUCCESS", resourceUrl="/v1/tenants/1/clouds/1/accounts/7")
    driver, run = run_with(ACCEPTED, *[done] * 3)
    respx.get(f"{BASE}/v1/tenants/1/clouds/1/accounts/7").respond(code)
    with pytest.raises(ConformanceFailure, match=f"answered {code}"):
        result.success_names_resource(run, driver)


@respx.mock
def test_a_result_that_answers_200_is_the_result():
    done = status_answer("SUCCESS", resourceUrl="/v1/tenants/1/clouds/1/accounts/7")
    driver, run = run_with(ACCEPTED, *[done] * 3)
    respx.get(f"{BASE}/v1/tenants/1/clouds/1/accounts/7").respond(200, json={"id": "7"})
    result.success_names_resource(run, driver)


@pytest.mark.parametrize("message", ["", "   ", "\n\t", None, 42])
@respx.mock
def test_a_failure_without_a_message_in_words_has_none(message):
    driver, run = run_with(ACCEPTED, *[status_answer("FAILED", msg=message)] * 3)
    with pytest.raises(ConformanceFailure) as failure:
        result.failure_has_message(run, driver.description)
    assert failure.value.requirement.id == "RESULT-FAILED-MSG"


@respx.mock
def test_a_failure_with_a_message_has_one():
    driver, run = run_with(ACCEPTED, *[status_answer("FAILED", msg=" quota exceeded ")] * 3)
    result.failure_has_message(run, driver.description)


def test_a_dialect_without_a_message_field_says_how_to_judge_failure_messages():
    description = make_description(dialect={"message_field": ""})
    with raises_verdict(NotObserved) as skipped:
        result.failure_has_message(make_run(state_read("FAILED")), description)
    assert skipped.value.reason == (
        "the dialect names no message field (dialect.message_field is empty), so a "
        "failure's reason cannot be looked for; set it to judge this"
    )
