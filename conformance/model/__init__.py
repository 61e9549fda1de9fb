"""The lifecycle model: Hypothesis draws lifecycles, a reference model judges each answer."""

from ._explore import MODEL_REQUIREMENTS, Exploration, explore
from ._reference import Divergence, Judgement, Operation, Resource, judge_read, judge_resource_read

__all__ = [
    "MODEL_REQUIREMENTS",
    "Divergence",
    "Exploration",
    "Judgement",
    "Operation",
    "Resource",
    "explore",
    "judge_read",
    "judge_resource_read",
]
