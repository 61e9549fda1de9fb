"""The document every report is written from, whole: three real runs against tests/data/.

Each run of tests/data/make.py is made again in this process, and its conformance.json must
equal the fixed one but for what differs on every run (fresh ids, wall times). So the
recorder, the results and the operations' records are compared field by field, and the fixed
inputs of tests/test_rendering.py stay what the suite writes today.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .data.make import CASES, RUNS, arguments

DATA = Path(__file__).parent / "data"
_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
#: Wall-clock figures: the run's start, end and length, and each case's duration.
_WALL = {"started_at", "finished_at", "duration_s"}


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in _WALL}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return _ID.sub("<id>", value) if isinstance(value, str) else value


@pytest.mark.parametrize("name", list(RUNS))
def test_the_run_writes_the_fixed_report(pytester, name):
    report_dir = pytester.path / "reports"
    pytester.runpytest_inprocess(*arguments(name, report_dir))
    written = json.loads((report_dir / "conformance.json").read_text(encoding="utf-8"))
    fixed = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert _comparable(written) == _comparable(fixed), (
        f"conformance.json of the {name!r} run changed: if that is meant, make the fixed "
        "reports again (tests/data/README.md) and review the diff"
    )


def test_a_skip_keeps_the_exchanges_it_looked_at(pytester):
    report_dir = pytester.path / "reports"
    pytester.runpytest_inprocess(
        str(CASES),
        "-p",
        "no:cacheprovider",
        "-k",
        "accepted_body",
        "--fault=submit-200",
        f"--report-dir={report_dir}",
    )
    written = json.loads((report_dir / "conformance.json").read_text(encoding="utf-8"))
    (body,) = [r for r in written["requirements"] if r["id"] == "SUBMIT-BODY"]
    cases = {c["nodeid"].rpartition("[")[2]: c for c in body["cases"]}
    for scenario in ("success]", "failure]"):
        case = cases[scenario]
        assert case["verdict"] == "SKIP"
        assert (
            case["message"] == f"not observed: the {scenario[:-1]} acceptance answered 200, not 202"
        )
        (looked,) = case["exchanges"]
        assert (looked["method"], looked["status"]) == ("POST", 200)
        assert looked["label"] == f"submit {scenario[:-1]}"
