"""Fixtures for the project's own tests: run the suite the way a user does."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import cases_dir

CASES = cases_dir()


@dataclass
class SuiteRun:
    result: pytest.RunResult
    document: dict[str, Any] | None

    @property
    def verdicts(self) -> dict[str, str]:
        assert self.document is not None, "the run wrote no conformance.json"
        return {r["id"]: r["verdict"] for r in self.document["requirements"]}

    def with_verdict(self, *verdicts: str) -> dict[str, str]:
        return {k: v for k, v in self.verdicts.items() if v in verdicts}

    def requirement(self, req_id: str) -> dict[str, Any]:
        assert self.document is not None
        return next(r for r in self.document["requirements"] if r["id"] == req_id)

    def assert_every_pass_cites_evidence(self) -> None:
        """Each PASS case names exchanges of the run's transcript that show it."""
        assert self.document is not None
        known = {e["index"] for e in self.document["exchanges"]}
        for requirement in self.document["requirements"]:
            for case in requirement["cases"]:
                if case["verdict"] != "PASS":
                    continue
                cited = [i for c in case.get("evidence", []) for i in c["exchanges"]]
                assert cited, f"{case['nodeid']} passed without evidence"
                assert set(cited) <= known, f"{case['nodeid']} cites unknown exchanges"


@pytest.fixture
def run_suite(pytester: pytest.Pytester) -> Callable[..., SuiteRun]:
    """Run the conformance cases in-process with extra options; parse conformance.json."""

    def run(*args: str) -> SuiteRun:
        report_dir = pytester.path / "reports"
        result = pytester.runpytest_inprocess(
            str(CASES), f"--report-dir={report_dir}", "-p", "no:cacheprovider", *args
        )
        path = report_dir / "conformance.json"
        document = json.loads(path.read_text()) if path.exists() else None
        return SuiteRun(result, document)

    return run


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # No test of the project's own may hang CI: live servers and clocks are involved.
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(120, method="thread"))
