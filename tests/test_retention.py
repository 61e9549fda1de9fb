"""The retention observation (`retention.py`): brackets, twins, probes just inside and outside
each window, on a scripted server and the virtual clock."""

from __future__ import annotations

import math
import re
from typing import Any

import httpx
import pytest
import respx

from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import Driver, Exchange, Poll, Run, Submission, read_state
from conformance.retention import (
    Bracket,
    Retained,
    RetentionObservation,
    Unobserved,
    _never_issued_url,
    _resolution,
    completion,
    longest_wait,
    observe,
    with_id,
)
from conformance.schedule import Slot
from tests.support.retention import (
    ORIGIN,
    T0,
    Op,
    ScriptedServer,
    scripted_description,
    scripted_driver,
)

NEVER_ISSUED = re.compile(r"http://api\.test/ops/never-issued-[0-9a-f]{32}")


def _labels(exchanges: Any) -> list[str]:
    return [e.label for e in exchanges]


def _cookie(exchange: Exchange) -> str | None:
    return next((v for k, v in exchange.request_headers if k.lower() == "cookie"), None)


def _sent(driver: Driver, prefix: str) -> list[Exchange]:
    return [e for e in driver.transcript if e.label.startswith(prefix)]


def _fine_polls(driver: Driver, scenario: str = "success") -> list[tuple[str, float]]:
    return [(e.label, e.sent_at) for e in _sent(driver, f"retention {scenario} fine poll")]


#: Status reads that tell no state, and what the reason says of each.
UNTOLD = [
    (Op(code=500), "answered 500"),
    (Op(tells_state=False), "answered 200"),
    (Op(fails=True), "got no answer (ReadError: reset)"),
]


def _not_applicable(*requirements: str) -> dict[str, Any]:
    return {"not_applicable": {r: "not in this contract" for r in requirements}}


SLOW = Op(accept_latency=0.125, read_latency=0.125)


def _exchange(label: str, sent: float, received: float, status: int) -> Exchange:
    return Exchange(0, label, "GET", f"{ORIGIN}/ops/1", [], b"", sent, received, status)


def _poll(sent: float, received: float, status: int, state: str | None) -> Poll:
    body = {"status": state} if state else None
    dialect = scripted_description().dialect
    exchange = _exchange("poll", sent, received, status)
    return Poll(exchange, body, read_state(dialect, status, body), 0.0, None)


def _run(*polls: Poll, terminal: int | None) -> Run:
    submission = Submission("success", _exchange("submit", 10.0, 10.5, 202))
    return Run(submission, list(polls), terminal_index=terminal)


def test_a_declared_operation_timeout_alone_does_not_lengthen_the_announced_wait():
    # operation_timeout moves the window's start only with timeout_anchor = "timeout".
    description = scripted_description(("timeout",), retention={"operation_timeout": 60.0})
    assert longest_wait(description) == 3600.0 + 1.0


@respx.mock
def test_a_declared_operation_timeout_alone_leaves_the_window_starting_at_submission():
    driver = scripted_driver(
        ("timeout",), ops={"timeout": [Op(accept_latency=0.5)]}, retention={"operation_timeout": 60}
    )
    retained = observe(driver, real_clock=False).timed_out
    assert isinstance(retained, Retained)
    assert retained.start == Bracket(1000.0, 1000.5)
    assert retained.inside.at == 1000.0 + 3600.0 - 0.25
    assert retained.outside.at == 1000.5 + 3600.0 + 1.0 + 0.25


@respx.mock
def test_when_the_first_is_bracketed_more_finely_its_probes_speak_of_its_scenario():
    # Each read of the twin takes 0.6 s, so the first operation's bracket is the finer one.
    driver = scripted_driver(ops={"success": [Op(), Op(read_latency=0.6)]}, kept=250.0)
    retained = observe(driver, real_clock=False).completed["success"]
    assert isinstance(retained, Retained)
    first = retained.runs[0]
    assert retained.start == completion(first) == Bracket(1003.0, 1004.0)
    assert retained.scenario == "success"
    assert retained.inside.about == "the end of the success operation's completed window"
    assert retained.outside.about == "the success operation's id to expire"
    assert retained.inside.result is not None and retained.outside.result is not None
    probes = [retained.inside.result.exchange, retained.outside.result.exchange]
    assert [(e.label, e.url) for e in probes] == [
        ("retention success inside the window", "http://api.test/ops/success1"),
        ("retention success after the window", "http://api.test/ops/success1"),
    ]


