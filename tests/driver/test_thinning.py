"""Long operations' reads thinned as they go (`driver/_thinning.py`): what is let go, what the
checks still judge, and faults still caught."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from conformance.checks import status, transitions
from conformance.driver import (
    Poll,
    Redactor,
    Run,
    Submission,
    read_state,
)
from conformance.driver._thinning import FIELD_CHARS, thin_middle
from conformance.verdicts import ConformanceFailure
from tests.support.driving import BASE, SUBMIT, make_driver
from tests.support.records import exchange_with, make_dialect

DIALECT = make_dialect()


READ_HEADERS = frozenset({"retry-after", "content-type"})


def _poll(status=200, state="RUNNING", content_type="application/json", error=None, **extra):
    body = {"operationId": "op1", "status": state, **extra}
    headers = [("Content-Type", content_type), ("Retry-After", "1"), ("X-Trace", "t")]
    exchange = exchange_with(status=status, headers=headers, body=b"0123456789", error=error)
    reading = read_state(DIALECT, status, body)
    return Poll(exchange, body, reading, 1.0, None)


def _run_of(polls, keep, terminal=None, dialect=DIALECT) -> Run:
    run = Run(Submission("success", exchange_with()))
    run.terminal_index = terminal
    for poll in polls:
        run.polls.append(poll)
        thin_middle(run, keep, dialect, READ_HEADERS)
    return run


def _thinned(run: Run) -> list[int]:
    return [n for n, p in enumerate(run.polls) if p.thinned]


def _thin_one(body, dialect=DIALECT) -> Poll:
    """The middle one of three reads alike, thinned."""
    poll = _run_of([_poll(**body) for _ in range(3)], keep=1, dialect=dialect).polls[1]
    assert poll.thinned
    return poll


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


def test_only_reads_between_the_first_and_last_keep_are_thinned():
    run = _run_of([_poll() for _ in range(8)], keep=2)
    assert _thinned(run) == [2, 3, 4, 5]
    assert (run.thinned, run.notable) == (4, 0)


def test_the_terminal_read_is_never_thinned():
    run = _run_of([_poll() for _ in range(8)], keep=2, terminal=3)
    assert _thinned(run) == [2, 4, 5]


@pytest.mark.parametrize(
    "changed",
    [
        {"status": 201},
        {"state": "SUCCESS"},
        {"content_type": "text/plain"},
        {"error": "reset"},
        {"extra": 1},
    ],
)
def test_a_read_that_looks_new_is_kept_whole_up_to_keep_of_them(changed):
    polls = [_poll() for _ in range(9)]
    polls[3], polls[5] = _poll(**changed), _poll(**changed)
    run = _run_of(polls, keep=2)
    # 3 and 4 differ from the read before (4 changes back), 5 is over the limit of notables.
    assert _thinned(run) == [2, 5, 6]
    assert (run.thinned, run.notable) == (3, 2)


def test_a_read_is_compared_with_the_shape_its_neighbour_had_before_it_was_thinned():
    run = _run_of([_poll(padding="p") for _ in range(7)], keep=1)
    assert _thinned(run) == [1, 2, 3, 4, 5]
    assert run.notable == 0


def test_fields_past_the_first_fifty_do_not_make_a_read_look_new():
    many = {f"a{n:02}": 1 for n in range(50)}  # before operationId and status, sorted
    polls = [_poll(**many, b1=1) for _ in range(5)]
    polls[2] = _poll(**many, b0=1)
    run = _run_of(polls, keep=1)
    assert _thinned(run) == [1, 2, 3]


def test_a_thinned_read_keeps_what_the_checks_read():
    run = _run_of([_poll(msg="m", progress=3, padding="p") for _ in range(3)], keep=1)
    poll = run.polls[1]
    ex = poll.exchange
    assert (ex.body, ex.body_dropped) == (b"", 10)
    assert ex.headers == [("Content-Type", "application/json"), ("Retry-After", "1")]
    assert ex.headers_dropped == 1  # X-Trace
    assert poll.body == {"operationId": "op1", "status": "RUNNING", "msg": "m", "progress": 3}
    assert poll.state == "RUNNING" and poll.thinned


def test_dropped_headers_add_to_those_dropped_before():
    polls = [_poll() for _ in range(3)]
    polls[1].exchange.headers_dropped = 5
    assert _run_of(polls, keep=1).polls[1].exchange.headers_dropped == 6


def test_a_field_missing_does_not_stop_the_others_from_being_kept():
    assert _thin_one({"progress": 3}).body == {
        "operationId": "op1",
        "status": "RUNNING",
        "progress": 3,
    }


def test_long_fields_are_cut_dropped_or_emptied_at_field_chars():
    at = FIELD_CHARS
    assert at == 1024
    body = {
        "operationId": "i" * (at + 1),
        "msg": "  " + "m" * at + "tail",
        "progress": ["x" * (at - 3)],  # its JSON is FIELD_CHARS + 1 characters
    }
    poll = _thin_one(body)
    assert poll.body == {"status": "RUNNING", "msg": "m" * at, "progress": []}
    assert poll.reading.raw == "RUNNING"


def test_fields_at_field_chars_are_kept_as_they_are():
    at = 1024
    body = {"operationId": "i" * at, "msg": " " + "m" * (at - 1), "progress": ["x" * (at - 4)]}
    blank = {"msg": " " * (at + 1)}
    poll = _thin_one(body)
    assert poll.body == {"status": "RUNNING", **body}
    poll = _thin_one(blank)
    assert poll.body["msg"] == " " * at


def test_nested_fields_share_their_parents_when_thinned():
    dialect = make_dialect(
        message_field="detail.msg",
        progress_field="/detail/p~1q~0r",
        error_field="detail.err",
        done={"field": "x.done"},
    )
    body = {"detail": {"msg": "m", "p/q~r": 5, "err": 0, "o": 1}, "x": {"done": False}}
    poll = _thin_one(body, dialect)
    assert poll.body == {
        "operationId": "op1",
        "status": "RUNNING",
        "detail": {"msg": "m", "p/q~r": 5, "err": 0},
        "x": {"done": False},
    }


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
