"""pygeoapi, a real OGC API - Processes server from PyPI, started on loopback for the tests.

pygeoapi lives in a virtualenv of its own (it pulls in a geospatial stack the suite
does not need): `.ci/run` makes it and sets PYGEOAPI_PYTHON to its interpreter. To
run these tests by hand:

    python3 -m venv /tmp/pygeoapi && /tmp/pygeoapi/bin/pip install pygeoapi==0.21.0
    PYGEOAPI_PYTHON=/tmp/pygeoapi/bin/python python3 -m pytest tests/real/test_pygeoapi.py
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = ["interpreter", "running"]

HERE = Path(__file__).resolve().parent
VERSION = "0.21.0"


def interpreter() -> str | None:
    """The Python of pygeoapi's virtualenv, from PYGEOAPI_PYTHON; None when unset."""
    return os.environ.get("PYGEOAPI_PYTHON") or None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(python: str, work: Path) -> Iterator[str]:
    """Start pygeoapi on 127.0.0.1 (one process, Flask); yields its base URL, stops it on exit."""
    port = _free_port()
    (work / "out").mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        PYGEOAPI_CONFIG=str(HERE / "config.yml"),
        PYGEOAPI_OPENAPI=str(work / "openapi.yml"),
        PYGEOAPI_PORT=str(port),
        PYGEOAPI_JOB_DB=str(work / "jobs.db"),
        PYGEOAPI_OUTPUT_DIR=str(work / "out"),
    )
    # pygeoapi will not start without its OpenAPI document; it is generated from the config.
    subprocess.run(
        [str(Path(python).parent / "pygeoapi"), "openapi", "generate", env["PYGEOAPI_CONFIG"],
         "--output-file", env["PYGEOAPI_OPENAPI"]],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    command = [python, "-m", "flask", "--app", "pygeoapi.flask_app", "run"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/processes?f=json", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pygeoapi did not start on {base}") from None
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # its own process group only
        process.wait(timeout=10)
