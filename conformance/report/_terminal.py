"""What the run says in the terminal: the header up front, one line per requirement at the end."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .._words import counted
from ..description import SCENARIOS, ClockMode, Description
from ..driver import run_budget
from ..retention import longest_wait
from ..session import ConformanceSession
from ..verdicts import Verdict
from ._results import RequirementResult, Results

__all__ = ["cleanup_lines", "header", "not_described", "summary_lines"]

#: The colour of each verdict's line in the terminal summary.
_MARKUP = {
    Verdict.PASS: {"green": True},
    Verdict.FAIL: {"red": True, "bold": True},
    Verdict.ERROR: {"red": True},
    Verdict.WARN: {"yellow": True},
}


def not_described(description: Description) -> list[str]:
    """The parts of a description the user left out, as they would write them."""
    absent = [f"[scenarios.{name}]" for name in SCENARIOS if name not in description.scenarios]
    if description.sync is None:
        absent.append("[sync]")
    if description.openapi is None:
        absent.append("openapi")
    return absent


def header(session: ConformanceSession) -> str:
    """The target, dialect, clock and description; on the wall clock, how long it will wait."""
    target = session.target
    faults = ""
    if target.behaviours:
        faults = f", simulator faults: {', '.join(sorted(target.behaviours))}"
    line = (
        f"async-conformance: target {target.label}, "
        f"dialect {target.loaded.dialect_label}, clock {target.clock}, "
        f"description {target.loaded.source}{faults}"
    )
    if session.budget.seed is not None:
        line += f", property inputs from seed {session.budget.seed}"
    absent = not_described(session.description)
    if absent:
        line += (
            f"\nasync-conformance: not described, so not sent (their cases SKIP): "
            f"{', '.join(absent)}"
        )
    longest = longest_wait(session.description)
    if target.clock is ClockMode.REAL and longest:
        line += (
            f"\nasync-conformance: wall clock; the retention cases wait about {longest:g} s "
            "(the longest window); `-k 'not retention'` leaves them out"
        )
    if not target.kind.in_process and not session.description.tls.verify:
        line += "\nasync-conformance: TLS certificates are NOT verified (tls.verify = false)"
    if not target.kind.in_process:
        line += (
            f"\nasync-conformance: run budget {run_budget(session.description):g} s "
            "(polling.run_budget); nothing is sent after it"
        )
    return session.redactor.text(line)


def summary_lines(
    requirements: list[RequirementResult], gate_mode: str, width: int, aborted: str | None = None
) -> list[tuple[str, dict[str, bool]]]:
    """One line per requirement (what needs action whole, the rest cut to `width`), then the
    counts and the gate."""
    lines = []
    blocked: dict[str, list[RequirementResult]] = {}
    for r in requirements:
        if r.blocked_by is not None:
            blocked.setdefault(r.blocked_by, []).append(r)
    for r in requirements:
        if r.blocked_by is not None:
            continue  # listed under the failure that blocked it
        line = f"{r.verdict.value:<5} {r.requirement.id} ({r.requirement.level.value}): {r.reason}"
        acted_on = r.verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR)
        if not acted_on and len(line) > width:
            line = line[: max(width - 3, 40)] + "..."
        lines.append((line, _MARKUP.get(r.verdict, {})))
        held = blocked.get(r.requirement.id, [])
        if held:
            named = ", ".join(f"{b.requirement.id} ({b.requirement.level.value})" for b in held)
            lines.append((f"      BLOCKED by it, so not judged: {named}", {"yellow": True}))
    counts = Counter(r.verdict.value for r in requirements)
    order = [v.value for v in Verdict]
    shown = ", ".join(f"{counts[v]} {v}" for v in order if counts[v])
    gate = "pass" if Results.gate(requirements, gate_mode == "should") else "FAIL"
    if aborted is not None:  # a run that stopped early proves nothing
        gate = "FAIL (the run stopped early)"
    if gate_mode == "none":
        gate += " (not enforced: --gate=none)"
    lines.append((f"requirements: {shown}; gate: {gate}", {}))
    return lines


#: Items of the cleanup listed one by one in the terminal; the report has them all.
CLEANUP_SHOWN = 10


def cleanup_lines(cleanup: dict[str, Any] | None) -> list[tuple[str, dict[str, bool]]]:
    """What the run made on the target and what became of it: a count, then each thing left
    with its URL (the report lists them all)."""
    if not cleanup or not cleanup["items"]:
        return []
    items = cleanup["items"]
    left = [item for item in items if not item["removed"]]
    if cleanup["kept"]:
        head = f"cleanup: --keep, so the run left what it made: {counted(len(left), 'thing')}"
    elif not left:
        return [(f"cleanup: {counted(len(items), 'thing')} the run made, all removed", {})]
    else:
        removed = len(items) - len(left)
        head = f"cleanup: {removed} of {counted(len(items), 'thing')} the run made removed; LEFT:"
    lines: list[tuple[str, dict[str, bool]]] = [(head, {"yellow": True})]
    for item in left[:CLEANUP_SHOWN]:
        where = f" at {item['url']}" if item["url"] else ""
        lines.append((f"  {item['what']}{where}: {item['how']}", {"yellow": True}))
    if len(left) > CLEANUP_SHOWN:
        lines.append((f"  and {len(left) - CLEANUP_SHOWN} more (see the report)", {"yellow": True}))
    return lines
