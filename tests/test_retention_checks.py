"""Retention arithmetic: brackets, probe placement and what each probe may conclude.

A respx server computes state and expiry from the same virtual clock as the
suite, so a window 1 % off is set up exactly and must be caught exactly.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
import respx

from conformance.budget import PROFILES
from conformance.checks.retention import gone_after_window, kept_for_window
from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import Driver, Exchange, Poll, read_state
from conformance.retention import Bracket, Retained, _never_issued_url, observe
from conformance.schedule import Slot
from conformance.session import ConformanceSession
from conformance.target import resolve
from conformance.verdicts import ConformanceFailure, Inconclusive

BASE = "http://api.test"
DURATION = 4.0


def _server(clock: VirtualClock, completed_window: float, timed_out_window: float) -> None:
    """A contract-following server on respx: ops complete after DURATION, then expire."""
    ops: dict[str, tuple[float, str]] = {}

    def submit(request: httpx.Request) -> httpx.Response:
        op_id = f"op{len(ops) + 1}"
        scenario = request.read().decode()
        ops[op_id] = (clock.now(), "timeout" if "timeout" in scenario else "success")
        return httpx.Response(202, headers={"Location": f"/ops/{op_id}"})

    def status(request: httpx.Request, op_id: str) -> httpx.Response:
        if op_id not in ops:
            return httpx.Response(404)
        submitted, kind = ops[op_id]
        now = clock.now()
        if kind == "timeout":
            alive = now < submitted + timed_out_window
            return httpx.Response(200, json={"status": "RUNNING"}) if alive else httpx.Response(404)
        done = now >= submitted + DURATION
        if done and now >= submitted + DURATION + completed_window:
            return httpx.Response(404)
        return httpx.Response(200, json={"status": "SUCCESS" if done else "RUNNING"})

    respx.post(f"{BASE}/submit").mock(side_effect=submit)
    respx.get(url__regex=rf"{BASE}/ops/(?P<op_id>[\w-]+)").mock(side_effect=status)


def _observe(completed: float, timed_out: float, tolerance: float, described: float = 300.0):
    description = parse(
        {
            "base_url": BASE,
            "scenarios": {
                "success": {"path": "/submit", "json": "success"},
                "timeout": {"path": "/submit", "json": "timeout"},
            },
            "retention": {"tolerance": tolerance, "completed": described},
        },
        "test",
    ).effective
    clock = VirtualClock()
    _server(clock, completed, timed_out)
    driver = Driver(httpx.Client(base_url=BASE), description, clock)
    return observe(driver, real_clock=False), description


@pytest.mark.parametrize(
    ("completed", "kept", "gone"),
    [
        (300.0, True, True),  # exact
        (297.0, False, True),  # 1 % short
        (303.0, True, False),  # 1 % long, with a 1 s tolerance
    ],
)
@respx.mock
def test_a_window_one_percent_off_is_caught(completed, kept, gone):
    observation, description = _observe(completed, 3600.0, tolerance=1.0)
    retained = observation.completed["success"]
    assert isinstance(retained, Retained)
    assert retained.start.width <= observation.resolution + 1e-9
    assert observation.resolution == pytest.approx(0.3)

    def outcome(check, *args) -> bool:
        try:
            check(*args)
        except ConformanceFailure:
            return False
        return True

    assert outcome(kept_for_window, "RETAIN-COMPLETED", retained, description) is kept
    assert outcome(gone_after_window, "EXPIRE-COMPLETED", retained, description) is gone


@pytest.mark.parametrize(
    ("timed_out", "kept", "gone"), [(3600.0, True, True), (300.0, False, True)]
)
@respx.mock
def test_timed_out_window_counts_from_submission(timed_out, kept, gone):
    observation, _ = _observe(300.0, timed_out, tolerance=1.0)
    retained = observation.timed_out
    assert isinstance(retained, Retained) and retained.window == 3600.0
    assert retained.start.width == 0.0  # the virtual clock does not move during the 202
    assert (retained.inside.result.exchange.status == 200) is kept
    assert (retained.outside.result.exchange.status == 404) is gone


def _retained(start: Bracket, window: float, inside: tuple[float, float, int]) -> Retained:
    sent, received, status = inside
    exchange = Exchange(1, "probe", "GET", f"{BASE}/ops/1", [], b"", sent, received, status)
    body = {"status": "SUCCESS"} if status == 200 else None
    poll = Poll(exchange, body, read_state(_description().dialect, status, body), 0, None)
    slot: Slot[Poll] = Slot(sent, "inside", lambda: poll, started=sent, result=poll)
    return Retained("success", window, start, slot, slot)


def _description():
    return parse({"retention": {"tolerance": 1.0}}, "test").effective


def test_a_gone_answer_that_came_too_late_to_tell_is_inconclusive():
    # Completion in (100, 100.2]: the window cannot end before 400. The probe was sent at
    # 399.9 but answered at 400.1, after that earliest end: it proves nothing.
    retained = _retained(Bracket(100.0, 100.2), 300.0, (399.9, 400.1, 404))
    with pytest.raises(Inconclusive, match=re.escape("answered 0.100 s after the earliest end")):
        kept_for_window("RETAIN-COMPLETED", retained, _description())


def test_a_gone_answer_before_the_earliest_end_is_a_failure():
    retained = _retained(Bracket(100.0, 100.2), 300.0, (399.7, 399.8, 404))
    with pytest.raises(ConformanceFailure, match=re.escape("at most 299.800 s into")):
        kept_for_window("RETAIN-COMPLETED", retained, _description())


def test_a_bracket_wider_than_the_tolerance_is_inconclusive_not_pass():
    retained = _retained(Bracket(100.0, 103.0), 300.0, (399.0, 399.0, 200))
    with pytest.raises(Inconclusive, match=re.escape("(completion known within 3.000 s)")):
        kept_for_window("RETAIN-COMPLETED", retained, _description())


def test_an_available_answer_far_before_the_edge_is_inconclusive():
    # The probe saw 200 only 298 s into a 300 s window: a 299 s window would look the same.
    retained = _retained(Bracket(100.0, 100.2), 300.0, (398.0, 398.0, 200))
    with pytest.raises(Inconclusive, match="from the latest end"):
        kept_for_window("RETAIN-COMPLETED", retained, _description())


def test_a_gone_answer_long_after_the_edge_is_inconclusive():
    # Gone at 320 s proves nothing about a window that should end at 301 s.
    retained = _retained(Bracket(100.0, 100.2), 300.0, (420.0, 420.0, 404))
    with pytest.raises(Inconclusive, match="from the earliest expiry"):
        gone_after_window("EXPIRE-COMPLETED", retained, _description())


@pytest.mark.parametrize(
    ("check", "probe", "status"),
    [
        (kept_for_window, (399.9, 399.9), None),
        (kept_for_window, (399.9, 399.9), 503),
        (gone_after_window, (401.3, 401.3), None),
    ],
)
def test_a_probe_without_a_usable_answer_is_inconclusive(check, probe, status):
    retained = _retained(Bracket(100.0, 100.2), 300.0, (*probe, status or 0))
    if status is None:
        retained.inside.result.exchange.error = "ConnectError: reset"  # type: ignore[union-attr]
        retained.inside.result.exchange.status = None  # type: ignore[union-attr]
    with pytest.raises(Inconclusive, match="no usable answer"):
        check("RETAIN-COMPLETED", retained, _description())


@pytest.mark.parametrize(
    ("url", "operation_id", "expected"),
    [
        ("http://a.test/v1/operationStatus/1", "1", "/v1/operationStatus/never-issued-"),
        ("http://a.test/ops/abc/status", "abc", "/ops/never-issued-"),
        ("http://a.test/ops/abc/", "abc", "/ops/never-issued-"),
        ("http://a.test/v1/operations/abc", "operations/abc", "/v1/operations/never-issued-"),
        ("http://a.test/ops?id=abc", "abc", "/ops?id=never-issued-"),
        # The rightmost place the id sits: here the tenant happens to share it.
        ("http://a.test/v1/tenants/7/operations/7", "7", "/v1/tenants/7/operations/never-issued-"),
        # Where the id is not seen, or there is none, nothing is guessed.
        ("http://a.test/ops/abc", None, None),
        ("http://a.test/nodes/n2/states", "7f3a", None),
    ],
)
def test_never_issued_ids_replace_only_the_id(url, operation_id, expected):
    made = _never_issued_url(httpx.URL(url), operation_id)
    if expected is None:
        assert isinstance(made, str), "a reason, not a guessed URL"
    else:
        assert isinstance(made, httpx.URL) and expected in str(made)
        assert str(made).count("never-issued-") == 1
        assert str(made).endswith("/") == url.endswith("/")


@respx.mock
def test_a_window_shorter_than_the_poll_interval_ends_in_bounded_time():
    started = time.monotonic()
    observation, _ = _observe(completed=0.5, timed_out=3600.0, tolerance=0.0, described=0.5)
    assert time.monotonic() - started < 10
    assert observation.resolution == pytest.approx(0.001)
    assert isinstance(observation.completed["success"], Retained)


def test_each_probe_says_in_words_what_it_waits_for():
    # The words of the line printed before a long wall-clock wait.
    session = ConformanceSession(resolve("builtin", None, None, "virtual", []), PROFILES["smoke"])
    try:
        observed = session.retention()
    finally:
        session.close()
    abouts = {
        name: (kept.inside.about, kept.outside.about)
        for name, kept in [*observed.completed.items(), ("timeout", observed.timed_out)]
        if isinstance(kept, Retained)
    }
    assert abouts == {
        "success": (
            "the end of the success operation's completed window",
            "the success operation's id to expire",
        ),
        "failure": (
            "the end of the failure operation's completed window",
            "the failure operation's id to expire",
        ),
        "timeout": (
            "the end of the timeout operation's timed-out window",
            "the timeout operation's id to expire",
        ),
    }
