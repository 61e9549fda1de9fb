"""Benchmarks of the property cases; prints figures, asserts nothing.

    python bench/properties.py [--runs 3] [--profile quick]

1. What the property cases add to the default run against the in-process simulator:
   the run with them and without them (a new interpreter each time). Target: under 20 s
   added in the quick profile.
2. Throughput of each property: inputs (or lifecycle steps) per second.
3. The lifecycle model's rule coverage: how often each rule ran, and how many answers
   showed each requirement holding, against the correct simulator.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from typing import Any

from _runs import ROOT, timed_runs

from conformance.budget import PROFILES
from conformance.session import ConformanceSession
from conformance.target import resolve

PROPERTY_CASES = "lifecycle_model or malformed or unknown_and_malformed or schema_forbids"


def wall(runs: int, profile: str, *selection: str) -> tuple[float, dict[str, Any]]:
    """The median wall time of the run, and its last report."""
    options = ("--target=builtin", f"--conformance-profile={profile}", *selection)
    times, document = timed_runs(runs, *options)
    return statistics.median(times), document


def per_case(document: dict[str, Any], examples: int) -> None:
    for requirement in document["requirements"]:
        for case in requirement["cases"]:
            name = case["nodeid"].split("::")[-1]
            if "lifecycle_model" in name or case["duration_s"] <= 0:
                continue
            rate = examples / case["duration_s"]
            print(f"  {name}: {case['duration_s']:.2f} s, {rate:.0f} inputs/s")


def throughput(profile: str) -> None:
    target = resolve("builtin", None, ROOT / "pyproject.toml", None, [])
    budget = dataclasses.replace(PROFILES[profile])
    session = ConformanceSession(target, budget)
    try:
        sent = len(session.transcript)
        start = time.perf_counter()
        exploration = session.model()
        took = time.perf_counter() - start
        requests = len(session.transcript) - sent
    finally:
        session.close()
    print(
        f"lifecycle model: {budget.sequences} lifecycles, {exploration.steps} steps, "
        f"{requests} requests in {took:.2f} s: {exploration.steps / took:.0f} steps/s, "
        f"{requests / took:.0f} requests/s"
    )
    print("  rules run:", ", ".join(f"{k} {v}" for k, v in sorted(exploration.rules.items())))
    shown = ", ".join(f"{k} {v}" for k, v in sorted(exploration.shown.items()))
    print("  answers that showed a requirement holding:", shown)
    found = ", ".join(exploration.findings) or "none"
    print(f"  divergences found (the correct simulator: none expected): {found}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", choices=list(PROFILES), default="quick")
    args = parser.parse_args()
    with_them, _ = wall(args.runs, args.profile)
    without, _ = wall(args.runs, args.profile, "-k", f"not ({PROPERTY_CASES})")
    only, document = wall(args.runs, args.profile, "-k", PROPERTY_CASES)
    print(
        f"default run ({args.profile} profile), median of {args.runs}: {with_them:.2f} s with "
        f"the property cases, {without:.2f} s without: they add {with_them - without:.2f} s "
        "(target: under 20 s)"
    )
    print(f"the property cases alone: {only:.2f} s (interpreter start included)")
    per_case(document, PROFILES[args.profile].examples)
    throughput(args.profile)


if __name__ == "__main__":
    main()
