"""TRANS-OUTCOME's concurrent case: every accepted operation comes to an end, or why not.

Which concurrent submission meets a fault first is a race, so the approved outcomes compare
only this case's verdict; these tests fix its words and conditions with made-up answers.
"""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.checks.submission import concurrent_runs_end_as_declared
from conformance.observations import Concurrent
from conformance.verdicts import ConformanceFailure, Inconclusive, collecting

from .test_driver import BASE, SUBMIT, make_driver

STATUS = f"{BASE}/v1/operationStatus"


def _state(op: str, state: str) -> httpx.Response:
    return httpx.Response(200, json={"operationId": op, "status": state})


def _runs(*answers: list[httpx.Response]):  # type: ignore[no-untyped-def]
    """One run per list of status answers; the first run is also the one made alone."""
    ops = [f"op{n}" for n in range(len(answers))]
    respx.post(SUBMIT).mock(
        side_effect=[
            httpx.Response(202, headers={"Location": f"/v1/operationStatus/{op}"}) for op in ops
        ]
    )
    for op, reads in zip(ops, answers, strict=True):
        respx.get(f"{STATUS}/{op}").mock(side_effect=reads)
    driver, clock = make_driver(polling={"interval": 1, "budget": 5})
    runs = [driver.run("success") for _ in ops]
    return driver, clock, runs


DONE = ["RUNNING", "SUCCESS", "SUCCESS", "SUCCESS"]


def _answers(op: str, states: list[str]) -> list[httpx.Response]:
    return [_state(op, s) for s in states]


@respx.mock
def test_operations_that_all_end_pass_citing_each_end():
    driver, _, runs = _runs(_answers("op0", DONE), _answers("op1", DONE))
    with collecting() as cited:
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
    assert cited[0].what == "all 2 concurrent operations came to an end"
    assert list(cited[0].exchanges) == [r.terminal.exchange for r in runs if r.terminal]


@respx.mock
def test_an_operation_lost_after_one_that_ended_fails_with_its_first_and_last_exchanges():
    lost = [httpx.Response(404)] * 3
    driver, _, runs = _runs(_answers("op0", DONE), lost)
    with pytest.raises(ConformanceFailure) as failure:
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
    assert failure.value.requirement.id == "TRANS-OUTCOME"
    assert failure.value.observed == (
        "an accepted operation's status URL answered 404: it was lost (2 accepted at once)"
    )
    assert failure.value.expected == (
        "every accepted operation reaches a terminal state within the operation budget (5 s)"
    )
    assert failure.value.exchanges == runs[1].exchanges[:2] + runs[1].exchanges[-2:]
    assert failure.value.hint.startswith("An accepted operation must not be lost")


@respx.mock
def test_an_operation_left_running_past_the_budget_fails():
    driver, _, runs = _runs(_answers("op0", DONE), _answers("op1", ["RUNNING"] * 20))
    with pytest.raises(ConformanceFailure) as failure:
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
    assert failure.value.observed == (
        "an accepted operation was still RUNNING after the budget (2 accepted at once)"
    )


@respx.mock
def test_a_gone_answer_first_read_after_the_window_could_have_ended_is_inconclusive():
    driver, _, runs = _runs(_answers("op0", DONE), [httpx.Response(404)] * 3)
    first = runs[1].polls[0].exchange
    first.received_at = runs[1].submission.exchange.sent_at + 295.0  # window 300 s, tolerance 5 s
    with pytest.raises(Inconclusive) as inconclusive:
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
    assert inconclusive.value.reason == (
        "an accepted operation's status answered 404 when first read 295.000 s after its "
        "submission, when its 300 s window may already have ended"
    )
    first.received_at = runs[1].submission.exchange.sent_at + 294.9
    with pytest.raises(ConformanceFailure):
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