@respx.mock
def test_the_twin_polled_in_fine_steps_carries_the_probes():
    driver = scripted_driver(kept=250.0)
    observation = observe(driver, real_clock=False)
    # The first operation ran 1000-1006 and completed in (1003, 1004]; its twin, submitted
    # at 1006, is first read one step before its first's lead of 3 s, then every 0.25 s.
    assert _fine_polls(driver) == [
        ("retention success fine poll 1", 1008.75),
        ("retention success fine poll 2", 1009.0),
        ("retention success fine poll 3", 1009.25),
        ("retention success fine poll 4", 1009.5),
        ("retention success fine poll 5", 1009.75),
        ("retention success fine poll 6", 1010.0),
    ]
    assert {_cookie(e) for e in _sent(driver, "retention success")} == {"session=success2"}
    assert (observation.resolution, observation.margin) == (0.25, 0.25)
    retained = observation.completed["success"]
    assert isinstance(retained, Retained)
    assert (retained.scenario, retained.window) == ("success", 250.0)
    assert retained.start == Bracket(1009.75, 1010.0)
    first, twin = retained.runs
    assert str(first.submission.status_url) == f"{ORIGIN}/ops/success1"
    assert str(twin.submission.status_url) == f"{ORIGIN}/ops/success2"
    assert twin.terminal_index == 5
    assert retained.terminal is twin.polls[5]
    inside, outside = retained.inside, retained.outside
    assert (inside.at, inside.label) == (1009.75 + 250.0 - 0.25, "inside")
    assert (outside.at, outside.label) == (1010.0 + 250.0 + 1.0 + 0.25, "outside")
    assert inside.about == "the end of the success operation's completed window"
    assert outside.about == "the success operation's id to expire"
    assert inside.result is not None and outside.result is not None
    probes = [inside.result.exchange, outside.result.exchange]
    assert [(e.label, e.url, e.status, _cookie(e)) for e in probes] == [
        ("retention success inside the window", f"{ORIGIN}/ops/success2", 200, "session=success2"),
        ("retention success after the window", f"{ORIGIN}/ops/success2", 404, "session=success2"),
    ]


@respx.mock
def test_a_failure_scenario_declared_alone_is_observed():
    driver = scripted_driver(("failure",))
    observation = observe(driver, real_clock=False)
    assert list(observation.completed) == ["failure"]
    retained = observation.completed["failure"]
    assert isinstance(retained, Retained)
    assert retained.start == Bracket(1009.75, 1010.0)
    assert retained.inside.about == "the end of the failure operation's completed window"
    assert retained.terminal is not None and retained.terminal.state == "FAILED"


@respx.mock
def test_a_twin_as_precise_as_its_first_carries_the_probes():
    # Polling every 0.25 s brackets the first as finely as the fine polls do: a tie goes to
    # the twin.
    driver = scripted_driver(polling={"interval": 0.25})
    retained = observe(driver, real_clock=False).completed["success"]
    assert isinstance(retained, Retained)
    first, twin = retained.runs
    assert completion(first) == Bracket(1003.75, 1004.0)
    assert retained.start == completion(twin) == Bracket(1004.5 + 3.75, 1004.5 + 4.0)
    assert retained.terminal is twin.terminal
    assert retained.inside.result is not None
    assert retained.inside.result.exchange.url == f"{ORIGIN}/ops/success2"


@respx.mock
def test_a_twin_with_a_wider_bracket_leaves_the_probes_to_the_first():
    # Each read of the twin takes 0.6 s, so its completion is known only within 1.45 s.
    driver = scripted_driver(ops={"success": [Op(), Op(read_latency=0.6)]}, kept=250.0)
    retained = observe(driver, real_clock=False).completed["success"]
    assert isinstance(retained, Retained)
    first, twin = retained.runs
    bracket = completion(twin)
    assert bracket is not None and bracket.width > 1.0
    assert retained.start == Bracket(1003.0, 1004.0)
    assert retained.terminal is first.terminal
    assert (retained.inside.at, retained.outside.at) == (1252.75, 1255.25)
    assert retained.inside.result is not None and retained.outside.result is not None
    probes = [retained.inside.result.exchange, retained.outside.result.exchange]
    assert [(e.url, e.status, _cookie(e)) for e in probes] == [
        (f"{ORIGIN}/ops/success1", 200, "session=success1"),
        (f"{ORIGIN}/ops/success1", 404, "session=success1"),
    ]


