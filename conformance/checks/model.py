"""The lifecycle model's verdict on one requirement."""

from __future__ import annotations

from ..model import Exploration
from ..verdicts import Blocked, NotObserved, cite

__all__ = ["model_holds"]


def model_holds(exploration: Exploration, requirement: str) -> None:
    """FAIL with the model's minimal sequence for `requirement`, or cite the reads that held."""
    found = exploration.findings.get(requirement)
    if found is not None:
        raise found
    if exploration.problem is not None:
        raise Blocked(f"the lifecycle model could not run: {exploration.problem}")
    evidence = exploration.evidence.get(requirement)
    if not evidence:
        raise NotObserved(
            f"the lifecycle model's {exploration.steps} steps showed nothing of {requirement}"
        )
    shown = exploration.shown.get(requirement, len(evidence))
    cite(
        f"the lifecycle model: {shown} answers in {exploration.steps} drawn steps held to "
        f"{requirement}",
        evidence,
    )
