"""Transitions: the state model, and the outcome each scenario declares."""

from __future__ import annotations

import itertools

from .._words import counted
from ..description import Description, Role
from ..driver import Ended, Exchange, Run
from ..retention import Retained
from ..verdicts import Blocked, ConformanceFailure, NotObserved, cite
from ._common import blockers, needs_polls, reason

__all__ = ["expected_outcome", "follows_state_model", "terminal_state_holds"]


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
    if run.ended is Ended.UNKNOWN_STATE and terminal is None:
        raise Blocked(
            f"the {run.submission.scenario} run was followed no further: {reason(run)}",
            run.exchanges,
            by=blockers(run),
        )
    if len(polls) < 2:
        raise NotObserved(
            f"the {run.submission.scenario} run read the status {counted(len(polls), 'time')}; "
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
            raise Blocked(
                f"the {scenario} run could not be followed: {reason(run)}",
                run.exchanges,
                by=blockers(run),
            )
        last = run.polls[-1]
        raise ConformanceFailure(
            "TRANS-OUTCOME",
            observed=f"still {last.state} after {description.polling.budget:g} s "
            f"({counted(len(run.polls), 'poll')})",
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


def terminal_state_holds(retained: list[Retained]) -> None:
    """Read again much later (the retention probes), a terminal state is still the same.

    The run's own confirming reads come right after completion; a state that changes
    a second or a minute later shows only in these later reads.
    """
    judged: list[Exchange] = []
    for operation in retained:
        terminal = operation.terminal
        for slot in (operation.inside, operation.outside):
            probe = slot.result
            if terminal is None or probe is None or not probe.available:
                continue  # gone (expired) tells no state
            if probe.state != terminal.state or probe.role is not terminal.role:
                later = probe.exchange.sent_at - terminal.exchange.received_at
                shown = probe.state if probe.state is not None else repr(probe.reading.raw)
                raise ConformanceFailure(
                    "TRANS-MODEL",
                    observed=f"{terminal.state}, then {shown} when read again {later:.3f} s later",
                    expected=f"{terminal.state} is terminal and stays {terminal.state} while "
                    "the id is available",
                    exchanges=[terminal.exchange, probe.exchange],
                )
            judged.append(probe.exchange)
    if not judged:
        raise NotObserved("no terminal operation was read again later while its id was available")
    cite(f"{counted(len(judged), 'later read')} showed the same terminal state", judged)
