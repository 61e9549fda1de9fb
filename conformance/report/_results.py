"""Case outcomes turned into verdicts per requirement: the data every report reads."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..catalogue import CATALOGUE, DialectSource, Level, Requirement, cases_dir
from ..verdicts import Verdict, worst

__all__ = ["GATES", "CaseResult", "RequirementResult", "Results", "shipped_requirements"]

#: --gate: what fails the run. `must`: a MUST failure or an error; `should`: a SHOULD
#: violation too; `none`: nothing (the run writes its report and exits 0).
GATES = ("must", "should", "none")


@functools.cache
def shipped_requirements() -> frozenset[str]:
    """The requirements the shipped cases cover, whether or not this run collected them."""
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
    #: For a case that could not be judged: the requirements whose FAIL would explain it,
    #: until the run's verdicts are known (`Results.requirements` settles it).
    blockers: list[str] = field(default_factory=list)
    #: For a BLOCKED case: the requirement that FAILed on the same observation.
    blocked_by: str | None = None

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
            blockers=data.get("blockers", []),
            blocked_by=data.get("blocked_by"),
        )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nodeid": self.nodeid,
            "verdict": self.verdict.value,
            "duration_s": round(self.duration, 4),
        }
        for key in ("message", "observed", "expected", "hint", "blocked_by"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.blockers:
            data["blockers"] = self.blockers
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

    @property
    def blocked_by(self) -> str | None:
        """For a BLOCKED requirement: the requirement whose FAIL blocked its first case."""
        if self.verdict is not Verdict.BLOCKED:
            return None
        return next((c.blocked_by for c in self.cases if c.blocked_by), None)

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
            **({"blocked_by": self.blocked_by} if self.blocked_by else {}),
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

    def settled(self) -> dict[str, list[CaseResult]]:
        """The cases, each one that could not be judged settled: BLOCKED by a requirement that
        FAILed on the same observation (an exchange both name), else an ERROR."""
        failed: dict[str, list[CaseResult]] = defaultdict(list)
        for requirement, cases in self.cases.items():
            failed[requirement] = [c for c in cases if c.verdict is Verdict.FAIL]
        return {
            requirement: [_settle(case, failed) for case in cases]
            for requirement, cases in self.cases.items()
        }

    def requirements(self) -> list[RequirementResult]:
        out = []
        settled = self.settled()
        for req in CATALOGUE.values():
            # In collection order, however they arrived (workers finish in any order).
            order = {nodeid: n for n, nodeid in enumerate(self.covering.get(req.id, []))}
            cases = sorted(settled.get(req.id, []), key=lambda c: order.get(c.nodeid, len(order)))
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


def _settle(case: CaseResult, failed: dict[str, list[CaseResult]]) -> CaseResult:
    """A case held back by `blockers`, made BLOCKED by the first of them that FAILed (on an
    exchange the case names too, where one did: it is cited), or else an ERROR."""
    if case.verdict is not Verdict.BLOCKED or case.blocked_by:
        return case
    mine: set[int] = {e["index"] for e in case.exchanges if e.get("index")}
    for requirement in case.blockers:
        failures = failed.get(requirement, [])
        shared = sorted(
            mine & {e["index"] for f in failures for e in f.exchanges if e.get("index")}
        )
        if failures:
            seen = f" (see #{shared[0]})" if shared else ""
            return dataclasses.replace(
                case,
                blocked_by=requirement,
                blockers=[],
                message=f"blocked by {requirement}{seen}: {case.message}",
            )
    return dataclasses.replace(
        case, verdict=Verdict.ERROR, blockers=[], message=f"could not run: {case.message}"
    )
