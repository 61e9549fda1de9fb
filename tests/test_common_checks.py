"""What several checks share: why a run stopped, in words, and a body cut at the cap."""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.checks._common import codes, not_cut, reason
from conformance.verdicts import Inconclusive

from .test_driver import BASE, SUBMIT, make_driver

STATUS = f"{BASE}/v1/operationStatus/op1"


def _run(*answers: httpx.Response, **polling: object):  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).respond(202, headers={"Location": "/v1/operationStatus/op1"})
    respx.get(STATUS).mock(side_effect=list(answers))
    driver, _ = make_driver(polling={"interval": 1, "budget": 3, **polling})
    return driver.run("success")


def _state(state: str) -> httpx.Response:
    return httpx.Response(200, json={"operationId": "op1", "status": state})


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
