"""The virtual clock for a user's ASGI app, in-process: every way the app reads or waits on time.

What the app sees, whatever its call depth or framework:

- the wall clock (`time.time`, `time.time_ns`, `datetime.now`, `date.today`, ...) through
  time-machine, which patches those functions in C for every caller, with no stack
  inspection (freezegun decides by the caller's frames, so an app called from the suite
  within a few frames saw real time);
- the monotonic clocks (`time.monotonic`, `time.perf_counter` and their `_ns` forms)
  through the `time` module and the names the app's own modules imported, answered
  virtually in the app's context only (its request tasks, the tasks and threads they
  start), so the suite's own deadlines stay real;
- the event loop's time (`loop.time()`, `asyncio.sleep`, `anyio.sleep`, timeouts): the app
  runs on a `FollowingLoop`, whose time is this clock's. When the suite sleeps, the clock
  steps to each timer due in between and lets the app run everything it can before the
  next step, so a job that sleeps two seconds ends two virtual seconds after it started.

What it cannot move it reports instead of letting it look like stuck operations: a
`time.sleep` in the app's context (a worker thread, a blocking call on the loop) is a
`RealTimeWait`, raised at the suite's next step.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime
import selectors
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from types import ModuleType
from typing import Any, TypeVar

__all__ = [
    "AppClock",
    "FollowingLoop",
    "RealTimeWait",
    "awaited",
    "enter_app",
    "in_app",
]

_T = TypeVar("_T")

#: Set in the app's context: its request and lifespan tasks, what they start.
_APP: contextvars.ContextVar[bool] = contextvars.ContextVar("async_conformance_app", default=False)
_THREAD = threading.local()  # a thread the app started is the app's for its whole life
_AWAITED: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "async_conformance_awaited", default=None
)

#: Longest real time the suite waits for the app to finish what it can do at one instant.
SETTLE_LIMIT = 10.0
#: Real time an idle loop waits for I/O, while an answer is awaited, before its next timer.
IDLE_GRACE = 0.1

_real_monotonic = time.monotonic
_real_perf_counter = time.perf_counter
_real_sleep = time.sleep


def in_app() -> bool:
    """Whether the calling code runs on the app's behalf."""
    return _APP.get() or getattr(_THREAD, "app", False)


def enter_app(awaited: list[bool] | None = None) -> None:
    """Mark the current context as the app's (the app's tasks start here).

    `awaited`: a flag that holds while the suite waits for this context's answer (or the
    app's startup): a `time.sleep` then is latency the suite sees, not work it cannot move.
    """
    _APP.set(True)
    _AWAITED.set(awaited)


def _awaited_here() -> bool:
    flag = _AWAITED.get()
    return bool(flag and flag[0])


@contextlib.contextmanager
def awaited() -> Iterator[None]:
    """On the loop: the suite waits for the app (an answer, its startup) meanwhile."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, FollowingLoop):
        yield
        return
    loop.awaited += 1
    try:
        yield
    finally:
        loop.awaited -= 1


class RealTimeWait(RuntimeError):
    """The app waits on real time, which the virtual clock cannot move."""


class FollowingLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose time is an `AppClock`'s: it never moves by itself."""

    def __init__(self, clock: AppClock) -> None:
        super().__init__()
        self._app_clock = clock
        #: Answers (and the app's startup) the suite is waiting for: while there are any, an
        #: idle loop moves on to its next timer by itself, as a server's would in real time.
        self.awaited = 0
        self._in_executor: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()
        selector: selectors.BaseSelector = getattr(self, "_selector")  # noqa: B009 - asyncio's own
        select = selector.select

        def selecting(timeout: float | None = None) -> Any:
            if not self.awaited or timeout is None or timeout <= 0:
                return select(timeout)
            ready = select(min(timeout, IDLE_GRACE))  # real I/O (a database) gets its chance
            if not ready and self.awaited:
                clock.step()
            return ready

        selector.select = selecting  # type: ignore[method-assign]

    def time(self) -> float:
        return self._app_clock.monotonic()

    def run_in_executor(  # type: ignore[override]
        self, executor: Any, func: Callable[..., _T], *args: Any
    ) -> asyncio.Future[_T]:
        # The work runs in the caller's context, so an app's executor thread is the app's;
        # while it runs, the loop is not idle (a timeout around it must not fire early).
        context = contextvars.copy_context()
        future = super().run_in_executor(executor, lambda: context.run(func, *args))
        self._in_executor.add(future)
        return future

    def pending(self) -> tuple[bool, float | None]:
        """(work is ready now, the time of the next timer); called on the loop's thread."""
        # The two queues asyncio's own loop keeps. A question from the suite arrives through
        # the self-pipe, whose reader is the loop's own; the timers due by now were moved to
        # the ready queue at the start of the iteration that asks.
        wakeup = getattr(self, "_read_from_self", None)
        ready: Any = getattr(self, "_ready", ())
        scheduled: Any = getattr(self, "_scheduled", ())
        work = [h for h in ready if not h.cancelled() and getattr(h, "_callback", None) != wakeup]
        upcoming = [handle.when() for handle in scheduled if not handle.cancelled()]
        running = any(not future.done() for future in self._in_executor)
        return bool(work) or running, min(upcoming, default=None)


