"""What the session observes for several checks at once: plain data, no verdicts.

The session makes these (once each, so a live server sees one lifecycle per
scenario); the checks judge them. Neither side imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .driver import Exchange, Poll, Run, Submission

__all__ = ["Concurrent", "Deletion", "Malformed", "SafetyTrial"]


@dataclass
class Deletion:
    """A resource created by a success run, deleted, and read until it was gone."""

    run: Run
    delete: Exchange | None
    reads: list[Exchange] = field(default_factory=list)
    problem: str | None = None  # why there was nothing to delete
    unnamed: bool = False  # the dialect names no resource: nothing to judge


@dataclass
class Concurrent:
    """Submissions sent at once, and each accepted one followed to its end."""

    submissions: list[Submission]
    runs: list[Run] = field(default_factory=list)


@dataclass
class SafetyTrial:
    """Two operations started together: one read often, its twin read once.

    With the wall clock, `later` is the one read of a third operation, left unread
    until it had twice the time the often-read one needed to finish (None when that
    did not finish).
    """

    often: list[Poll]
    once: Poll
    later: Poll | None = None
    often_age: float | None = None  # seconds from its submission to its first terminal read
    problem: str | None = None  # why the trial could not run
    submissions: list[Submission] = field(default_factory=list)


@dataclass(frozen=True)
class Malformed:
    """One malformed submission: what is wrong with it, and the bytes sent."""

    kind: str
    content: bytes
    content_type: str = "application/json"
    strict: bool = True  # True: must be refused with 4xx; False: only never 5xx
    marker: str = ""  # a string the body carries, to look for after a refusal
    # Of the coverage set: what was changed, in words ("the scenario's body with /kwargs
    # as an integer (1) instead of an object"); empty for a drawn one.
    variant: str = ""

    def describe(self) -> str:
        if self.variant:
            return self.variant
        shown = self.content[:120].decode("utf-8", errors="replace")
        return f"{self.kind} ({self.content_type}): {shown!r}"
