"""Make the fixed reports again: python tests/data/make.py (then approve the renderings with
pytest tests/report/test_rendering.py --snapshot-update, and review the diff)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE.parent.parent / "cases"
#: The property and schema-driven cases are left out to keep the files small.
SELECTION = ("-k", "not model and not robustness and not schema and not concurrent")
RUNS: dict[str, tuple[str, ...]] = {
    "correct": (),
    "faulty": (
        "--fault=retention-short",
        "--fault=progress-decreases",
        "--fault=delete-204-body",
        "--fault=failed-no-msg",
        "--fault=retry-after",
    ),
    "blocked": ("--fault=off-origin-location",),
    # A Location that names a path the target does not serve: one FAIL, and what needed the
    # status is BLOCKED by it.
    "cascade": ("--fault=location-404",),
}


def arguments(name: str, report_dir: Path) -> list[str]:
    """The pytest arguments of one fixed run."""
    return [
        str(CASES),
        "-p",
        "no:cacheprovider",
        *SELECTION,
        *RUNS[name],
        f"--report-dir={report_dir}",
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in RUNS:
            out = Path(tmp) / name
            command = [sys.executable, "-m", "pytest", "-q", *arguments(name, out)]
            subprocess.run(command, check=False, capture_output=True)
            shutil.copyfile(out / "conformance.json", HERE / f"{name}.json")
            print(f"tests/data/{name}.json")


if __name__ == "__main__":
    main()