@respx.mock
@pytest.mark.parametrize(("real_clock", "fine_polls"), [(False, 200), (True, 201)])
def test_a_twin_still_running_after_the_fine_polls_leaves_the_probes_to_the_first(
    real_clock, fine_polls
):
    # On the wall clock the twin is first read a margin early (0.5 s: a step of 0.25 s and a
    # quarter of the tolerance), one step more than on the virtual clock: that read comes on
    # top of the 200.
    driver = scripted_driver(ops={"success": [Op(), Op(runs_for=math.inf)]})
    retained = observe(driver, real_clock=real_clock).completed["success"]
    assert isinstance(retained, Retained)
    first, twin = retained.runs
    assert len(twin.polls) == fine_polls
    assert twin.terminal_index is None
    assert retained.start == Bracket(1003.0, 1004.0)
    assert retained.terminal is first.terminal
    assert retained.inside.result is not None
    assert retained.inside.result.exchange.url == f"{ORIGIN}/ops/success1"
    # The first operation's probes still speak of its scenario, in the report and its labels.
    assert retained.scenario == "success"
    assert retained.inside.result.exchange.label == "retention success inside the window"


@respx.mock
def test_a_twin_still_running_past_the_polling_budget_leaves_the_probes_to_the_first():
    twin = Op(runs_for=math.inf, accept_latency=0.5)
    driver = scripted_driver(ops={"success": [Op(), twin]}, polling={"budget": 10})
    retained = observe(driver, real_clock=False).completed["success"]
    assert isinstance(retained, Retained)
    polls = _fine_polls(driver)
    # The twin was sent at 1006 (accepted at 1006.5): the last read is the first one more
    # than 10 s after it was sent.
    assert polls[-2:] == [
        ("retention success fine poll 30", 1016.0),
        ("retention success fine poll 31", 1016.25),
    ]
    assert retained.start == Bracket(1003.0, 1004.0)
    assert retained.runs[1].polls[-1].exchange.sent_at == 1016.25


@respx.mock
def test_the_twin_is_first_read_one_step_before_its_first_was_last_seen_running():
    # The first's 202 took 0.5 s: it was sent at 1000 and last seen running 3.5 s later.
    driver = scripted_driver(ops={"success": [Op(accept_latency=0.5)]})
    retained = observe(driver, real_clock=False).completed["success"]
    assert isinstance(retained, Retained)
    first, twin = retained.runs
    assert completion(first) == Bracket(1003.5, 1004.5)
    assert twin.submission.exchange.sent_at == 1006.5
    assert _fine_polls(driver)[0] == ("retention success fine poll 1", 1006.5 + 3.5 - 0.25)


@respx.mock
def test_on_the_wall_clock_the_twin_is_first_read_a_margin_before_its_first_was_last_seen_running():
    # A slot on the wall clock may run late: the twin is read early enough (the latency seen
    # and a quarter of the tolerance) that a late first read still finds it running.
    driver = scripted_driver(ops={"success": [Op(accept_latency=0.5)]})
    observation = observe(driver, real_clock=True)
    retained = observation.completed["success"]
    assert isinstance(retained, Retained)
    assert observation.margin == pytest.approx(0.25 + 2 * 0.5 + 1.0 / 4)
    assert retained.runs[1].submission.exchange.sent_at == 1006.5
    assert _fine_polls(driver)[0] == ("retention success fine poll 1", 1006.5 + 3.5 - 1.5)


@respx.mock
def test_a_first_that_completes_at_once_has_its_twin_read_at_once():
    driver = scripted_driver(ops={"success": [Op(runs_for=0.0), Op(runs_for=0.0)]})
    retained = observe(driver, real_clock=False).completed["success"]
    assert isinstance(retained, Retained)
    # The first ran 1000-1002 (two confirming reads); its twin is read the moment it is sent.
    assert _fine_polls(driver) == [("retention success fine poll 1", 1002.0)]
    assert retained.start == Bracket(1002.0, 1002.0)


