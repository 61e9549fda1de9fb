"""`init`: how long it takes to describe a server, and to lint a large published document.

    python bench/init.py [--runs 5] [--operations 1000]

Prints figures, asserts nothing.

1. `init --probe` against the in-process simulator in each dialect (virtual clock: the
   operation's 4 s pass at once): wall time per run and the requests it sent.
2. A document of N operations (half asynchronous submissions, half their status reads):
   finding the asynchronous ones (`async_operations`), loading it as the suite does
   (Schemathesis), and the six DOC-* rules on one submission of it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # run as a script: the project, not this folder

DIALECTS = ("cloudcenter", "azure", "ogc-processes", "google-lro")
RULES = (
    "acceptance_documented",
    "monitor_documented",
    "states_documented",
    "delete_documented",
    "json_documented",
    "errors_documented",
)


def _ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:8.1f} ms, max {max(seconds) * 1000:8.1f} ms"


def probe(runs: int) -> None:
    from conformance.cli import main

    print("init --probe against the in-process simulator (virtual clock)")
    for dialect in DIALECTS:
        times, sent = [], 0
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as folder:
                out = io.StringIO()
                start = time.perf_counter()
                with contextlib.redirect_stdout(out):
                    code = main([
                        "init", f"--target=builtin:{dialect}", "--probe", "--yes",
                        "--operation=POST /v1/tenants/1/clouds/1/accounts",
                        '--json={"name": "bench-{uuid}"}', f"--output={folder}/t.toml",
                    ])  # fmt: skip
                times.append(time.perf_counter() - start)
                sent = sum(1 for line in out.getvalue().splitlines() if line.startswith("  #"))
                assert code == 0, out.getvalue()
        print(f"  {dialect:<14} {_ms(times)}, {sent} requests")


def document(operations: int) -> dict[str, Any]:
    """N operations: N/2 submissions answering 202 with a Location, N/2 status reads (each
    with its DELETE, not counted)."""
    status = {
        "type": "object",
        "properties": {"status": {"type": "string", "enum": ["RUNNING", "SUCCESS", "FAILED"]}},
    }
    location = {"Location": {"schema": {"type": "string"}}}
    json_status = {"application/json": {"schema": status}}
    paths: dict[str, Any] = {}
    for i in range(operations // 2):
        paths[f"/v1/things{i}"] = {
            "post": {
                "requestBody": {"content": {"application/json": {"example": {"name": "x"}}}},
                "responses": {
                    "202": {"description": "ok", "headers": location},
                    "400": {"description": "bad"},
                },
            }
        }  # fmt: skip
        paths[f"/v1/things{i}/{{id}}"] = {
            "delete": {"responses": {"204": {"description": "deleting"}}},
            "get": {
                "responses": {
                    "200": {"description": "ok", "content": json_status},
                    "404": {"description": "gone"},
                }
            }
        }  # fmt: skip
    return {"openapi": "3.0.3", "info": {"title": "bench", "version": "1"}, "paths": paths}


def lint(operations: int, runs: int) -> None:
    import schemathesis

    from conformance.checks import document as rules
    from conformance.description import parse
    from conformance.init import async_operations
    from conformance.openapi import Published
    from conformance.verdicts import collecting

    doc = document(operations)
    description = parse(
        {"openapi": "/openapi.json", "scenarios": {"success": {"path": "/v1/things7"}}}, "bench"
    ).effective
    found: list[float] = []
    loaded: list[float] = []
    judged: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        count = len(async_operations(doc))
        found.append(time.perf_counter() - start)
        start = time.perf_counter()
        published = Published(schemathesis.openapi.from_dict(doc), "/openapi.json")
        loaded.append(time.perf_counter() - start)
        start = time.perf_counter()
        contract = rules.Contract.of(published, description)
        with collecting():
            for rule in RULES:
                getattr(rules, rule)(contract, description)
        judged.append(time.perf_counter() - start)
    print(f"a document of {operations} operations ({count} asynchronous)")
    print(f"  finding the asynchronous operations  {_ms(found)}")
    print(f"  loading it (Schemathesis)            {_ms(loaded)}")
    print(f"  the six DOC-* rules                  {_ms(judged)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--operations", type=int, default=1000)
    args = parser.parse_args()
    probe(args.runs)
    lint(args.operations, args.runs)


if __name__ == "__main__":
    main()
