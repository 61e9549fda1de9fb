"""A long operation's reads in bounded memory, still judged whole (polling.keep_polls)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from conformance.checks import status, transitions
from conformance.driver import Redactor, Run
from conformance.verdicts import ConformanceFailure

from .test_driver import BASE, SUBMIT, make_driver

READS = 300
PADDING = 50_000  # bytes of padding in every status answer
KEEP = 10


def _server(answer: Callable[[int], httpx.Response]) -> None:
    location = "/v1/operationStatus/op1"
    respx.post(SUBMIT).respond(202, headers={"Location": location}, json={"operationId": "op1"})
    reads = iter(range(1, 10_000))
    respx.get(BASE + location).mock(side_effect=lambda request: answer(next(reads)))


def _running(n: int, **extra: object) -> httpx.Response:
    body = {"operationId": "op1", "status": "RUNNING", "msg": f"step {n}", "progress": n // 4}
    return httpx.Response(200, json={**body, "padding": "x" * PADDING, **extra})


def _correct(n: int) -> httpx.Response:
    if n <= READS:
        return _running(n)
    body = {"operationId": "op1", "status": "SUCCESS", "resourceUrl": "/r/1"}
    return httpx.Response(200, json=body)


def _run(answer: Callable[[int], httpx.Response], keep: int = KEEP) -> Run:
    _server(answer)
    polling = {"interval": 1, "budget": 1000, "keep_polls": keep}
    # QUEUED is a running state here: an unlisted name would end the following at once.
    states = {"running": ["RUNNING", "QUEUED"], "success": ["SUCCESS"], "failure": ["FAILED"]}
    driver, _ = make_driver(polling=polling, dialect={"states": states})
    return driver.run("success")


def _held(run: Run) -> int:
    return sum(len(p.exchange.body) + len(str(p.exchange.headers)) for p in run.polls)


@respx.mock
def test_a_long_operation_keeps_its_first_and_last_reads_whole():
    run = _run(_correct)
    assert len(run.polls) == READS + 3 and run.ended == "terminal"
    whole = [p for p in run.polls if not p.thinned]
    # The first and last KEEP, and nothing in between: every middle read looked alike.
    assert whole == run.polls[:KEEP] + run.polls[-KEEP:]
    assert run.thinned == len(run.polls) - 2 * KEEP
    assert _held(run) < (2 * KEEP + 1) * (PADDING + 1_000)
    # Every read still tells its state, and the middle ones what the checks read.
    assert run.states == ["RUNNING"] * READS + ["SUCCESS"] * 3
    middle = run.polls[150]
    assert middle.body == {"operationId": "op1", "status": "RUNNING", "msg": "step 151"} | {
        "progress": 151 // 4
    }
    assert middle.exchange.body == b"" and middle.exchange.body_dropped > PADDING
    assert middle.exchange.header("content-type") == "application/json"


@respx.mock
def test_without_the_cap_every_read_is_held():
    """The measure above can fail: with the cap lifted, a run holds every body."""
    run = _run(_correct, keep=10_000)
    assert run.thinned == 0
    assert _held(run) > READS * PADDING


@respx.mock
def test_the_report_says_what_was_let_go():
    run = _run(_correct)
    written = Redactor().exchange(run.polls[150].exchange)
    assert written["body"] == "" and written["body_dropped"] > PADDING
    assert written["body_bytes"] == written["body_dropped"]


@respx.mock
def test_a_correct_long_operation_still_passes_the_checks_that_read_every_poll():
    run = _run(_correct)
    description = make_driver()[0].description
    status.details_while_running(run, description)
    status.id_matches_url(run, description)
    status.answers_200_json(run, description)
    status.state_names_known(run, description)
    transitions.follows_state_model(run, description)


def _progress_back(n: int) -> httpx.Response:
    return _running(n, progress=3) if n == 150 else _correct(n)


def _other_id(n: int) -> httpx.Response:
    return _running(n, operationId="op2") if n == 150 else _correct(n)


def _blank_message(n: int) -> httpx.Response:
    if n == 150:
        return _running(n, msg=" " * 5_000, progress=None)
    return _correct(n)


def _long_message(n: int) -> httpx.Response:
    return _running(n, msg=" " * 2_000 + "copying" + "y" * 5_000) if n == 150 else _correct(n)


@pytest.mark.parametrize(
    ("answer", "check", "requirement"),
    [
        (_progress_back, status.details_while_running, "STATUS-DETAILS"),
        (_other_id, status.id_matches_url, "STATUS-ID-MATCH"),
        (_blank_message, status.details_while_running, "STATUS-DETAILS"),
    ],
    ids=["progress-goes-back", "another-id", "blank-message"],
)
@respx.mock
def test_a_fault_in_a_thinned_read_is_still_caught(answer, check, requirement):
    run = _run(answer)
    assert run.polls[149].thinned, "the faulty read is one of the middle ones"
    with pytest.raises(ConformanceFailure) as failure:
        check(run, make_driver()[0].description)
    assert failure.value.requirement.id == requirement
    assert run.polls[149].exchange in failure.value.exchanges


@respx.mock
def test_a_long_message_cut_in_a_thinned_read_is_still_a_message():
    run = _run(_long_message)
    assert run.polls[149].thinned
    assert str(run.polls[149].body["msg"]).startswith("copying")
    status.details_while_running(run, make_driver()[0].description)


@respx.mock
def test_a_read_unlike_the_one_before_is_kept_whole():
    def odd(n: int) -> httpx.Response:
        return _running(n, note="the disk is slow") if n == 150 else _correct(n)

    run = _run(odd)
    odd_read, after = run.polls[149], run.polls[150]
    assert not odd_read.thinned and b"the disk is slow" in odd_read.exchange.body
    assert not after.thinned, "the read after it differs from it too"
    assert run.polls[148].thinned and run.polls[151].thinned
    assert run.notable == 2


@respx.mock
def test_reads_kept_for_looking_new_are_bounded_too():
    def alternating(n: int) -> httpx.Response:
        return _running(n, status="QUEUED") if n % 2 and n <= READS else _correct(n)

    run = _run(alternating)
    assert run.notable == KEEP
    assert _held(run) < (3 * KEEP + 1) * (PADDING + 1_000)
