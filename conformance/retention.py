"""Observing how long operation ids stay available: brackets, probes, one schedule.

From outside, an operation's completion is only known to lie between the last
poll that saw it running (`t0`) and the first that saw it terminal (`t1`). This
module narrows that bracket (a second operation of the same scenario is polled
in fine steps around the moment the first one completed), then plans two probes
per operation on one `Schedule`: one just inside the window, where the id must
still answer, and one just outside it plus the tolerance, where it must be gone.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import httpx

from ._words import counted
from .description import Description, ScenarioName
from .driver import Driver, Ended, Exchange, Poll, Run, SetupFailed, Submission, stopped_at
from .schedule import Schedule, Slot

__all__ = [
    "Bracket",
    "Retained",
    "RetentionObservation",
    "Unobserved",
    "completion",
    "longest_wait",
    "observe",
    "with_id",
]

COMPLETED_SCENARIOS: tuple[ScenarioName, ...] = ("success", "failure")

#: Bracket resolution as a share of the shortest window (0.1 %: a 1 % error is 10 steps).
RESOLUTION_SHARE = 0.001
#: With the wall clock, steps finer than this only add load.
MIN_REAL_STEP = 0.01
#: Any clock: finer steps would vanish in the float precision of epoch seconds.
MIN_STEP = 0.001
#: A twin polled this often without completing gives up; the first operation's bracket serves.
MAX_FINE_POLLS = 200


@dataclass(frozen=True)
class Bracket:
    """An instant known only to lie in (`low`, `high`]."""

    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass
class Retained:
    """One operation, when its window started, and the two probes planned around its end."""

    scenario: ScenarioName
    window: float
    start: Bracket
    inside: Slot[Poll]
    outside: Slot[Poll]
    runs: list[Run] = field(default_factory=list)
    terminal: Poll | None = None  # the probed operation's first terminal read

    def details(self, resolution: float, tolerance: float) -> dict[str, Any]:
        """What the verdict data records: the bracket, the resolution, the probe times."""

        def probe(slot: Slot[Poll]) -> dict[str, Any]:
            ex = slot.result.exchange if slot.result is not None else None
            return {
                "planned_at": slot.at,
                "sent_at": ex.sent_at if ex else None,
                "status": ex.status if ex else None,
                "offset_from_window_start_s": None if ex is None else ex.sent_at - self.start.low,
            }

        return {
            "scenario": self.scenario,
            "window_s": self.window,
            "tolerance_s": tolerance,
            "window_start_between": [self.start.low, self.start.high],
            "bracket_width_s": self.start.width,
            "resolution_s": resolution,
            "inside_probe": probe(self.inside),
            "outside_probe": probe(self.outside),
        }


@dataclass(frozen=True)
class Unobserved:
    """Why an operation could not be observed for retention."""

    reason: str
    exchanges: tuple[Exchange, ...] = ()
    run: Run | None = None  # the operation that could not be observed, where one was followed


@dataclass
class RetentionObservation:
    resolution: float
    margin: float
    completed: dict[str, Retained | Unobserved] = field(default_factory=dict)
    timed_out: Retained | Unobserved | None = None
    never_issued: Exchange | None = None
    never_issued_skipped: str = ""  # why no never-issued id was probed


def longest_wait(description: Description) -> float:
    """How long the retention cases wait on the wall clock, for the scenarios declared."""
    retention, skipped = description.retention, description.not_judged
    waits = [0.0]
    completed = {"success", "failure"} & description.scenarios.keys()
    if completed and not {"RETAIN-COMPLETED", "EXPIRE-COMPLETED"} <= skipped.keys():
        waits.append(retention.completed)
    if "timeout" in description.scenarios and "RETAIN-TIMEOUT" not in skipped:
        anchor = retention.operation_timeout if retention.timeout_anchor == "timeout" else 0
        waits.append(retention.timed_out + anchor)
    longest = max(waits)
    return longest + retention.tolerance if longest else 0.0


def completion(run: Run) -> Bracket | None:
    """When the run's operation completed, as seen from outside; None without a terminal poll."""
    terminal_index = run.terminal_index
    if terminal_index is None:
        return None
    terminal = run.polls[terminal_index].exchange
    running = [p for p in run.polls[:terminal_index] if p.available]
    low = running[-1].exchange.sent_at if running else run.submission.exchange.sent_at
    return Bracket(low, terminal.received_at)


