"""TRANS-MODEL's edges: what a terminal state may not become, and what is too little to judge."""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.checks.transitions import follows_state_model
from conformance.verdicts import ConformanceFailure, NotObserved, collecting

from .test_driver import BASE, SUBMIT, make_driver

STATUS = f"{BASE}/v1/operationStatus/op1"


def _run(*answers: httpx.Response, **overrides: object):  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).respond(202, headers={"Location": "/v1/operationStatus/op1"})
    respx.get(STATUS).mock(side_effect=list(answers))
    driver, _ = make_driver(polling={"interval": 1, "budget": 6}, **overrides)
    return driver, driver.run("success")


def _state(state: object, code: int = 200) -> httpx.Response:
    return httpx.Response(code, json={"operationId": "op1", "status": state})


@respx.mock
def test_a_terminal_state_renamed_within_its_role_is_a_change():
    # Both names mean success, but the state the id reports changed.
    dialect = {"states": {"success": ["SUCCESS", "DONE"]}}
    driver, run = _run(_state("SUCCESS"), _state("DONE"), _state("DONE"), dialect=dialect)
    with pytest.raises(ConformanceFailure) as failure:
        follows_state_model(run, driver.description)
    assert failure.value.observed == "SUCCESS (200) -> DONE (200)"
    assert (
        failure.value.expected == "SUCCESS is terminal and stays SUCCESS while the id is available"
    )
    assert failure.value.exchanges == [run.polls[0].exchange, run.polls[1].exchange]


@respx.mock
def test_a_terminal_state_followed_by_a_value_that_is_no_name_shows_the_value():
    driver, run = _run(_state("SUCCESS"), _state(5), _state(5))
    with pytest.raises(ConformanceFailure) as failure:
        follows_state_model(run, driver.description)
    assert failure.value.observed == "SUCCESS (200) -> 5 (200)"


@respx.mock
def test_one_read_is_too_little_to_see_a_transition():
    driver, run = _run(_state("SUCCESS"), httpx.Response(404), httpx.Response(404))
    with pytest.raises(NotObserved, match="read the status 1 time"):
        follows_state_model(run, driver.description)


@respx.mock
def test_two_reads_are_enough_and_a_run_that_never_ended_holds_no_terminal_state():
    driver, run = _run(*[_state("RUNNING")] * 10)
    with collecting() as cited:
        follows_state_model(run, driver.description)
    assert cited[0].what.startswith("states seen: RUNNING x")
    assert "terminal state held" not in cited[0].what