@respx.mock
def test_a_twin_without_a_status_url_leaves_its_scenario_unobserved():
    driver = scripted_driver(ops={"success": [Op(), Op(location=False)]})
    unobserved = observe(driver, real_clock=False).completed["success"]
    assert isinstance(unobserved, Unobserved)
    assert unobserved.reason == (
        "the second success submission gave no status URL: the submission gave no Location header"
    )
    assert [(e.label, e.sent_at) for e in unobserved.exchanges] == [("submit success", 1006.0)]
    assert _fine_polls(driver) == []


@pytest.mark.parametrize(("op", "told"), UNTOLD)
@respx.mock
def test_a_twin_whose_status_tells_nothing_leaves_its_scenario_unobserved(op, told):
    driver = scripted_driver(ops={"success": [Op(), op]})
    unobserved = observe(driver, real_clock=False).completed["success"]
    assert isinstance(unobserved, Unobserved)
    assert unobserved.reason == f"the second success operation's status {told}"
    assert _labels(unobserved.exchanges) == ["submit success", "retention success fine poll 1"]
    assert len(_fine_polls(driver)) == 1  # no further reads of it


@respx.mock
def test_a_first_that_never_completes_leaves_its_scenario_unobserved():
    driver = scripted_driver(ops={"success": [Op(runs_for=math.inf)]}, polling={"budget": 10})
    observation = observe(driver, real_clock=False)
    unobserved = observation.completed["success"]
    assert isinstance(unobserved, Unobserved)
    assert unobserved.reason == (
        "the success operation observed for retention reached no terminal state, "
        "so its window has no start"
    )
    polls = [f"poll success {n}" for n in range(1, 12)]
    assert _labels(unobserved.exchanges) == ["submit success", *polls]
    assert _labels(_sent(driver, "submit")) == ["submit success"]  # no twin
    assert observation.never_issued is None
    assert observation.never_issued_skipped == "no operation gave a status URL to start from"


@pytest.mark.parametrize(
    ("anchor", "offset"),
    [({}, 0.0), ({"timeout_anchor": "timeout", "operation_timeout": 100.0}, 100.0)],
)
@respx.mock
def test_the_timed_out_window_starts_at_its_submission_or_its_timeout(anchor, offset):
    # The 202 takes 0.5 s: the window starts between sending it and its answer.
    driver = scripted_driver(
        ("timeout",), ops={"timeout": [Op(accept_latency=0.5)]}, retention=anchor
    )
    observation = observe(driver, real_clock=False)
    retained = observation.timed_out
    assert isinstance(retained, Retained)
    assert (retained.scenario, retained.window) == ("timeout", 3600.0)
    assert retained.start == Bracket(1000.0 + offset, 1000.5 + offset)
    assert retained.inside.at == 1000.0 + offset + 3600.0 - 0.25
    assert retained.outside.at == 1000.5 + offset + 3600.0 + 1.0 + 0.25
    assert (retained.runs, retained.terminal) == ([], None)
    assert retained.inside.about == "the end of the timeout operation's timed-out window"
    assert retained.outside.about == "the timeout operation's id to expire"
    reads = [(e.label, e.sent_at, _cookie(e)) for e in _sent(driver, "poll timeout")]
    assert reads == [("poll timeout 1", 1000.5, "session=timeout1")]
    assert retained.inside.result is not None
    probe = retained.inside.result.exchange
    assert (probe.label, _cookie(probe)) == (
        "retention timeout inside the window",
        "session=timeout1",
    )
    assert observation.completed == {}
    assert observation.never_issued_skipped == "no operation gave a status URL to start from"


@respx.mock
def test_the_timed_out_operation_is_submitted_before_the_others():
    driver = scripted_driver(("success", "timeout"))
    observe(driver, real_clock=False)
    submissions = _labels(_sent(driver, "submit"))
    assert submissions == ["submit timeout", "submit success", "submit success"]