def _resolution(description: Description, real: bool) -> float:
    shortest = min(description.retention.completed, description.retention.timed_out)
    step = min(shortest * RESOLUTION_SHARE, description.polling.interval)
    return max(step, MIN_REAL_STEP if real else MIN_STEP)


def _never_issued_url(status_url: httpx.URL, operation_id: str | None) -> httpx.URL | str:
    """The status URL with the operation's id swapped for one never issued (see `with_id`)."""
    return with_id(status_url, operation_id, f"never-issued-{uuid.uuid4().hex}")


def with_id(status_url: httpx.URL, operation_id: str | None, other: str) -> httpx.URL | str:
    """The status URL with the operation's id swapped for `other` (percent-encoded as needed).

    Only where the id is seen to sit: a path segment (or run of segments) or a query
    value equal to it. Otherwise the reason, in words: guessing would probe another
    resource and misjudge the answer.
    """
    if operation_id is None:
        return "the acceptance gave no operation id, so its place in the status URL is unknown"
    segments = status_url.raw_path.decode("ascii").partition("?")[0].split("/")
    # The rightmost place it sits ("/tenants/7/operations/7": the last 7, not the tenant).
    for j in range(len(segments), 0, -1):
        for i in range(j):
            if unquote("/".join(segments[i:j])) == operation_id and "".join(segments[i:j]):
                # An id of several segments ("operations/123"): its last one is the id proper.
                made = "/".join([*segments[: j - 1], quote(other, safe=""), *segments[j:]])
                query = status_url.query.decode("ascii")
                raw = made + (f"?{query}" if query else "")
                return status_url.copy_with(raw_path=raw.encode("ascii"))
    params = status_url.params
    for key, value in params.multi_items():
        if value == operation_id:
            return status_url.copy_with(params=params.set(key, other))
    return (
        f"the operation id {operation_id!r} does not appear in the status URL {status_url}, "
        "so there is no telling where another id would go; a dialect status_url "
        "'template:...' names the place"
    )


def _plan(
    schedule: Schedule,
    driver: Driver,
    scenario: ScenarioName,
    sub: Submission,
    start: Bracket,
    window: float,
    margin: float,
    tolerance: float,
) -> Retained:
    url = sub.status_url
    assert url is not None

    def probe(label: str) -> Any:
        return lambda: driver.poll(url, f"retention {scenario} {label}", jar=sub.jar)

    kind = "timed-out" if scenario == "timeout" else "completed"
    inside = schedule.at(
        start.low + window - margin,
        "inside",
        probe("inside the window"),
        about=f"the end of the {scenario} operation's {kind} window",
    )
    outside = schedule.at(
        start.high + window + tolerance + margin,
        "outside",
        probe("after the window"),
        about=f"the {scenario} operation's id to expire",
    )
    return Retained(scenario, window, start, inside, outside)


