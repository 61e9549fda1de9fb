"""Turns pytest outcomes into conformance verdicts and writes them out at the end.

Registered by the plugin in `pytest_configure`; it writes only when the run
collected conformance cases, so the plugin stays inert in unrelated projects.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections import Counter
from collections.abc import Generator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from .. import __version__
from ..app_time import RealTimeWait
from ..catalogue import CATALOGUE, DialectSource, Level, cited, dialect_source, get
from ..clock import ClockControlError
from ..description import ClockMode
from ..driver import AppStartupFailed, Redactor
from ..session import ConformanceSession
from ..target import TargetKind
from ..verdicts import (
    Blocked,
    Citation,
    ConformanceFailure,
    Inconclusive,
    NotObserved,
    Verdict,
    collecting,
)
from ._html import HTML_NAME, render_html
from ._json import write_atomically, write_json
from ._junit import JUNIT_NAME, render_junit
from ._listing import render_listing, requirement_of, runs_last
from ._operations import operation_records
from ._parallel import OUTPUT_KEY, Merged, group_of, write_groups
from ._results import CaseResult, Results
from ._terminal import cleanup_lines, header, summary_lines

__all__ = ["REQUIREMENT_KEY", "Recorder"]

REQUIREMENT_KEY = pytest.StashKey[str]()
CITATIONS_KEY = pytest.StashKey[list[Citation]]()
REPORT_NAME = "conformance.json"


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat(timespec="seconds")


class Recorder:
    def __init__(
        self,
        session: ConformanceSession,
        report_dir: Path,
        gate: str,
        list_only: bool,
        worker: str | None = None,
        keep: bool = False,
    ) -> None:
        self.session = session
        self.keep = keep  # --keep: what the run made is listed, not removed
        self.cleanup: dict[str, Any] | None = None
        self.worker = worker  # an xdist worker's id: it hands its results to the controller
        self.merged: Merged | None = None  # the controller's, under xdist: the workers' data
        self.report_dir = report_dir
        self.gate = gate  # "must", "should" or "none" (see GATES)
        self.strict = gate == "should"
        self.list_only = list_only
        self.results = Results()
        # Wall time is read once, before any clock of the run's starts; the end is counted
        # from it on the monotonic clock, which an in-process app's virtual time leaves real.
        self._started_wall = time.time()
        self.started = _iso(self._started_wall)
        self._started_monotonic = time.monotonic()
        self.written: list[Path] = []
        self.header_shown = False
        self.aborted: str | None = None
        self.notes: list[str] = []  # said at the end of the terminal summary
        self.unreported: dict[str, list[str]] = {}  # under xdist: failed reports with no case

    def header(self) -> str:
        return header(self.session)

    def _dialect_source(self, requirement_id: str) -> DialectSource | None:
        """The run's dialect's document, where it defines part of the requirement."""
        dialect = self.session.target.loaded.described.dialect
        document = self.session.redactor.text(dialect.source)
        return dialect_source(requirement_id, dialect.name, document)

    # -- collection ----------------------------------------------------------

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        # The lifecycle model last: it moves a virtual clock by hours. On the wall clock the
        # retention cases go after it: their probes started with the run, in a process of
        # their own (see `start_retention`), and every other case runs while windows pass.
        real = self.session.target.clock is ClockMode.REAL

        def order(item: pytest.Item) -> tuple[bool, bool]:
            waits = real and requirement_of(item) is not None
            return (waits and group_of(item) == "retention", runs_last(item))

        items.sort(key=order)
        groups: dict[str, str] = {}
        for item in items:
            req_id = requirement_of(item)
            if req_id is None:
                continue
            groups[item.nodeid] = group_of(item)
            item.stash[REQUIREMENT_KEY] = req_id
            self.results.collected(req_id, item.nodeid)
            item.user_properties.append(("requirement", req_id))
            if req_id in CATALOGUE:  # an unknown id is that case's error, at setup
                item.user_properties.append(("level", CATALOGUE[req_id].level.value))
        shared = getattr(config, "workerinput", {}).get(OUTPUT_KEY)
        if self.worker is not None and shared and shared.get("groups"):
            write_groups(Path(shared["groups"]), self.worker, groups)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # What runs: deselection (-k, -m) happens after collection, so count again.
        self.results.selected = {
            item.stash[REQUIREMENT_KEY] for item in session.items if REQUIREMENT_KEY in item.stash
        }
        reporter = session.config.pluginmanager.getplugin("terminalreporter")
        if reporter is not None and self.worker is None:
            capture = session.config.pluginmanager.getplugin("capturemanager")

            def progress(line: str) -> None:
                # Past the output capture, as pytest's live logging writes.
                with capture.global_and_fixture_disabled() if capture else nullcontext():
                    reporter.write_line(self.session.redactor.text(f"async-conformance: {line}"))

            self.session.progress = progress
        if self.results.covering and not self.header_shown and reporter is not None:
            reporter.write_line(self.header())
            self.header_shown = True
        target = self.session.target
        cases = [item for item in session.items if REQUIREMENT_KEY in item.stash]
        # Alone, the retention cases gain nothing from a process of their own: in place.
        groups = {group_of(item) for item in cases}
        apart = "retention" in groups and len(groups) > 1 and self.worker is None
        if cases and not self.list_only:
            self._find_setup_hook(session, cases[0])  # before any request, and any process
            apart = apart and self.session.retention_apart()
            # Said before the first request: what a user with a quota plans for.
            planned = self.session.plan(groups, apart, together=self.worker is None)
            self.session.planned = planned
            if reporter is not None and self.worker is None and not target.kind.in_process:
                reporter.write_line(f"async-conformance: {planned.line()}")
        if (
            self.results.covering
            and not self.list_only
            and (target.clock is ClockMode.CONTROL or target.kind is TargetKind.ASGI)
        ):
            # Find out now, not in every case, whether the target's test clock works, and
            # whether an in-process app starts (its lifespan startup runs here).
            try:
                self.session.driver  # noqa: B018 - connects and reads the test clock
            except ClockControlError as exc:
                self.aborted = self.session.redactor.text(str(exc))
                pytest.exit(self.aborted, returncode=pytest.ExitCode.USAGE_ERROR)
            except AppStartupFailed as exc:
                self.aborted = self.session.redactor.text(str(exc))
                pytest.exit(self.aborted, returncode=pytest.ExitCode.TESTS_FAILED)
        if self.results.covering and not self.list_only and not self.session.target.kind.in_process:
            # One message for a target that is not there, not one per case.
            unreachable = self.session.unreachable()
            if unreachable is not None:
                self.aborted = self.session.redactor.text(unreachable)
                pytest.exit(self.aborted, returncode=pytest.ExitCode.TESTS_FAILED)
        # On the wall clock the retention windows are the longest wait: start them first.
        # (Under xdist the retention group has a worker of its own, which runs it anyway.)
        if apart:
            self.session.start_retention()

    def _find_setup_hook(self, session: pytest.Session, case: pytest.Item) -> None:
        """Whether the user defines `conformance_setup`; stop the run where it cannot be used."""
        try:
            defined = session._fixturemanager.getfixturedefs("conformance_setup", case)
        except Exception:
            return
        named = self.session.description.setup_hook
        problem = None
        if defined and defined[-1].scope != "session":
            problem = (
                f"conformance_setup is a {defined[-1].scope}-scoped fixture; the run calls it "
                "once per setup for the whole session: declare it with "
                '@pytest.fixture(scope="session")'
            )
        elif named and not defined:
            problem = (
                f"the description lists setup_hook = {named}, but no conformance_setup fixture "
                "is defined where the cases run: define it in the conftest.py of the folder "
                "you run from (README.md, 'Servers that need preparation'). Nothing was sent."
            )
        if problem is not None:
            self.aborted = problem
            pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)
        self.session.hook_defined = bool(defined)

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        # A bad id is that case's error, not the whole run's (deferred, as in hypothesis).
        req_id = item.stash.get(REQUIREMENT_KEY, None)
        if req_id is None:
            return
        try:
            get(req_id)
        except LookupError as exc:
            pytest.fail(f"@pytest.mark.requirement: {exc}", pytrace=False)
        reason = self.session.description.not_judged.get(req_id)
        if reason is not None:
            pytest.skip(reason)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        if REQUIREMENT_KEY not in item.stash:
            return (yield)
        with collecting() as cited:
            item.stash[CITATIONS_KEY] = cited
            try:
                return (yield)
            except RealTimeWait as exc:
                # Not this case's verdict: no case can be judged on this clock. Said once.
                self.aborted = self.session.redactor.text(str(exc))
                pytest.exit(self.aborted, returncode=pytest.ExitCode.USAGE_ERROR)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        if not self.list_only:
            return None
        reporter = session.config.pluginmanager.getplugin("terminalreporter")
        if reporter is not None:
            for line in render_listing(self.results.covering, self._dialect_source):
                reporter.write_line(line)
        return True

    # -- outcomes ------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        req_id = item.stash.get(REQUIREMENT_KEY, None)
        if req_id is None or req_id not in self.results.covering:
            return report
        if report.when != "call" and report.passed:
            return report
        result = self._classify(item.nodeid, req_id, report, call)
        if result.verdict is Verdict.PASS:
            self._evidence(item, report, result)
        verdict = call.excinfo.value if call.excinfo is not None else None
        if result.verdict is Verdict.BLOCKED:
            # Not the target's verdict but another's consequence: said once, under that FAIL.
            report.outcome = "skipped"
            line = (item.location[1] or 0) + 1
            report.longrepr = (str(item.path), line, f"blocked: {result.message}")
        elif isinstance(verdict, (ConformanceFailure, Blocked, Inconclusive)) and report.failed:
            # A verdict, not a crash: show what the user acts on, not the suite's plumbing.
            report.longrepr = f"{item.nodeid}\n{verdict}"
            if isinstance(verdict, ConformanceFailure):  # the rule's source under its title
                title, _, rest = str(verdict).partition("\n")
                source = cited(verdict.requirement.source, self._dialect_source(req_id))
                report.longrepr = f"{item.nodeid}\n{title}\nSource: {source}\n{rest}"
        redact = self.session.redactor
        if redact.active and report.longrepr is not None:
            # Failure text quotes URLs and bodies: strip configured secrets from it too.
            if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
                path, line, reason = report.longrepr
                report.longrepr = (path, line, redact.text(reason))
            else:
                report.longrepr = redact.text(str(report.longrepr))
        if redact.active:
            report.sections = [(title, redact.text(text)) for title, text in report.sections]
        report.conformance_verdict = result.verdict.value  # type: ignore[attr-defined]
        if self.worker is not None:  # travels to the controller with the report
            case = {**result.as_dict(), "requirement": req_id}
            report.conformance_case = case  # type: ignore[attr-defined]
        strict_fail = self.strict and get(req_id).level is not Level.INFO
        if result.verdict is Verdict.WARN and not strict_fail:
            report.outcome = "passed"
        self.results.add(result)
        return report

    def _evidence(self, item: pytest.Item, report: pytest.TestReport, result: CaseResult) -> None:
        """A PASS names the exchanges that show it; one that names none is not a PASS."""
        cited = item.stash.get(CITATIONS_KEY, [])
        if not cited:
            result.verdict = Verdict.SKIP
            result.message = "not observed: the case cited no exchange that shows the requirement"
            report.outcome = "skipped"
            # As pytest's own skips do: location[1] counts lines from 0.
            report.longrepr = (str(item.path), (item.location[1] or 0) + 1, result.message)
            return
        redact = self.session.redactor
        result.evidence = [
            {"what": redact.text(c.what), "exchanges": [e.index for e in c.exchanges]}
            for c in cited
        ]
        result.message = redact.text(cited[-1].what)

    def _classify(
        self, nodeid: str, req_id: str, report: pytest.TestReport, call: pytest.CallInfo[None]
    ) -> CaseResult:
        result = CaseResult(nodeid, req_id, Verdict.PASS, duration=report.duration)
        shown = ("requirement", "level")  # the result says these itself
        result.details = {k: v for k, v in report.user_properties if k not in shown}
        if report.skipped:
            result.verdict = Verdict.SKIP
            skipped = call.excinfo.value if call.excinfo is not None else None
            if isinstance(skipped, NotObserved):
                result.message = self.session.redactor.text(skipped.msg)
                # What was looked at, so a reader sees why nothing counted.
                result.exchanges = [self.session.redactor.exchange(e) for e in skipped.exchanges]
                return result
            longrepr = report.longrepr
            result.message = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr)
            result.message = result.message.removeprefix("Skipped: ")
            return result
        if report.passed:
            return result
        exc = call.excinfo.value if call.excinfo is not None else None
        redact = self.session.redactor
        if isinstance(exc, ConformanceFailure):
            level = get(req_id).level
            result.verdict = Verdict.FAIL if level is Level.MUST else Verdict.WARN
            result.observed = redact.text(exc.observed)
            result.expected = redact.text(exc.expected)
            result.hint = redact.text(exc.hint) or None
            result.exchanges = [redact.exchange(e) for e in exc.exchanges]
            result.steps = [redact.text(step) for step in exc.steps]
            result.message = f"Observed: {result.observed}; expected: {result.expected}"
        elif isinstance(exc, Inconclusive):
            result.verdict = Verdict.WARN
            result.message = redact.text(f"inconclusive: {exc.reason}")
            result.exchanges = [redact.exchange(e) for e in exc.exchanges]
        elif isinstance(exc, Blocked) and exc.by:
            # Settled once the run's verdicts are known: BLOCKED by one of these, or ERROR.
            result.verdict = Verdict.BLOCKED
            result.blockers = list(exc.by)
            result.message = redact.text(exc.reason)
            result.exchanges = [redact.exchange(e) for e in exc.exchanges]
        elif isinstance(exc, Blocked):
            result.verdict = Verdict.ERROR
            result.message = redact.text(f"could not run: {exc.reason}")
            result.exchanges = [redact.exchange(e) for e in exc.exchanges]
        else:
            result.verdict = Verdict.ERROR
            detail = f"{type(exc).__name__}: {exc}" if exc is not None else str(report.longrepr)
            result.message = redact.text(f"the case itself failed ({report.when}): {detail}")
        return result

    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        verdict = getattr(report, "conformance_verdict", None)
        if verdict == "WARN" and report.passed:
            return "warned", "W", ("WARN", {"yellow": True})
        if verdict == "ERROR" and report.when == "call":
            return "error", "E", ("ERROR", {"red": True})
        if verdict == "BLOCKED":
            return "blocked", "b", ("BLOCKED", {"yellow": True})
        return None

    # -- the end -------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        session, target = self.session, self.session.target
        redact = session.redactor
        requirements = self.results.requirements()
        operations, exchanges = self._recorded()
        cleanup = self.merged.cleanup if self.merged is not None else self.cleanup
        # Secrets reach it where a checked value came from ${NAME} (see description.parse).
        described = _redacted(
            target.loaded.described.model_dump(mode="json", by_alias=True), redact
        )
        described["headers"] = dict(redact.headers(described.get("headers", {}).items()))
        for scenario in described.get("scenarios", {}).values():
            scenario["headers"] = dict(redact.headers(scenario.get("headers", {}).items()))
        steps = [*described.get("setup", []), *described.get("teardown", [])]
        for scenario in described.get("scenarios", {}).values():
            steps += [*scenario.get("setup", []), *scenario.get("teardown", [])]
        for step in steps:  # a step's Authorization is redacted as every other one
            step["headers"] = dict(redact.headers(step.get("headers", {}).items()))
        return {
            "schema": "async-conformance/1",
            "tool": {"name": "async-conformance", "version": __version__},
            "target": {
                "kind": target.kind,
                "url": redact.text(target.url),
                "description_source": target.loaded.source,
                "description": described,
                "simulator_behaviours": sorted(target.behaviours),
            },
            "dialect": session.description.dialect.name,
            "dialect_label": redact.text(target.loaded.dialect_label),
            "dialect_source": redact.text(target.loaded.described.dialect.source),
            "clock": target.clock,
            "strict": self.strict,
            "gate_mode": self.gate,
            "started_at": self.started,
            "finished_at": _iso(self._started_wall + time.monotonic() - self._started_monotonic),
            "gate": "pass" if Results.gate(requirements, self.strict) else "fail",
            "summary": dict(Counter(r.verdict.value for r in requirements)),
            "duration_s": round(time.monotonic() - self._started_monotonic, 3),
            "profile": session.budget.name,
            "property_seed": session.budget.seed,
            "exchange_count": len(exchanges),
            "requirements": [
                r.as_dict(self._dialect_source(r.requirement.id)) for r in requirements
            ],
            "operations": operations,
            "exchanges": exchanges,
            **({"cleanup": cleanup} if cleanup is not None else {}),
        }

    def _recorded(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The run's operations and exchanges: this process's, or all workers' merged."""
        if self.merged is not None:
            return self.merged.operations, self.merged.exchanges
        session, redact = self.session, self.session.redactor
        driver = session.connected
        operations = (
            []
            if driver is None
            else operation_records(driver.operations, session.description, redact)
        )
        return operations, [redact.exchange(e) for e in session.transcript]

    # -- xdist ---------------------------------------------------------------

    def partial(self) -> dict[str, Any]:
        """What a worker hands to the controller at its end (its cases went with each report)."""
        operations, exchanges = self._recorded()
        return {
            "covering": dict(self.results.covering),
            "selected": sorted(self.results.selected or ()),
            "operations": operations,
            "exchanges": exchanges,
            "cleanup": self.cleanup,
            "aborted": self.aborted,
            "notes": list(self.notes),
        }

    def take(
        self, worker: str, partial: dict[str, Any] | None, cases: list[dict[str, Any]]
    ) -> None:
        """The controller takes in one worker's cases, and its collection when it handed it over."""
        if partial is not None:
            for req, nodeids in partial["covering"].items():
                known = self.results.covering[req]
                known += [n for n in nodeids if n not in known]
            selected = self.results.selected or set()
            self.results.selected = selected | set(partial["selected"])
            if partial["aborted"] and not self.aborted:
                self.aborted = f"worker {worker}: {partial['aborted']}"
        for case in cases:
            self.results.add(CaseResult.from_dict(case.pop("requirement"), case))

    def _unreported(self) -> None:
        """Collected cases with no verdict because their worker stopped under them: ERROR."""
        decided = {c.nodeid for cases in self.results.cases.values() for c in cases}
        for req, nodeids in self.results.covering.items():
            for nodeid in nodeids:
                if nodeid in self.unreported and nodeid not in decided:
                    why = " ".join(self.unreported[nodeid]) or "no verdict came back"
                    message = self.session.redactor.text(f"the case could not finish: {why}")
                    self.results.add(CaseResult(nodeid, req, Verdict.ERROR, message=message))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # --collect-only runs nothing: a report of it would say every requirement went unseen.
        if self.list_only or not self.results.covering or session.config.option.collectonly:
            return
        self._clean_up()
        if self.worker is not None:
            session.config.workeroutput[OUTPUT_KEY] = self.partial()  # type: ignore[attr-defined]
            return
        self._unreported()
        document = self.document()
        stopped = exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        if stopped and not self.aborted:
            self.aborted = f"pytest stopped with exit status {exitstatus}"
        if self.aborted:
            # A run that stopped early proves nothing: never let its report, or the terminal's
            # summary, read as a pass.
            document["gate"] = "fail"
            document["aborted"] = self.aborted
        self.written = [write_json(self.report_dir / REPORT_NAME, document)]
        # Render both before writing either: no fresh file beside a stale one.
        try:
            pages = {HTML_NAME: render_html(document).encode("utf-8")}
            pages[JUNIT_NAME] = render_junit(document)
        except Exception as exc:  # a bug of ours must not cost the user the JSON verdicts
            for name in (HTML_NAME, JUNIT_NAME):
                (self.report_dir / name).unlink(missing_ok=True)
            self.notes.append(f"the HTML and JUnit reports could not be written: {exc!r}")
        else:
            self.written += [write_atomically(self.report_dir / n, b) for n, b in pages.items()]
        if self.gate == "none" and exitstatus == pytest.ExitCode.TESTS_FAILED:
            session.exitstatus = pytest.ExitCode.OK  # the report only: nothing fails the run
        elif self.gate != "none" and document["gate"] == "fail" and exitstatus == 0:
            # A held-back case that no FAIL explains is an ERROR only once all is known.
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _clean_up(self) -> None:
        """Remove what the run made on the target (or, with --keep, list it)."""
        try:
            report = self.session.clean_up(self.keep)
        except KeyboardInterrupt:
            self.notes.append("the cleanup was interrupted: what it had not reached is left")
            return
        except Exception as exc:  # a bug of ours must not cost the user the verdicts
            stopped = self.session.redactor.text(repr(exc))
            self.notes.append(f"the cleanup stopped: {stopped}; what it had not reached is left")
            return
        if report is not None:
            if report.interrupted:
                self.notes.append("the cleanup was interrupted: what it had not reached is left")
            self.cleanup = _redacted(report.as_dict(), self.session.redactor)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.written:
            return
        tr = terminalreporter
        tr.section("async-conformance")
        requirements = self.results.requirements()
        width = shutil.get_terminal_size((120, 24)).columns
        for line, markup in summary_lines(requirements, self.gate, width, self.aborted):
            tr.write_line(line, **markup)
        where = self.written[0].parent
        names = ", ".join(path.name for path in self.written)
        tr.write_line(f"reports written to {where}{os.sep}: {names}")
        cleanup = self.merged.cleanup if self.merged is not None else self.cleanup
        for line, markup in cleanup_lines(cleanup):  # the last word: what is still there
            tr.write_line(line, **markup)
        for note in self.notes:
            tr.write_line(f"note: {note}", yellow=True)


def _redacted(value: Any, redact: Redactor) -> Any:
    """Every string in `value` (a JSON document) with the configured secrets hidden."""
    if isinstance(value, dict):
        return {key: _redacted(item, redact) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, redact) for item in value]
    return redact.text(value) if isinstance(value, str) else value
