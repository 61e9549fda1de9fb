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

from .clock import Clock, RealClock, VirtualClock
from .description import Description, ScenarioName
from .driver import Driver, Exchange, RedactingFilter, Redactor, Run, Submission, Transcript
from .driver._transport import PortalTransport
from .retention import Retained, RetentionObservation, observe
from .simulator import Simulator
from .target import BUILTIN, Target
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
        self.clock: Clock = VirtualClock() if target.clock == "virtual" else RealClock()
        self.redactor = Redactor(target.loaded.secrets)
        self.transcript = Transcript()
        self._stack = contextlib.ExitStack()
        self._driver: Driver | None = None
        self._runs: dict[ScenarioName, Run] = {}
        self._cache: dict[str, Any] = {}
        self._guard_logs()

    @property
    def driver(self) -> Driver:
        """The driver, connected on first use (collection alone sends nothing)."""
        if self._driver is None:
            self._driver = Driver(
                self._open_client(), self.description, self.clock, self.transcript
            )
        return self._driver

    def _open_client(self) -> httpx.Client:
        transport: httpx.BaseTransport | None = None
        if self.target.kind == BUILTIN:
            portal = self._stack.enter_context(start_blocking_portal())
            app = Simulator(self.clock, behaviours=self.target.behaviours).app
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
        if scenario not in self._runs:
            self._runs[scenario] = self.driver.run(scenario)
        return self._runs[scenario]

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
