"""The lifecycle state machine: Hypothesis draws sequences of calls and clock moves.

Rules submit scenarios (alone or several at once), poll operations, move the
clock by drawn durations or to just inside and just past a window's edge, read
and delete the resources that succeeded operations name, and poll an id never
issued. After each call the reference model says whether the target's answer is
allowed; the first that is not raises a `ConformanceFailure` carrying the numbered
steps so far, which Hypothesis shrinks to the fewest that still show it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    precondition,
    rule,
)

from ..description import Description, Role, ScenarioName
from ..driver import Driver, Exchange, Poll, SetupFailed, Submission
from ..retention import with_id
from ..verdicts import ConformanceFailure
from ._reference import Divergence, Judgement, Operation, Resource, judge_read, judge_resource_read

__all__ = ["Context", "machine_for"]

#: Where a clock move lands, for an operation: relative to what the model knows of it.
EDGES = ("just inside its window", "just past its window", "shortly after completion")
#: How far from an edge: close, and a little further.
NEAR = (0.01, 0.5, 2.0)
#: Kept per requirement as the evidence of a model that found nothing wrong.
EVIDENCE_KEPT = 8


@dataclass
class Context:
    """What every example of the machine shares: the target, the rules' limits, the tallies."""

    driver: Driver
    description: Description
    moves_clock: bool  # virtual or test clock: the machine moves time itself
    judged: set[str]  # requirements whose divergences fail the example
    hint: str = ""  # how to draw the same sequences again
    wall_deadline: float = float("inf")  # real clock: the machine waits no longer than this
    evidence: dict[str, list[Exchange]] = field(default_factory=dict)
    shown: dict[str, int] = field(default_factory=dict)  # how many reads showed each holding
    rules: dict[str, int] = field(default_factory=dict)  # how often each rule ran
    steps_run: int = 0
    #: Scenarios whose setup failed, with why: the model submits them no more.
    unprepared: dict[str, str] = field(default_factory=dict)
    #: Operations one lifecycle may start (None: as many as its rules draw).
    per_sequence: int | None = None
    submitted: int = 0  # operations the model started, every lifecycle together

    @property
    def scenarios(self) -> list[ScenarioName]:
        return [s for s in ("success", "failure") if s in self.description.scenarios]

    def hold(self, requirement: str, exchanges: tuple[Exchange, ...] | list[Exchange]) -> None:
        self.shown[requirement] = self.shown.get(requirement, 0) + 1
        kept = self.evidence.setdefault(requirement, [])
        for exchange in exchanges:
            if len(kept) < EVIDENCE_KEPT and exchange not in kept:
                kept.append(exchange)


def _short(content: bytes, limit: int = 120) -> str:
    text = content.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "..."


