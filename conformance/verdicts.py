"""Verdicts, and how checks deliver them.

A check that finds the requirement broken raises `ConformanceFailure` (FAIL, or
WARN for a SHOULD); one that cannot decide raises `Inconclusive` (WARN); one
whose prerequisite did not happen raises `Blocked` (ERROR); one that saw nothing
the requirement speaks of, or whose precondition is absent, raises `NotObserved`
(SKIP). A check that holds calls `cite` with the exchanges that show it: a PASS
without evidence is no PASS (the recorder makes it SKIP "not observed").
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from .catalogue import get

if TYPE_CHECKING:
    from .transcript import Exchange

__all__ = [
    "Blocked",
    "Citation",
    "ConformanceFailure",
    "Inconclusive",
    "NotDescribed",
    "NotObserved",
    "Verdict",
    "cite",
    "collecting",
    "plain",
    "worst",
]


class Verdict(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"
    SKIP = "SKIP"
    ERROR = "ERROR"
    #: Not judged, because another requirement FAILed on the same observation.
    BLOCKED = "BLOCKED"
    NOT_COVERED = "NOT-COVERED"


#: Characters a target could use to rewrite a terminal (CR/LF forging a line, ESC, BEL,
#: NUL, text-direction overrides): verdict texts show them escaped, as the reports do.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The same, but for line breaks: a report's block of text keeps its lines.
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(text: str, lines: bool = False) -> str:
    """`text` with control characters shown as escapes (`\\x1b`): on one line, or, with
    `lines`, keeping its line breaks (CR and LF)."""
    return (_CONTROL_BUT_LINES if lines else _CONTROL).sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# How bad a case outcome is when several decide one requirement.
_RANK = {
    Verdict.NOT_COVERED: 0,
    Verdict.SKIP: 1,
    Verdict.PASS: 2,
    Verdict.BLOCKED: 3,
    Verdict.WARN: 4,
    Verdict.ERROR: 5,
    Verdict.FAIL: 6,
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
        steps: Sequence[str] = (),
    ) -> None:
        self.requirement = get(requirement)
        # What the target sent is quoted in these: one line each, no terminal controls.
        self.observed = plain(observed)
        self.expected = plain(expected)
        self.exchanges = list(exchanges)
        self.hint = plain(hint)
        #: For a property's failure: the numbered steps that show it, to replay by hand.
        self.steps = [plain(step) for step in steps]
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
        if self.steps:
            lines.append("Steps to replay:")
            lines += [f"  {step}" for step in self.steps]
            return "\n".join(lines)
        lines += [f"  {plain(e.describe())}" for e in self.exchanges[-8:]]
        return "\n".join(lines)


class Blocked(Exception):
    """A case could not run because something it stands on did not happen.

    `by` names the requirements whose failure on the same observation would explain it,
    most likely first. Where one of them FAILed in the run, the case is BLOCKED by it (the
    gate already fails on that FAIL); where none did, the case is an ERROR.
    """

    def __init__(
        self, reason: str, exchanges: Sequence[Exchange] = (), by: Sequence[str] = ()
    ) -> None:
        self.reason = plain(reason)
        self.exchanges = list(exchanges)
        self.by = tuple(get(requirement).id for requirement in by)
        super().__init__(self.reason)

    def __str__(self) -> str:
        lines = [f"could not run: {self.reason}"]
        lines += [f"  {plain(e.describe())}" for e in self.exchanges[-5:]]
        return "\n".join(lines)


class Inconclusive(Exception):
    """The observation cannot decide the requirement either way (a WARN, never PASS or FAIL)."""

    def __init__(self, requirement: str, reason: str, exchanges: Sequence[Exchange] = ()) -> None:
        self.requirement = get(requirement)
        self.reason = plain(reason)
        self.exchanges = list(exchanges)
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.requirement.id} inconclusive: {self.reason}"


class NotObserved(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """Nothing the requirement speaks of was seen, or its precondition is absent (SKIP)."""

    def __init__(self, reason: str, exchanges: Sequence[Exchange] = ()) -> None:
        self.reason = plain(reason)
        self.exchanges = list(exchanges)
        super().__init__(f"not observed: {self.reason}")


class NotDescribed(NotObserved):
    """The description does not name what the requirement needs, so nothing was sent (SKIP)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.msg = f"not described: {self.reason}"
        self.args = (self.msg,)


@dataclass(frozen=True)
class Citation:
    """The exchanges that show a requirement held, and what they show."""

    what: str
    exchanges: tuple[Exchange, ...]


_CITED: contextvars.ContextVar[list[Citation] | None] = contextvars.ContextVar(
    "conformance_citations", default=None
)


def cite(what: str, exchanges: Iterable[Exchange], *, file: str | None = None) -> None:
    """Record that `exchanges` show the requirement held (outside a case, this does nothing).

    Citing nothing is not evidence: an empty list is a check's mistake, and raises, unless
    the evidence is a `file` the user named (a document read from disk, named in `what`).
    """
    shown = tuple(exchanges)
    if not shown and not file:
        raise ValueError(f"cite({what!r}) names no exchange; raise NotObserved instead")
    cited = _CITED.get()
    if cited is not None:
        cited.append(Citation(plain(what), shown))


@contextlib.contextmanager
def collecting() -> Iterator[list[Citation]]:
    """Collect the citations made while a case runs."""
    cited: list[Citation] = []
    token = _CITED.set(cited)
    try:
        yield cited
    finally:
        _CITED.reset(token)
