"""Celery and its Flower REST API, real from PyPI, started on loopback for the tests.

Flower (the monitor for Celery) runs a Celery task by name through its REST API
(POST /api/task/async-apply/{task}) and reports its state (GET /api/task/result/{id}).
It lives in a virtualenv of its own with Celery and SQLAlchemy: `.ci/run` makes it and sets
FLOWER_PYTHON to its interpreter. The broker and the result backend are SQLite files
(flower_tasks.py), so nothing else has to run. To run these tests by hand:

    python3 -m venv /tmp/flower
    /tmp/flower/bin/pip install flower==2.2.0 celery==5.7.0 sqlalchemy==2.1.9
    FLOWER_PYTHON=/tmp/flower/bin/python python3 -m pytest tests/real/test_flower.py
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from .._servers import free_port, log_tails, start, stop

__all__ = ["VERSION", "interpreter", "running"]

HERE = Path(__file__).resolve().parent
VERSION = "flower 2.2.0, celery 5.7.0"


def interpreter() -> str | None:
    """The Python of Flower's virtualenv, from FLOWER_PYTHON; None when unset."""
    return os.environ.get("FLOWER_PYTHON") or None


@contextlib.contextmanager
def running(python: str, work: Path) -> Iterator[str]:
    """Start a Celery worker (one process, eight threads) and Flower on 127.0.0.1; yields
    Flower's base URL once the worker has run a task, and stops both on exit."""
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=str(HERE),
        FLOWER_WORK=str(work),
        FLOWER_UNAUTHENTICATED_API="true",  # Flower 2 serves its API only with auth or this
    )
    celery = [python, "-m", "celery", "-A", "flower_tasks"]
    # The broker's and the backend's tables first, in one process: the worker and Flower,
    # started together, would both create them, and one of them dies on the other's row.
    subprocess.run([python, "-c", _PREPARE], env=env, check=True, timeout=60)
    worker = start(
        [*celery, "worker", "--pool=threads", "--concurrency=8", "--without-mingle",
         "--without-gossip", "-l", "warning"],
        env, work / "worker.log",
    )  # fmt: skip
    flower = start(
        [*celery, "flower", "--address=127.0.0.1", f"--port={port}"], env, work / "flower.log"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_it_runs_a_task(base, (worker, flower), work)
        yield base
    finally:
        stop(flower, worker)


_PREPARE = """
from flower_tasks import app
with app.connection_for_write() as connection:
    connection.SimpleQueue("celery").close()
app.backend.get_task_meta("prepare")
"""


def _wait_until_it_runs_a_task(base: str, processes: tuple[subprocess.Popen[bytes], ...],
                               work: Path) -> None:  # fmt: skip
    deadline = time.monotonic() + 60
    request = urllib.request.Request(
        f"{base}/api/task/apply/tasks.add",
        data=json.dumps({"args": [0, 0]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    while True:
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                if json.load(answer).get("state") == "SUCCESS":
                    return
        except OSError:
            pass
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            logs = log_tails(work / "worker.log", work / "flower.log")
            raise RuntimeError(f"Celery and Flower did not start on {base}:\n{logs}")
        time.sleep(0.2)
