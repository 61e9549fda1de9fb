"""The retention observation in a process of its own, started with a wall-clock run.

On the wall clock the retention windows are a run's longest wait. Started with the
run, in a process of its own, they pass while every other case runs, and the
retention cases, last, take what it saw. A process, not a thread: a thread shares
the interpreter with the cases beside it (the model, Schemathesis), and each of its
probes waits for its turn; on a busy machine they landed a second or two late, and
a conforming server got WARN "inconclusive".

The process starts by `spawn`, so it shares nothing with this one but the target:
it connects on its own, and hands back what it saw, its exchanges and operations.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .driver import Exchange, Prepared, Traced
    from .retention import RetentionObservation
    from .target import Target

__all__ = ["Background", "BackgroundError", "Observed", "served_here"]

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


@dataclass
class Observed:
    """What the retention process saw, for the run's own transcript and report."""

    observation: RetentionObservation
    exchanges: list[Exchange]
    operations: list[Traced]
    prepared: list[Prepared]  # the setups its submissions needed: the run tears them down


def _observe(target: Target, results: Connection, run_values: dict[str, str]) -> None:
    """In the retention process: observe, and send back what was seen (or why not)."""
    from .retention import observe
    from .session import ConformanceSession

    session = ConformanceSession(target)
    try:
        driver = session.driver
        driver.preparation.adopt_run_values(run_values)  # the run-wide setup is made once
        observation = observe(driver, real_clock=True)
        seen = Observed(
            observation,
            list(session.transcript),
            list(driver.operations),
            list(driver.preparation.prepared),
        )
        results.send(("done", seen))
    except Exception as exc:  # the parent's retention cases report it
        results.send(("failed", session.redactor.text(f"{type(exc).__name__}: {exc}")))
    finally:
        results.close()
        session.close()


class Background:
    """The retention observation, running in its own process from now on."""

    def __init__(self, target: Target, run_values: dict[str, str] | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self._results, sending = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_observe,
            args=(target, sending, run_values or {}),
            name="async-conformance retention",
            daemon=True,  # an interrupted run does not wait for it
        )
        self._process.start()
        sending.close()  # the child holds its end: end-of-file once it is gone

    def result(self) -> Observed:
        """Wait for what the process saw; BackgroundError if it could not say."""
        try:
            kind, value = self._results.recv()
        except EOFError:
            self._process.join(STOP_GRACE)
            raise BackgroundError(
                "the retention probes' process ended without a result "
                f"(exit code {self._process.exitcode})"
            ) from None
        finally:
            self._results.close()
        self._process.join(STOP_GRACE)
        if kind != "done":
            raise BackgroundError(f"the retention probes stopped: {value}")
        assert isinstance(value, Observed)
        return value

    def stop(self) -> None:
        """End the process if it still runs (a run interrupted, or over before its cases)."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(STOP_GRACE)
            if self._process.is_alive():
                self._process.kill()
        self._process.close()
