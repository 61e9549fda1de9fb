"""Benchmarks of the report writers; prints figures, asserts nothing.

    python bench/report.py [--runs 5] [--cases 1000]

1. The default run's report files, by size (target: conformance.html under 2 MB).
2. Rendering conformance.html, conformance.junit.xml and the JSON of a report of
   1,000 cases (the default run's cases repeated, with its transcript and
   operations): median of `--runs` renders (target: HTML under 1 s).
3. Merging xdist workers' results: the same 1,000 cases in 4 partial documents.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from typing import Any

from _runs import timed_runs

from conformance.report import render_html, render_junit
from conformance.report._parallel import Merged


def _scaled(document: dict[str, Any], cases: int) -> dict[str, Any]:
    """The document with its cases repeated until there are `cases` of them."""
    big = copy.deepcopy(document)
    originals = [(req, case) for req in big["requirements"] for case in req["cases"]]
    for req in big["requirements"]:
        req["cases"] = []
    for n in range(cases):
        req, case = originals[n % len(originals)]
        req["cases"].append({**case, "nodeid": f"{case['nodeid']}#{n}"})
    return big


def _median(runs: int, work: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()

    _, document = timed_runs(1)
    html = render_html(document)
    print("1. the default run's reports")
    print(f"   conformance.json   {len(json.dumps(document, indent=2)) / 1e6:6.2f} MB")
    print(f"   conformance.html   {len(html.encode()) / 1e6:6.2f} MB (target < 2 MB)")
    print(f"   conformance.junit  {len(render_junit(document)) / 1e6:6.2f} MB")
    print(
        f"   {document['exchange_count']} exchanges, {len(document['operations'])} operations, "
        f"{sum(len(r['cases']) for r in document['requirements'])} cases"
    )

    big = _scaled(document, args.cases)
    print(f"2. a report of {args.cases} cases, median of {args.runs}")
    took, page = _median(args.runs, lambda: render_html(big))
    print(f"   HTML   {took:6.3f} s, {len(page.encode()) / 1e6:.2f} MB (target < 1 s)")
    took, _ = _median(args.runs, lambda: render_junit(big))
    print(f"   JUnit  {took:6.3f} s")
    took, _ = _median(args.runs, lambda: json.dumps(big, indent=2, ensure_ascii=False))
    print(f"   JSON   {took:6.3f} s")

    partials = []
    for worker in range(4):
        partial = {
            "cases": [
                {**case, "requirement": req["id"]}
                for req in big["requirements"]
                for i, case in enumerate(req["cases"])
                if i % 4 == worker
            ],
            "operations": document["operations"],
            "exchanges": document["exchanges"],
        }
        partials.append(partial)

    def merge() -> Merged:
        merged = Merged()
        for n, partial in enumerate(partials):
            merged.add(f"gw{n}", partial)
        return merged

    took, merged = _median(args.runs, merge)
    print(
        f"3. merging 4 workers' {args.cases} cases and {len(merged.exchanges)} exchanges: "
        f"{took:6.3f} s"
    )


if __name__ == "__main__":
    main()