@respx.mock
def test_a_timeout_submission_without_a_status_url_is_unobserved():
    driver = scripted_driver(("timeout",), ops={"timeout": [Op(location=False)]})
    unobserved = observe(driver, real_clock=False).timed_out
    assert isinstance(unobserved, Unobserved)
    assert unobserved.reason == (
        "the timeout submission gave no status URL: the submission gave no Location header"
    )
    assert _labels(unobserved.exchanges) == ["submit timeout"]
    assert _sent(driver, "poll timeout") == []


@pytest.mark.parametrize(("op", "told"), UNTOLD)
@respx.mock
def test_a_timeout_operation_whose_first_read_tells_nothing_is_unobserved(op, told):
    driver = scripted_driver(("timeout",), ops={"timeout": [op]})
    unobserved = observe(driver, real_clock=False).timed_out
    assert isinstance(unobserved, Unobserved)
    assert unobserved.reason == f"the timeout operation's status {told} at once"
    assert _labels(unobserved.exchanges) == ["submit timeout", "poll timeout 1"]
    assert len(driver.transcript) == 2  # no probes planned


@respx.mock
def test_a_dialect_without_a_completed_window_follows_no_twin():
    dialect = _not_applicable("RETAIN-COMPLETED", "EXPIRE-COMPLETED")
    driver = scripted_driver(("success", "timeout"), dialect=dialect)
    observation = observe(driver, real_clock=False)
    assert observation.completed == {
        "success": Unobserved("the dialect has no completed window", exchanges=())
    }
    assert _labels(_sent(driver, "submit")) == ["submit timeout", "submit success"]
    assert isinstance(observation.timed_out, Retained)
    assert observation.never_issued is not None  # the first operation still gave a status URL


@pytest.mark.parametrize("requirement", ["RETAIN-COMPLETED", "EXPIRE-COMPLETED"])
@respx.mock
def test_a_dialect_without_one_completed_case_still_observes_the_window(requirement):
    driver = scripted_driver(dialect=_not_applicable(requirement))
    assert isinstance(observe(driver, real_clock=False).completed["success"], Retained)


@respx.mock
def test_a_dialect_without_a_timed_out_window_submits_no_timeout_operation():
    driver = scripted_driver(("success", "timeout"), dialect=_not_applicable("RETAIN-TIMEOUT"))
    observation = observe(driver, real_clock=False)
    assert observation.timed_out is None
    assert _labels(_sent(driver, "submit")) == ["submit success", "submit success"]


@respx.mock
def test_a_never_issued_id_is_read_in_place_of_the_first_operations_id():
    driver = scripted_driver(("success", "failure"))
    observation = observe(driver, real_clock=False)
    probe = observation.never_issued
    assert probe is not None
    assert NEVER_ISSUED.fullmatch(probe.url)
    assert (probe.label, probe.method, probe.status, probe.sent_at) == (
        "never-issued id",
        "GET",
        404,
        1012.0,
    )
    assert _cookie(probe) is None  # a jar of its own: no operation's cookies
    assert observation.never_issued_skipped == ""


@respx.mock
def test_a_never_issued_id_carries_the_shared_cookies():
    driver = scripted_driver(cookies="shared")
    probe = observe(driver, real_clock=False).never_issued
    assert probe is not None and _cookie(probe) == "session=success2"


@pytest.mark.parametrize(
    ("named", "reason"),
    [
        (False, "the acceptance gave no operation id, so its place in the status URL is unknown"),
        (
            "abc",
            f"the operation id 'abc' does not appear in the status URL {ORIGIN}/ops/success1, "
            "so there is no telling where another id would go; a dialect status_url "
            "'template:...' names the place",
        ),
    ],
)
@respx.mock
def test_no_never_issued_id_is_guessed_where_the_id_is_not_seen(named, reason):
    driver = scripted_driver(ops={"success": [Op(named=named)]})
    observation = observe(driver, real_clock=False)
    assert observation.never_issued is None
    assert observation.never_issued_skipped == reason
    assert _sent(driver, "never-issued") == []


def test_a_never_issued_url_needs_an_operation_id():
    made = _never_issued_url(httpx.URL(f"{ORIGIN}/ops/abc"), None)
    assert made == "the acceptance gave no operation id, so its place in the status URL is unknown"


