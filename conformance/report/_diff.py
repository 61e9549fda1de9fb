"""`async-conformance diff`: what moved between two conformance.json reports.

Pure functions: read and check a report, compare two, render the comparison as text or HTML.
"""

from __future__ import annotations

import enum
import functools
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._words import counted
from ..verdicts import Verdict

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "Change",
    "ReportDiff",
    "ReportError",
    "diff_reports",
    "load_report",
    "parse_report",
    "render_diff_html",
    "render_diff_text",
]

SCHEMA_PREFIX = "async-conformance/"
#: What a JSON document that is not an object is, in JSON's words.
_JSON_KINDS = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}
_WAY_OUT = "give the conformance.json that a run of the suite wrote (see --report-dir)"

# The verdicts that ask for action, and how bad each is: FAIL > ERROR > WARN. Not the ranking of
# `verdicts.worst`, which puts PASS above SKIP to decide one requirement from several cases; here
# PASS, SKIP and NOT-COVERED are not ranked against each other: a move between them is a change
# of what was observed, neither better nor worse.
_ACTED_ON = {Verdict.WARN: 1, Verdict.ERROR: 2, Verdict.FAIL: 3}


class ReportError(ValueError):
    """A file that is not a readable conformance report; the message names it and the way out."""


class Change(str, enum.Enum):
    """How one requirement moved from the old report to the new one (in the order shown)."""

    REGRESSED = "REGRESSED"
    IMPROVED = "IMPROVED"
    CHANGED = "CHANGED"
    ADDED = "ADDED"
    REMOVED = "REMOVED"


@dataclass(frozen=True)
class Entry:
    """One requirement's verdict, as a report gives it."""

    id: str
    level: str
    title: str
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class Report:
    """What the comparison reads from one conformance.json."""

    source: str
    target: str
    dialect: str
    started_at: str
    gate: str | None
    gate_mode: str | None
    aborted: str | None
    requirements: dict[str, Entry]  # in the report's order

    def counts(self) -> Counter[Verdict]:
        return Counter(r.verdict for r in self.requirements.values())


@dataclass(frozen=True)
class Moved:
    """A requirement whose verdict moved, or that only one report has."""

    change: Change
    id: str
    level: str
    title: str
    old: Verdict | None  # None: ADDED
    new: Verdict | None  # None: REMOVED
    reason: str  # the new report's, or the old one's for REMOVED
    note: str = ""  # for CHANGED: what the move means in words

    @property
    def label(self) -> str:
        return f"{self.id} ({self.level})" if self.level else self.id

    @property
    def move(self) -> str:
        if self.old is None:
            return f"new, {_v(self.new)}"
        if self.new is None:
            return f"was {_v(self.old)}"
        move = f"{_v(self.old)} -> {_v(self.new)}"
        return f"{move}, {self.note}" if self.note else move


@dataclass(frozen=True)
class ReportDiff:
    old: Report
    new: Report
    moved: tuple[Moved, ...]  # grouped in the order of `Change`
    compared: int  # requirements present in both reports

    def of(self, change: Change) -> list[Moved]:
        return [m for m in self.moved if m.change is change]

    @property
    def gate_changed(self) -> bool:
        return None not in (self.old.gate, self.new.gate) and self.old.gate != self.new.gate

    @property
    def gate_regressed(self) -> bool:
        return self.old.gate == "pass" and self.new.gate == "fail"

    @property
    def regressed(self) -> bool:
        """What fails the comparison: a requirement regressed, or the gate went pass -> fail."""
        return self.gate_regressed or any(m.change is Change.REGRESSED for m in self.moved)

    @property
    def targets_differ(self) -> bool:
        return (self.old.target, self.old.dialect) != (self.new.target, self.new.dialect)

    def counts(self) -> list[tuple[str, int, int]]:
        """(verdict, old count, new count) for each verdict either report has."""
        old, new = self.old.counts(), self.new.counts()
        return [(v.value, old[v], new[v]) for v in Verdict if old[v] or new[v]]


def _v(verdict: Verdict | None) -> str:
    return verdict.value if verdict is not None else "-"


