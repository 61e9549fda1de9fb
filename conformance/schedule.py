"""Probes planned at clock times, run in time order on one clock.

All retention probes of a run go into one schedule, so the run lasts about the
longest window rather than the sum of the windows, whichever clock drives it:
a virtual clock jumps from probe to probe, the wall clock sleeps in between.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .clock import Clock

__all__ = ["Schedule", "Slot"]

T = TypeVar("T")


@dataclass
class Slot(Generic[T]):
    """One planned action; after `Schedule.run`, its result and when it really started."""

    at: float
    label: str
    action: Callable[[], T]
    about: str = ""  # what it waits for, in words, for a progress line
    started: float | None = None
    result: T | None = None

    def __getstate__(self) -> dict[str, object]:
        # Sent to another process once it ran: what it did stays, how to do it does not.
        return {**self.__dict__, "action": None}

    @property
    def lateness(self) -> float:
        return 0.0 if self.started is None else self.started - self.at


@dataclass(order=True)
class _Entry:
    at: float
    seq: int
    slot: Slot[object] = field(compare=False)


class Schedule:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[_Entry] = []
        self._seq = itertools.count()

    def at(self, when: float, label: str, action: Callable[[], T], about: str = "") -> Slot[T]:
        slot: Slot[T] = Slot(when, label, action, about)
        heapq.heappush(self._heap, _Entry(when, next(self._seq), slot))  # type: ignore[arg-type]
        return slot

    def __len__(self) -> int:
        return len(self._heap)

    def run(
        self,
        on_wait: Callable[[float, Slot[object], int], None] | None = None,
        stopped: Callable[[], object] = lambda: None,
    ) -> None:
        """Run every slot in time order, letting the clock move to each one first.

        `on_wait(seconds, slot, left)` hears of each wait before it starts. Once
        `stopped()` says why (nothing more will be sent), the slots run without waiting.
        """
        while self._heap:
            slot = heapq.heappop(self._heap).slot
            wait = slot.at - self.clock.now()
            if stopped():
                wait = 0.0
            if on_wait is not None and wait > 0:
                on_wait(wait, slot, len(self._heap))
            self.clock.sleep(wait)
            slot.started = self.clock.now()
            slot.result = slot.action()
