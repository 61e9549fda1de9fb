"""What every check shares (`checks/_common.py`): which requirements a blocked case names, how
exchanges are cited, and the words of the verdicts."""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.checks import (
    _common,
)
from conformance.checks._common import codes, not_cut, reason
from conformance.description import Role
from conformance.driver import Ended
from conformance.verdicts import (
    Blocked,
    Inconclusive,
)
from tests.support.checks import (
    make_exchange,
    make_poll,
    make_run,
    raises_verdict,
    state_read,
)
from tests.support.driving import STATUS, SUBMIT, make_driver


def _run(*answers: httpx.Response, **polling: object):  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).respond(202, headers={"Location": "/v1/operationStatus/op1"})
    respx.get(STATUS).mock(side_effect=list(answers))
    driver, _ = make_driver(polling={"interval": 1, "budget": 3, **polling})
    return driver.run("success")


def _state(state: str) -> httpx.Response:
    return httpx.Response(200, json={"operationId": "op1", "status": state})


def test_a_run_without_a_status_url_says_why():
    run = make_run()
    run.submission.status_url, run.submission.location_problem = None, "no Location header"
    assert _common.reason(run) == "no status URL to poll (no Location header)"


def test_a_run_whose_status_url_was_never_read_says_so():
    assert _common.reason(make_run()) == "the status URL was never read"


def test_a_run_stopped_with_a_problem_gives_the_problem():
    run = make_run(state_read("RUNNING"), problem="the Location moved off the origin")
    run.ended = Ended.STATUS_ERROR
    assert _common.reason(run) == "the Location moved off the origin"


def test_a_run_whose_status_got_no_answer_gives_the_error():
    run = make_run(make_poll(make_exchange(None, error="ConnectError: refused"), None))
    run.ended = Ended.NO_ANSWER
    assert _common.reason(run) == "the status resource got no answer: ConnectError: refused"


def test_a_run_that_ended_otherwise_names_how():
    run = make_run(state_read("RUNNING"))
    run.ended = Ended.NOT_FOLLOWED
    assert _common.reason(run) == "the run ended not-followed"


@pytest.mark.parametrize("code", [404, 410])
def test_a_status_gone_at_the_first_read_leaves_nothing_to_judge(code):
    run = make_run(make_poll(make_exchange(code), None))
    run.ended = Ended.STATUS_ERROR
    with raises_verdict(Blocked) as blocked:
        _common.needs_polls(run)
    assert blocked.value.reason == (
        f"the success run has no status to judge: the status resource answered {code}"
    )
    assert blocked.value.exchanges == run.exchanges


def test_a_status_that_answers_at_the_first_read_has_polls():
    run = make_run(state_read("RUNNING"), make_poll(make_exchange(404, index=2), None))
    assert _common.needs_polls(run) == run.polls


def test_a_run_without_polls_has_no_status_to_judge():
    with raises_verdict(Blocked, match="the success run has no status to judge: the status URL"):
        _common.needs_polls(make_run())


def test_a_terminal_state_of_the_other_role_leaves_nothing_to_judge():
    run = make_run(state_read("RUNNING"), state_read("FAILED", index=2))
    with raises_verdict(Blocked) as blocked:
        _common.needs_terminal(run, Role.SUCCESS)
    assert blocked.value.reason == (
        "the success run ended FAILED, a failure state, so there is no success to judge"
    )
    assert blocked.value.exchanges == run.exchanges


def test_a_run_without_a_terminal_state_says_why():
    run = make_run(state_read("RUNNING"))
    run.ended = Ended.BUDGET
    with raises_verdict(Blocked) as blocked:
        _common.needs_terminal(run, Role.SUCCESS)
    assert blocked.value.reason == (
        "the success run reached no terminal state: no terminal state within the operation budget"
    )
    assert blocked.value.exchanges == run.exchanges


def test_a_terminal_state_of_the_role_asked_for_is_returned():
    run = make_run(state_read("RUNNING"), state_read("SUCCESS", index=2))
    assert _common.needs_terminal(run, Role.SUCCESS) is run.polls[1]


def test_an_exchange_without_an_answer_blocks_naming_what_was_sent():
    ex = make_exchange(None, error="ReadTimeout: slow")
    with raises_verdict(Blocked) as blocked:
        _common.answered(ex, "DELETE")
    assert blocked.value.reason == "DELETE got no answer: ReadTimeout: slow"
    assert blocked.value.exchanges == [ex]


def test_an_answered_exchange_passes_the_answer_prerequisite():
    assert _common.answered(make_exchange(500), "DELETE") is None


def test_a_body_read_whole_is_not_cut():
    assert _common.not_cut("STATUS-200-JSON", make_exchange(200, b"x" * 5000)) is None


@respx.mock
def test_a_run_that_found_no_json_object_says_so():
    run = _run(httpx.Response(200, text="busy"))
    assert reason(run) == "the status answer (200) has no JSON object to read a state from"


@respx.mock
def test_a_run_whose_body_was_cut_says_where():
    long = httpx.Response(200, json={"status": "RUNNING", "pad": "x" * 5000})
    run = _run(long, max_body_bytes=1024)
    assert reason(run) == (
        "the status answer (200, its body cut at polling.max_body_bytes) has no JSON object "
        "to read a state from"
    )
    with pytest.raises(Inconclusive) as inconclusive:
        not_cut("STATUS-200-JSON", run.polls[0].exchange)
    assert inconclusive.value.reason == (
        "the answer's body was cut at polling.max_body_bytes (1024 bytes read), so what it "
        "holds is unknown; raise the cap to judge it"
    )
    assert inconclusive.value.exchanges == [run.polls[0].exchange]


@respx.mock
def test_a_run_that_never_ended_says_the_budget_ran_out():
    run = _run(*[_state("RUNNING")] * 10)
    assert reason(run) == "no terminal state within the operation budget"


@respx.mock
def test_a_run_whose_status_answered_an_error_says_the_code():
    run = _run(httpx.Response(503))
    assert reason(run) == "the status resource answered 503"


@respx.mock
def test_a_run_whose_status_named_no_state_says_how_it_looked():
    run = _run(httpx.Response(200, json={"operationId": "op1"}))
    assert reason(run) == "the status body tells no state (nothing)"


def test_codes_are_listed_with_or():
    assert codes([404]) == "404"
    assert codes([404, 410]) == "404 or 410"
