"""One conformance run's live objects: the clock, the transport, the driver, shared runs.

Observations that several cases judge (a success run, a deletion) are made once
and cached here, so a live server sees one lifecycle per scenario, not one per
requirement.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from ._words import counted
from .app_time import AppClock, enter_app
from .background import Background, BackgroundError, Observed, served_here
from .batch import Batch, batch_size, start_batch, try_again
from .budget import Budget
from .cleanup import CleanupReport, clean_up, interrupted, kept
from .clock import VIRTUAL_EPOCH, Clock, ControlClock, RealClock, VirtualClock, spoken
from .description import ClockMode, Description, ScenarioName, fill_placeholders
from .driver import (
    CONNECTIONS,
    READS,
    AppStartupFailed,
    Call,
    Driver,
    Exchange,
    Hook,
    RedactingFilter,
    Redactor,
    Run,
    SetupFailed,
    Submission,
    Transcript,
    hosted,
)
from .model import Exploration, explore
from .observations import Concurrent, Deletion, Malformed, SafetyTrial
from .openapi import Published, load_published
from .plan import MODEL, Plan, model_limit, plan
from .retention import (
    Retained,
    RetentionObservation,
    Unobserved,
    longest_wait,
    observe,
    with_id,
)
from .schedule import Slot
from .simulator import Simulator
from .target import Target, TargetKind
from .tls import ssl_context
from .verdicts import NotDescribed

__all__ = ["ConformanceSession"]

T = TypeVar("T")

#: Wall-clock waits at least this long are announced (`ConformanceSession.progress`).
PROGRESS_AFTER = 5.0


class ConformanceSession:
    def __init__(self, target: Target, budget: Budget | None = None) -> None:
        self.target = target
        self.budget = budget or Budget()  # how hard the property cases try
        self.description: Description = target.loaded.effective
        # Checked now: a TLS file that cannot be used stops the run before any request.
        self._verify = (
            True if target.kind.in_process else ssl_context(self.description, self._base())
        )
        self._virtual: VirtualClock | AppClock | None = None
        self.redactor = Redactor(target.loaded.secrets)
        self.transcript = Transcript()
        self._stack = contextlib.ExitStack()
        self._driver: Driver | None = None
        self._unopened: AppStartupFailed | None = None  # the app's startup failed
        self._cache: dict[str, object] = {}
        self._background: Background | None = None  # the retention probes, started early
        self._background_due = 0.0
        #: The user's `conformance_setup` (the plugin finds it): setup in Python.
        self.setup_hook: Hook | None = None
        self.hook_defined = False  # the user's conftest.py defines it (seen at collection)
        #: What the selected cases will start (the recorder counts it at collection).
        self.planned: Plan | None = None
        #: Where progress lines go (the plugin points it at the terminal).
        self.progress: Callable[[str], None] = lambda line: None
        self._guard_logs()

    @property
    def driver(self) -> Driver:
        """The driver, connected on first use (collection alone sends nothing).

        Raises ClockControlError when --clock control finds no usable test clock.
        """
        if self._driver is None:
            if self._unopened is not None:  # said once; not started again for every case
                raise self._unopened
            with contextlib.ExitStack() as opening:
                try:
                    client = self._open_client(opening)
                except AppStartupFailed as exc:
                    self._unopened = exc
                    raise
                driver = Driver(client, self.description, self._clock(client), self.transcript)
                driver.preparation.hook = self.setup_hook
                self._stack.enter_context(opening.pop_all())  # all of it started: kept
            self._driver = driver
        return self._driver

    @property
    def sparing(self) -> bool:
        """The smoke profile against a target outside this process: the run starts as few
        operations as its checks allow (`plan.py` counts them; SPARING_LIMIT at most)."""
        return self.budget.name == "smoke" and not self.target.kind.in_process

    @property
    def connected(self) -> Driver | None:
        """The driver if the run connected one; None if nothing was sent."""
        return self._driver

    def _clock(self, client: httpx.Client) -> Clock:
        mode = self.target.clock
        if mode is ClockMode.CONTROL:
            return ControlClock(client, self.description.test_clock_path)
        if mode is ClockMode.VIRTUAL and self._virtual is not None:
            return self._virtual
        return RealClock()

    def _open_client(self, stack: contextlib.ExitStack) -> httpx.Client:
        transport: httpx.BaseTransport | None = None
        mode, app = self.target.clock, self.target.app
        if self.target.kind is TargetKind.BUILTIN:
            # The simulator keeps its own clock; in control mode the suite moves it over HTTP.
            server_clock: Clock = RealClock() if mode is ClockMode.REAL else VirtualClock()
            self._virtual = server_clock if isinstance(server_clock, VirtualClock) else None
            simulator = Simulator(
                server_clock,
                behaviours=self.target.behaviours,
                test_clock=mode is ClockMode.CONTROL,
                dialect=self.target.simulator_dialect,
            )
            app = simulator.app
        loop_factory = None
        if self.target.kind is TargetKind.ASGI and mode is ClockMode.VIRTUAL:
            app_clock = AppClock(VIRTUAL_EPOCH, app_modules=(self.target.app_package,))
            self._virtual = stack.enter_context(app_clock)
            loop_factory = app_clock.loop_factory
        if app is not None:
            transport = stack.enter_context(
                hosted(app, loop_factory=loop_factory, entered=enter_app)
            )
            if isinstance(self._virtual, AppClock):
                stack.callback(self._virtual.release)  # its shutdown may wait, for real
        client = httpx.Client(
            base_url=self.target.url,
            headers=self.description.headers,
            transport=transport,
            follow_redirects=False,
            verify=self._verify,
            # Bounded, whatever polling.concurrency asks: a load, not a flood of sockets.
            limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS),
        )
        return stack.enter_context(client)

    def clean_up(self, keep: bool = False) -> CleanupReport | None:
        """Remove what the run made on the target (`keep`: only list it); None when there is
        nothing to say: nothing was sent, or the target is the simulator, gone with the run."""
        driver = self._driver
        if driver is None or self.target.kind is TargetKind.BUILTIN:
            return None
        if self._background is not None:  # its operations are the run's too
            stopped = self._background.stop()
            self._background = None
            if stopped is not None:
                self._adopt(stopped)
        made = len(driver.operations) or driver.preparation.prepared or driver.operations.untraced
        if not made:
            return None
        if keep:
            return kept(driver)
        report = CleanupReport()
        try:
            clean_up(driver, report)
        except KeyboardInterrupt:  # a second Ctrl-C: what was done, and the rest as left
            interrupted(driver, report)
            report.interrupted = True
        return report

    def close(self) -> None:
        """Stop the transport, and let go of what the run recorded.

        The report is written by then. A host that keeps pytest's config objects alive
        (pytester runs, a long-lived process) would otherwise keep every exchange.
        """
        if self._background is not None:
            self._background.stop()
            self._background = None
        self._stack.close()
        self._cache.clear()
        self._driver = None
        self.transcript = Transcript()

    def _guard_logs(self) -> None:
        """Keep secrets out of the HTTP libraries' log lines while this session runs."""
        if not self.redactor.active:
            return
        guard = RedactingFilter(self.redactor)
        for name in ("httpx", "httpcore"):
            logger = logging.getLogger(name)
            logger.addFilter(guard)
            self._stack.callback(logger.removeFilter, guard)

    def unreachable(self) -> str | None:
        """Why the target cannot be reached (one GET of its base URL); None if it connects.

        Only a connection that fails counts: a server that is there but slow to answer
        `/` is judged by the cases, route by route.
        """
        exchange = self.driver.send("is the target there", "GET", "/")
        error = exchange.error or ""
        if not (exchange.no_answer and error.startswith(("ConnectError", "ConnectTimeout"))):
            return None
        if "CERTIFICATE_VERIFY_FAILED" in error:
            way_out = (
                "Its certificate is not trusted: name the CA that signed it in tls.ca_bundle "
                "(or, for a throwaway test server only, set tls.verify = false)."
            )
        else:
            way_out = "Is it running, and is --target the right address?"
        return (
            f"the target {self.target.label} cannot be reached: {exchange.error}. {way_out} "
            "Nothing else was sent."
        )

    # -- shared observations -------------------------------------------------

    def require_scenario(self, scenario: ScenarioName) -> None:
        if scenario not in self.description.scenarios:
            raise NotDescribed(
                f"the target description has no [scenarios.{scenario}]; add it to check this"
            )

    def sync_call(self) -> Call:
        """The described [sync] call; first the success run, if the call names its values."""
        run = self.run("success") if self.driver.sync_needs_run() else None
        return self.driver.sync_call(run)

    def submit(self, scenario: ScenarioName) -> Submission:
        """A fresh submission of `scenario` (SKIP when the description has none)."""
        self.require_scenario(scenario)
        return self.driver.submit(scenario)

    def run(self, scenario: ScenarioName) -> Run:
        """The session's one run of `scenario` (submitted and followed on first use)."""
        self.require_scenario(scenario)
        return self.once(f"run {scenario}", lambda: self.driver.run(scenario))

    def once(self, key: str, make: Callable[[], T]) -> T:
        """Make a shared observation on first use, and hand out the same one after."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]  # type: ignore[return-value]

    def deletion(self) -> Deletion:
        """A resource of the batch's (`batch.py`) deleted, and read until it is gone."""
        self.require_scenario("success")

        def make() -> Deletion:
            run = self.batch().deletable()
            if run is None:
                run = self.driver.run("success")  # none accepted: the reason is in this one
            call = self.driver.resource_call("delete", run, "delete resource")
            if call.exchange is None:
                problem = f"nothing to delete: {call.problem}"
                return Deletion(run, None, problem=problem, unnamed=call.unnamed)
            ok = call.exchange.status in (200, 202, 204)
            reads = self.driver.wait_until_gone(run) if ok else []
            return Deletion(run, call.exchange, reads)

        return self.once("deletion", make)

    def batch(self) -> Batch:
        """Success submissions sent at once, shared by the load, safety and delete checks."""
        self.require_scenario("success")
        real = self.target.clock is ClockMode.REAL
        size = batch_size(self.description, real, self.sparing)
        return self.once("batch", lambda: start_batch(self.driver, size, real))

    def concurrent(self) -> Concurrent:
        """Success submissions sent at once, each accepted one followed to its end."""
        return self.batch().concurrent

    def safety_trial(self) -> SafetyTrial:
        """Operations of the success scenario started together, to see whether reads drive them.

        The first trial is the batch's; asked again (the wall clock's second look), a
        trial on operations of its own.
        """
        self.require_scenario("success")
        if "trial" not in self._cache:
            self._cache["trial"] = True
            return self.batch().trial
        return try_again(self.driver, self.target.clock is ClockMode.REAL)

    # -- robustness --------------------------------------------------------------

    def submit_malformed(self, bad: Malformed) -> Exchange:
        """Send a malformed variant of the success scenario's request."""
        spec = self.description.scenarios["success"]
        prepared = self._refused_setup()
        values = {**prepared, "uuid": bad.marker or "robust"}
        headers = {**fill_placeholders(spec.headers, values), "Content-Type": bad.content_type}
        jar = self.driver.jar()
        exchange = self.driver.send(
            f"malformed submission: {bad.kind}",
            spec.method,
            fill_placeholders(spec.path, values),
            content=bad.content,
            headers=headers,
            jar=jar,
        )
        if exchange.status in self.description.dialect.accepted_status:
            # Accepted all the same: followed to its end now, while its id is kept, so the
            # cleanup finds what it made.
            accepted = self.driver.accepted("success", exchange, jar)
            accepted.values = values
            if accepted.status_url is not None:
                self.driver.follow(accepted)
        return exchange

    def _refused_setup(self) -> dict[str, str]:
        """The success scenario's setup values for requests meant to be refused (malformed,
        generated): one setup serves them all, as a refused request uses up nothing."""
        fresh = {"n": "0", "uuid": uuid.uuid4().hex}  # not the run's: its own objects' names
        return self.once(
            "malformed setup", lambda: self.driver.preparation.before("success", fresh)
        )

    def after_an_operation(self) -> Exchange | None:
        """The synchronous call, once an operation's time has passed (None without one)."""
        run = self.run("success")
        terminal = run.terminal
        took = terminal.exchange.received_at - run.submission.exchange.sent_at if terminal else 0
        self.driver.clock.sleep(took)
        return self.driver.sync_call(run).exchange

    def issued_id(self) -> str | None:
        """The success operation's id (None when neither its acceptance nor its status gave one)."""
        return self.driver.operation_id(self.run("success"))

    def probe_id(self, other: str, kind: str = "") -> Exchange | str:
        """GET the status URL with the success operation's id swapped for `other` (an id of
        the class `kind`, named in the exchange's label)."""
        run = self.run("success")
        url = run.submission.status_url
        if url is None:
            return f"no status URL to put another id in ({run.submission.location_problem})"
        made = with_id(url, self.driver.operation_id(run), other)
        if isinstance(made, str):
            return made
        label = f"unknown id ({kind}) {other[:30]!r}" if kind else f"unknown id {other[:30]!r}"
        jar = self.driver.jar()
        exchange = self.driver.send(label, "GET", made, jar=jar)
        # A framework may redirect to its canonical form of the path (a trailing slash
        # from a decoded %2F): the answer there is the one to judge.
        for _ in range(3):
            location = exchange.header("location")
            if exchange.status not in (301, 302, 303, 307, 308) or not location:
                break
            try:
                target = httpx.URL(exchange.url).join(location)
            except (httpx.InvalidURL, ValueError):
                break
            if not self.driver.same_origin(target):
                break
            exchange = self.driver.send(f"{label}, redirected", "GET", target, jar=jar)
        return exchange

    # -- the published OpenAPI document ----------------------------------------------

    def published(self) -> Published | str | None:
        """The target's OpenAPI document, loaded once; the problem in words; None if not named."""
        source = self.description.openapi
        if source is None:
            return None
        base = self._base()
        return self.once("openapi", lambda: load_published(self.driver, source, base))

    def _base(self) -> Path:
        """Where files the description names are found: beside it, or in the current folder."""
        described = Path(self.target.loaded.source)
        return described.parent if described.is_file() else Path.cwd()

    def send_generated(
        self, label: str, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> Exchange:
        """Send a request generated from the document (the description's headers go too)."""
        own = self.description.scenarios["success"].headers
        try:  # the scenario's headers may name what its setup captured: the malformed ones'
            prepared = self._refused_setup()
        except SetupFailed:
            prepared = self.driver.preparation.run_values()
        values = {**prepared, "uuid": uuid.uuid4().hex, "n": "0"}
        merged = {**fill_placeholders(own, values), **headers}
        jar = self.driver.jar()
        exchange = self.driver.send(label, method, url, content=content, headers=merged, jar=jar)
        status = exchange.status
        if method.upper() not in READS and status is not None and 200 <= status < 300:
            self.driver.operations.made(f"whatever a generated {method} made", exchange)
        return exchange

    # -- the lifecycle model ---------------------------------------------------------

    def model(self) -> Exploration:
        """The lifecycle model's exploration of the target, run once for all its cases."""

        def make() -> Exploration:
            budget = self._model_budget()
            per_sequence = limit = None
            if not self.target.kind.in_process:
                per_sequence = budget.per_lifecycle
                limit = model_limit(budget.sequences, per_sequence, self.sparing, self._others())
            real = self.target.clock is ClockMode.REAL
            return explore(
                self.driver,
                self.description,
                moves_clock=not real,
                budget=budget,
                per_sequence=per_sequence,
                limit=limit,
            )

        return self.once(MODEL, make)

    def _model_budget(self) -> Budget:
        budget = self.budget
        real = self.target.clock is ClockMode.REAL
        if real or not self.target.kind.in_process:
            # Every wait is real, or every operation the target's: fewer sequences, and a
            # failure reported as drawn (shrinking it would start many more operations).
            budget = dataclasses.replace(
                budget, sequences=max(3, budget.sequences // 5), shrink=False
            )
        if real:
            polling = self.description.polling
            budget = dataclasses.replace(
                budget,
                steps=min(budget.steps, 10),
                wall_seconds=min(polling.budget, max(10 * polling.interval, 2.0)),
                shrink=False,
            )
        return budget

    def plan(self, groups: set[str], apart: bool, together: bool = True) -> Plan:
        """What a run of the case groups `groups` will start on the target (`plan.py`)."""
        budget = self._model_budget()
        return plan(
            self.description,
            groups=groups,
            real=self.target.clock is ClockMode.REAL,
            sparing=self.sparing,
            apart=apart,
            together=together,
            model_sequences=budget.sequences,
            per_sequence=budget.per_lifecycle,
        )

    def _others(self) -> int:
        """Operations this run started, or will, besides the model's (see `plan.py`)."""
        started = len(self.driver.operations)
        if self.planned is None:
            return started
        if not self.planned.together:
            # Other workers start theirs unseen: all that is planned, and room for one
            # malformed submission a target accepts.
            return self.planned.without(()) + 1
        return started + self.planned.without(self._cache)

    def retention_apart(self) -> bool:
        """Whether the retention probes run in a process of their own (`start_retention`)."""
        return not (
            self.target.clock is not ClockMode.REAL
            or self.target.kind.in_process
            or served_here(self.target.url)
            or not longest_wait(self.description)  # no window to wait for: nothing to gain
            or self.description.setup_hook  # the user's conformance_setup lives here only
            or self.hook_defined
        )

    def start_retention(self) -> None:
        """On the wall clock against a live target, start the retention probes now.

        They run in a process of their own (`background.py`) while every other case
        runs; the retention cases take what they saw. In-process targets, and servers
        listening in this process, are observed in place: they share its interpreter.
        """
        if self._background is not None or not self.retention_apart():
            return
        description = self.description
        run_values = None
        if description.setup:
            try:  # made here, once: the other process's submissions use its values
                run_values = self.driver.preparation.run_values()
            except SetupFailed:
                return  # the retention cases, run in place, say why
        self._background = Background(
            ConformanceSession, self.target, run_values, twins=not self.sparing
        )
        self._background_due = RealClock().now() + longest_wait(self.description)

    def retention(self) -> RetentionObservation:
        """Every retention probe of the session, run once on one schedule."""
        real = self.target.clock is ClockMode.REAL
        background = self._background
        if background is None:
            on_wait = self._waiting if real else None
            return self.once(
                "retention",
                lambda: observe(
                    self.driver, real, on_wait, shared=self.run, twins=not self.sparing
                ),
            )

        def adopted() -> RetentionObservation:
            left = self._background_due - RealClock().now()
            if left >= PROGRESS_AFTER:
                self.progress(
                    f"waiting about {spoken(left)} more for the retention probes "
                    "(started with the run, in a process of their own)"
                )
            try:
                observed = background.result()
            except BackgroundError as failed:
                if failed.made is not None:  # what it made is the run's to clean up
                    self._adopt(failed.made)
                raise
            self._adopt(observed)
            assert observed.observation is not None
            return observed.observation

        return self.once("retention", adopted)

    def _adopt(self, observed: Observed) -> None:
        """What the retention process sent and made, as this run's own."""
        for exchange in observed.exchanges:
            self.transcript.add(exchange)  # numbered after this process's own
        self.driver.operations.adopt(observed.operations)
        self.driver.operations.untraced += observed.untraced
        self.driver.preparation.prepared += observed.prepared  # its teardowns are ours

    def _waiting(self, seconds: float, slot: Slot[object], left: int) -> None:
        """A line for the user before a long wall-clock wait, so a quiet run is not a hung one."""
        if seconds >= PROGRESS_AFTER and slot.about:
            more = f" ({counted(left, 'more probe')} after it)" if left else ""
            self.progress(f"waiting {spoken(seconds)} for {slot.about}{more}")

    def retained(self, scenario: ScenarioName) -> Retained | Unobserved | None:
        """The retention observation of one scenario's operation."""
        self.require_scenario(scenario)
        observation = self.retention()
        if scenario == "timeout":
            return observation.timed_out
        return observation.completed.get(scenario)