def classify(old: Verdict, new: Verdict) -> tuple[Change, str] | None:
    """How a move from `old` to `new` counts, with its meaning in words; None if it did not move.

    - Into WARN, ERROR or FAIL from anything better (PASS, SKIP, NOT-COVERED, or a lesser one of
      the three): REGRESSED. WARN -> FAIL regresses; FAIL -> WARN improves.
    - Out of WARN, ERROR or FAIL to PASS: IMPROVED.
    - Anything else is CHANGED, because it says nothing of whether the target got better or worse:
      PASS -> SKIP (the evidence was lost: "no longer observed"), FAIL -> SKIP (the failure was
      not seen again, which is no fix), SKIP -> PASS ("now observed"), into NOT-COVERED, or
      into BLOCKED (the FAIL that blocks it is listed itself).
    """
    if old is new:
        return None
    if new in _ACTED_ON:
        worse = old not in _ACTED_ON or _ACTED_ON[new] > _ACTED_ON[old]
        return (Change.REGRESSED, "") if worse else (Change.IMPROVED, "")
    if new is Verdict.PASS:
        return (Change.IMPROVED, "") if old in _ACTED_ON else (Change.CHANGED, "now observed")
    if new is Verdict.NOT_COVERED:
        return Change.CHANGED, "no longer run"
    if new is Verdict.BLOCKED:  # the FAIL that blocks it is listed in its own right
        return Change.CHANGED, "no longer judged: another requirement's FAIL blocks it"
    if old is Verdict.NOT_COVERED:  # now SKIP
        return Change.CHANGED, "now run, not observed"
    if old is Verdict.BLOCKED:  # now SKIP
        return Change.CHANGED, "now judged, not observed"
    return Change.CHANGED, "no longer observed"


def _moved(
    change: Change, req: Entry, old: Verdict | None, new: Verdict | None, note: str = ""
) -> Moved:
    return Moved(change, req.id, req.level, req.title, old, new, req.reason, note)


def diff_reports(old: Report, new: Report) -> ReportDiff:
    """Every requirement whose verdict moved, and those only one report has.

    A requirement that kept its verdict with another reason is not listed: the reason names
    details (a URL, a count, a time) that differ from run to run.
    """
    moved: list[Moved] = []
    for req in new.requirements.values():
        before = old.requirements.get(req.id)
        if before is None:
            moved.append(_moved(Change.ADDED, req, None, req.verdict))
            continue
        found = classify(before.verdict, req.verdict)
        if found is not None:
            change, note = found
            moved.append(_moved(change, req, before.verdict, req.verdict, note))
    for req in old.requirements.values():
        if req.id not in new.requirements:
            moved.append(_moved(Change.REMOVED, req, req.verdict, None))
    order = list(Change)
    moved.sort(key=lambda m: order.index(m.change))  # stable: report order within a group
    compared = len(old.requirements.keys() & new.requirements.keys())
    return ReportDiff(old, new, tuple(moved), compared)


def load_report(path: str | Path) -> Report:
    """Read and check a conformance.json; `ReportError` names the file and what is wrong."""
    source = str(path)
    file = Path(path)
    if file.is_dir():
        raise ReportError(f"{source}: is a folder; give the conformance.json inside it")
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{source}: no such file; {_WAY_OUT}") from None
    except UnicodeDecodeError:
        raise ReportError(f"{source}: not a text file (not UTF-8); {_WAY_OUT}") from None
    except OSError as exc:
        raise ReportError(f"{source}: cannot be read ({exc.strerror or exc}); {_WAY_OUT}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{source}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); {_WAY_OUT}"
        ) from None
    return parse_report(data, source)


