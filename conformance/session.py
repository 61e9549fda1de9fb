"""One conformance run's live objects: the clock, the transport, the driver, shared runs.

Observations that several cases judge (a success run, a deletion) are made once
and cached here, so a live server sees one lifecycle per scenario, not one per
requirement.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from .clock import Clock, ControlClock, FrozenClock, RealClock, VirtualClock
from .description import Description, ScenarioName
from .driver import Driver, Exchange, RedactingFilter, Redactor, Run, Submission, Transcript
from .driver._transport import PortalTransport
from .retention import Retained, RetentionObservation, observe
from .simulator import Simulator
from .target import ASGI, BUILTIN, Target
from .verdicts import Blocked

__all__ = ["ConformanceSession", "Deletion"]


class Deletion:
    """A resource created by a success run, deleted, and watched until it is gone."""

    def __init__(self, run: Run, delete: Exchange, reads: list[Exchange]) -> None:
        self.run = run
        self.delete = delete
        self.reads = reads


class ConformanceSession:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.description: Description = target.loaded.effective
        self._virtual: VirtualClock | FrozenClock | None = None
        self.redactor = Redactor(target.loaded.secrets)
        self.transcript = Transcript()
        self._stack = contextlib.ExitStack()
        self._driver: Driver | None = None
        self._cache: dict[str, Any] = {}
        self._guard_logs()

    @property
    def driver(self) -> Driver:
        """The driver, connected on first use (collection alone sends nothing).

        Raises ClockControlError when --clock control finds no usable test clock.
        """
        if self._driver is None:
            client = self._open_client()
            self._driver = Driver(client, self.description, self._clock(client), self.transcript)
        return self._driver

    def _clock(self, client: httpx.Client) -> Clock:
        mode = self.target.clock
        if mode == "control":
            return ControlClock(client, self.description.test_clock_path)
        if mode == "virtual" and self._virtual is not None:
            return self._virtual
        return RealClock()

    def _open_client(self) -> httpx.Client:
        transport: httpx.BaseTransport | None = None
        mode, app = self.target.clock, self.target.app
        if self.target.kind == BUILTIN:
            # The simulator keeps its own clock; in control mode the suite moves it over HTTP.
            server_clock: Clock = RealClock() if mode == "real" else VirtualClock()
            self._virtual = server_clock if isinstance(server_clock, VirtualClock) else None
            simulator = Simulator(
                server_clock, behaviours=self.target.behaviours, test_clock=mode == "control"
            )
            app = simulator.app
        elif self.target.kind == ASGI and mode == "virtual":
            self._virtual = self._stack.enter_context(FrozenClock())
        if app is not None:
            portal = self._stack.enter_context(start_blocking_portal())
            transport = PortalTransport(app, portal)
        client = httpx.Client(
            base_url=self.target.url,
            headers=self.description.headers,
            transport=transport,
            follow_redirects=False,
        )
        return self._stack.enter_context(client)

    def close(self) -> None:
        self._stack.close()

    def _guard_logs(self) -> None:
        """Keep secrets out of the HTTP libraries' log lines while this session runs."""
        if not self.redactor.active:
            return
        guard = RedactingFilter(self.redactor)
        for name in ("httpx", "httpcore"):
            logger = logging.getLogger(name)
            logger.addFilter(guard)
            self._stack.callback(logger.removeFilter, guard)

    # -- shared observations -------------------------------------------------

    def require_scenario(self, scenario: ScenarioName) -> None:
        if scenario not in self.description.scenarios:
            pytest.skip(
                f"the target description declares no {scenario!r} scenario; add "
                f"[scenarios.{scenario}] to check this"
            )

    def submit(self, scenario: ScenarioName) -> Submission:
        """A fresh submission of `scenario` (SKIP when the description has none)."""
        self.require_scenario(scenario)
        return self.driver.submit(scenario)

    def run(self, scenario: ScenarioName) -> Run:
        """The session's one run of `scenario` (submitted and followed on first use)."""
        self.require_scenario(scenario)
        return self.once(f"run {scenario}", lambda: self.driver.run(scenario))  # type: ignore[no-any-return]

    def once(self, key: str, make: Any) -> Any:
        """Cache any other shared observation under `key`, a Blocked outcome included."""
        if key not in self._cache:
            try:
                self._cache[key] = make()
            except Blocked as exc:
                self._cache[key] = exc
        value = self._cache[key]
        if isinstance(value, Blocked):
            raise value
        return value

    def deletion(self) -> Deletion:
        self.require_scenario("success")

        def make() -> Deletion:
            run = self.driver.run("success")
            delete = self.driver.resource_call("delete", run, "delete resource")
            if delete is None:
                raise Blocked("the success run gave no resource URL to delete", run.exchanges)
            reads = self.driver.wait_until_gone(run) if delete.status in (200, 202, 204) else []
            return Deletion(run, delete, reads)

        return self.once("deletion", make)  # type: ignore[no-any-return]

    def retention(self) -> RetentionObservation:
        """Every retention probe of the session, run once on one schedule."""
        make = lambda: observe(self.driver, real_clock=self.target.clock == "real")  # noqa: E731
        return self.once("retention", make)  # type: ignore[no-any-return]

    def retained(self, scenario: ScenarioName) -> Retained:
        """The retention observation of one scenario's operation."""
        self.require_scenario(scenario)
        observation = self.retention()
        found = (
            observation.timed_out if scenario == "timeout" else observation.completed.get(scenario)
        )
        if found is None:
            raise Blocked(f"no {scenario} operation could be observed for retention")
        if isinstance(found, Blocked):
            raise found
        return found
