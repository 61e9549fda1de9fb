"""Reports: verdicts per requirement, and one writer per format."""

from ._listing import render_listing, render_markdown
from ._recorder import REPORT_NAME, REQUIREMENT_KEY, Recorder
from ._results import GATES, CaseResult, RequirementResult, Results

__all__ = [
    "GATES",
    "REPORT_NAME",
    "REQUIREMENT_KEY",
    "CaseResult",
    "Recorder",
    "RequirementResult",
    "Results",
    "render_listing",
    "render_markdown",
]
