"""Fixtures for the project's own tests: run the suite the way a user does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .support.running import CASES, SuiteRun, assert_valid_report
from .support.tiers import SLOW_FOLDERS, TESTS, refuse_unmarked_slow

SLOW_PATHS = {TESTS / folder for folder in SLOW_FOLDERS}


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
    config.addinivalue_line(
        "markers",
        "source_tree: reads the package's files as text (imports, layers), not its behaviour: "
        "the mutation run leaves it out",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The fast tier does not even import the slow folders (every test there is slow)."""
    words = config.option.markexpr.split()
    # "not slow", or "not slow and ...": no test of the slow folders can be selected.
    if words[:2] != ["not", "slow"] or words[2:3] not in ([], ["and"]):
        return None
    return True if collection_path.resolve() in SLOW_PATHS else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # No test of the project's own may hang CI: live servers and clocks are involved. A
    # --timeout given on the command line (the mutation run's, pyproject.toml) wins.
    for item in items:
        if item.get_closest_marker("timeout") is None and config.getoption("timeout") is None:
            item.add_marker(pytest.mark.timeout(120, method="thread"))
    refuse_unmarked_slow(items)
