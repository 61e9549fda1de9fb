"""The reference model: what the contract lets a target show, given what was seen so far.

Plain data and pure functions, no HTTP and no Hypothesis. An operation is known
only through reads: it completed after its last read that showed it running (or
its submission) and no later than its first read that showed a terminal state.
Every prediction leans only on that bracket and the tolerance, so a divergence is
certain: the id was gone before the earliest moment its window could end, or
still there after the latest; a terminal state changed while the id answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from ..description import Description, Role
from ..driver import Exchange, Poll, Run, Submission

__all__ = [
    "Divergence",
    "Judgement",
    "Operation",
    "Resource",
    "judge_read",
    "judge_resource_read",
]


@dataclass(frozen=True)
class Divergence:
    """What the target showed that the contract does not allow, as a requirement sees it."""

    requirement: str
    observed: str
    expected: str
    exchanges: tuple[Exchange, ...]


@dataclass
class Judgement:
    """What one read shows: divergences, and the requirements it shows holding."""

    divergences: list[Divergence] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)


@dataclass
class Operation:
    """One submitted operation as the model knows it."""

    number: int  # its place among the machine's operations, for the replay steps
    submission: Submission
    #: None: nothing to follow (no status URL, or another operation's); the rules pass it by
    status_url: httpx.URL | None
    polls: list[Poll] = field(default_factory=list)
    last_running: float = 0.0  # the latest moment it was seen running (it completed after)
    terminal: Poll | None = None  # the first read that showed a terminal state
    gone: Poll | None = None  # the first read that found the id gone
    resource: Resource | None = None  # once it succeeded: what it produced

    @property
    def tracked(self) -> bool:
        """Seen to exist: only then is its absence news."""
        return any(p.available for p in self.polls)

    def run(self) -> Run:
        """The operation as the driver's Run, for its resource calls."""
        polls = [p for p in self.polls if p.available]
        index = next((i for i, p in enumerate(polls) if p is self.terminal), None)
        return Run(self.submission, polls, terminal_index=index)


@dataclass
class Resource:
    """The resource a succeeded operation names, and what was done to it."""

    operation: Operation
    deleted_at: float | None = None
    delete: Exchange | None = None
    gone: Exchange | None = None  # the first read after the delete that found it gone


def _scenario_role(scenario: str) -> Role:
    return Role.SUCCESS if scenario == "success" else Role.FAILURE


def judge_read(op: Operation, poll: Poll, description: Description) -> Judgement:
    """Fold one status read into what is known of `op`: the divergences it shows, and what holds."""
    retention = description.retention
    window, tolerance = retention.completed, retention.tolerance
    ex = poll.exchange
    out = Judgement()
    if ex.error is not None:
        return out  # no answer says nothing about the target's model
    was_tracked = op.tracked
    op.polls.append(poll)
    if poll.available:
        _judge_state(op, poll, description, out)
        return out
    if not was_tracked:
        return out  # never seen to exist: a lost operation is the hand-written cases' matter
    earliest_end = max(op.last_running, op.submission.exchange.sent_at) + window
    terminal = op.terminal
    past = terminal is not None and ex.sent_at > terminal.exchange.received_at + window + tolerance
    gone_codes = retention.expired_status
    if ex.status in gone_codes:
        if op.gone is None:
            op.gone = poll
        if ex.received_at < earliest_end - tolerance:
            early = earliest_end - ex.received_at
            out.divergences.append(
                Divergence(
                    "RETAIN-COMPLETED",
                    f"the id answered {ex.status} at least {early:.3f} s before its "
                    f"{window:g} s window could end",
                    f"the status, until {window:g} s after completion (tolerance {tolerance:g} s)",
                    tuple(p.exchange for p in (terminal, poll) if p is not None),
                )
            )
        elif past:
            out.holds += ["EXPIRE-COMPLETED", "EXPIRED-404"]
        return out
    if ex.received_at < earliest_end - tolerance:
        divergence = Divergence(
            "STATUS-200-JSON",
            f"the status of a live operation answered {ex.status}",
            "200 with a JSON status while the id is available",
            (ex,),
        )
    else:
        divergence = Divergence(
            "EXPIRED-404",
            f"an id at or past the end of its window answered {ex.status}",
            f"its status, or gone: one of {gone_codes}, never another code",
            (ex,),
        )
    out.divergences.append(divergence)
    return out