def machine_for(ctx: Context) -> type[RuleBasedStateMachine]:
    """The state machine class over `ctx` (its scenarios and clock decide its rules)."""
    description, driver = ctx.description, ctx.driver
    clock = driver.clock
    retention, polling = description.retention, description.polling
    window, tolerance = retention.completed, retention.tolerance

    class LifecycleModel(RuleBasedStateMachine):
        operations = Bundle("operations")

        def __init__(self) -> None:
            super().__init__()
            self.start = clock.now()
            self.steps: list[str] = []
            self.ops: list[Operation] = []
            self.submitted = 0  # by this lifecycle

        def _room(self, count: int = 1) -> bool:
            """Whether this lifecycle may start `count` operations more (per_sequence)."""
            return ctx.per_sequence is None or self.submitted + count <= ctx.per_sequence

        # -- the replay log --------------------------------------------------

        def _at(self) -> str:
            return f"t+{clock.now() - self.start:.3f} s"

        def _log(self, text: str) -> None:
            self.steps.append(f"{len(self.steps) + 1}. {text}")
            ctx.steps_run += 1

        def _log_exchange(self, ex: Exchange, note: str = "") -> None:
            sent = f" {_short(ex.request_body)}" if ex.request_body else ""
            answer = ex.error or str(ex.status)
            self._log(f"[{self._at()}] {ex.method} {ex.url}{sent} -> {answer}{note}")

        def _judge(self, judgement: Judgement, exchanges: list[Exchange]) -> None:
            for divergence in judgement.divergences:
                if divergence.requirement in ctx.judged:
                    raise ConformanceFailure(
                        divergence.requirement,
                        observed=divergence.observed,
                        expected=divergence.expected,
                        exchanges=divergence.exchanges,
                        hint="Found by the lifecycle model: replay the steps by hand, in "
                        f"order, moving the clock where they say. {ctx.hint}".strip(),
                        steps=self.steps,
                    )
            for requirement in judgement.holds:
                ctx.hold(requirement, exchanges)

        def _count(self, name: str) -> None:
            ctx.rules[name] = ctx.rules.get(name, 0) + 1

        # -- submissions -----------------------------------------------------

        def _admit(self, submissions: list[Submission]) -> list[Operation]:
            """One handle per submission, whatever the target answered.

            The bundle must grow the same way whenever Hypothesis replays the same draws,
            so a submission that gave no status URL, or another operation's, still gets a
            handle; it has no status URL, and the rules pass it by.
            """
            handles, usable = [], []
            for sub in submissions:
                shown = sub.location or ""
                self._log_exchange(sub.exchange, f" (status at {shown})" if shown else "")
                url = sub.status_url  # None: not accepted as asynchronous (the submission cases')
                twin = next((o for o in self.ops if url and o.status_url == url), None)
                if twin is not None and "SUBMIT-UNIQUE" in ctx.judged:
                    self._log("two submissions were given the same status URL")
                    raise ConformanceFailure(
                        "SUBMIT-UNIQUE",
                        observed=f"submissions {twin.number} and {len(self.ops) + 1} were "
                        f"both given {url}",
                        expected="a status URL of its own for every accepted submission",
                        exchanges=[twin.submission.exchange, sub.exchange],
                        steps=self.steps,
                    )
                op = Operation(len(self.ops) + 1, sub, url if twin is None else None)
                self.ops.append(op)
                handles.append(op)
                if op.status_url is not None:
                    usable.append(op)
            if len(usable) > 1:
                ctx.hold("SUBMIT-UNIQUE", [op.submission.exchange for op in usable])
            return handles

        @initialize(target=operations, scenario=st.sampled_from(ctx.scenarios))
        def first_submit(self, scenario: ScenarioName) -> Any:
            """Every lifecycle starts as a client's does: submit, and poll to the end."""
            self._count("submit")
            admitted = self._admit(self._submitted(scenario, 1))
            for op in admitted:
                if op.status_url is not None:
                    self._follow(op)
            return multiple(*admitted)

        @precondition(lambda self: self._room())
        @rule(target=operations, scenario=st.sampled_from(ctx.scenarios))
        def submit(self, scenario: ScenarioName) -> Any:
            self._count("submit")
            return multiple(*self._admit(self._submitted(scenario, 1)))

        @precondition(lambda self: self._room(2))
        @rule(target=operations, count=st.integers(min_value=2, max_value=3))
        def submit_together(self, count: int) -> Any:
            self._count("submit_together")
            if not self._room(count):
                count = 2  # what this lifecycle has room for
            return multiple(*self._admit(self._submitted(ctx.scenarios[0], count)))

        def _submitted(self, scenario: ScenarioName, count: int) -> list[Submission]:
            """`count` submissions of `scenario`; none where its setup failed (that failure is
            its own cases' ERROR, and the model goes on with what it can start)."""
            if scenario in ctx.unprepared:
                return []
            self.submitted += count
            ctx.submitted += count
            try:
                if count == 1:
                    return [driver.submit(scenario)]
                return driver.submit_concurrently(scenario, count)
            except SetupFailed as failed:
                ctx.unprepared[scenario] = failed.reason
                return []

        # -- reads -----------------------------------------------------------

        def _read(self, op: Operation, why: str) -> Poll:
            label, url = f"model: {why} operation {op.number}", op.status_url
            assert url is not None  # handles without a status URL are passed by
            poll = driver.poll(url, label, jar=op.submission.jar)
            self._log_exchange(poll.exchange, _state_note(poll))
            self._judge(judge_read(op, poll, description), [poll.exchange])
            return poll

        @rule(op=operations, times=st.integers(min_value=1, max_value=8))
        def poll(self, op: Operation, times: int) -> None:
            """Read the status `times` times back to back, as a client's polling loop may."""
            self._count("poll")
            if op.status_url is None:
                return
            for _ in range(times):
                self._read(op, "poll")

        @rule(op=operations)
        def follow(self, op: Operation) -> None:
            self._count("follow")
            if op.status_url is None:
                return
            self._follow(op)

        def _follow(self, op: Operation) -> None:
            """Poll until a terminal state (or the budget's end), backing off.

            Waits start at the poll interval and grow by half each time, up to the
            larger of the interval and the tolerance: a long operation costs a dozen
            reads, not hundreds, and its completion is still known to within the
            tolerance.
            """
            deadline = clock.now() + polling.budget
            if not ctx.moves_clock:
                deadline = min(deadline, ctx.wall_deadline)
            wait, longest = polling.interval, max(polling.interval, tolerance)
            while op.terminal is None and clock.now() < deadline and op.gone is None:
                if op.polls:
                    self._move(min(wait, max(deadline - clock.now(), 0.0)), "waiting to poll")
                    wait = min(wait * 1.5, longest)
                poll = self._read(op, "follow")
                if not poll.available:
                    break

        @rule(op=operations)
        def poll_unknown(self, op: Operation) -> None:
            self._count("poll_unknown")
            if op.status_url is None or not op.tracked:
                return  # only beside an id seen to answer does a 404 say "unknown id"
            other = f"never-issued-{uuid.uuid4().hex[:12]}"
            url = with_id(op.status_url, driver.operation_id(op.run()), other)
            if isinstance(url, str):
                return  # the id's place in the URL is unknown: nothing to probe
            ex = driver.send("model: poll a never-issued id", "GET", url, jar=driver.jar())
            self._log_exchange(ex)
            if ex.error is not None:
                return
            gone = retention.expired_status
            judgement = Judgement()
            if ex.status in gone:
                judgement.holds.append("EXPIRED-404")
            else:
                judgement.divergences.append(
                    Divergence(
                        "EXPIRED-404",
                        f"an id never issued answered {ex.status}",
                        f"one of {gone}",
                        (ex,),
                    )
                )
            self._judge(judgement, [ex])

        def _resource(self, op: Operation) -> Resource | None:
            """The resource of a succeeded operation (None before one is seen)."""
            terminal = op.terminal
            if op.resource is None and terminal is not None and terminal.role is Role.SUCCESS:
                op.resource = Resource(op)
            return op.resource

        @rule(op=operations, later=st.booleans(), near=st.sampled_from(NEAR))
        def read_resource(self, op: Operation, later: bool, near: float) -> None:
            """Read the resource now, or (once deleted) just past the delete budget."""
            self._count("read_resource")
            if op.status_url is None:
                return
            resource = self._resource(op)
            if resource is not None:
                self._read_resource(op, resource, later, near)

        def _read_resource(
            self, op: Operation, resource: Resource, later: bool, near: float
        ) -> None:
            if later and resource.deleted_at is not None and ctx.moves_clock:
                due = resource.deleted_at + polling.delete_budget + near
                self._move(due - clock.now(), f"past the delete budget (resource {op.number})")
            call = driver.resource_call("read", op.run(), f"model: read resource {op.number}")
            if call.exchange is None:
                return  # no resource to call: the result cases judge that
            self._log_exchange(call.exchange)
            judgement = judge_resource_read(resource, call.exchange, polling.delete_budget)
            self._judge(judgement, [call.exchange])

        @rule(op=operations, check=st.booleans())
        def delete_resource(self, op: Operation, check: bool) -> None:
            """Delete the resource; with `check`, read it again once it must be gone."""
            self._count("delete_resource")
            if op.status_url is None:
                return
            resource = self._resource(op)
            if resource is None or resource.deleted_at is not None:
                return
            call = driver.resource_call("delete", op.run(), f"model: delete resource {op.number}")
            if call.exchange is None:
                return
            self._log_exchange(call.exchange)
            if call.exchange.status not in (200, 202, 204):
                return  # not deleted: the delete cases judge the answer
            resource.deleted_at = call.exchange.received_at
            resource.delete = call.exchange
            if check:
                self._read_resource(op, resource, later=True, near=NEAR[0])

        # -- time ------------------------------------------------------------

        def _move(self, seconds: float, why: str) -> None:
            if seconds <= 0:
                return
            clock.sleep(seconds)
            self._log(f"move the clock {seconds:+.3f} s ({why}; now {self._at()})")

        @precondition(lambda self: ctx.moves_clock and self.ops)
        @rule(
            # Floats first: a move that shrinks to 0 is no move, and leaves no step.
            seconds=st.one_of(
                st.floats(min_value=0, max_value=2 * window, allow_nan=False),
                st.sampled_from(sorted({polling.interval, 1.0, 5.0})),
            )
        )
        def advance(self, seconds: float) -> None:
            self._count("advance")
            self._move(seconds, "drawn")

        @precondition(lambda self: ctx.moves_clock)
        @rule(op=operations, edge=st.sampled_from(EDGES), near=st.sampled_from(NEAR))
        def probe_at_edge(self, op: Operation, edge: str, near: float) -> None:
            """Move the clock to just before or after an edge of the operation's, and read it."""
            self._count("probe_at_edge")
            if op.status_url is None:
                return
            terminal = op.terminal
            if edge == EDGES[0]:
                start = max(op.last_running, op.submission.exchange.sent_at)
                target = start + window - tolerance - near
            elif terminal is None:
                return  # no completion seen yet: no edge to aim at
            elif edge == EDGES[1]:
                target = terminal.exchange.received_at + window + tolerance + near
            else:
                target = terminal.exchange.received_at + near
            self._move(target - clock.now(), f"{edge} (operation {op.number})")
            self._read(op, "probe")

        @precondition(lambda self: not ctx.moves_clock)
        @rule()
        def wait(self) -> None:
            self._count("wait")
            left = ctx.wall_deadline - clock.now()
            if left > 0:
                clock.sleep(min(polling.interval, left))
                self._log(f"wait {min(polling.interval, left):.3f} s (now {self._at()})")

    return LifecycleModel


def _state_note(poll: Poll) -> str:
    if poll.available and poll.state is not None:
        return f" ({poll.state})"
    body = poll.exchange.body
    if body and len(body) < 200:
        try:
            return f" {json.dumps(json.loads(body))}"
        except ValueError:
            return ""
    return ""
