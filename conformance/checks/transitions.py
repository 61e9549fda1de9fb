"""Transitions: the state model, and the outcome each scenario declares."""

from __future__ import annotations

import itertools

from ..description import Description
from ..driver import Run
from ..verdicts import Blocked, ConformanceFailure
from ._common import needs_polls, reason

__all__ = ["expected_outcome", "follows_state_model"]


def follows_state_model(run: Run, description: Description) -> None:
    """Only running -> anything, and terminal -> the same terminal state.

    Unknown state names are STATUS-STATE-NAMES's business and are left out here.
    """
    states = description.dialect.states
    polls = [p for p in needs_polls(run) if p.state in states.all]
    for before, after in itertools.pairwise(polls):
        assert before.state is not None and after.state is not None
        if before.state in states.terminal and after.state != before.state:
            raise ConformanceFailure(
                "TRANS-MODEL",
                observed=f"{before.state} -> {after.state}",
                expected=f"{before.state} is terminal and stays {before.state} while the id "
                "is available",
                exchanges=[before.exchange, after.exchange],
            )


def expected_outcome(run: Run, description: Description) -> None:
    scenario = run.submission.scenario
    states = description.dialect.states
    role = "success" if scenario == "success" else "failure"
    expected = getattr(states, role)
    terminal = run.terminal
    if terminal is None:
        if run.ended != "budget":
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
    if terminal.state not in expected:
        raise ConformanceFailure(
            "TRANS-OUTCOME",
            observed=f"the {scenario} scenario ended {terminal.state}",
            expected=" or ".join(expected),
            exchanges=[run.submission.exchange, terminal.exchange],
        )
