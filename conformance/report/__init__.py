"""Reports: verdicts per requirement, and one writer per format."""

from ._controller import Controller
from ._diff import (
    Change,
    ReportDiff,
    ReportError,
    diff_reports,
    load_report,
    parse_report,
    render_diff_html,
    render_diff_text,
)
from ._html import HTML_NAME, render_html
from ._junit import JUNIT_NAME, render_junit
from ._listing import CasesError, render_listing, render_markdown, shipped_cases
from ._parallel import GROUP_MARKER, OUTPUT_KEY
from ._recorder import REPORT_NAME, REQUIREMENT_KEY, Recorder
from ._results import GATES, CaseResult, RequirementResult, Results
from ._schema import SCHEMA_PATH

__all__ = [
    "GATES",
    "GROUP_MARKER",
    "HTML_NAME",
    "JUNIT_NAME",
    "OUTPUT_KEY",
    "REPORT_NAME",
    "REQUIREMENT_KEY",
    "SCHEMA_PATH",
    "CaseResult",
    "CasesError",
    "Change",
    "Controller",
    "Recorder",
    "ReportDiff",
    "ReportError",
    "RequirementResult",
    "Results",
    "diff_reports",
    "load_report",
    "parse_report",
    "render_diff_html",
    "render_diff_text",
    "render_html",
    "render_junit",
    "render_listing",
    "render_markdown",
    "shipped_cases",
]
