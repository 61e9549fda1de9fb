"""What several checks need: the prerequisites a run must meet before it can be judged."""

from __future__ import annotations

from ..description._model import States
from ..driver import Exchange, Poll, Run
from ..verdicts import Blocked

__all__ = ["answered", "needs_polls", "needs_terminal", "reason"]


def answered(exchange: Exchange, what: str) -> None:
    """Blocked when `exchange` got no HTTP answer at all (a transport error)."""
    if exchange.error is not None:
        raise Blocked(f"{what} got no answer: {exchange.error}", [exchange])


def reason(run: Run) -> str:
    """Why a run stopped before a terminal state, in words."""
    sub = run.submission
    if sub.status_url is None:
        return f"no status URL to poll ({sub.location_problem})"
    last = run.polls[-1].exchange if run.polls else None
    if run.ended == "status-error" and last is not None:
        return f"the status resource answered {last.error or last.status}"
    if run.ended == "unreadable":
        return "the status body is not a JSON object"
    if run.ended == "budget":
        return "no terminal state within the operation budget"
    return f"the run ended with {run.ended!r}"


def needs_polls(run: Run) -> list[Poll]:
    """The run's polls; Blocked when the status resource could not be read at all."""
    if not run.polls or run.polls[0].exchange.status in (404, 410):
        raise Blocked(
            f"the {run.submission.scenario} run has no status to judge: {reason(run)} "
            "(see SUBMIT-LOCATION)",
            run.exchanges,
        )
    return run.polls


def needs_terminal(run: Run, role: str, states: States) -> Poll:
    """The run's first terminal poll, which must have `role`; Blocked otherwise."""
    terminal = run.terminal
    if terminal is None or terminal.state is None:
        raise Blocked(
            f"the {run.submission.scenario} run reached no terminal state: {reason(run)}",
            run.exchanges,
        )
    if states.role(terminal.state) != role:
        raise Blocked(
            f"the {run.submission.scenario} run ended {terminal.state}, not in a {role} "
            "state (see TRANS-OUTCOME)",
            run.exchanges,
        )
    return terminal
