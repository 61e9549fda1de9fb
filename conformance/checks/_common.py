"""What several checks need: the prerequisites a run must meet before it can be judged."""

from __future__ import annotations

from .._words import counted
from ..description import Role
from ..driver import GONE_STATUSES, Ended, Exchange, Poll, Run
from ..verdicts import Blocked, Inconclusive

__all__ = [
    "SILENT",
    "answered",
    "blockers",
    "codes",
    "needs_polls",
    "needs_terminal",
    "not_cut",
    "reason",
    "silent",
]

#: Answers about the request or the server, not the resource the request named: refused
#: (401, 403, 407), timed out (408), throttled (429), or unavailable at the server or at a
#: gateway before it (502, 503, 504). They show neither that a resource is there nor that
#: it is gone.
SILENT = frozenset({401, 403, 407, 408, 429, 502, 503, 504})


def silent(exchange: Exchange) -> bool:
    """No answer at all, or one that says nothing about the resource it asked for (SILENT)."""
    return exchange.error is not None or exchange.status in SILENT


def not_cut(requirement: str, exchange: Exchange) -> None:
    """Inconclusive when the body was cut at polling.max_body_bytes: what it held is unknown.

    A body too long to read whole may still be the JSON the requirement asks for, so a
    FAIL on its first bytes would not be certain.
    """
    if exchange.truncated:
        raise Inconclusive(
            requirement,
            f"the answer's body was cut at polling.max_body_bytes "
            f"({counted(len(exchange.body), 'byte')} read), so what it holds is unknown; "
            "raise the cap to judge it",
            [exchange],
        )


def answered(exchange: Exchange, what: str) -> None:
    """Blocked when `exchange` got no HTTP answer at all (a transport error)."""
    if exchange.error is not None:
        raise Blocked(f"{what} got no answer: {exchange.error}", [exchange])


def codes(values: list[int]) -> str:
    return " or ".join(map(str, values))


def reason(run: Run) -> str:
    """Why a run stopped before a terminal state, in words."""
    sub = run.submission
    if sub.status_url is None:
        return f"no status URL to poll ({sub.location_problem})"
    last = run.polls[-1] if run.polls else None
    if last is None:
        return "the status URL was never read"
    ex = last.exchange
    if run.problem is not None:
        return run.problem
    if run.ended is Ended.NO_ANSWER:
        return f"the status resource got no answer: {ex.error}"
    if run.ended is Ended.STATUS_ERROR:
        return f"the status resource answered {ex.status}"
    if run.ended is Ended.UNREADABLE:
        if last.body is None:
            cut = ", its body cut at polling.max_body_bytes" if ex.truncated else ""
            return f"the status answer ({ex.status}{cut}) has no JSON object to read a state from"
        return f"the status body tells no state ({last.reading.told_by})"
    if run.ended is Ended.BUDGET:
        return "no terminal state within the operation budget"
    return f"the run ended {run.ended.value}"


def blockers(run: Run) -> tuple[str, ...]:
    """The requirements that FAIL on what stopped `run`, most likely first; none where
    nothing the target answered stopped it (no answer at all: the environment's)."""
    sub = run.submission
    if sub.exchange.error is not None:
        return ()
    if sub.status_url is None:
        return ("SUBMIT-202", "SUBMIT-LOCATION")
    if not run.polls or run.ended is Ended.NO_ANSWER:
        return ()
    if run.ended is Ended.UNKNOWN_STATE:
        return ("STATUS-STATE-NAMES",)
    if run.ended is Ended.UNREADABLE:
        return ("STATUS-200-JSON", "STATUS-STATE-NAMES")
    if run.ended is Ended.STATUS_ERROR or run.polls[0].exchange.status in GONE_STATUSES:
        return ("STATUS-200-JSON", "SUBMIT-LOCATION", "RETAIN-COMPLETED")
    if run.ended is Ended.BUDGET:
        return ("TRANS-OUTCOME",)
    return ()


def needs_polls(run: Run) -> list[Poll]:
    """The run's polls; Blocked when the status resource could not be read at all."""
    if not run.polls or run.polls[0].exchange.status in GONE_STATUSES:
        raise Blocked(
            f"the {run.submission.scenario} run has no status to judge: {reason(run)}",
            run.exchanges,
            by=blockers(run),
        )
    return run.polls


def needs_terminal(run: Run, role: Role) -> Poll:
    """The run's first terminal poll, which must have `role`; Blocked otherwise."""
    terminal = run.terminal
    if terminal is None or terminal.role is None:
        raise Blocked(
            f"the {run.submission.scenario} run reached no terminal state: {reason(run)}",
            run.exchanges,
            by=blockers(run),
        )
    if terminal.role is not role:
        raise Blocked(
            f"the {run.submission.scenario} run ended {terminal.state}, a {terminal.role.value} "
            f"state, so there is no {role.value} to judge",
            run.exchanges,
            by=("TRANS-OUTCOME",),
        )
    return terminal