@pytest.mark.parametrize(
    ("url", "operation_id", "other", "expected"),
    [
        ("http://a.test/ops/abc?x=1", "abc", "new", "http://a.test/ops/new?x=1"),
        ("http://a.test/ops/abc", "abc", "a/b c", "http://a.test/ops/a%2Fb%20c"),
        ("http://a.test/ops/a%20b", "a b", "new", "http://a.test/ops/new"),
        ("http://a.test/ops?page=2&id=abc", "abc", "new", "http://a.test/ops?page=2&id=new"),
        # An empty id is no path segment; it may still be a query value.
        ("http://a.test/ops?id=", "", "new", "http://a.test/ops?id=new"),
    ],
)
def test_with_id_swaps_exactly_the_id(url, operation_id, other, expected):
    assert with_id(httpx.URL(url), operation_id, other) == httpx.URL(expected)


@pytest.mark.parametrize(
    ("scenarios", "ops", "settings", "step", "margin"),
    [
        # step 0.25 + twice the slowest first-run answer (0.125 s) + a quarter of 1 s tolerance
        (("success",), {"success": [SLOW]}, {}, 0.25, 0.75),
        # the slowest answer of any first run counts, not only the last scenario's
        (("success", "failure"), {"success": [SLOW]}, {}, 0.25, 0.75),
        # no tolerance: the allowance is the smallest wall-clock step
        (("success",), {}, {"tolerance": 0.0}, 0.25, 0.26),
        # a 5 s window: 0.005 s steps would be finer than the wall clock's
        (("success",), {}, {"completed": 5.0}, 0.01, 0.26),
        # no first run: no latency seen
        (("timeout",), {"timeout": [SLOW]}, {}, 0.25, 0.5),
    ],
)
@respx.mock
def test_on_the_wall_clock_probes_keep_clear_of_the_edge(scenarios, ops, settings, step, margin):
    driver = scripted_driver(scenarios, ops=ops, retention=settings)
    tolerance = driver.description.retention.tolerance
    observation = observe(driver, real_clock=True)
    assert observation.resolution == step
    assert observation.margin == pytest.approx(margin)
    observed = [*observation.completed.values(), observation.timed_out]
    retained = next(r for r in observed if isinstance(r, Retained))
    assert retained.inside.at == pytest.approx(retained.start.low + retained.window - margin)
    assert retained.outside.at == pytest.approx(
        retained.start.high + retained.window + tolerance + margin
    )


@respx.mock
def test_each_wait_of_the_schedule_is_announced():
    driver = scripted_driver(kept=250.0)
    waits: list[tuple[float, str, int]] = []
    observe(driver, False, on_wait=lambda s, slot, left: waits.append((s, slot.label, left)))
    assert waits == [
        (2.75, "success fine poll", 0),
        *[(0.25, "success fine poll", 0)] * 5,
        (249.5, "inside", 1),
        (1.75, "outside", 0),
    ]


@respx.mock
def test_once_the_run_budget_is_spent_the_probes_left_are_not_waited_for():
    driver = scripted_driver(kept=250.0)
    waited: list[str] = []

    def on_wait(seconds: float, slot: Slot[object], left: int) -> None:
        waited.append(slot.label)
        if slot.label == "inside":
            driver.guard.deadline = -math.inf  # the run budget runs out during this wait

    retained = observe(driver, False, on_wait=on_wait).completed["success"]
    assert isinstance(retained, Retained)
    assert waited[-1] == "inside" and waited.count("inside") == 1
    assert "outside" not in waited
    assert retained.outside.started == retained.inside.started == 1259.5
    assert retained.outside.result is not None
    assert (retained.outside.result.exchange.error or "").startswith("not sent: the run budget")


@pytest.mark.parametrize(
    ("retention", "interval", "real", "step"),
    [
        ({"completed": 250.0}, 1.0, False, 0.25),  # 0.1 % of the shortest window
        ({"completed": 250.0}, 0.125, False, 0.125),  # never coarser than the poll interval
        ({"completed": 5000.0, "timed_out": 200.0}, 1.0, False, 0.2),  # the shorter window
        ({"completed": 2.0, "tolerance": 0.5}, 1.0, False, 0.002),
        ({"completed": 0.5, "tolerance": 0.1}, 1.0, False, 0.001),  # float precision
        ({"completed": 5.0}, 1.0, True, 0.01),  # the wall clock's finest step
        ({"completed": 250.0}, 1.0, True, 0.25),
    ],
)
def test_the_resolution_is_a_share_of_the_shortest_window(retention, interval, real, step):
    description = scripted_description(retention=retention, polling={"interval": interval})
    assert _resolution(description, real) == pytest.approx(step)


