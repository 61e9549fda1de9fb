"""The lifecycle model's verdict on one requirement."""

from __future__ import annotations

from .._words import counted
from ..model import Exploration
from ..verdicts import Blocked, ConformanceFailure, NotObserved, cite

__all__ = ["model_holds"]


def model_holds(exploration: Exploration, requirement: str) -> None:
    """FAIL with the model's minimal sequence for `requirement`, or cite the reads that held."""
    found = exploration.findings.get(requirement)
    if found is not None and requirement in exploration.flaky:
        # Seen, so certain; but its steps did not show it again: say so, or a replay puzzles.
        raise ConformanceFailure(
            requirement,
            observed=found.observed,
            expected=found.expected,
            exchanges=found.exchanges,
            hint=" ".join(
                part
                for part in (
                    found.hint,
                    "Seen once: replaying the same steps did not show it again, so the target "
                    "answers the same calls differently at times (a race, a cache, a replica).",
                )
                if part
            ),
            steps=found.steps,
        )
    if found is not None:
        raise found
    if exploration.problem is not None:
        raise Blocked(f"the lifecycle model could not run: {exploration.problem}")
    if exploration.stopped_by is not None:
        raise Blocked(
            f"the lifecycle model stopped at {exploration.stopped_by}: a state with no known "
            "role leaves every other rule it judges nothing to go on",
            by=(exploration.stopped_by,),
        )
    evidence = exploration.evidence.get(requirement)
    unprepared = exploration.unprepared
    if not evidence and unprepared and len(unprepared) >= exploration.drawable:
        # Nothing seen because every setup failed: that is why, not the target's silence.
        raise Blocked(f"the lifecycle model could submit nothing: {'; '.join(unprepared.values())}")
    if not evidence:
        without = "".join(
            f"; the {scenario} scenario's setup failed, so none was drawn"
            for scenario in unprepared
        )
        raise NotObserved(
            f"the lifecycle model's {counted(exploration.steps, 'step')} showed nothing of "
            f"{requirement}{without}"
        )
    shown = exploration.shown.get(requirement, len(evidence))
    cite(
        f"the lifecycle model: {counted(shown, 'answer')} in "
        f"{counted(exploration.steps, 'drawn step')} held to "
        f"{requirement}",
        evidence,
    )
