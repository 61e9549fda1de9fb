"""The concurrent cases (SUBMIT-UNIQUE, TRANS-OUTCOME): distinct ids, and every accepted
operation comes to an end, or why not.

Which concurrent submission meets a fault first is a race, so the approved outcomes compare
only these cases' verdicts; these tests fix their words and conditions with made-up answers.
"""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.checks.submission import concurrent_runs_end_as_declared, ids_unique
from conformance.observations import Concurrent
from conformance.verdicts import ConformanceFailure, Inconclusive, NotObserved, collecting

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


def _submit(*locations: str | None):  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).mock(
        side_effect=[
            httpx.Response(202, headers={"Location": f"/v1/operationStatus/{loc}"})
            if loc
            else httpx.Response(500)
            for loc in locations
        ]
    )
    driver, _ = make_driver()
    return [driver.submit("success") for _ in locations]


@respx.mock
def test_repeated_status_urls_are_named_up_to_three():
    subs = _submit("a", "a", "b", "b", "c", "c", "d", "d", "e")
    with pytest.raises(ConformanceFailure) as failure:
        ids_unique(subs)
    urls = [f"{STATUS}/{x}" for x in "abc"]
    assert failure.value.observed == (
        "9 accepted concurrent submissions gave 5 distinct status URLs; "
        f"repeated: {', '.join(urls)}"
    )
    assert failure.value.expected == "9 distinct status URLs"
    assert failure.value.exchanges == [s.exchange for s in subs]
    assert failure.value.hint == "Derive ids from a random or sequenced source, not from the clock."


@pytest.mark.parametrize("locations", [("a", None), ("a",), (None, None)])
@respx.mock
def test_fewer_than_two_accepted_leave_nothing_to_compare(locations):
    subs = _submit(*locations)
    accepted = sum(1 for loc in locations if loc)
    with pytest.raises(NotObserved, match=f"only {accepted} of {len(locations)} concurrent"):
        ids_unique(subs)


@respx.mock
def test_two_accepted_are_enough_to_compare():
    subs = _submit("a", "b", None)
    with collecting() as cited:
        ids_unique(subs)
    assert cited[0].what == "2 accepted concurrent submissions, 2 status URLs"
    assert list(cited[0].exchanges) == [subs[0].exchange, subs[1].exchange]
