"""RETAIN-* and EXPIRE-*: what the brackets and probes of the retention observation let a
check conclude, and where doubt is WARN rather than FAIL."""

from __future__ import annotations

import re
import time

import httpx
import pytest
import respx

from conformance.budget import PROFILES
from conformance.checks import (
    retention,
)
from conformance.checks.retention import gone_after_window, kept_for_window
from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import Driver, Exchange, Poll, read_state
from conformance.retention import Bracket, Retained, Unobserved, _never_issued_url, observe
from conformance.schedule import Slot
from conformance.session import ConformanceSession
from conformance.target import resolve
from conformance.verdicts import (
    Blocked,
    ConformanceFailure,
    Inconclusive,
    NotObserved,
)
from tests.support.checks import (
    KEEP,
    citing,
    make_exchange,
    make_poll,
    make_probe,
    make_probed,
    make_retained,
    raises_verdict,
)
from tests.support.retention import ORIGIN

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

    respx.post(f"{ORIGIN}/submit").mock(side_effect=submit)
    respx.get(url__regex=rf"{ORIGIN}/ops/(?P<op_id>[\w-]+)").mock(side_effect=status)


def _observe(completed: float, timed_out: float, tolerance: float, described: float = 300.0):
    description = parse(
        {
            "base_url": ORIGIN,
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
    driver = Driver(httpx.Client(base_url=ORIGIN), description, clock)
    return observe(driver, real_clock=False), description


def _retained(start: Bracket, window: float, inside: tuple[float, float, int]) -> Retained:
    sent, received, status = inside
    exchange = Exchange(1, "probe", "GET", f"{ORIGIN}/ops/1", [], b"", sent, received, status)
    body = {"status": "SUCCESS"} if status == 200 else None
    poll = Poll(exchange, body, read_state(_description().dialect, status, body), 0, None)
    slot: Slot[Poll] = Slot(sent, "inside", lambda: poll, started=sent, result=poll)
    return Retained("success", window, start, slot, slot)


def _description():
    return parse({"retention": {"tolerance": 1.0}}, "test").effective


def test_no_operation_to_observe_blocks():
    with raises_verdict(Blocked) as blocked:
        retention.observed_operation(None, "timeout")
    assert blocked.value.reason == "no timeout operation could be observed for retention"


def test_an_operation_that_could_not_be_observed_blocks_with_its_reason():
    ex = make_exchange(500)
    with raises_verdict(Blocked) as blocked:
        retention.observed_operation(Unobserved("the 202 had no Location", (ex,)), "success")
    assert blocked.value.reason == "the 202 had no Location"
    assert blocked.value.exchanges == [ex]


def test_an_observed_operation_is_returned():
    retained = make_retained(make_probe(399.5, 399.5, 200))
    assert retention.observed_operation(retained, "success") is retained


def test_a_probe_that_did_not_run_blocks():
    retained = make_retained(make_probe(399.5, 399.5, 200))
    retained.inside = Slot(399.5, "inside", list)
    with raises_verdict(Blocked) as blocked:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert blocked.value.reason == "the inside probe did not run"


def test_an_id_kept_to_within_the_tolerance_of_the_latest_end_passes():
    retained = make_retained(make_probe(399.5, 399.5, 200))  # exactly 1 s before the latest end
    with citing() as cited:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert [c.what for c in cited] == [
        "the id answered 200 at least 299.000 s into its 300 s window"
    ]
    assert cited[0].exchanges == (make_probed(retained),)


def test_a_probe_further_from_the_latest_end_than_the_tolerance_is_inconclusive():
    retained = make_retained(make_probe(398.5, 399.6, 200))  # sent 2 s before the latest end
    with raises_verdict(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.requirement.id == "RETAIN-COMPLETED"
    assert inconclusive.value.reason == (
        "the probe ran 2.000 s from the latest end of the success window (completion known "
        "within 0.500 s), more than the tolerance (1 s): a window off by less would not show"
    )
    assert inconclusive.value.exchanges == [make_probed(retained)]


def test_an_id_gone_when_answered_at_the_earliest_end_fails():
    retained = make_retained(make_probe(399.9, 400.0, 404))
    with raises_verdict(ConformanceFailure) as failure:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert failure.value.requirement.id == "RETAIN-COMPLETED"
    assert failure.value.observed == "404 at most 300.000 s into the success operation's window"
    assert failure.value.expected == "200 with the operation's status for the whole 300 s"
    assert failure.value.hint == (
        "Count the window from completion (or, for a timed-out operation, as "
        "retention.timeout_anchor says), not from an earlier moment."
    )
    assert failure.value.exchanges == [make_probed(retained)]


def test_an_id_gone_when_answered_after_the_earliest_end_is_inconclusive():
    retained = make_retained(make_probe(399.9, 400.25, 404))
    with raises_verdict(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.reason == (
        "the probe was answered 0.250 s after the earliest end of the window"
    )
    assert inconclusive.value.exchanges == [make_probed(retained)]


@pytest.mark.parametrize(("code", "shown"), [(500, "500"), (None, "ConnectError: reset")])
def test_a_probe_inside_the_window_without_a_usable_answer_is_inconclusive(code, shown):
    retained = make_retained(make_probe(399.5, 399.5, code))
    with raises_verdict(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.reason == f"the probe got no usable answer ({shown})"
    assert inconclusive.value.exchanges == [make_probed(retained)]


@pytest.mark.parametrize(
    ("states", "expected"),
    [(["RUNNING"], "RUNNING"), (["RUNNING", "FAILED"], "RUNNING or FAILED")],
)
def test_a_timed_out_operation_in_another_state_fails(states, expected):
    retained = make_retained(make_probe(399.5, 399.5, 200, "SUCCESS"))
    with raises_verdict(ConformanceFailure) as failure:
        retention.kept_for_window("RETAIN-TIMEOUT", retained, KEEP, states)
    assert failure.value.requirement.id == "RETAIN-TIMEOUT"
    assert failure.value.observed == (
        "the timed-out operation shows 'SUCCESS' near the end of its window"
    )
    assert failure.value.expected == f"{expected} (retention.timeout_state) until it expires"
    assert failure.value.exchanges == [make_probed(retained)]


@pytest.mark.parametrize("state", ["RUNNING", "Weird"])
def test_a_timed_out_operation_in_its_state_or_an_unknown_one_is_kept(state):
    retained = make_retained(make_probe(399.5, 399.5, 200, state))
    with citing():
        retention.kept_for_window("RETAIN-TIMEOUT", retained, KEEP, ["RUNNING"])


def test_an_id_still_there_after_the_window_and_tolerance_fails():
    retained = make_retained(make_probe(401.5, 401.5, 200))
    with raises_verdict(ConformanceFailure) as failure:
        retention.gone_after_window("EXPIRE-COMPLETED", retained, KEEP)
    assert failure.value.requirement.id == "EXPIRE-COMPLETED"
    assert failure.value.observed == "200 at least 301.000 s into the success operation's window"
    assert failure.value.expected == "gone (404 or 410) after 300 s and the 1 s tolerance (301 s)"
    assert failure.value.exchanges == [make_probed(retained)]


@pytest.mark.parametrize("code", [404, 400])
def test_an_id_gone_within_the_tolerance_of_the_earliest_expiry_passes(code):
    retained = make_retained(make_probe(401.5, 402.0, code))  # 1 s after the earliest expiry
    with citing() as cited:
        retention.gone_after_window("EXPIRE-COMPLETED", retained, KEEP)
    assert [c.what for c in cited] == [
        f"the id answered {code} at most 302.000 s after its window started"
    ]
    assert cited[0].exchanges == (make_probed(retained),)


@pytest.mark.parametrize(
    ("code", "shown"),
    [(c, str(c)) for c in (401, 403, 407, 408, 429, 502, 503, 504, 500, 303)]
    + [(None, "ConnectError: reset")],
)
def test_a_probe_after_the_window_that_does_not_say_gone_is_inconclusive(code, shown):
    # Unavailable, throttled, refused, failing or redirected: none shows the id is gone.
    retained = make_retained(make_probe(401.5, 402.0, code))
    with raises_verdict(Inconclusive) as inconclusive:
        retention.gone_after_window("EXPIRE-COMPLETED", retained, KEEP)
    assert inconclusive.value.requirement.id == "EXPIRE-COMPLETED"
    assert inconclusive.value.reason == f"the probe got no usable answer ({shown})"
    assert inconclusive.value.exchanges == [make_probed(retained)]


def test_an_id_gone_long_after_the_earliest_expiry_is_inconclusive():
    retained = make_retained(make_probe(402.0, 402.5, 404))
    with raises_verdict(Inconclusive) as inconclusive:
        retention.gone_after_window("EXPIRE-COMPLETED", retained, KEEP)
    assert inconclusive.value.reason.startswith("the probe ran 1.500 s from the earliest expiry")


def test_no_unknown_id_at_all_is_not_observed_and_says_why():
    with raises_verdict(NotObserved) as skipped:
        retention.expired_ids_answer_not_found(KEEP, None, [], "no id in the URL")
    assert skipped.value.reason == (
        "no expired id was seen and no never-issued id was probed (no id in the URL)"
    )
    with raises_verdict(NotObserved) as skipped:
        retention.expired_ids_answer_not_found(KEEP, None, [make_probe(1, 1, 200)])
    assert skipped.value.reason == "no expired id was seen and no never-issued id was probed"


def test_a_never_issued_id_answered_200_fails():
    never = make_exchange(200, b"{}")
    with raises_verdict(ConformanceFailure) as failure:
        retention.expired_ids_answer_not_found(KEEP, never, [])
    assert failure.value.requirement.id == "EXPIRED-404"
    assert failure.value.observed == "a never-issued id answered 200"
    assert failure.value.expected == "404 or 410"
    assert failure.value.hint == (
        "An unknown id is a client's mistake: answer 404, never 2xx or 5xx."
    )
    assert failure.value.exchanges == [never]


def test_an_expired_id_answered_500_fails():
    expired = make_probe(1, 1, 500)
    with raises_verdict(ConformanceFailure) as failure:
        retention.expired_ids_answer_not_found(KEEP, make_exchange(404), [expired])
    assert failure.value.observed == "an expired id answered 500"
    assert failure.value.exchanges == [expired.exchange]


def test_expired_and_never_issued_ids_that_say_nothing_about_the_id_are_inconclusive():
    never, busy, lost = make_exchange(503), make_probe(1, 1, 429), make_probe(2, 2, None)
    stateless = make_poll(
        make_exchange(200, b"{}"), None, KEEP
    )  # answered, but tells no state: not counted
    with raises_verdict(Inconclusive) as inconclusive:
        retention.expired_ids_answer_not_found(KEEP, never, [busy, lost, stateless])
    assert inconclusive.value.requirement.id == "EXPIRED-404"
    assert inconclusive.value.reason == (
        "the probes got no usable answer (503, 429, ConnectError: reset)"
    )
    assert inconclusive.value.exchanges == [never, busy.exchange, lost.exchange]


@pytest.mark.parametrize("code", [401, 403, 407, 408, 429, 502, 503, 504])
def test_an_expired_id_answered_a_code_about_the_request_is_not_judged(code):
    with raises_verdict(Inconclusive) as inconclusive:
        retention.expired_ids_answer_not_found(KEEP, None, [make_probe(1, 1, code)])
    assert inconclusive.value.reason == f"the probes got no usable answer ({code})"


def test_an_expired_id_that_answered_is_judged_beside_ones_that_said_nothing():
    expired, busy = make_probe(1, 1, 500), make_probe(2, 2, 503)
    with raises_verdict(ConformanceFailure) as failure:
        retention.expired_ids_answer_not_found(KEEP, None, [busy, expired])
    assert failure.value.observed == "an expired id answered 500"


def test_expired_and_never_issued_ids_answered_404_or_410_pass():
    never, gone, lost = make_exchange(404), make_probe(1, 1, 410), make_probe(2, 2, None)
    with citing() as cited:
        retention.expired_ids_answer_not_found(KEEP, never, [gone, lost, make_probe(3, 3, 200)])
    assert [c.what for c in cited] == ["2 unknown or expired ids answered 404 or 410"]
    assert cited[0].exchanges == (never, gone.exchange)


@pytest.mark.parametrize("code", [429, 401, 303])
def test_an_inside_probe_that_neither_tells_the_status_nor_says_gone_is_inconclusive(code):
    # Rate-limited, refused or redirected: none of these shows the id was dropped.
    retained = make_retained(make_probe(399.5, 399.5, code))
    with raises_verdict(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.reason == f"the probe got no usable answer ({code})"


@pytest.mark.parametrize("code", [404, 410])
def test_an_inside_probe_answered_gone_fails(code):
    retained = make_retained(make_probe(399.5, 399.5, code))
    with raises_verdict(ConformanceFailure) as failure:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert failure.value.observed == (
        f"{code} at most 299.500 s into the success operation's window"
    )


@pytest.mark.parametrize("code", [400, 422])
def test_a_probe_inside_the_window_refused_otherwise_than_gone_is_inconclusive(code):
    # Inside the window only 404 or 410 says the id is gone: a FAIL there must be certain.
    retained = make_retained(make_probe(399.5, 399.5, code))
    with raises_verdict(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.requirement.id == "RETAIN-COMPLETED"
    assert inconclusive.value.reason == f"the probe got no usable answer ({code})"
    assert inconclusive.value.exchanges == [make_probed(retained)]


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
