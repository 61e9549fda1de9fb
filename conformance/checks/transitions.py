"""Transitions: the state model, and the outcome each scenario declares."""

from __future__ import annotations

import itertools

from ..description import Description, Role
from ..driver import Ended, Run
from ..verdicts import Blocked, ConformanceFailure, NotObserved, cite
from ._common import needs_polls, reason

__all__ = ["expected_outcome", "follows_state_model"]


def follows_state_model(run: Run, description: Description) -> None:
    """Running -> anything; a terminal state never changes while the id answers.

    Before a terminal state, unknown names are STATUS-STATE-NAMES's business; after
    one, any answer that tells another state (an unknown name included, whatever the
    HTTP code) is a change. An id that is gone (404) tells no state.
    """
    polls = [p for p in needs_polls(run) if p.available]
    terminal = next((p for p in polls if p.role is not None and p.role.terminal), None)
    for before, after in itertools.pairwise(polls):
        if (
            before.role is not None
            and before.role.terminal
            and (after.state != before.state or after.role is not before.role)
        ):
            shown = after.state if after.state is not None else repr(after.reading.raw)
            raise ConformanceFailure(
                "TRANS-MODEL",
                observed=f"{before.state} ({before.exchange.status}) -> {shown} "
                f"({after.exchange.status})",
                expected=f"{before.state} is terminal and stays {before.state} while the id "
                "is available",
                exchanges=[before.exchange, after.exchange],
            )
    if len(polls) < 2:
        raise NotObserved(
            f"the {run.submission.scenario} run read the status {len(polls)} time(s); "
            "a transition needs two reads",
            run.exchanges,
        )
    seen = " -> ".join(
        f"{state} x{len(list(group))}"
        for state, group in itertools.groupby(str(p.state) for p in polls)
    )
    kept = "; the terminal state held" if terminal is not None else ""
    cite(f"states seen: {seen}{kept}", [p.exchange for p in polls])


def expected_outcome(run: Run, description: Description) -> None:
    scenario = run.submission.scenario
    states = description.dialect.states
    role = Role.SUCCESS if scenario == "success" else Role.FAILURE
    expected = states.names(role)
    terminal = run.terminal
    if terminal is None:
        if run.ended is not Ended.BUDGET:
            raise Blocked(f"the {scenario} run could not be followed: {reason(run)}", run.exchanges)
        last = run.polls[-1]
        raise ConformanceFailure(
            "TRANS-OUTCOME",
            observed=f"still {last.state} after {description.polling.budget:g} s "
            f"({len(run.polls)} polls)",
            expected=f"{' or '.join(expected)} within the operation budget",
            exchanges=run.exchanges[-3:],
            hint="Raise polling.budget in the target description if the work is slow.",
        )
    if terminal.role is not role:
        raise ConformanceFailure(
            "TRANS-OUTCOME",
            observed=f"the {scenario} scenario ended {terminal.state}",
            expected=" or ".join(expected),
            exchanges=[run.submission.exchange, terminal.exchange],
        )
    cite(
        f"the {scenario} scenario ended {terminal.state}",
        [run.submission.exchange, terminal.exchange],
    )
