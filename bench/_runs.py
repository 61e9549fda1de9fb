"""Timing whole suite runs, as a user starts them: a new interpreter each time."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def timed_runs(runs: int, *options: str) -> tuple[list[float], dict[str, Any]]:
    """Wall times of `runs` runs of the suite with `options`, and the last run's report."""
    times = []
    with tempfile.TemporaryDirectory() as reports:
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--report-dir={reports}",
            *options,
        ]
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                sys.exit(f"the run {' '.join(options)} failed:\n{done.stdout[-2000:]}")
        document = json.loads((Path(reports) / "conformance.json").read_text())
    return times, document
