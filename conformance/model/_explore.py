"""Run the lifecycle model until it has nothing more to find.

Hypothesis stops at the first divergence and shrinks it. To report every
requirement the model can see broken, the search runs again without the
requirements already found, until a round finds nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hypothesis.errors import FlakyFailure, FlakyStrategyDefinition
from hypothesis.stateful import get_state_machine_test

from ..budget import Budget
from ..description import Description
from ..driver import Driver, Exchange
from ..verdicts import ConformanceFailure
from ._machine import Context, machine_for

__all__ = ["MODEL_REQUIREMENTS", "Exploration", "explore"]

#: The requirements the model judges.
MODEL_REQUIREMENTS = (
    "SUBMIT-UNIQUE",
    "STATUS-200-JSON",
    "STATUS-STATE-NAMES",
    "TRANS-MODEL",
    "TRANS-OUTCOME",
    "RESULT-URL",
    "DELETE-GONE",
    "RETAIN-COMPLETED",
    "EXPIRE-COMPLETED",
    "EXPIRED-404",
)


#: Findings after which the model cannot go on: every rule it judges reads the states.
STOPPING = frozenset({"STATUS-STATE-NAMES"})


@dataclass
class Exploration:
    """What the model found: a minimal failure per requirement, and evidence for the rest."""

    findings: dict[str, ConformanceFailure] = field(default_factory=dict)
    evidence: dict[str, list[Exchange]] = field(default_factory=dict)
    shown: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    rounds: int = 0
    steps: int = 0
    flaky: set[str] = field(default_factory=set)  # failures not seen again when replayed
    problem: str | None = None  # why the model could not run at all
    #: A finding that leaves every other rule nothing to judge (a state no role is known of).
    stopped_by: str | None = None
    #: Scenarios whose setup failed, with why: the model could not submit them.
    unprepared: dict[str, str] = field(default_factory=dict)
    drawable: int = 0  # scenarios it could draw from, those unprepared included


def _failure(group: FlakyFailure) -> ConformanceFailure | None:
    for exc in group.exceptions:
        if isinstance(exc, ConformanceFailure):
            return exc
        if isinstance(exc, FlakyFailure):
            found = _failure(exc)
            if found is not None:
                return found
    return None


def explore(
    driver: Driver,
    description: Description,
    *,
    moves_clock: bool,
    budget: Budget,
    skip: Iterable[str] = (),
    per_sequence: int | None = None,
    limit: int | None = None,
) -> Exploration:
    """Draw lifecycles against the target until no new requirement is found broken.

    `per_sequence` caps the operations one lifecycle starts, `limit` those of every
    round together (a live target's quota): a round draws no more lifecycles than fit.
    """
    judged = set(MODEL_REQUIREMENTS) - set(description.not_judged) - set(skip)
    ctx = Context(driver, description, moves_clock, judged, hint=budget.replay_hint())
    ctx.per_sequence = per_sequence
    result = Exploration()
    if not ctx.scenarios:
        result.problem = "the description declares neither a success nor a failure scenario"
        return result
    ctx.wall_deadline = driver.clock.now() + budget.wall_seconds
    machine = machine_for(ctx)
    for _ in MODEL_REQUIREMENTS:
        sequences = budget.sequences
        if limit is not None:
            sequences = min(sequences, (limit - ctx.submitted) // (per_sequence or 1))
            if sequences < 1:
                break  # the operations it may start are spent
        result.rounds += 1
        settings = budget.settings(sequences)
        test = budget.seeded(get_state_machine_test(machine, settings=settings))
        try:
            with budget.running(), driver.operations.made_by("model"):
                test()
        except ConformanceFailure as failure:
            found: ConformanceFailure | None = failure
        except FlakyFailure as group:
            found = _failure(group)
            if found is None:
                raise
            result.flaky.add(found.requirement.id)
        except FlakyStrategyDefinition as exc:
            # The target answered a replayed sequence so differently that the rules drew
            # otherwise: what was found so far stands, the search cannot go on.
            first = str(exc).strip().splitlines()[0]
            result.problem = f"the target answered a replayed sequence differently ({first})"
            break
        else:
            break
        assert found is not None
        result.findings[found.requirement.id] = found
        ctx.judged.discard(found.requirement.id)
        if found.requirement.id in STOPPING:
            result.stopped_by = found.requirement.id
            break
        if not ctx.judged:
            break
    result.evidence, result.shown, result.rules = ctx.evidence, ctx.shown, ctx.rules
    result.steps = ctx.steps_run
    result.unprepared, result.drawable = dict(ctx.unprepared), len(ctx.scenarios)
    return result
