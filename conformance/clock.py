"""The one clock that the driver, the cases and the simulator ask for the time.

Swapping the clock is how the suite checks minute- and hour-long rules in
seconds: with `VirtualClock` time is static and only advances through `sleep`
(as `_pytest.timing.MockTiming` does), so a poll interval or a one-hour window
costs nothing. The simulator reads the same object, so both sides agree.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

import anyio

__all__ = ["Clock", "RealClock", "VirtualClock"]

#: Where virtual time starts: a fixed instant, so transcripts of two runs compare.
VIRTUAL_EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class Clock(Protocol):
    mode: str

    def now(self) -> float:
        """Seconds since the Unix epoch."""

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass, blocking the calling thread."""

    async def async_sleep(self, seconds: float) -> None:
        """Let `seconds` pass inside an event loop (the simulator's side)."""


class RealClock:
    """The wall clock: sleeping really waits."""

    mode = "real"

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def async_sleep(self, seconds: float) -> None:
        if seconds > 0:
            await anyio.sleep(seconds)


class VirtualClock:
    """Static time that moves only when someone sleeps or calls `advance`."""

    mode = "virtual"

    def __init__(self, start: float = VIRTUAL_EPOCH) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock only moves forward; cannot advance by {seconds} s")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0.0))

    async def async_sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0.0))
