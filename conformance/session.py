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
from .background import Background, served_here
from .budget import Budget
from .cleanup import CleanupReport, clean_up, kept
from .clock import VIRTUAL_EPOCH, Clock, ControlClock, RealClock, VirtualClock, spoken
from .description import ClockMode, Description, ScenarioName, fill_placeholders
from .driver import (
    CONNECTIONS,
    AppStartupFailed,
    Call,
    Driver,
    Exchange,
    Hook,
    Poll,
    Reading,
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

#: Reads of the often-read operation in a safety trial.
BURST = 6
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
            self._background.stop()
            self._background = None
        made = len(driver.operations) or driver.preparation.prepared
        if not made:
            return None
        return kept(driver) if keep else clean_up(driver)

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
        self.require_scenario("success")

        def make() -> Deletion:
            run = self.driver.run("success")
            call = self.driver.resource_call("delete", run, "delete resource")
            if call.exchange is None:
                problem = f"nothing to delete: {call.problem}"
                return Deletion(run, None, problem=problem, unnamed=call.unnamed)
            ok = call.exchange.status in (200, 202, 204)
            reads = self.driver.wait_until_gone(run) if ok else []
            return Deletion(run, call.exchange, reads)

        return self.once("deletion", make)

    def concurrent(self) -> Concurrent:
        """Success submissions sent at once, each accepted one followed to its end."""
        self.require_scenario("success")

        def make() -> Concurrent:
            count = self.description.polling.concurrency
            subs = self.driver.submit_concurrently("success", count)
            accepted = [s for s in subs if s.status_url is not None]
            # Together, polls interleaved in time: followed one after another, the last
            # would first be read long after it finished, and with a short window, gone.
            return Concurrent(subs, self.driver.follow_all(accepted))

        return self.once("concurrent", make)

    def safety_trial(self) -> SafetyTrial:
        """Operations of the success scenario started together, to see whether reads drive them.

        One is read often, its twin once (it goes first: if anything, the often-read
        one should lag behind). With the wall clock a third one is left unread until
        it has had twice the time the often-read one needed, then read once: where
        time drives the work it is done by then; where reads do, it is not.
        """
        driver = self.driver
        real = self.target.clock is ClockMode.REAL
        subs = [self.submit("success") for _ in range(3 if real else 2)]
        for sub in subs:
            if sub.status_url is None:
                return SafetyTrial(
                    [], _placeholder(sub), problem=f"no status URL: {sub.location_problem}"
                )
        once, often = subs[0], subs[1]
        assert once.status_url is not None and often.status_url is not None
        burst = driver.burst(often.status_url, BURST, "read often", often.jar)
        control = driver.poll(once.status_url, "read once", jar=once.jar)
        trial = SafetyTrial(burst, control, submissions=subs)
        done = next((p for p in burst if p.role is not None and p.role.terminal), None)
        if real and done is not None:
            aged = subs[2]
            assert aged.status_url is not None
            trial.often_age = done.exchange.received_at - often.exchange.sent_at
            due = aged.exchange.sent_at + 2 * trial.often_age + self.description.polling.interval
            driver.clock.sleep(due - driver.clock.now())
            trial.later = driver.poll(aged.status_url, "read once, late", jar=aged.jar)
        return trial

    # -- robustness --------------------------------------------------------------

    def submit_malformed(self, bad: Malformed) -> Exchange:
        """Send a malformed variant of the success scenario's request."""
        spec = self.description.scenarios["success"]
        # One setup serves them all: a refused submission uses up nothing it made.
        prepared = self.once(
            "malformed setup", lambda: self.driver.preparation.before("success", {"n": "0"})
        )
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
        values = {**self.driver.preparation.run_values(), "uuid": uuid.uuid4().hex, "n": "0"}
        merged = {**fill_placeholders(own, values), **headers}
        jar = self.driver.jar()
        return self.driver.send(label, method, url, content=content, headers=merged, jar=jar)

    # -- the lifecycle model ---------------------------------------------------------

    def model(self) -> Exploration:
        """The lifecycle model's exploration of the target, run once for all its cases."""

        def make() -> Exploration:
            budget = self.budget
            real = self.target.clock is ClockMode.REAL
            if real:
                # Every wait is real: fewer, shorter sequences, and a cap on the waiting.
                polling = self.description.polling
                budget = dataclasses.replace(
                    budget,
                    sequences=max(3, budget.sequences // 5),
                    steps=min(budget.steps, 10),
                    wall_seconds=min(polling.budget, max(10 * polling.interval, 2.0)),
                    shrink=False,
                )
            return explore(self.driver, self.description, moves_clock=not real, budget=budget)

        return self.once("model", make)

    def start_retention(self) -> None:
        """On the wall clock against a live target, start the retention probes now.

        They run in a process of their own (`background.py`) while every other case
        runs; the retention cases take what they saw. In-process targets, and servers
        listening in this process, are observed in place: they share its interpreter.
        """
        if (
            self.target.clock is not ClockMode.REAL
            or self.target.kind.in_process
            or self._background is not None
            or served_here(self.target.url)
            or not longest_wait(self.description)  # no window to wait for: nothing to gain
        ):
            return
        description = self.description
        if description.setup_hook:
            return  # the user's conformance_setup lives in this process only
        run_values = None
        if description.setup:
            try:  # made here, once: the other process's submissions use its values
                run_values = self.driver.preparation.run_values()
            except SetupFailed:
                return  # the retention cases, run in place, say why
        self._background = Background(self.target, run_values)
        self._background_due = RealClock().now() + longest_wait(self.description)

    def retention(self) -> RetentionObservation:
        """Every retention probe of the session, run once on one schedule."""
        real = self.target.clock is ClockMode.REAL
        background = self._background
        if background is None:
            on_wait = self._waiting if real else None
            return self.once(
                "retention", lambda: observe(self.driver, real, on_wait, shared=self.run)
            )

        def adopted() -> RetentionObservation:
            left = self._background_due - RealClock().now()
            if left >= PROGRESS_AFTER:
                self.progress(
                    f"waiting about {spoken(left)} more for the retention probes "
                    "(started with the run, in a process of their own)"
                )
            observed = background.result()
            for exchange in observed.exchanges:
                self.transcript.add(exchange)  # numbered after this process's own
            self.driver.operations.adopt(observed.operations)
            self.driver.preparation.prepared += observed.prepared  # its teardowns are ours
            return observed.observation

        return self.once("retention", adopted)

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


def _placeholder(sub: Submission) -> Poll:
    """A stand-in read for a trial that could not start (its problem says why)."""
    return Poll(sub.exchange, None, Reading(None, None, "nothing"), 0.0, None)