@pytest.mark.parametrize(
    ("scenarios", "retention", "skipped", "wait"),
    [
        (("success",), {}, (), 251.0),
        (("failure",), {}, (), 251.0),
        (("timeout",), {}, (), 3601.0),
        (("success", "timeout"), {"completed": 5000.0, "timed_out": 100.0}, (), 5001.0),
        (("timeout",), {"timeout_anchor": "timeout", "operation_timeout": 60.0}, (), 3661.0),
        (("success",), {}, ("RETAIN-COMPLETED",), 251.0),
        (("success",), {}, ("EXPIRE-COMPLETED",), 251.0),
        (("success",), {}, ("RETAIN-COMPLETED", "EXPIRE-COMPLETED"), 0.0),
        (("success", "timeout"), {}, ("RETAIN-COMPLETED", "EXPIRE-COMPLETED"), 3601.0),
        (("timeout",), {}, ("RETAIN-TIMEOUT",), 0.0),
        (("success", "timeout"), {}, ("RETAIN-TIMEOUT",), 251.0),
    ],
)
def test_the_longest_wait_is_the_longest_window_observed_plus_the_tolerance(
    scenarios, retention, skipped, wait
):
    description = scripted_description(
        scenarios, retention=retention, dialect=_not_applicable(*skipped)
    )
    assert longest_wait(description) == wait


def test_completion_lies_between_the_last_running_read_and_the_first_terminal_answer():
    run = _run(
        _poll(11.0, 11.1, 200, "RUNNING"),
        _poll(12.0, 12.1, 200, "RUNNING"),
        _poll(13.0, 13.1, 503, None),  # tells nothing: completion may lie before it
        _poll(14.0, 14.2, 200, "SUCCESS"),
        _poll(15.0, 15.1, 200, "SUCCESS"),
        terminal=3,
    )
    assert completion(run) == Bracket(12.0, 14.2)


def test_completion_seen_at_the_first_read_counts_from_the_submission():
    run = _run(_poll(11.0, 11.3, 200, "SUCCESS"), terminal=0)
    assert completion(run) == Bracket(10.0, 11.3)


def test_a_run_without_a_terminal_read_has_no_completion():
    assert completion(_run(_poll(11.0, 11.1, 200, "RUNNING"), terminal=None)) is None


def test_the_details_record_the_bracket_and_when_each_probe_went():
    inside_poll = _poll(349.5, 349.6, 200, "SUCCESS")
    inside = Slot(349.25, "inside", lambda: inside_poll, started=349.5, result=inside_poll)
    outside: Slot[Poll] = Slot(401.0, "outside", lambda: inside_poll)  # not yet run
    retained = Retained("failure", 250.0, Bracket(100.0, 100.5), inside, outside)
    assert retained.details(0.25, 2.0) == {
        "scenario": "failure",
        "window_s": 250.0,
        "tolerance_s": 2.0,
        "window_start_between": [100.0, 100.5],
        "bracket_width_s": 0.5,
        "resolution_s": 0.25,
        "inside_probe": {
            "planned_at": 349.25,
            "sent_at": 349.5,
            "status": 200,
            "offset_from_window_start_s": 249.5,
        },
        "outside_probe": {
            "planned_at": 401.0,
            "sent_at": None,
            "status": None,
            "offset_from_window_start_s": None,
        },
    }


def test_an_observation_starts_with_nothing_observed():
    observation = RetentionObservation(resolution=0.25, margin=0.5)
    assert (observation.completed, observation.timed_out) == ({}, None)
    assert (observation.never_issued, observation.never_issued_skipped) == (None, "")


