"""Case outcomes turned into verdicts per requirement: the data every report reads."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..catalogue import CATALOGUE, DialectSource, Level, Requirement
from ..verdicts import Verdict, worst

__all__ = ["GATES", "CaseResult", "RequirementResult", "Results", "shipped_requirements"]

#: --gate: what fails the run. `must`: a MUST failure or an error; `should`: a SHOULD
#: violation too; `none`: nothing (the run writes its report and exits 0).
GATES = ("must", "should", "none")


@functools.cache
def shipped_requirements() -> frozenset[str]:
    """The requirements the shipped cases cover, whether or not this run collected them."""
    from ..cli import cases_dir

    marker = re.compile(r"""requirement\(\s*["']([A-Z0-9-]+)["']""")
    found: set[str] = set()
    for path in cases_dir().glob("test_*.py"):
        found |= set(marker.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


@dataclass
class CaseResult:
    nodeid: str
    requirement: str
    verdict: Verdict
    message: str = ""
    observed: str | None = None
    expected: str | None = None
    hint: str | None = None
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    #: For a property's failure: the numbered steps to replay it by hand.
    steps: list[str] = field(default_factory=list)
    duration: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    #: For a PASS: what was seen, and the transcript indexes of the exchanges that show it.
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, requirement: str, data: dict[str, Any]) -> CaseResult:
        """The inverse of `as_dict` (a worker's result, on the controller)."""
        return cls(
            nodeid=data["nodeid"],
            requirement=requirement,
            verdict=Verdict(data["verdict"]),
            message=data.get("message", ""),
            observed=data.get("observed"),
            expected=data.get("expected"),
            hint=data.get("hint"),
            exchanges=data.get("exchanges", []),
            steps=data.get("steps", []),
            duration=data.get("duration_s", 0.0),
            details=data.get("details", {}),
            evidence=data.get("evidence", []),
        )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nodeid": self.nodeid,
            "verdict": self.verdict.value,
            "duration_s": round(self.duration, 4),
        }
        for key in ("message", "observed", "expected", "hint"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.details:
            data["details"] = self.details
        if self.steps:
            data["steps"] = self.steps
        if self.evidence:
            data["evidence"] = self.evidence
        if self.exchanges:
            data["exchanges"] = self.exchanges
        return data


@dataclass
class RequirementResult:
    requirement: Requirement
    verdict: Verdict
    reason: str
    cases: list[CaseResult]

    def as_dict(self, dialect: DialectSource | None = None) -> dict[str, Any]:
        """The requirement's part of the report; `dialect`: its run's dialect's document, where
        that dialect defines part of the rule (`catalogue.dialect_source`)."""
        req = self.requirement
        data: dict[str, Any] = {
            "id": req.id,
            "level": req.level.value,
            "section": req.section,
            "title": req.title,
            "source": req.source,
        }
        if dialect is not None:
            data["dialect_source"] = dialect.as_dict()
        return {
            **data,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "cases": [c.as_dict() for c in self.cases],
        }


class Results:
    """Case results as they arrive; requirement verdicts on demand."""

    def __init__(self) -> None:
        self.covering: dict[str, list[str]] = defaultdict(list)
        self.selected: set[str] | None = None  # requirements with a case that runs
        self.cases: dict[str, list[CaseResult]] = defaultdict(list)

    def collected(self, requirement: str, nodeid: str) -> None:
        self.covering[requirement].append(nodeid)

    def add(self, result: CaseResult) -> None:
        self.cases[result.requirement].append(result)

    def requirements(self) -> list[RequirementResult]:
        out = []
        for req in CATALOGUE.values():
            # In collection order, however they arrived (workers finish in any order).
            order = {nodeid: n for n, nodeid in enumerate(self.covering.get(req.id, []))}
            cases = sorted(
                self.cases.get(req.id, []), key=lambda c: order.get(c.nodeid, len(order))
            )
            verdict = worst(c.verdict for c in cases)
            if not cases:
                if not self.covering.get(req.id) and req.id not in shipped_requirements():
                    reason = "no case covers this requirement yet"
                elif self.selected is not None and req.id not in self.selected:
                    reason = "not selected in this run"
                else:
                    reason = "its cases did not run"
            else:
                decisive = [c for c in cases if c.verdict is verdict]
                reason = decisive[0].message.splitlines()[0] if decisive[0].message else ""
            out.append(RequirementResult(req, verdict, reason, cases))
        return out

    @staticmethod
    def gate(requirements: list[RequirementResult], strict: bool) -> bool:
        """True when the run passes: no FAIL or ERROR, and in strict mode no WARN but INFO's."""
        for r in requirements:
            if r.verdict in (Verdict.FAIL, Verdict.ERROR):
                return False
            if strict and r.verdict is Verdict.WARN and r.requirement.level is not Level.INFO:
                return False
        return True
