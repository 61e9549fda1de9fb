"""Reports written by hand, as `async-conformance diff` reads them."""

from __future__ import annotations

from typing import Any

from conformance.report import (
    ReportDiff,
    diff_reports,
    parse_report,
)

WAY_OUT = "give the conformance.json that a run of the suite wrote (see --report-dir)"


def requirement_entry(
    req_id: str, verdict: str, reason: str = "", level: str = "MUST"
) -> dict[str, Any]:
    return {
        "id": req_id,
        "level": level,
        "title": f"{req_id} holds",
        "verdict": verdict,
        "reason": reason,
    }


def report_document(*requirements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A minimal report as `diff` reads it; `extra` overrides top-level keys (None drops one)."""
    document: dict[str, Any] = {
        "schema": "async-conformance/1",
        "target": {"kind": "url", "url": "https://staging.example.com"},
        "dialect": "cloudcenter",
        "gate": "pass",
        "gate_mode": "must",
        "requirements": list(requirements),
    }
    document.update(extra)
    return {k: v for k, v in document.items() if v is not None}


def diff_of(old: dict[str, Any], new: dict[str, Any]) -> ReportDiff:
    return diff_reports(parse_report(old, "old.json"), parse_report(new, "new.json"))