def observe(
    driver: Driver,
    real_clock: bool,
    on_wait: Callable[[float, Slot[object], int], None] | None = None,
    shared: Callable[[ScenarioName], Run] | None = None,
    twins: bool = True,
) -> RetentionObservation:
    """Run every retention probe of the session on one schedule.

    First, one operation per completed scenario shows about how long that scenario
    runs: the run's `shared` one of that scenario, where there is one. Then a twin of
    each, and the timed-out operation, start together, and everything after (the twins'
    fine polls, every probe) runs as slots of one schedule, so no operation's probe waits
    for another's setup. Without `twins` (fewer operations, coarser brackets) the first
    operations carry the probes themselves, so they are started here, not shared.
    """
    description = driver.description
    retention = description.retention
    step = _resolution(description, real_clock)
    schedule = Schedule(driver.clock)
    observation = RetentionObservation(resolution=step, margin=step)
    firsts: dict[ScenarioName, tuple[Run, Bracket]] = {}
    sharing: set[ScenarioName] = set()  # whose first is the run's shared one
    latencies: list[float] = []
    skipped = description.not_judged.keys()
    # Room to spare before a window's end: a probe is planned a margin inside it.
    slack = max(description.polling.interval, retention.tolerance) + step

    # The longest window first: the timed-out operation's starts at its submission, so it
    # is submitted before anything else and its window runs while the others are observed.
    timed_out: tuple[Submission, Poll | None] | None = None
    if "timeout" in description.scenarios and "RETAIN-TIMEOUT" not in skipped:
        try:
            sub = driver.submit("timeout")
        except SetupFailed as failed:
            observation.timed_out = Unobserved(failed.reason, tuple(failed.exchanges))
        else:
            first_read = None
            if sub.status_url is not None:
                first_read = driver.poll(sub.status_url, "poll timeout 1", jar=sub.jar)
            timed_out = (sub, first_read)

    for scenario in COMPLETED_SCENARIOS:
        if scenario not in description.scenarios:
            continue
        windowless = {"RETAIN-COMPLETED", "EXPIRE-COMPLETED"} <= skipped
        try:
            # Without twins the first carries the probes: it must be one that ends now.
            if shared is not None and (twins or windowless):
                first = shared(scenario)
                sharing.add(scenario)
            else:
                first = driver.run(scenario)
        except SetupFailed as failed:  # that scenario's cases ERROR; the others go on
            observation.completed[scenario] = Unobserved(failed.reason, tuple(failed.exchanges))
            continue
        latencies += [e.latency for e in first.exchanges]
        rough = completion(first)
        if rough is None:
            observation.completed[scenario] = Unobserved(
                f"the {scenario} operation observed for retention reached no terminal state, "
                "so its window has no start",
                tuple(first.exchanges),
                first,
            )
        else:
            firsts[scenario] = (first, rough)
    # With the wall clock a probe lands a little after its time (latency, a busy machine):
    # keep it clear of the edge by the latency seen and a quarter of the user's tolerance.
    if real_clock:
        allowance = max(MIN_REAL_STEP, retention.tolerance / 4)
        observation.margin = step + 2 * max(latencies, default=0.0) + allowance

    def plan(
        scenario: ScenarioName, sub: Submission, start: Bracket, window: float, runs: list[Run]
    ) -> Retained:
        retained = _plan(
            schedule, driver, scenario, sub, start, window, observation.margin, retention.tolerance
        )
        retained.runs = runs
        retained.terminal = next((r.terminal for r in runs if r.submission is sub), None)
        return retained

    # A shared first may have completed long ago: too near its window's end, the twin
    # carries the probes whatever its bracket.
    stale = {
        scenario
        for scenario, (first, _) in firsts.items()
        if scenario in sharing
        and not _in_time(first, retention.completed, driver.clock.now(), slack)
    }
    # A window the dialect's contract does not have is not waited for (its cases SKIP).
    for scenario, (first, rough) in firsts.items():
        if {"RETAIN-COMPLETED", "EXPIRE-COMPLETED"} <= skipped:
            observation.completed[scenario] = Unobserved("the dialect has no completed window")
        elif twins:
            carries = scenario not in stale
            _follow_twin(driver, schedule, observation, scenario, first, rough, plan, carries)
        else:
            observation.completed[scenario] = plan(
                scenario, first.submission, rough, retention.completed, [first]
            )

    if timed_out is not None:
        sub, poll = timed_out
        if sub.status_url is None or poll is None:  # read at once when it had a status URL
            observation.timed_out = Unobserved(
                f"the timeout submission gave no status URL: {sub.location_problem}",
                (sub.exchange,),
                Run(sub),
            )
        elif not poll.available:
            observation.timed_out = Unobserved(
                f"the timeout operation's status {_told(poll.exchange)} at once",
                (sub.exchange, poll.exchange),
                Run(sub, [poll], ended=stopped_at(poll) or Ended.NOT_FOLLOWED),
            )
        else:
            offset = retention.operation_timeout if retention.timeout_anchor == "timeout" else 0
            anchor = Bracket(sub.exchange.sent_at + offset, sub.exchange.received_at + offset)
            observation.timed_out = plan("timeout", sub, anchor, retention.timed_out, [])

    known = next((run for run, _ in firsts.values()), None)
    if known is None or known.submission.status_url is None:
        observation.never_issued_skipped = "no operation gave a status URL to start from"
    else:
        url = _never_issued_url(known.submission.status_url, driver.operation_id(known))
        if isinstance(url, str):
            observation.never_issued_skipped = url
        else:
            observation.never_issued = driver.send("never-issued id", "GET", url, jar=driver.jar())

    schedule.run(on_wait, stopped=lambda: driver.guard.stopped)
    return observation


