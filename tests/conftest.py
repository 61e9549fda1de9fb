"""Fixtures for the project's own tests: run the suite the way a user does."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from .support.running import CASES, SuiteRun, assert_valid_report
from .support.tiers import refuse_unmarked_slow


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
        if document is not None:
            assert_valid_report(document)  # every report any test makes
        return SuiteRun(document, report_dir, result)

    return run


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: starts a process or a server, drives a browser, waits on the wall clock or "
        "runs the suite end to end (tests/slow/ and tests/real/ are slow by folder); "
        'the fast tier is `pytest tests -m "not slow"`',
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # No test of the project's own may hang CI: live servers and clocks are involved. A
    # --timeout given on the command line (the mutation run's, pyproject.toml) wins.
    for item in items:
        if item.get_closest_marker("timeout") is None and config.getoption("timeout") is None:
            item.add_marker(pytest.mark.timeout(120, method="thread"))
    refuse_unmarked_slow(items)