def parse_report(data: Any, source: str) -> Report:
    """Check a report's document; `source` names it in the messages."""

    def bad(problem: str) -> ReportError:
        return ReportError(f"{source}: {problem}; {_WAY_OUT}")

    if not isinstance(data, dict):
        kind = _JSON_KINDS.get(type(data), "value")
        raise bad(f"not a conformance report (a JSON {kind}, not an object)")
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        shown = 'no "schema"' if schema is None else f'"schema" is {json.dumps(schema)}'
        raise bad(f'not a conformance report ({shown}, expected "{SCHEMA_PREFIX}...")')
    items = data.get("requirements")
    if items is None:
        raise bad('a conformance report with no "requirements"')
    if not isinstance(items, list):
        raise bad('"requirements" is not a list')
    requirements: dict[str, Entry] = {}
    for n, item in enumerate(items):
        where = f"requirements[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise bad(f'{where} has no "id"')
        req_id = item["id"]
        try:
            verdict = Verdict(item.get("verdict"))
        except ValueError:
            allowed = ", ".join(v.value for v in Verdict)
            shown = json.dumps(item.get("verdict"))
            raise bad(f"{where} ({req_id}) has verdict {shown}, not one of {allowed}") from None
        if req_id in requirements:
            raise bad(f'{req_id} appears twice in "requirements"')
        requirements[req_id] = Entry(
            req_id, _text(item, "level"), _text(item, "title"), verdict, _text(item, "reason")
        )
    gate = data.get("gate")
    if gate not in (None, "pass", "fail"):
        raise bad(f'"gate" is {json.dumps(gate)}, not "pass" or "fail"')
    target = data.get("target")
    return Report(
        source=source,
        target=_text(target, "url") if isinstance(target, dict) else "",
        dialect=_text(data, "dialect"),
        started_at=_text(data, "started_at"),
        gate=gate,
        gate_mode=_text(data, "gate_mode") or None,
        aborted=_text(data, "aborted") or None,
        requirements=requirements,
    )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _gate_line(diff: ReportDiff) -> str | None:
    old, new = diff.old, diff.new
    if old.gate is None or new.gate is None:
        return None
    line = f"gate: {old.gate} -> {new.gate}" if diff.gate_changed else f"gate: {new.gate}"
    if old.gate_mode != new.gate_mode:
        line += f" (gate mode {old.gate_mode or '?'} -> {new.gate_mode or '?'})"
    if new.aborted:
        line += f" (the new run stopped early: {new.aborted})"
    return _one_line(line)


def _counts_line(diff: ReportDiff) -> str:
    shown = [
        f"{verdict} {old} -> {new}" if old != new else f"{verdict} {new}"
        for verdict, old, new in diff.counts()
    ]
    return f"verdicts: {', '.join(shown)}"


def _summary(diff: ReportDiff) -> str:
    both = f"{counted(diff.compared, 'requirement')} in both reports"
    if not diff.moved and not diff.gate_changed:
        line = f"no change: no verdict moved ({both})"
        return f"{line}, and the gate stayed {diff.new.gate}" if diff.new.gate else line
    counts = ", ".join(f"{len(diff.of(c))} {c.value.lower()}" for c in Change)
    line = f"{counts} ({both})"
    if diff.gate_changed:
        line += f"; gate {diff.old.gate} -> {diff.new.gate}"
    return line


def _targets_note(diff: ReportDiff) -> str:
    def label(r: Report) -> str:
        return f"{r.target or 'an unnamed target'} ({r.dialect or 'no dialect'})"

    return f"note: the reports are of different targets: {label(diff.old)} and {label(diff.new)}"


def _one_line(text: str) -> str:
    # A reason can quote what the target sent: no line break or terminal escape gets through.
    return "".join(ch if ch.isprintable() else " " for ch in text)


def render_diff_text(diff: ReportDiff) -> str:
    """One line per moved requirement, grouped; the gate, the verdict counts, then a summary."""
    lines = [_targets_note(diff)] if diff.targets_differ else []
    for m in diff.moved:
        line = f"{m.change.value:<9}  {m.label}: {m.move}"
        lines.append(_one_line(f"{line}  — {m.reason}" if m.reason else line))
    gate = _gate_line(diff)
    if gate:
        lines.append(gate)
    lines += [_counts_line(diff), _summary(diff)]
    return "\n".join(lines)


@functools.cache
def _templates() -> jinja2.Environment:
    # Made on first use: most diffs are read as text.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.report", "templates"),
        # On for every template, whatever its name: "diff.html.j2" does not end in ".html", so
        # `select_autoescape` would leave it off. Every value in the page comes from a report.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_diff_html(diff: ReportDiff) -> str:
    """The comparison as one self-contained page: no script, no external resource."""
    template = _templates().get_template("diff.html.j2")
    return template.render(
        diff=diff,
        groups=[(c.value, diff.of(c)) for c in Change if diff.of(c)],
        gate=_gate_line(diff),
        targets_note=_targets_note(diff) if diff.targets_differ else None,
        summary=_summary(diff),
    )
