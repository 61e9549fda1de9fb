"""Benchmarks of the core suite; prints figures, asserts nothing.

    python bench/core.py [--runs 5] [--requests 2000]

1. Wall time of the default run (`pytest --target builtin`) against the in-process
   simulator, as a user starts it (a new interpreter each time). Target: under 10 s.
2. Requests per second of the driver (recording every exchange) against a plain httpx
   loop, both polling the live simulator over loopback. Target: driver >= 0.8x plain.
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx
from _runs import timed_runs

from conformance.clock import RealClock
from conformance.description import parse
from conformance.driver import Driver
from conformance.simulator import Settings, create_app, serve_in_thread


def default_run(runs: int) -> list[float]:
    return timed_runs(runs, "--target=builtin")[0]


def requests_per_second(requests: int) -> tuple[float, float]:
    app = create_app(settings=Settings(duration=3600))
    with serve_in_thread(app) as url:
        with httpx.Client(base_url=url) as client:
            submitted = client.post("/v1/tenants/1/clouds/1/accounts", json={"name": "bench"})
            status_url = httpx.URL(url).join(submitted.headers["location"])
            for _ in range(50):  # warm up the connection and the server
                client.get(status_url)
            start = time.perf_counter()
            for _ in range(requests):
                client.get(status_url).json()
            plain = requests / (time.perf_counter() - start)
        description = parse({"base_url": url}, "bench").effective
        with httpx.Client(base_url=url) as client:
            driver = Driver(client, description, RealClock())
            for _ in range(50):
                driver.poll(status_url, "warm-up")
            start = time.perf_counter()
            for i in range(requests):
                driver.poll(status_url, f"poll {i}")
            recorded = requests / (time.perf_counter() - start)
    return plain, recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    times = default_run(args.runs)
    print(
        f"default run against the in-process simulator ({args.runs} runs, new interpreter "
        f"each): median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s (target < 10 s)"
    )
    plain, recorded = requests_per_second(args.requests)
    print(
        f"status polls over loopback ({args.requests} each): plain httpx loop "
        f"{plain:,.0f} req/s, driver {recorded:,.0f} req/s, ratio {recorded / plain:.2f}x "
        f"(target >= 0.8x)"
    )


if __name__ == "__main__":
    main()