def _judge_state(op: Operation, poll: Poll, description: Description, out: Judgement) -> None:
    """A read that told a state: a known name, the same terminal state, inside its window."""
    window, tolerance = description.retention.completed, description.retention.tolerance
    ex = poll.exchange
    if poll.role is None:
        names = ", ".join(sorted(description.dialect.states.all))
        out.divergences.append(
            Divergence("STATUS-STATE-NAMES", f"the state {poll.state!r}", f"one of {names}", (ex,))
        )
        return
    if ex.status in description.dialect.status_answers:  # another code: the case's to judge
        out.holds.append("STATUS-200-JSON")
    if poll.reading.told_by != "http":  # a state told by the HTTP code has no name to judge
        out.holds.append("STATUS-STATE-NAMES")
    terminal = op.terminal
    if terminal is None:
        if poll.role.terminal:
            op.terminal = poll
            # The outcome is the state it completed in: judged only where the read came
            # close after a read that showed it running, so no later change is mistaken for it.
            close = max(description.polling.interval, description.retention.tolerance)
            if op.last_running and ex.sent_at - op.last_running <= close:
                _judge_outcome(op, poll, description, out)
        else:
            op.last_running = max(op.last_running, ex.sent_at)
        return
    done = terminal.exchange.received_at
    if poll.state != terminal.state or poll.role is not terminal.role:
        out.divergences.append(
            Divergence(
                "TRANS-MODEL",
                f"{terminal.state}, then {poll.state} when read again {ex.sent_at - done:.3f} s "
                "later",
                f"{terminal.state} is terminal and stays {terminal.state} while the id "
                "is available",
                (terminal.exchange, ex),
            )
        )
    else:
        out.holds.append("TRANS-MODEL")
    if ex.sent_at > done + window + tolerance:
        out.divergences.append(
            Divergence(
                "EXPIRE-COMPLETED",
                f"the id still answered {poll.state} at least {ex.sent_at - done - window:.3f} s "
                f"after its {window:g} s window ended",
                f"gone (one of {description.retention.expired_status}) once the window and the "
                f"tolerance ({tolerance:g} s) have passed",
                (terminal.exchange, ex),
            )
        )
    elif ex.sent_at >= done + 0.9 * window:
        out.holds.append("RETAIN-COMPLETED")


def _judge_outcome(op: Operation, poll: Poll, description: Description, out: Judgement) -> None:
    role = _scenario_role(op.submission.scenario)
    if poll.role is role:
        out.holds.append("TRANS-OUTCOME")
        return
    out.divergences.append(
        Divergence(
            "TRANS-OUTCOME",
            f"the {op.submission.scenario} scenario ended {poll.state}",
            " or ".join(description.dialect.states.names(role)),
            (op.submission.exchange, poll.exchange),
        )
    )


def judge_resource_read(resource: Resource, read: Exchange, delete_budget: float) -> Judgement:
    """A read of a succeeded operation's resource: there until deleted, gone within the budget."""
    out = Judgement()
    if read.error is not None or read.status is None:
        return out
    ok = 200 <= read.status < 300
    if resource.deleted_at is None:
        if ok:
            out.holds.append("RESULT-URL")
            return out
        out.divergences.append(
            Divergence(
                "RESULT-URL",
                f"the resource of a succeeded operation answered {read.status}, and it was "
                "never deleted",
                "2xx: the resource stays until it is deleted",
                _with_terminal(resource.operation, read),
            )
        )
        return out
    if not ok:
        if read.status in (404, 410):
            resource.gone = resource.gone or read
            out.holds.append("DELETE-GONE")
        return out
    gone = resource.gone
    late = read.sent_at - resource.deleted_at
    if gone is None and late <= delete_budget:
        return out
    observed = (
        f"the resource answered {read.status} again after it had answered {gone.status}"
        if gone is not None
        else f"the resource answered {read.status} {late:.3f} s after the delete, past the "
        f"delete budget ({delete_budget:g} s)"
    )
    shown = tuple(e for e in (resource.delete, gone, read) if e is not None)
    out.divergences.append(
        Divergence("DELETE-GONE", observed, "404 once deleted in the background", shown)
    )
    return out


def _with_terminal(op: Operation, read: Exchange) -> tuple[Exchange, ...]:
    return (op.terminal.exchange, read) if op.terminal is not None else (read,)
