"""Starting and stopping a real server's processes for the tests: on 127.0.0.1, on a free
port, each process in its own process group, which is stopped and nothing else."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.support.running import Reports, suite_in_subprocess, write

__all__ = ["RealRun", "free_port", "judged_once", "log_tails", "once_per_session", "start", "stop"]


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`command` in a process group of its own, its output in `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(*processes: subprocess.Popen[bytes]) -> None:
    """SIGTERM to each process's own group, SIGKILL to any still there after 10 s."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def log_tails(*logs: Path, chars: int = 2000) -> str:
    """The last characters of each log, to say why a server did not start."""
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-chars:]}"
        for log in logs
        if log.exists()
    )


def once_per_session(
    factory: pytest.TempPathFactory, name: str, produce: Callable[[Path], None]
) -> Path:
    """A folder `produce` has filled once for the whole test session, xdist workers included.

    Under `-n`, each worker that runs one of a module's tests sets up its module fixtures
    again: a real server and a run of the suite against it would be paid once per worker.
    The first worker makes the folder (under the session's shared temporary root, behind a
    lock); the others wait for it and read it. A `produce` that raises leaves it to the next.
    """
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' folders are siblings in one session's folder
    work = root / f"{name}-once"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (work / ".done").exists():
            work.mkdir(exist_ok=True)
            produce(work)
            (work / ".done").write_text("done\n")
    return work


class RealRun(Reports):
    """The suite's run against a real server: its report, exit code and last output."""

    returncode: int
    output: str


def judged_once(
    factory: pytest.TempPathFactory,
    name: str,
    running: Callable[[Path], AbstractContextManager[str]],
    description: str,
) -> RealRun:
    """The suite run once per test session against the server `running` starts in a folder
    (it yields the base URL), with `description` as its target description."""

    def produce(work: Path) -> None:
        config = write(work / "target.toml", description)
        with running(work) as url:
            done, _ = suite_in_subprocess(
                work / "reports", f"--target={url}", f"--target-config={config}"
            )
        (work / "returncode").write_text(str(done.returncode))
        (work / "output").write_text((done.stdout + done.stderr)[-4000:])

    work = once_per_session(factory, name, produce)
    path = work / "reports" / "conformance.json"
    run = RealRun(json.loads(path.read_text()) if path.exists() else None, work / "reports")
    run.returncode = int((work / "returncode").read_text())
    run.output = (work / "output").read_text()
    return run
