"""The record of each operation (`driver/_operations.py`) and what the report makes of it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conformance.description import Role, parse
from conformance.driver import (
    Exchange,
    Operations,
    Poll,
    Reading,
    Redactor,
    Submission,
    Traced,
)
from conformance.report._operations import operation_records
from tests.support.driving import BASE
from tests.support.records import exchange_with

RUNNING, SUCCESS = Role.RUNNING, Role.SUCCESS


def _submission(url: str | None) -> Submission:
    return Submission(
        "success", exchange_with(), status_url=None if url is None else httpx.URL(url)
    )


T0 = 1_000.0


SECRET = "s3cr3t"


def _read_at(index: int, at: float, status: int | None = 200, error: str | None = None):
    return Exchange(
        index,
        f"poll {index} {SECRET}",
        "GET",
        "http://t.example/op",
        [],
        b"",
        sent_at=T0 + at,
        received_at=T0 + at + 0.5,
        status=status,
        error=error,
    )


def _poll(index: int, at: float, state: str | None, role: Role | None, **exchange: Any) -> Poll:
    reading = Reading(state, role, "field" if state is not None else "nothing")
    return Poll(_read_at(index, at, **exchange), None, reading, 0.0, None)


def _traced(scenario: str, reads: list[Poll], origin: str = "cases") -> Traced:
    submission = Submission(
        scenario,  # type: ignore[arg-type]
        _read_at(1, 0.0, status=202),
        status_url=httpx.URL(f"http://t.example/op/{SECRET}"),
        operation_id=f"id-{SECRET}",
    )
    return Traced(7, submission, origin, reads)


def _description(**raw: Any):
    return parse(raw, "t").effective


def _records(traced: Traced, **raw: Any) -> list[dict[str, Any]]:
    return operation_records([traced], _description(**raw), Redactor([SECRET]))


def test_operations_are_numbered_as_accepted_and_unfollowed_ones_are_not():
    operations = Operations()
    operations.accepted(_submission(None))
    operations.accepted(_submission(f"{BASE}/op/1"))
    operations.accepted(_submission(f"{BASE}/op/2"))
    assert [(t.number, t.origin) for t in operations] == [(1, "cases"), (2, "cases")]
    assert len(operations) == 2


def test_operations_made_meanwhile_are_the_named_makers_until_it_ends():
    operations = Operations()
    with pytest.raises(KeyError), operations.made_by("probes"):
        operations.accepted(_submission(f"{BASE}/op/1"))
        with operations.made_by("retention"):
            operations.accepted(_submission(f"{BASE}/op/2"))
        operations.accepted(_submission(f"{BASE}/op/3"))
        raise KeyError
    operations.accepted(_submission(f"{BASE}/op/4"))
    assert [t.origin for t in operations] == ["probes", "retention", "probes", "cases"]


def test_reads_follow_their_operation_also_where_it_moved():
    operations = Operations()
    operations.accepted(_submission(f"{BASE}/op/1"))
    operations.accepted(_submission(f"{BASE}/op/2"))
    first, second = list(operations)
    operations.read(httpx.URL(f"{BASE}/op/1"), "a")
    operations.read(f"{BASE}/elsewhere", "lost")
    operations.moved(f"{BASE}/op/1", f"{BASE}/moved/1")
    operations.moved(f"{BASE}/op/2", f"{BASE}/op/1")  # already someone's: stays theirs
    operations.moved(f"{BASE}/unknown", f"{BASE}/op/9")
    operations.read(f"{BASE}/moved/1", "b")
    operations.read(f"{BASE}/op/1", "c")
    operations.read(f"{BASE}/op/9", "lost")
    assert (first.reads, second.reads) == (["a", "b", "c"], [])


def test_adopted_operations_are_numbered_after_this_ones():
    operations = Operations()
    operations.accepted(_submission(f"{BASE}/op/1"))
    others = [Traced(1, _submission(f"{BASE}/x/1"), "probes"), Traced(1, _submission(None))]
    operations.adopt(others)
    assert [(t.number, t.origin) for t in operations] == [(1, "cases"), (2, "probes"), (3, "cases")]


def test_an_operation_record_has_its_reads_completion_and_window_redacted():
    reads = [
        _poll(2, 2.0, "RUNNING", RUNNING),
        _poll(3, 4.0, f"SUCCESS{SECRET}", SUCCESS),
        _poll(4, 6.0, "SUCCESS", SUCCESS),
        _poll(5, 400.0, None, None, status=404),
        _poll(6, 401.0, None, None, status=None, error=f"timed out {SECRET}"),
    ]
    [record] = _records(_traced("success", reads, origin="model"))
    assert record == {
        "number": 7,
        "scenario": "success",
        "origin": "model",
        "status_url": "http://t.example/op/[secret]",
        "operation_id": "id-[secret]",
        "submitted": {"exchange": 1, "sent_at": T0, "received_at": T0 + 0.5, "status": 202},
        "reads": [
            {
                "exchange": 2,
                "label": "poll 2 [secret]",
                "sent_at": T0 + 2,
                "received_at": T0 + 2.5,
                "status": 200,
                "error": None,
                "state": "RUNNING",
                "role": "running",
                "available": True,
                "gone": False,
            },
            {
                "exchange": 3,
                "label": "poll 3 [secret]",
                "sent_at": T0 + 4,
                "received_at": T0 + 4.5,
                "status": 200,
                "error": None,
                "state": "SUCCESS[secret]",
                "role": "success",
                "available": True,
                "gone": False,
            },
            {
                "exchange": 4,
                "label": "poll 4 [secret]",
                "sent_at": T0 + 6,
                "received_at": T0 + 6.5,
                "status": 200,
                "error": None,
                "state": "SUCCESS",
                "role": "success",
                "available": True,
                "gone": False,
            },
            {
                "exchange": 5,
                "label": "poll 5 [secret]",
                "sent_at": T0 + 400,
                "received_at": T0 + 400.5,
                "status": 404,
                "error": None,
                "state": None,
                "role": None,
                "available": False,
                "gone": True,
            },
            {
                "exchange": 6,
                "label": "poll 6 [secret]",
                "sent_at": T0 + 401,
                "received_at": T0 + 401.5,
                "status": None,
                "error": "timed out [secret]",
                "state": None,
                "role": None,
                "available": False,
                "gone": False,
            },
        ],
        # From the last read that still ran to the first that had completed.
        "completed_between": [T0 + 2, T0 + 4.5],
        "outcome": "success",
        "window": {
            "kind": "completed",
            "seconds": 300.0,
            "tolerance": 5.0,
            "starts_between": [T0 + 2, T0 + 4.5],
            "must_answer_until": T0 + 302,
            "must_be_gone_after": T0 + 309.5,
        },
    }


@pytest.mark.parametrize(
    ("status", "error", "expired", "gone"),
    [
        (404, None, [404], True),
        (410, None, [404, 410], True),
        (410, None, [404], False),  # not an answer the description lists as expired
        (404, "reset", [404], False),  # a transport error is no answer at all
        (200, None, [404], False),
    ],
)
def test_a_read_is_gone_when_it_answers_an_expired_status(status, error, expired, gone):
    reads = [_poll(2, 2.0, None, None, status=status, error=error)]
    [record] = _records(_traced("success", reads), retention={"expired_status": expired})
    assert record["reads"][0]["gone"] is gone
    assert record["reads"][0]["error"] == error


def test_an_operation_without_a_terminal_read_has_no_completion_or_window():
    [record] = _records(_traced("success", [_poll(2, 2.0, "RUNNING", RUNNING)]))
    assert (record["completed_between"], record["outcome"], record["window"]) == (None, None, None)
    [bare] = _records(_traced("success", []))
    assert (bare["reads"], bare["completed_between"], bare["outcome"]) == ([], None, None)


def test_an_operation_without_an_id_records_none():
    traced = _traced("success", [])
    traced.submission.operation_id = ""
    [record] = _records(traced)
    assert record["operation_id"] is None


def test_a_terminal_read_first_bounds_completion_from_the_submission():
    [record] = _records(_traced("failure", [_poll(2, 3.0, "FAILED", Role.FAILURE)]))
    assert record["completed_between"] == [T0, T0 + 3.5]
    assert record["outcome"] == "failure"
    assert record["window"]["kind"] == "completed"
    assert record["window"]["starts_between"] == [T0, T0 + 3.5]


def test_a_cancelled_operation_has_no_window():
    [record] = _records(_traced("success", [_poll(2, 3.0, "CANCELLED", Role.CANCELLED)]))
    assert (record["outcome"], record["window"]) == ("cancelled", None)
    assert record["completed_between"] == [T0, T0 + 3.5]


@pytest.mark.parametrize(
    ("skipped", "drawn"),
    [
        ({}, True),
        ({"RETAIN-COMPLETED": "no window"}, True),
        ({"EXPIRE-COMPLETED": "no window"}, True),
        ({"RETAIN-COMPLETED": "no window", "EXPIRE-COMPLETED": "no window"}, False),
        (
            {"RETAIN-COMPLETED": "a", "EXPIRE-COMPLETED": "b", "RETAIN-TIMEOUT": "c"},
            False,
        ),
    ],
)
def test_a_completed_window_is_drawn_unless_the_dialect_has_neither_of_its_checks(skipped, drawn):
    reads = [_poll(2, 3.0, "SUCCESS", SUCCESS)]
    [record] = _records(_traced("success", reads), dialect={"not_applicable": skipped})
    assert (record["window"] is not None) is drawn


@pytest.mark.parametrize(
    ("retention", "offset"),
    [
        ({}, 0.0),
        ({"timeout_anchor": "submission", "operation_timeout": 30}, 0.0),
        ({"timeout_anchor": "timeout", "operation_timeout": 30}, 30.0),
    ],
)
def test_a_timed_out_window_starts_at_the_submission_or_the_timeout(retention, offset):
    skipped = {"RETAIN-COMPLETED": "a", "EXPIRE-COMPLETED": "b"}  # not the timed-out window's
    reads = [_poll(2, 3.0, "RUNNING", RUNNING)]
    [record] = _records(
        _traced("timeout", reads),
        retention={"timed_out": 600, "tolerance": 2, **retention},
        dialect={"not_applicable": skipped},
    )
    assert record["window"] == {
        "kind": "timed-out",
        "seconds": 600.0,
        "tolerance": 2.0,
        "starts_between": [T0 + offset, T0 + offset + 0.5],
        "must_answer_until": T0 + offset + 600,
        "must_be_gone_after": T0 + offset + 0.5 + 600 + 2,
    }


def test_a_timed_out_window_the_dialect_does_not_judge_is_not_drawn():
    reads = [_poll(2, 3.0, "SUCCESS", SUCCESS)]
    traced = _traced("timeout", reads)
    [record] = _records(traced, dialect={"not_applicable": {"RETAIN-TIMEOUT": "none"}})
    assert record["window"] is None
    assert record["completed_between"] == [T0, T0 + 3.5]
