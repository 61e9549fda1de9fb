"""Verdicts, and the exceptions through which checks deliver them."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .catalogue import get

if TYPE_CHECKING:  # the driver raises Blocked itself, so no import at run time
    from .driver import Exchange

__all__ = ["Blocked", "ConformanceFailure", "Inconclusive", "Verdict", "worst"]


class Verdict(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"
    SKIP = "SKIP"
    ERROR = "ERROR"
    NOT_COVERED = "NOT-COVERED"


# How bad a case outcome is when several decide one requirement.
_RANK = {
    Verdict.NOT_COVERED: 0,
    Verdict.SKIP: 1,
    Verdict.PASS: 2,
    Verdict.WARN: 3,
    Verdict.ERROR: 4,
    Verdict.FAIL: 5,
}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=_RANK.__getitem__, default=Verdict.NOT_COVERED)


class ConformanceFailure(AssertionError):
    """The target broke a requirement: what was seen, what the requirement asks, the way out."""

    def __init__(
        self,
        requirement: str,
        observed: str,
        expected: str,
        exchanges: Sequence[Exchange] = (),
        hint: str = "",
    ) -> None:
        self.requirement = get(requirement)
        self.observed = observed
        self.expected = expected
        self.exchanges = list(exchanges)
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        req = self.requirement
        lines = [
            f"{req.id} ({req.level.value}): {req.title}",
            f"Observed: {self.observed}",
            f"Expected: {self.expected}",
        ]
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        lines += [f"  {e.describe()}" for e in self.exchanges[-8:]]
        return "\n".join(lines)


class Blocked(Exception):
    """A case could not run because something it stands on did not happen (an ERROR verdict)."""

    def __init__(self, reason: str, exchanges: Sequence[Exchange] = ()) -> None:
        self.reason = reason
        self.exchanges = list(exchanges)
        super().__init__(reason)

    def __str__(self) -> str:
        lines = [f"could not run: {self.reason}"]
        lines += [f"  {e.describe()}" for e in self.exchanges[-5:]]
        return "\n".join(lines)


class Inconclusive(Exception):
    """The observation cannot decide the requirement either way (a WARN, never PASS or FAIL)."""

    def __init__(self, requirement: str, reason: str, exchanges: Sequence[Exchange] = ()) -> None:
        self.requirement = get(requirement)
        self.reason = reason
        self.exchanges = list(exchanges)
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.requirement.id} inconclusive: {self.reason}"
