"""`--list-requirements`: the catalogue, with the cases that cover each requirement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..catalogue import CATALOGUE

__all__ = ["render_listing", "render_markdown"]


def render_listing(covering: Mapping[str, Sequence[str]]) -> list[str]:
    lines: list[str] = []
    section = ""
    for req in CATALOGUE.values():
        if req.section != section:
            section = req.section
            lines += ["", f"{section}"]
        cases = covering.get(req.id, [])
        lines.append(f"  {req.id:<26} {req.level.value:<6} {req.title}")
        lines.append(f"  {'':<26} {'':<6} source: {req.source}")
        if cases:
            lines += [f"  {'':<26} {'':<6} case: {nodeid}" for nodeid in cases]
        else:
            lines.append(f"  {'':<26} {'':<6} NOT-COVERED")
    unknown = sorted(set(covering) - CATALOGUE.keys())
    for req_id in unknown:
        where = ", ".join(covering[req_id])
        lines.append(f"  {req_id:<26} UNKNOWN requirement, marked on: {where}")
    return lines


def render_markdown() -> str:
    """The catalogue as the Markdown table in README.md (a test keeps the two equal)."""
    rows = ["| ID | Level | Section | Requirement | Source |", "|---|---|---|---|---|"]
    for req in CATALOGUE.values():
        rows.append(
            f"| `{req.id}` | {req.level.value} | {req.section} | {req.title} | {req.source} |"
        )
    return "\n".join(rows)
