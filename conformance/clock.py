"""The one clock that the driver, the cases and the simulator ask for the time.

Swapping the clock is how the suite checks minute- and hour-long rules in
seconds: with `VirtualClock` time is static and only advances through `sleep`
(as `_pytest.timing.MockTiming` does), so a poll interval or a one-hour window
costs nothing. The simulator reads the same object, so both sides agree.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

import anyio
import httpx

__all__ = [
    "Clock",
    "ClockControlError",
    "ControlClock",
    "RealClock",
    "VirtualClock",
    "spoken",
]


def spoken(seconds: float, step: float = 1.0) -> str:
    """Seconds since submission in minutes and hours, as precise as `step` needs."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    decimals = 0 if step >= 1 else min(3, math.ceil(-math.log10(step)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    secs = round(secs, decimals)
    if secs >= 60:  # rounding carried over
        secs, minutes = 0.0, minutes + 1
    parts = []
    if hours:
        parts.append(f"{int(hours)} h")
    if minutes:
        parts.append(f"{int(minutes)} min")
    if secs or not parts:
        parts.append(f"{secs:.{decimals}f} s")
    return sign + " ".join(parts)


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
    """The wall clock: sleeping really waits.

    Epoch seconds as of the clock's creation plus monotonic time since, so a step of
    the system clock (NTP) cannot move a probe across a window's edge.
    """

    mode = "real"

    def __init__(self) -> None:
        self._offset = time.time() - time.monotonic()

    def now(self) -> float:
        return self._offset + time.monotonic()

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


class ClockControlError(RuntimeError):
    """The target's test-clock endpoint is missing or answered something unusable."""


class ControlClock:
    """A live server's test clock, moved over HTTP (see README, 'The test-clock protocol').

    The server's clock stands still until the suite advances it, so the suite keeps
    the last `now` the server reported and only talks to the server to move it.
    """

    mode = "control"

    def __init__(self, client: httpx.Client, path: str) -> None:
        self._client = client
        self._path = path.rstrip("/")
        self._lock = threading.Lock()
        try:
            response = self._client.get(self._path)
        except httpx.HTTPError as exc:
            raise ClockControlError(
                f"the test clock at {self._path} could not be reached: {exc}"
            ) from None
        self._now = self._read(response, "GET")

    def _read(self, response: httpx.Response, method: str) -> float:
        url = f"{method} {response.request.url}"
        if response.status_code != 200:
            raise ClockControlError(
                f"{url} answered {response.status_code}; --clock control needs the target to "
                "offer the test-clock endpoint (README, 'The test-clock protocol'), or use "
                "--clock real."
            )
        try:
            now = response.json()["now"]
        except (ValueError, KeyError, TypeError):
            raise ClockControlError(
                f'{url} answered {response.text[:80]!r}; expected JSON {{"now": <seconds>}}'
            ) from None
        if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
            raise ClockControlError(f"{url} gave now = {now!r}; expected a number of seconds")
        return float(now)

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            response = self._client.post(f"{self._path}/advance", json={"seconds": seconds})
        except httpx.HTTPError as exc:
            raise ClockControlError(f"the test clock could not be advanced: {exc}") from None
        now = self._read(response, "POST")
        with self._lock:
            # Forward by exactly `seconds`: a clock that lags or runs on would skew every bracket.
            if abs(now - (self._now + seconds)) > 1e-3 + 1e-9 * abs(now):
                raise ClockControlError(
                    f"the test clock moved from {self._now} to {now} when advanced by {seconds} s; "
                    "the protocol moves it by exactly the seconds asked, and only then"
                )
            self._now = now

    async def async_sleep(self, seconds: float) -> None:  # pragma: no cover - suite side only
        raise NotImplementedError("a ControlClock is moved by the suite, not awaited")
