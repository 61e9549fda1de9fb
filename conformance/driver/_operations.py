"""Every operation the driver saw accepted, with each read of its status: for timelines.

The driver records; reports draw. Reads are matched to their operation by the
status URL they were sent to (a status resource that moves keeps its operation).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..transcript import Exchange
    from ._records import Poll, Submission

__all__ = ["Operations", "Traced"]


@dataclass
class Traced:
    """One accepted operation: its submission and every read of its status, in order."""

    number: int
    submission: Submission
    origin: str = "cases"  # who made it: "cases", or what `Operations.made_by` named
    reads: list[Poll] = field(default_factory=list)


class Operations:
    def __init__(self) -> None:
        self._traced: list[Traced] = []
        self._by_url: dict[str, Traced] = {}
        self._lock = threading.Lock()
        self._origin = "cases"
        #: Requests the target accepted that gave nothing to follow: (what, the exchange).
        self.untraced: list[tuple[str, Exchange]] = []

    @contextlib.contextmanager
    def made_by(self, origin: str) -> Iterator[None]:
        """Operations accepted meanwhile are `origin`'s (the report groups them)."""
        before, self._origin = self._origin, origin
        try:
            yield
        finally:
            self._origin = before

    def accepted(self, submission: Submission) -> None:
        if submission.status_url is None:
            status = submission.exchange.status
            if status is not None and 200 <= status < 300:  # it may have made something
                self.made(f"whatever a {submission.scenario} submission made", submission.exchange)
            return
        with self._lock:
            traced = Traced(len(self._traced) + 1, submission, self._origin)
            self._traced.append(traced)
            self._by_url[str(submission.status_url)] = traced

    def made(self, what: str, exchange: Exchange) -> None:
        """A request the target accepted that the run cannot follow (for the cleanup's list)."""
        with self._lock:
            self.untraced.append((what, exchange))

    def number(self, url: object) -> int:
        """The number of the operation at status URL `url` (0 if none was traced there)."""
        with self._lock:
            traced = self._by_url.get(str(url))
            return traced.number if traced is not None else 0

    def read(self, url: object, poll: Poll) -> None:
        with self._lock:
            traced = self._by_url.get(str(url))
            if traced is not None:
                traced.reads.append(poll)

    def moved(self, old: object, new: object) -> None:
        """The status resource now lives at `new`: its reads there belong to the same operation."""
        with self._lock:
            traced = self._by_url.get(str(old))
            if traced is not None:
                self._by_url.setdefault(str(new), traced)

    def adopt(self, traced: list[Traced]) -> None:
        """Operations another process followed for this run, numbered after this one's."""
        with self._lock:
            for one in traced:
                one.number = len(self._traced) + 1
                self._traced.append(one)

    def __iter__(self) -> Iterator[Traced]:
        with self._lock:
            return iter(list(self._traced))

    def __len__(self) -> int:
        return len(self._traced)