class AppClock:
    """Virtual time for an in-process ASGI app, moved only by the suite's `sleep`.

    Kept in the loop's own units (`_mono`, seconds on its monotonic scale), so stepping to
    a timer lands on the very float asyncio compares with; the wall time is derived.
    """

    mode = "virtual"

    def __init__(self, start: float, app_modules: tuple[str, ...] = ()) -> None:
        self._start = start
        self._mono_base = _real_monotonic()
        self._mono = self._mono_base
        self._perf_base = _real_perf_counter()
        self._released_at: float | None = None  # real monotonic time the app was let go
        self._app_modules = app_modules
        self._loop: FollowingLoop | None = None
        self._lock = threading.RLock()
        self._travel: Any = None
        self._traveller: Any = None
        self._patches: list[tuple[Any, str, Any]] = []
        self.real_waits: list[str] = []  # where the app waited on real time, first first

    # -- what the app reads -------------------------------------------------------------

    def monotonic(self) -> float:
        if self._released_at is not None:  # shutting down: time runs on, from where it was
            return self._mono + (_real_monotonic() - self._released_at)
        return self._mono

    def _elapsed(self) -> float:
        return self.monotonic() - self._mono_base

    def now(self) -> float:
        return self._start + (self._mono - self._mono_base)

    # -- the loop -----------------------------------------------------------------------

    def loop_factory(self) -> FollowingLoop:
        self._loop = FollowingLoop(self)
        return self._loop

    def _pending(self) -> tuple[bool, float | None]:
        """Ask the loop, on its own thread, what it has left to do."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return False, None
        answer: Future[tuple[bool, float | None]] = Future()

        def ask() -> None:
            answer.set_result(loop.pending())

        try:
            loop.call_soon_threadsafe(ask)
        except RuntimeError:  # closed meanwhile
            return False, None
        try:
            return answer.result(timeout=SETTLE_LIMIT)
        except FutureTimeout:  # one callback of the app's has held the loop all along
            return True, None

    def _settle(self) -> float | None:
        """Let the app run all it can at this instant; the loop time of its next timer."""
        deadline = _real_monotonic() + SETTLE_LIMIT
        while True:
            busy, nearest = self._pending()
            if not busy:
                return nearest
            if _real_monotonic() > deadline:
                self._stuck(f"its event loop stayed busy for {SETTLE_LIMIT:g} s of real time")
                return nearest

    def _stuck(self, why: str) -> None:
        self.real_waits.append(f"{why} at one instant")

    # -- the suite's side ---------------------------------------------------------------

    def _move(self, mono: float) -> None:
        """Set the app's time (loop units), never backwards; the wall clock follows."""
        self._mono = max(self._mono, mono)
        if self._traveller is not None:
            self._traveller.move_to(self.now())

    def step(self) -> bool:
        """From the loop's thread, while an answer is awaited and the loop idles: go to the
        app's next timer. False if the suite is moving the clock itself just now."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            loop = self._loop
            if loop is not None:
                busy, nearest = loop.pending()  # busy: work in an executor is not done yet
                if nearest is not None and not busy:
                    self._move(nearest)
            return True
        finally:
            self._lock.release()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            target = self._mono + max(seconds, 0.0)
            nearest = self._settle()
            deadline = _real_monotonic() + SETTLE_LIMIT
            while nearest is not None and nearest <= target:
                before = self._mono
                self._move(nearest)
                nearest = self._settle()
                if self._mono == before and nearest is not None and nearest <= before:
                    # A timer due now that the loop does not run: never seen, but never a hang.
                    if _real_monotonic() > deadline:
                        self._stuck("a timer of its event loop stayed due without running")
                        break
                else:
                    deadline = _real_monotonic() + SETTLE_LIMIT
            self._move(target)
            self._settle()
            self.check()

    async def async_sleep(self, seconds: float) -> None:  # pragma: no cover - suite side only
        raise NotImplementedError("an AppClock is moved by the suite, not awaited")

    def check(self) -> None:
        """Raise `RealTimeWait` if the app has waited on real time."""
        if self.real_waits:
            raise RealTimeWait(
                f"the app's work waits on real time ({self.real_waits[0]}), which the virtual "
                "clock cannot move; run it with --clock=real (with the app's windows scaled "
                "down and described in [retention]), or start its waits from asyncio"
            )

    # -- patching -----------------------------------------------------------------------

    def _sleeping(self, seconds: float) -> None:
        """A `time.sleep` of the app's: noted where it could not be latency the suite sees."""
        if seconds > 0 and self._released_at is None and not _awaited_here():
            caller = sys._getframe(2)
            where = f"{caller.f_code.co_filename}:{caller.f_lineno}"
            thread = threading.current_thread().name
            self.real_waits.append(f"time.sleep({seconds:g}) in thread {thread!r}, {where}")

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        self._patches.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def _app_module_objects(self) -> Iterator[ModuleType]:
        for name, module in list(sys.modules.items()):
            if module is not None and any(
                name == top or name.startswith(f"{top}.") for top in self._app_modules
            ):
                yield module

    def __enter__(self) -> AppClock:
        try:
            return self._enter()
        except BaseException:
            self.__exit__(None, None, None)  # nothing half-patched outlives a failed start
            raise

    def _enter(self) -> AppClock:
        import time_machine

        when = datetime.datetime.fromtimestamp(self._start, tz=datetime.timezone.utc)
        self._travel = time_machine.travel(when, tick=False)
        self._traveller = self._travel.start()
        _ACTIVE.append(self)
        replacements = _FAKES
        originals = {name: getattr(time, name) for name in _FAKES}
        for name, fake in replacements.items():
            self._patch(time, name, fake)
        # `from time import monotonic` in the app's own modules, imported before the run.
        for module in self._app_module_objects():
            for attribute, value in list(vars(module).items()):
                for name, original in originals.items():
                    if value is original:
                        self._patch(module, attribute, replacements[name])
        self._patch(threading.Thread, "start", _starting_in_app(threading.Thread.start))
        return self

    def release(self) -> None:
        """From now on the app's time runs with the real clock (its shutdown may wait)."""
        if self._released_at is None:
            self._released_at = _real_monotonic()
            if self._loop is not None and not self._loop.is_closed():
                with contextlib.suppress(RuntimeError):
                    self._loop.call_soon_threadsafe(lambda: None)

    def __exit__(self, *exc_info: object) -> None:
        for owner, name, original in reversed(self._patches):
            setattr(owner, name, original)
        self._patches.clear()
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        if self._travel is not None:
            self._travel.stop()
            self._travel = self._traveller = None


