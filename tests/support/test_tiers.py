"""The fast tier's guard: what makes a test slow is read from its code and its fixtures."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.clock import RealClock, VirtualClock
from conformance.simulator import serve_in_thread
from tests.support.tiers import slow_reasons


def _plain() -> None:
    VirtualClock().sleep(5)


def _starts_a_server() -> None:
    with serve_in_thread(None):  # type: ignore[arg-type]
        pass


def _through_a_helper() -> None:
    _starts_a_server()


@contextmanager
def _waiting() -> Iterator[None]:
    time.sleep(0)
    yield


def _fixture() -> None:
    subprocess.run(["true"], check=False)


def _nested() -> None:
    def inner() -> None:
        RealClock().sleep(1)

    inner()


def _calls_pytest() -> None:
    pytest.main([])


def _virtual_wait() -> None:
    # time.monotonic() beside a virtual clock's sleep: no wall-clock wait.
    started = time.monotonic()
    VirtualClock().sleep(started)


def _imports_a_server() -> None:
    from tests.support.test_tiers import _starts_a_server as start

    start()


#: Looked up by name, so that the guard, reading these tests, does not find the examples slow.
EXAMPLES = {
    "plain": _plain,
    "server": _starts_a_server,
    "helper": _through_a_helper,
    "waiting": _waiting,
    "fixture": _fixture,
    "nested": _nested,
    "pytest": _calls_pytest,
    "virtual": _virtual_wait,
    "imported": _imports_a_server,
}


def test_a_test_that_names_nothing_slow_is_fast():
    assert slow_reasons(EXAMPLES["plain"], {}) == []


def test_a_server_started_in_the_test_or_by_a_helper_is_named():
    assert slow_reasons(EXAMPLES["server"], {}) == ["starts a server (serve_in_thread)"]
    assert slow_reasons(EXAMPLES["helper"], {}) == ["starts a server (serve_in_thread)"]


def test_the_wall_clock_is_named_in_a_context_manager_and_in_a_nested_function():
    assert slow_reasons(EXAMPLES["waiting"], {}) == ["waits on the wall clock (time.sleep)"]
    assert slow_reasons(EXAMPLES["nested"], {}) == ["waits on the wall clock (RealClock)"]


def test_a_fixture_that_starts_a_process_or_runs_the_suite_is_named():
    fixtures = {"made": EXAMPLES["fixture"], "run_suite": None, "tmp_path": None}
    assert slow_reasons(EXAMPLES["plain"], fixtures) == [
        "runs the conformance suite end to end (the run_suite fixture)",
        "starts a process (subprocess)",
    ]


def test_a_function_outside_the_tests_is_not_followed():
    # pytest.main would run anything; the guard reads only the tests' own code.
    assert slow_reasons(EXAMPLES["pytest"], {}) == []


SLOW_BY_ITS_CODE = """
import subprocess

def test_unmarked():
    subprocess.run(["true"])
"""


GUARDED = """
from tests.support.tiers import refuse_unmarked_slow

def pytest_collection_modifyitems(items):
    refuse_unmarked_slow(items)
"""


def test_an_unmarked_slow_test_stops_the_collection_naming_it_and_the_way_out(pytester):
    pytester.makeconftest(GUARDED)
    pytester.makepyfile(test_user=SLOW_BY_ITS_CODE)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--co")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    shown = result.stderr.str()
    assert "test_user.py::test_unmarked: starts a process (subprocess)" in shown
    assert "@pytest.mark.slow" in shown and "tests/slow/" in shown


def test_a_slow_test_marked_so_passes_the_guard(pytester):
    pytester.makeconftest(GUARDED)
    marked = SLOW_BY_ITS_CODE.replace("def ", "@pytest.mark.slow\ndef ", 1)
    pytester.makepyfile(test_user="import pytest\n" + marked)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--co", "-m", "slow")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*test_unmarked*"])


def test_a_module_and_an_attribute_named_apart_are_no_wall_clock_wait():
    assert slow_reasons(EXAMPLES["virtual"], {}) == []


def test_a_helper_imported_inside_the_test_is_followed():
    assert slow_reasons(EXAMPLES["imported"], {}) == ["starts a server (serve_in_thread)"]


@pytest.mark.parametrize(
    ("expression", "ignored"),
    [
        ("not slow", True),
        ("not slow and not source_tree", True),
        ("not slow or x", False),
        ("", False),
        ("slow", False),
    ],
)
def test_only_an_expression_no_slow_test_can_match_skips_the_slow_folders(expression, ignored):
    from types import SimpleNamespace

    from tests.conftest import pytest_ignore_collect
    from tests.support.tiers import SLOW_FOLDERS, TESTS

    config = SimpleNamespace(option=SimpleNamespace(markexpr=expression))
    for folder in SLOW_FOLDERS:
        answer = pytest_ignore_collect(TESTS / folder, config)  # type: ignore[arg-type]
        assert answer is (True if ignored else None)
    assert pytest_ignore_collect(TESTS / "checks", config) is None  # type: ignore[arg-type]