@respx.mock
def test_the_runs_own_operation_is_the_first_and_the_twin_carries_the_probes():
    driver = scripted_driver(kept=250.0)
    shared = driver.run("success")  # the cases' run of the scenario, made before
    observation = observe(driver, real_clock=False, shared=lambda scenario: shared)
    retained = observation.completed["success"]
    assert isinstance(retained, Retained)
    first, _twin = retained.runs
    assert first is shared  # no operation started for it
    assert [e.label for e in driver.transcript].count("submit success") == 2
    assert retained.inside.result is not None
    assert retained.inside.result.exchange.url == f"{ORIGIN}/ops/success2"


@respx.mock
def test_a_shared_first_too_near_its_windows_end_never_carries_the_probes():
    # The twin runs on past its fine polls: its first would carry the probes, but the
    # shared run completed long ago and its window's end is already past.
    driver = scripted_driver(ops={"success": [Op(), Op(runs_for=math.inf)]}, kept=250.0)
    shared = driver.run("success")
    driver.clock.sleep(300.0)
    observation = observe(driver, real_clock=False, shared=lambda scenario: shared)
    unobserved = observation.completed["success"]
    assert isinstance(unobserved, Unobserved)
    assert "the first one's window was too near its end to probe" in unobserved.reason
    # Fresh, the same first carries them.
    fresh = scripted_driver(ops={"success": [Op(), Op(runs_for=math.inf)]}, kept=250.0)
    first = fresh.run("success")
    kept = observe(fresh, real_clock=False, shared=lambda scenario: first).completed["success"]
    assert isinstance(kept, Retained) and kept.runs[0] is first


@respx.mock
def test_without_twins_a_first_of_its_own_carries_the_probes():
    driver = scripted_driver(kept=250.0)
    shared = driver.run("success")
    observation = observe(driver, real_clock=False, shared=lambda scenario: shared, twins=False)
    retained = observation.completed["success"]
    assert isinstance(retained, Retained)
    (first,) = retained.runs
    assert first is not shared  # it carries the probes: one that ends now, not long ago
    assert not _fine_polls(driver)  # and no twin
    assert retained.start == completion(first)
    assert retained.inside.result is not None and retained.inside.result.exchange.status == 200


@respx.mock
def test_a_timeout_scenario_whose_setup_fails_is_unobserved_with_why():
    clock = VirtualClock(T0)
    ScriptedServer(clock, {}, math.inf)
    respx.post(f"{ORIGIN}/locks").respond(409, json={"error": "busy"})
    raw = {
        "base_url": ORIGIN,
        "scenarios": {
            "success": {"path": "/submit", "json": "success"},
            "timeout": {
                "path": "/submit",
                "json": "timeout",
                "setup": [{"method": "POST", "path": "/locks"}],
            },
        },
        "retention": {"completed": 250.0, "tolerance": 1.0},
        "polling": {"interval": 1.0},
    }
    driver = Driver(httpx.Client(base_url=ORIGIN), parse(raw, "test").effective, clock)
    observation = observe(driver, real_clock=False)
    unobserved = observation.timed_out
    assert isinstance(unobserved, Unobserved)
    assert unobserved.reason.startswith("setup failed: scenarios.timeout.setup step 1")
    assert [e.status for e in unobserved.exchanges] == [409]
    assert isinstance(observation.completed["success"], Retained)  # the others go on


@respx.mock
def test_a_twin_whose_setup_fails_leaves_its_scenario_unobserved_citing_the_refusal():
    clock = VirtualClock(T0)
    ScriptedServer(clock, {}, math.inf)
    # The first operation's setup step is answered; the twin's is refused.
    respx.post(f"{ORIGIN}/locks").mock(
        side_effect=[httpx.Response(201, json={}), httpx.Response(409, json={"error": "busy"})]
    )
    raw = {
        "base_url": ORIGIN,
        "scenarios": {
            "success": {
                "path": "/submit",
                "json": "success",
                "setup": [{"method": "POST", "path": "/locks"}],
            },
        },
        "retention": {"completed": 250.0, "tolerance": 1.0},
        "polling": {"interval": 1.0},
    }
    driver = Driver(httpx.Client(base_url=ORIGIN), parse(raw, "test").effective, clock)
    unobserved = observe(driver, real_clock=False).completed["success"]
    assert isinstance(unobserved, Unobserved)
    assert unobserved.reason.startswith("setup failed: scenarios.success.setup step 1")
    assert [e.status for e in unobserved.exchanges] == [409]
