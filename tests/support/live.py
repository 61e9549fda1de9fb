"""The simulator served over HTTP, as a live target is: its description and its process."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

from conformance.simulator import Settings

FAST = Settings(duration=0.3, delete_delay=0.2, completed_window=2.0, timed_out_window=4.0)


SIMULATOR_TOML = """
[scenarios.success]
path = "/v1/tenants/1/clouds/1/accounts"
json = { name = "live-success", simulate = "success" }

[scenarios.failure]
path = "/v1/tenants/1/clouds/1/accounts"
json = { name = "live-failure", simulate = "failure" }

[scenarios.timeout]
path = "/v1/tenants/1/clouds/1/accounts"
json = { name = "live-timeout", simulate = "timeout" }

[polling]
interval = 0.05
budget = 5
delete_budget = 5

[retention]
completed = 2.0
timed_out = 4.0
tolerance = 0.5
"""


@contextlib.contextmanager
def simulator_process(*args: str) -> Iterator[str]:
    """`async-conformance serve` on a free port of 127.0.0.1, stopped on exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Operations run 1.5 s, not the default 4: a budget of 5 s keeps a margin a busy machine
    # cannot eat (its server answering a second late once made a success look stalled).
    duration = () if "--duration" in args else ("--duration", "1.5")
    command = [sys.executable, "-m", "conformance", "serve", "--port", str(port), *duration, *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
