"""How long the retention cases take in each clock mode; prints figures, asserts nothing.

    python bench/retention.py [--completed 2] [--timed-out 8]

- virtual: in-process simulator, contract windows (5 min and 1 h). Target: under 2 s.
- control: the live simulator with a test clock, contract windows.
- real: the live simulator with windows scaled to --completed / --timed-out seconds, for
  the other cases alone, the retention cases alone and the whole suite. Two walls: the
  pytest run's, start-up included, and the time the target was engaged (first request
  sent to last answer). Each is compared with its floor: the longest window, and for the
  whole suite the other cases' own time if that is longer (its retention probes run in
  a process of their own, beside them). Targets: at most 1.15x with 2 s / 8 s windows,
  1.05x with 30 s / 120 s (`--completed 30 --timed-out 120`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = """
[scenarios.success]
path = "/v1/tenants/1/clouds/1/accounts"
json = {{ name = "bench", simulate = "success" }}
[scenarios.failure]
path = "/v1/tenants/1/clouds/1/accounts"
json = {{ name = "bench", simulate = "failure" }}
[scenarios.timeout]
path = "/v1/tenants/1/clouds/1/accounts"
json = {{ name = "bench", simulate = "timeout" }}
[polling]
interval = {interval}
budget = {budget}
"""


def serve(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = 8700 + int(time.time() * 1000) % 200
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.5)
    return process, f"http://127.0.0.1:{port}"


def suite(folder: Path, *args: str, select: str = "retention") -> tuple[float, dict[str, str]]:
    started = time.perf_counter()
    selection = ["-k", select] if select else []
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "cases",
            "-q",
            "-p",
            "no:cacheprovider",
            *selection,
            f"--report-dir={folder}",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    document = json.loads((folder / "conformance.json").read_text())
    verdicts = {
        r["id"]: r["verdict"] for r in document["requirements"] if r["section"] == "Retention"
    }
    suite.engaged = _engaged(document)  # type: ignore[attr-defined]
    return elapsed, verdicts


def _engaged(document: dict[str, object]) -> float:
    """Seconds from the first request sent to the last answer (the wall clock's times)."""
    exchanges = document["exchanges"]
    assert isinstance(exchanges, list)
    return max(e["received_at"] for e in exchanges) - min(e["sent_at"] for e in exchanges)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--completed", type=float, default=2.0)
    parser.add_argument("--timed-out", type=float, default=8.0)
    args = parser.parse_args()
    budget = 5.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        elapsed, verdicts = suite(folder, "--target=builtin", "--clock=virtual")
        print(
            f"virtual (in-process, 300 s / 3600 s windows): {elapsed:.2f} s wall, "
            f"pytest included; {verdicts}"
        )

        config = folder / "target.toml"
        config.write_text(SCENARIOS.format(interval=1.0, budget=300))
        process, url = serve("--test-clock")
        try:
            elapsed, verdicts = suite(
                folder, f"--target={url}", "--clock=control", f"--target-config={config}"
            )
        finally:
            process.terminate()
        print(f"control (live, 300 s / 3600 s windows): {elapsed:.2f} s wall; {verdicts}")

        config.write_text(
            SCENARIOS.format(interval=0.1, budget=budget)
            + f"[retention]\ncompleted = {args.completed}\ntimed_out = {args.timed_out}\n"
            "tolerance = 0.5\n"
        )
        process, url = serve(
            "--duration",
            "1",
            "--completed-window",
            str(args.completed),
            "--timed-out-window",
            str(args.timed_out),
        )
        longest = max(args.completed, args.timed_out)
        runs = (
            ("not retention", "other cases alone"),
            ("retention", "retention cases"),
            ("", "whole suite"),
        )
        others = 0.0
        try:
            for select, what in runs:
                elapsed, verdicts = suite(
                    folder,
                    f"--target={url}",
                    "--clock=real",
                    f"--target-config={config}",
                    select=select,
                )
                engaged = suite.engaged  # type: ignore[attr-defined]
                line = (
                    f"real (live, {args.completed:g} s / {args.timed_out:g} s windows, 1 s "
                    f"operations), {what}: {elapsed:.2f} s wall with pytest's start-up, "
                    f"{engaged:.2f} s engaged"
                )
                if select == "not retention":
                    others = engaged
                    print(line)
                    continue
                # The floor: the longest window, or the other cases if they take longer.
                floor = max(longest, others) if not select else longest
                print(f"{line} = {engaged / floor:.3f}x its floor ({floor:.2f} s); {verdicts}")
        finally:
            process.terminate()


if __name__ == "__main__":
    main()