#: The clock whose app is running; the fakes below answer from it, or in real time.
_ACTIVE: list[AppClock] = []


def _app_clock() -> AppClock | None:
    return _ACTIVE[-1] if _ACTIVE and in_app() else None


# One set of functions for the whole process: a module that imported one while a run was
# on keeps a function that answers from whichever app clock runs, and in real time after.
def _monotonic() -> float:
    clock = _app_clock()
    return clock.monotonic() if clock is not None else _real_monotonic()


def _monotonic_ns() -> int:
    return int(_monotonic() * 1e9)


def _perf_counter() -> float:
    clock = _app_clock()
    return clock._perf_base + clock._elapsed() if clock is not None else _real_perf_counter()


def _perf_counter_ns() -> int:
    return int(_perf_counter() * 1e9)


def _sleep(seconds: float) -> None:
    clock = _app_clock()
    if clock is not None:
        clock._sleeping(seconds)
    _real_sleep(seconds)


_FAKES: dict[str, Callable[..., Any]] = {
    "monotonic": _monotonic,
    "monotonic_ns": _monotonic_ns,
    "perf_counter": _perf_counter,
    "perf_counter_ns": _perf_counter_ns,
    "sleep": _sleep,
}


def _starting_in_app(
    start: Callable[[threading.Thread], None],
) -> Callable[[threading.Thread], None]:
    """`Thread.start`, for which a thread the app starts is the app's."""

    def starting(thread: threading.Thread) -> None:
        if in_app():
            run = thread.run

            def app_run() -> None:
                _THREAD.app = True
                run()

            thread.run = app_run  # type: ignore[method-assign]
        start(thread)

    return starting