def _follow_twin(
    driver: Driver,
    schedule: Schedule,
    observation: RetentionObservation,
    scenario: ScenarioName,
    first: Run,
    rough: Bracket,
    plan: Any,
    carries: bool,
) -> None:
    """Start a twin of `first` and poll it in fine steps, as slots, around its completion."""
    step = observation.resolution
    window = driver.description.retention.completed
    budget = driver.description.polling.budget
    # The reads of the margin it is first read early by (see below) come on top of the cap.
    cap = MAX_FINE_POLLS + max(0, math.ceil((observation.margin - step) / step))
    try:
        twin = driver.submit(scenario)
    except SetupFailed as failed:
        observation.completed[scenario] = Unobserved(failed.reason, tuple(failed.exchanges))
        return
    if twin.status_url is None:
        observation.completed[scenario] = Unobserved(
            f"the second {scenario} submission gave no status URL: {twin.location_problem}",
            (twin.exchange,),
            Run(twin),
        )
        return
    url, run = twin.status_url, Run(twin)
    lead = rough.low - first.submission.exchange.sent_at  # how long the first one ran, at least

    def fine_poll() -> None:
        poll = driver.poll(
            url, f"retention {scenario} fine poll {len(run.polls) + 1}", jar=twin.jar
        )
        run.polls.append(poll)
        if not poll.available:
            run.ended = stopped_at(poll) or Ended.NOT_FOLLOWED
            observation.completed[scenario] = Unobserved(
                f"the second {scenario} operation's status {_told(poll.exchange)}",
                tuple(run.exchanges),
                run,
            )
        elif poll.role is not None and poll.role.terminal:
            run.terminal_index = len(run.polls) - 1
            fine = completion(run)
            assert fine is not None
            # Whichever operation's completion is known more precisely carries the probes
            # (the first one only while its window's end is still ahead).
            if fine.width <= rough.width or not carries:
                observation.completed[scenario] = plan(scenario, twin, fine, window, [first, run])
            else:
                observation.completed[scenario] = plan(
                    scenario, first.submission, rough, window, [first, run]
                )
        elif len(run.polls) >= cap or driver.clock.now() - twin.exchange.sent_at > budget:
            # The twin runs longer than its first: the first operation's bracket serves,
            # if its window's end is still ahead.
            if carries:
                observation.completed[scenario] = plan(
                    scenario, first.submission, rough, window, [first, run]
                )
            else:
                observation.completed[scenario] = Unobserved(
                    f"the second {scenario} operation did not complete within "
                    f"{counted(len(run.polls), 'fine poll')}, and the first one's window "
                    "was too near its end to probe",
                    tuple(run.exchanges),
                    run,
                )
        else:
            schedule.at(driver.clock.now() + step, f"{scenario} fine poll", fine_poll)

    # Its first read comes a margin before the moment its first was last seen running (a
    # step on the virtual clock; on the wall clock also the latency seen and the allowance
    # for a late slot), so a slot that runs late still finds it running.
    start = twin.exchange.sent_at + max(lead - observation.margin, 0.0)
    schedule.at(start, f"{scenario} fine poll", fine_poll)


def _in_time(first: Run, window: float, now: float, slack: float) -> bool:
    """Whether the end of `first`'s window is still far enough ahead (`slack`) to be
    probed on time: a shared run may have completed long before the retention cases."""
    rough = completion(first)
    return rough is None or rough.low + window - slack > now


def _told(exchange: Exchange) -> str:
    """What a read that told no state got, in words."""
    if exchange.error is not None:
        return f"got no answer ({exchange.error})"
    return f"answered {exchange.status}"
