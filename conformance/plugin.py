"""The pytest plugin: options, the `requirement` marker, the `conformance` fixture.

Loaded through the `pytest11` entry point. It does nothing visible unless the
run collects cases marked with `requirement`; the logic lives in ordinary modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .description import DescriptionError
from .report import Recorder
from .session import ConformanceSession
from .target import BUILTIN, TargetError, resolve

SESSION_KEY = pytest.StashKey[ConformanceSession]()
RECORDER_KEY = pytest.StashKey[Recorder]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("async-conformance", "async API conformance")
    group.addoption(
        "--target",
        default=None,
        metavar="builtin|URL",
        help="What to test: 'builtin' (the in-process reference simulator, the default) "
        "or the base URL of a live server.",
    )
    group.addoption(
        "--target-config",
        default=None,
        metavar="PATH",
        type=Path,
        help="TOML target description (default: [tool.async-conformance] in pyproject.toml).",
    )
    group.addoption(
        "--clock",
        default=None,
        choices=("virtual", "control", "real"),
        help="Who moves time: 'virtual' (in-process; default for builtin) or 'real' "
        "(default for live servers).",
    )
    group.addoption(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="Run the builtin simulator with a named fault or quirk (repeatable).",
    )
    group.addoption(
        "--report-dir",
        default="reports",
        metavar="DIR",
        type=Path,
        help="Where conformance.json is written (default: reports/).",
    )
    group.addoption(
        "--strict-conformance",
        action="store_true",
        default=False,
        help="Fail the run on SHOULD violations (WARN) too, not only on MUST.",
    )
    group.addoption(
        "--list-requirements",
        action="store_true",
        default=False,
        help="Print the requirement catalogue with the cases covering each, then stop.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requirement(id): the catalogue requirement this conformance case judges, "
        "e.g. @pytest.mark.requirement('SUBMIT-202').",
    )
    if hasattr(config, "workerinput"):  # pragma: no cover - xdist workers report nothing
        return
    invocation = config.invocation_params.dir
    try:
        target = resolve(
            config.getoption("target") or BUILTIN,
            _absolute(config.getoption("target_config"), invocation),
            invocation / "pyproject.toml",
            config.getoption("clock"),
            config.getoption("fault"),
        )
    except (DescriptionError, TargetError) as exc:
        raise pytest.UsageError(str(exc)) from None
    report_dir = _absolute(config.getoption("report_dir"), invocation) or invocation / "reports"
    if report_dir.exists() and not report_dir.is_dir():
        raise pytest.UsageError(
            f"--report-dir {report_dir} is a file; name a directory (it is created if missing)."
        )
    session = ConformanceSession(target)
    config.stash[SESSION_KEY] = session
    recorder = Recorder(
        session,
        report_dir,
        strict=config.getoption("strict_conformance"),
        list_only=config.getoption("list_requirements"),
    )
    config.stash[RECORDER_KEY] = recorder
    config.pluginmanager.register(recorder, "async-conformance-recorder")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()
    recorder = config.stash.get(RECORDER_KEY, None)
    if recorder is not None:
        config.pluginmanager.unregister(recorder)


def pytest_report_header(config: pytest.Config) -> str | None:
    # Shown up front when the user chose a target; otherwise the recorder shows it once
    # conformance cases are collected, so unrelated test runs stay quiet.
    recorder = config.stash.get(RECORDER_KEY, None)
    options = ("target", "target_config", "clock", "fault")
    if recorder is None or not any(config.getoption(name) for name in options):
        return None
    recorder.header_shown = True
    return recorder.header()


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest) -> Iterator[ConformanceSession]:
    """The run's conformance session: target, clock, driver and shared observations.

    Example::

        @pytest.mark.requirement("SUBMIT-202")
        def test_accepted(conformance):
            run = conformance.run("success")
            assert run.submission.exchange.status == 202
    """
    yield request.config.stash[SESSION_KEY]


def _absolute(path: Path | None, base: Path) -> Path | None:
    if path is None:
        return None
    return path if path.is_absolute() else base / path
