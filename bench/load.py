"""The live simulator under load, next to a Starlette app that does nothing; prints figures.

    python bench/load.py [--operations 1000] [--connections 100]

Both servers run with uvicorn in a process of their own on 127.0.0.1. The client
(`--connections` threads, each with a keep-alive httpx client) submits `--operations`
operations, so that all are running at once, then reads every status until it is
terminal. For the simulator it also
counts what a conformance run would flag: lost operations (a status that 404s
before it finished), duplicate ids, and transitions other than RUNNING ->
RUNNING | SUCCESS | FAILED, or a terminal state that changes.

Figures: submissions and status reads per second, and their p50 / p99 latency.
The floor is the same traffic against an app that answers at once with a fixed
body: what uvicorn and the client cost, without the simulator.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

FLOOR_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

count = 0

async def submit(request):
    global count
    await request.body()
    count += 1
    return Response(status_code=202, headers={"Location": f"/status/{count}"})

async def status(request):
    return JSONResponse({"operationId": "1", "status": "SUCCESS"})

app = Starlette(routes=[Route("/submit", submit, methods=["POST"]), Route("/status/{id}", status)])
"""
SUBMIT = "/v1/tenants/1/clouds/1/accounts"
TERMINAL = {"SUCCESS", "FAILED"}
#: Back-to-back reads of each finished operation, for the read throughput.
READS = 3


@contextlib.contextmanager
def server(command: list[str]) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Tally:
    submit: list[float] = field(default_factory=list)
    poll: list[float] = field(default_factory=list)
    storm: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    lost: int = 0
    bad_transitions: int = 0
    unfinished: int = 0


def _worker(url: str, tally: Tally, floor: bool, numbers: list[int]) -> tuple[float, float]:
    """One client thread: submit its operations, then read them all until each is terminal.

    Returns the seconds spent submitting and reading. Threads with a keep-alive client
    each: httpx's async pool costs more than the servers at this concurrency.
    """
    path = "/submit" if floor else SUBMIT
    locations: list[str] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        started = time.perf_counter()
        for n in numbers:
            begun = time.perf_counter()
            accepted = client.post(path, json={"name": f"load-{n}", "simulate": "success"})
            tally.submit.append(time.perf_counter() - begun)
            location = accepted.headers.get("location")
            if accepted.status_code != 202 or not location:
                tally.lost += 1
                continue
            if not floor:
                tally.ids.append(accepted.json().get("operationId", ""))
            locations.append(location)
        submitted = time.perf_counter()
        seen: dict[str, list[str]] = {location: [] for location in locations}
        for _ in range(200):
            for location, states in seen.items():
                if states and states[-1] in TERMINAL and len(states) > 1:
                    continue
                begun = time.perf_counter()
                answer = client.get(location)
                tally.poll.append(time.perf_counter() - begun)
                if answer.status_code != 200:
                    tally.lost += 1
                    states.append("LOST")
                    continue
                state = answer.json().get("status", "")
                if states and states[-1] in TERMINAL and state != states[-1]:
                    tally.bad_transitions += 1
                if state not in TERMINAL | {"RUNNING"}:
                    tally.bad_transitions += 1
                states.append(state)
            waiting = [s for s in seen.values() if not (s and s[-1] in TERMINAL | {"LOST"})]
            if not waiting:
                break
            time.sleep(0.1)
        done = TERMINAL | {"LOST"}
        tally.unfinished += sum(1 for s in seen.values() if not s or s[-1] not in done)
        # The same reads back to back, every operation finished: what a server answers per
        # second when nothing waits (comparable between the simulator and the floor).
        storm = time.perf_counter()
        for _ in range(READS):
            for location in locations:
                begun = time.perf_counter()
                client.get(location)
                tally.storm.append(time.perf_counter() - begun)
        return submitted - started, time.perf_counter() - storm


def _load(url: str, operations: int, connections: int, floor: bool) -> tuple[Tally, float, float]:
    tally = Tally()
    shares = [list(range(i, operations, connections)) for i in range(connections)]
    with ThreadPoolExecutor(max_workers=connections) as pool:
        spans = list(pool.map(lambda share: _worker(url, tally, floor, share), shares))
    return tally, max(s for s, _ in spans), max(r for _, r in spans)


def _quantiles(times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100)
    return f"p50 {cuts[49] * 1000:6.1f} ms, p99 {cuts[98] * 1000:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=100)
    args = parser.parse_args()
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "warning", "--host", "127.0.0.1"]
    targets = {
        "simulator": [sys.executable, "-m", "conformance", "serve", "--duration", "1"],
        "floor": [*uvicorn, "--app-dir", ".", "floor_app:app"],
    }
    with contextlib.ExitStack() as stack:
        import os
        import tempfile

        folder = stack.enter_context(tempfile.TemporaryDirectory())
        with open(os.path.join(folder, "floor_app.py"), "w", encoding="utf-8") as out:
            out.write(FLOOR_APP)
        os.chdir(folder)
        print(f"{args.operations} operations at once, {args.connections} connections at most")
        for name, command in targets.items():
            with server(command) as url:
                tally, submitting, reading = _load(
                    url, args.operations, args.connections, name == "floor"
                )
            print(
                f"{name:>9}: {len(tally.submit) / submitting:6.0f} submissions/s "
                f"({_quantiles(tally.submit)}), {len(tally.storm) / reading:6.0f} reads/s "
                f"({_quantiles(tally.storm)}); {len(tally.poll)} reads while running "
                f"({_quantiles(tally.poll)})"
            )
            if name == "simulator":
                duplicates = len(tally.ids) - len(set(tally.ids))
                print(
                    f"           lost {tally.lost}, duplicate ids {duplicates}, invalid "
                    f"transitions {tally.bad_transitions}, unfinished {tally.unfinished}"
                )


if __name__ == "__main__":
    main()
