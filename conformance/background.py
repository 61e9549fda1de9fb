"""The retention observation in a process of its own, started with a wall-clock run.

On the wall clock the retention windows are a run's longest wait. Started with the
run, in a process of its own, they pass while every other case runs, and the
retention cases, last, take what it saw. A process, not a thread: a thread shares
the interpreter with the cases beside it (the model, Schemathesis), and each of its
probes waits for its turn; on a busy machine they landed a second or two late, and
a conforming server got WARN "inconclusive".

The process starts by `spawn`, so it shares nothing with this one but the target:
it connects on its own, and hands back what it saw, its exchanges and operations.
It ignores Ctrl-C (the run decides when it ends); told to stop (SIGTERM), it hands
back what it made so far, so that the run's cleanup removes that too.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable

    from .driver import Driver, Exchange, Prepared, Traced
    from .retention import RetentionObservation
    from .target import Target
    from .transcript import Redactor, Transcript

__all__ = ["Background", "BackgroundError", "Observed", "Session", "served_here"]

#: How long a process told to stop may take before it is killed.
STOP_GRACE = 5.0
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_LISTEN = "0A"  # the state of a listening socket in /proc/net/tcp


def served_here(url: str) -> bool:
    """Whether `url` is served by a socket of this very process (Linux; else False).

    A server run in a thread beside the suite (a test fixture, a notebook) shares this
    interpreter with the cases: moving the probes elsewhere would only make its answers
    to them wait instead, so its retention cases run in place.
    """
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        inodes = {
            fields[9]
            for table in ("tcp", "tcp6")
            for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]
            if (fields := line.split())[3] == _LISTEN and int(fields[1].split(":")[1], 16) == port
        }
        fds = os.listdir("/proc/self/fd")
    except (OSError, IndexError, ValueError):
        return False
    sockets = {f"socket:[{inode}]" for inode in inodes}
    return any(_link(fd) in sockets for fd in fds)


def _link(fd: str) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:  # closed meanwhile
        return ""


class BackgroundError(RuntimeError):
    """The retention process ended without what it was to observe."""

    def __init__(self, message: str, made: Observed | None = None) -> None:
        super().__init__(message)
        self.made = made  # what it had made all the same: the run cleans it up


@dataclass
class Observed:
    """What the retention process saw, for the run's own transcript and report."""

    observation: RetentionObservation | None  # None: stopped, or failed, before the end
    exchanges: list[Exchange]
    operations: list[Traced]
    prepared: list[Prepared]  # the setups its submissions needed: the run tears them down
    untraced: list[tuple[str, Exchange]] = field(default_factory=list)
    problem: str = ""  # why it stopped short


class Session(Protocol):
    """What the retention process needs of a run's session: the run's own kind, made
    there for the target (`ConformanceSession`, handed in, so this module needs not
    import the session that starts it)."""

    redactor: Redactor
    transcript: Transcript

    @property
    def driver(self) -> Driver: ...

    @property
    def connected(self) -> Driver | None: ...

    def close(self) -> None: ...


class _Stopped(BaseException):
    """The run told the retention process to stop (not an Exception: nothing swallows it)."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


def _observe(
    session_for: Callable[[Target], Session],
    target: Target,
    results: Connection,
    run_values: dict[str, str],
    twins: bool,
) -> None:
    """In the retention process: observe, and send back what was seen, and made (or why not).

    Whatever happens, what it made is handed back: the run's cleanup removes it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's: it stops us
    signal.signal(signal.SIGTERM, _stop)
    from .retention import observe

    session = session_for(target)
    observation, problem = None, "stopped with the run"
    try:
        try:
            driver = session.driver
            driver.preparation.adopt_run_values(run_values)  # the run-wide setup is made once
            observation = observe(driver, real_clock=True, twins=twins)
        except Exception as exc:  # the parent's retention cases report it
            problem = session.redactor.text(f"{type(exc).__name__}: {exc}")
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # what follows is sent whole
    except _Stopped:  # told to stop, wherever it was
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        made = session.connected
        seen = Observed(
            observation,
            list(session.transcript),
            list(made.operations) if made is not None else [],
            list(made.preparation.prepared) if made is not None else [],
            list(made.operations.untraced) if made is not None else [],
            "" if observation is not None else problem,
        )
        results.send(("done" if observation is not None else "stopped", seen))
    finally:
        results.close()
        session.close()


class Background:
    """The retention observation, running in its own process from now on."""

    def __init__(
        self,
        session_for: Callable[[Target], Session],
        target: Target,
        run_values: dict[str, str] | None = None,
        twins: bool = True,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._results, sending = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_observe,
            args=(session_for, target, sending, run_values or {}, twins),
            name="async-conformance retention",
            daemon=True,  # an interrupted run does not wait for it
        )
        self._process.start()
        sending.close()  # the child holds its end: end-of-file once it is gone

    def result(self) -> Observed:
        """Wait for what the process saw; BackgroundError if it could not say (with what it
        made, where it said that much)."""
        try:  # interrupted here (Ctrl-C), the pipe stays open: `stop` reads what it made
            kind, value = self._results.recv()
        except EOFError:
            self._results.close()
            self._process.join(STOP_GRACE)
            raise BackgroundError(
                "the retention probes' process ended without a result "
                f"(exit code {self._process.exitcode})"
            ) from None
        self._results.close()
        self._process.join(STOP_GRACE)
        assert isinstance(value, Observed)
        if kind != "done" or value.observation is None:
            raise BackgroundError(f"the retention probes stopped: {value.problem}", value)
        return value

    def stop(self) -> Observed | None:
        """End the process if it still runs (a run interrupted, or over before its cases);
        what it had made by then, for the cleanup (None when it could not say). A process
        that had already finished left its answer in the pipe: that is read too."""
        alive = self._process.is_alive()
        if alive:
            self._process.terminate()  # it answers with what it made, then ends
        made = None
        try:
            if not self._results.closed and self._results.poll(STOP_GRACE if alive else 0):
                _, value = self._results.recv()
                made = value if isinstance(value, Observed) else None
        except (EOFError, OSError):
            pass
        self._process.join(STOP_GRACE)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(STOP_GRACE)
        if not self._results.closed:
            self._results.close()
        self._process.close()
        return made
