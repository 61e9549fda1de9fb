"""The pytest plugin: options, the `requirement` marker, the `conformance` fixture.

Loaded through the `pytest11` entry point. It does nothing visible unless the
run collects cases marked with `requirement`; the logic lives in ordinary modules.
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .budget import PROFILES, Budget
from .description import ClockMode, DescriptionError
from .report import GATES, GROUP_MARKER, OUTPUT_KEY, Controller, Recorder
from .session import ConformanceSession
from .target import TargetError, resolve
from .tls import TlsError

SESSION_KEY = pytest.StashKey[ConformanceSession]()
RECORDER_KEY = pytest.StashKey[Recorder]()

#: The plugin's options that take a value, and those whose value is a path.
VALUE_OPTIONS = ("--target", "--target-config", "--clock", "--fault", "--report-dir")
PATH_OPTIONS = ("--target-config", "--report-dir")


def spaced_options(args: list[str], cwd: Path) -> list[tuple[str, str]]:
    """Options written `--option value` where pytest would take the value for a test path.

    pytest picks its rootdir and configuration file before it knows this plugin's
    options, so a separate value that names a file or folder moves the rootdir and
    loses the project's configuration. Path options are refused whatever they name.
    """
    found = []
    for option, value in itertools.pairwise(args):
        refused = option in PATH_OPTIONS or (cwd / value).exists()
        if option in VALUE_OPTIONS and not value.startswith("-") and refused:
            found.append((option, value))
    return found


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("async-conformance", "async API conformance")
    group.addoption(
        "--target",
        default=None,
        metavar="builtin|builtin:DIALECT|asgi:MODULE:APP|URL",
        help="What to test: 'builtin' (the in-process reference simulator, the default; "
        "'builtin:azure' and the like speak another dialect), an ASGI app in-process, "
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
        choices=[mode.value for mode in ClockMode],
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
        "--gate",
        default=None,
        choices=list(GATES),
        help="What fails the run (exit code 1): 'must' (default: MUST failures and errors), "
        "'should' (SHOULD violations too) or 'none' (nothing: the report only).",
    )
    group.addoption(
        "--strict-conformance",
        action="store_true",
        default=False,
        help="The same as --gate=should.",
    )
    group.addoption(
        "--conformance-profile",
        default="quick",
        choices=list(PROFILES),
        help=f"How hard the property cases try: 'smoke' ({_shown('smoke')}, failures not "
        f"shrunk), 'quick' (default: {_shown('quick')}) or 'full' ({_shown('full')}).",
    )
    group.addoption(
        "--conformance-seed",
        default=None,
        metavar="N|random",
        help="Draw the property cases' inputs from seed N instead of the same ones every run; "
        "'random' picks a seed and prints it (a failure says how to rerun it).",
    )
    group.addoption(
        "--keep",
        action="store_true",
        default=False,
        help="Leave what the run made on the target (resources, setup objects) for debugging; "
        "the report lists it. By default the run removes it at its end.",
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
    config.addinivalue_line(
        "markers",
        "conformance_last: run this conformance case after the others (the lifecycle model "
        "moves the clock by hours; the hand-written cases' reasons then lead the summary).",
    )
    config.addinivalue_line(
        "markers",
        f"{GROUP_MARKER}(name): the shared observations this conformance case judges "
        "(default 'lifecycle'); under pytest-xdist the cases of one group run on one worker, "
        "so the target sees each observation made once.",
    )
    if config.option.help or config.option.version:
        return  # nothing runs: a broken description must not hide the help text
    workerinput = getattr(config, "workerinput", None)
    shared = workerinput.get(OUTPUT_KEY) if workerinput is not None else None
    invocation = config.invocation_params.dir
    spaced = spaced_options(list(config.invocation_params.args), invocation)
    if spaced and workerinput is None:
        shown = ", ".join(f"{o}={v}" for o, v in spaced)
        raise pytest.UsageError(
            f"write {', '.join(f'{o} {v}' for o, v in spaced)} as {shown}: pytest looks for "
            "its configuration before it knows this option and would take the separate value "
            "for a test path (`async-conformance run` accepts both forms)."
        )
    try:
        target = resolve(
            config.getoption("target") or "builtin",
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
    # Under xdist every worker draws from the controller's seed (and says so in its reruns).
    budget = _budget(config, report_dir, shared["seed"] if shared is not None else None)
    try:
        session = ConformanceSession(target, budget)
    except TlsError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[SESSION_KEY] = session
    recorder = Recorder(
        session,
        report_dir,
        gate=_gate(config),
        list_only=config.getoption("list_requirements"),
        keep=config.getoption("keep"),
        worker=workerinput["workerid"] if workerinput is not None else None,
    )
    config.stash[RECORDER_KEY] = recorder
    config.pluginmanager.register(recorder, "async-conformance-recorder")
    if workerinput is None and _distributing(config):
        if target.clock is ClockMode.CONTROL and not target.kind.in_process:
            raise pytest.UsageError(
                "-n with --clock=control: the workers would move the one test clock of "
                f"{target.label} under each other (the model moves it by hours while the "
                "retention cases wait on it); run without -n, or with --clock=real"
            )
        # `-n` alone means --dist=load: schedule by conformance group instead. Another
        # --dist the user chose is kept (and the summary says what that costs).
        folder = None
        if config.getoption("dist") == "load":
            folder = Path(tempfile.mkdtemp(prefix="async-conformance-groups-"))
            config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        settings = {"seed": budget.seed, "groups": str(folder) if folder else None}
        each = config.getoption("dist") == "each"
        controller = Controller(recorder, settings, folder, each)
        config.pluginmanager.register(controller, "async-conformance-xdist")


def _distributing(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("xdist") and config.getoption("dist", "no") != "no"


def pytest_cmdline_main(config: pytest.Config) -> None:
    # --list-requirements lists what this process collects: under xdist the controller
    # collects nothing, so the listing runs here, undistributed (after xdist's own hook).
    if config.getoption("list_requirements") and config.pluginmanager.hasplugin("xdist"):
        config.option.dist, config.option.tx, config.option.numprocesses = "no", [], 0


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()
    recorder = config.stash.get(RECORDER_KEY, None)
    if recorder is not None:
        config.pluginmanager.unregister(recorder)
    controller = config.pluginmanager.get_plugin("async-conformance-xdist")
    if controller is not None:
        config.pluginmanager.unregister(controller)


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
    session = request.config.stash[SESSION_KEY]
    if session.setup_hook is None:
        try:  # the user's setup in Python, if their conftest.py defines it
            session.setup_hook = request.getfixturevalue("conformance_setup")
        except pytest.FixtureLookupError:
            pass
        else:
            if session.connected is not None:
                session.connected.preparation.hook = session.setup_hook
    yield session


def _gate(config: pytest.Config) -> str:
    gate: str | None = config.getoption("gate")
    if config.getoption("strict_conformance"):
        if gate not in (None, "should"):
            raise pytest.UsageError(
                f"--strict-conformance means --gate=should, but --gate={gate} was given too; "
                "keep one of them"
            )
        return "should"
    return gate or "must"


def _shown(profile: str) -> str:
    budget = PROFILES[profile]
    return (
        f"{budget.examples} examples per property case, {budget.sequences} lifecycles "
        f"of up to {budget.steps} steps"
    )


def _budget(config: pytest.Config, report_dir: Path, drawn: int | None = None) -> Budget:
    """The profile's budget, with the seed, Hypothesis's storage and the rerun command.

    `drawn`: the seed an xdist controller already chose (for `random`).
    """
    budget = PROFILES[config.getoption("conformance_profile")]
    value: str | None = config.getoption("conformance_seed")
    seed = None
    if drawn is not None:
        seed = drawn
    elif value == "random":
        seed = secrets.randbelow(2**32)
    elif value is not None:
        try:
            seed = int(value)
        except ValueError:
            raise pytest.UsageError(
                f"--conformance-seed={value!r}: give a whole number, or 'random'"
            ) from None
    args, given = [], iter(config.invocation_params.args)
    for arg in given:
        if arg == "--conformance-seed":
            next(given, None)  # its value
        elif not arg.startswith("--conformance-seed="):
            args.append(arg)
    if seed is not None:
        args.append(f"--conformance-seed={seed}")
    return dataclasses.replace(
        budget, seed=seed, storage=report_dir / "hypothesis", rerun="pytest " + shlex.join(args)
    )


def _absolute(path: Path | str | None, base: Path) -> Path | None:
    # `pytest --help` parses without the options' types: a path option is still a string.
    if path is None:
        return None
    path = Path(path)
    return path if path.is_absolute() else base / path
