"""Setup and teardown: the requests a target needs before a submission, and after the run.

A description's `[[setup]]` steps run once, before the run's first submission;
`[[scenarios.NAME.setup]]` steps before each submission of that scenario. Each step
may capture values from its answer (`{setup.<name>}` names them afterwards) and may
wait, repeating its request until fields have their values. What a setup made is
taken apart at the end by the matching teardown steps, with the same values.

Setup is not the server's verdict: a step that fails stops the cases that needed it
(`SetupFailed`, an ERROR), and its exchanges, marked as setup, are never evidence.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..description import fill_placeholders, placeholders_named
from ..verdicts import Blocked
from ._reading import MISSING
from ._reading import field as body_field

if TYPE_CHECKING:
    from ..description import Step
    from ..transcript import Exchange
    from ._sender import Sender

__all__ = [
    "READS",
    "Hook",
    "Preparation",
    "Prepared",
    "SetupFailed",
    "StepFailed",
    "run_steps",
    "unfilled_names",
]

#: Methods that only read: a setup step so sent made nothing to take apart.
READS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class SetupTarget:
    """What the user's `conformance_setup` is told about the target it prepares."""

    url: str  # the target's base URL
    values: Mapping[str, str]  # the placeholders so far: {uuid}, {n}, the run's setup values
    headers: Mapping[str, str]  # the description's headers, as sent


#: The Python form of setup: called with the scope ("run", or a scenario's name) and the
#: target; returns placeholder values, or (values, a teardown to call at the end).
Hook = Callable[[str, SetupTarget], Any]


class StepFailed(Exception):
    """A setup or teardown step did not do what it is there for; the message says how."""

    def __init__(self, label: str, reason: str, exchanges: list[Exchange]) -> None:
        self.label = label
        self.reason = reason
        self.exchanges = exchanges
        super().__init__(f"{label}: {reason}")


class SetupFailed(Blocked):
    """The setup a case needed failed: the case is an ERROR, not a verdict on the server."""

    def __init__(self, failure: StepFailed | str, exchanges: list[Exchange] | None = None) -> None:
        if isinstance(failure, StepFailed):
            super().__init__(f"setup failed: {failure}", failure.exchanges)
        else:
            super().__init__(f"setup failed: {failure}", exchanges or [])


@dataclass
class Prepared:
    """One setup that ran (in full or in part): what it captured, and what undoes it."""

    scope: str  # "run", or the scenario's name
    values: dict[str, str]
    teardown: list[Step] = field(default_factory=list)
    undo: Callable[[], object] | None = None  # the Python hook's teardown
    done: int = 0  # steps that worked
    refused: bool = False  # its first step failed: it made nothing to take apart
    steps: list[Step] = field(default_factory=list)  # its setup's steps

    @property
    def made(self) -> list[Step]:
        """The steps that worked and may have made something (not reads)."""
        return [s for s in self.steps[: self.done] if s.method.upper() not in READS]


def _captured(exchange: Exchange, source: str) -> str | None:
    """The value at `source` in the answer, as text; None when it is not there."""
    if source.startswith("header:"):
        return exchange.header(source.removeprefix("header:").strip())
    try:
        body: Any = exchange.json()
    except (ValueError, RecursionError):
        return None
    value = body if source == "" else body_field(body, source)
    if isinstance(value, bool) or value is None or value is MISSING:
        return None if value is None or value is MISSING else json.dumps(value)
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _expected(step: Step, status: int | None) -> bool:
    if status is None:
        return False
    return status in step.expect if step.expect else 200 <= status < 300


def _matches(exchange: Exchange, until: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `until` that do not yet have their value: pointer -> what they have."""
    body = exchange.json_object()
    pending = {}
    for pointer, wanted in until.items():
        value = body_field(body, pointer)
        if value != wanted:
            pending[pointer] = value
    return pending


def run_steps(
    driver: Sender,
    steps: list[Step],
    values: dict[str, str],
    where: str,
    role: str = "setup",
    prepared: Prepared | None = None,
) -> dict[str, str]:
    """Send `steps` in order with `values` filled in; `values` grows by what they capture,
    and `prepared.done` counts the steps that worked.

    Raises StepFailed at the first step that fails (`values` keeps what came before).
    """
    for number, step in enumerate(steps, 1):
        label = f"{where} step {number}"  # sent as "<role>: <label>"
        exchanges = _send(driver, step, values, label, role)
        last = exchanges[-1]
        for name, source in step.capture.items():
            value = _captured(last, source)
            if value is None:
                raise StepFailed(
                    label,
                    f"capture {name!r}: the answer has no value at "
                    f"{source if source else 'its body'!r} (a string or a number)",
                    exchanges,
                )
            values[f"setup.{name}"] = value
        if prepared is not None:
            prepared.done = number
    return values


def unfilled_names(steps: list[Step], values: Mapping[str, str]) -> list[str]:
    """The `{setup.*}` names `steps` use that `values` do not have (nothing to send)."""
    return sorted(
        {
            name
            for step in steps
            for name in placeholders_named([step.path, step.json_body, step.headers, step.until])
            if name.startswith("setup.") and name not in values
        }
    )


def _send(
    driver: Sender, step: Step, values: dict[str, str], label: str, role: str
) -> list[Exchange]:
    unfilled = unfilled_names([step], values)
    if unfilled:
        names = ", ".join(f"{{{n}}}" for n in unfilled)
        raise StepFailed(label, f"{names} has no value here, so nothing was sent", [])
    url = driver.on_target(fill_placeholders(step.path, values))
    if isinstance(url, str):
        raise StepFailed(label, f"the path {url}", [])
    if not driver.same_origin(url):
        raise StepFailed(label, driver.off_origin("the step's URL", str(url), url), [])
    until = fill_placeholders(step.until, values)
    budget = step.budget or driver.description.polling.budget
    deadline = driver.clock.now() + budget
    exchanges: list[Exchange] = []
    while True:
        exchange = driver.send(
            f"{role}: {label}" + (f", again ({len(exchanges) + 1})" if exchanges else ""),
            step.method,
            url,
            json=fill_placeholders(step.json_body, values),
            headers=fill_placeholders(step.headers, values),
            jar=driver.jar(),
        )
        exchange.role = role
        exchanges.append(exchange)
        if not _expected(step, exchange.status):
            wanted = ", ".join(map(str, step.expect)) if step.expect else "a 2xx"
            got = exchange.error or f"answered {exchange.status}"
            raise StepFailed(label, f"{step.method} {url} {got}; expected {wanted}", exchanges)
        pending = _matches(exchange, until)
        if not pending:
            return exchanges
        if driver.clock.now() >= deadline:
            shown = "; ".join(
                f"{pointer} is {'missing' if have is MISSING else json.dumps(have)}, "
                f"not {json.dumps(until[pointer])}"
                for pointer, have in pending.items()
            )
            raise StepFailed(label, f"after {budget:g} s of waiting, {shown}", exchanges)
        interval = driver.description.polling.interval
        driver.clock.sleep(min(interval, max(deadline - driver.clock.now(), 0.0)))


class Preparation:
    """The run's setups: the run-wide one made once, a scenario's before each submission."""

    def __init__(self, driver: Sender, hook: Hook | None = None) -> None:
        self.driver = driver
        self.hook = hook
        self.prepared: list[Prepared] = []
        self._run: dict[str, str] | SetupFailed | None = None
        self._run_lock = threading.Lock()  # held while the run-wide setup is made
        self._failed: dict[str, SetupFailed] = {}  # scenarios whose setup failed
        self._lock = threading.Lock()

    @property
    def needed(self) -> bool:
        description = self.driver.description
        return bool(
            self.hook or description.setup or any(s.setup for s in description.scenarios.values())
        )

    def run_values(self) -> dict[str, str]:
        """The run-wide setup's values, made on first use; raises SetupFailed each time after
        it failed once (it is not tried again)."""
        with self._run_lock:
            if self._run is None:
                self._run = self._prepare("run", {"uuid": uuid.uuid4().hex})
            if isinstance(self._run, SetupFailed):
                raise self._run
            return dict(self._run)

    def adopt_run_values(self, values: dict[str, str]) -> None:
        """Values another process's run-wide setup made (its teardown is that process's)."""
        with self._run_lock:
            self._run = dict(values)

    def before(self, scenario: str, values: dict[str, str]) -> dict[str, str]:
        """`values` with the run's and the scenario's setup values added; raises SetupFailed
        (again, without a request, once the scenario's setup has failed)."""
        failed = self._failed.get(scenario)
        if failed is not None:
            raise failed
        merged = {**self.run_values(), **values}
        outcome = self._prepare(scenario, merged)
        if isinstance(outcome, SetupFailed):
            raise outcome
        return outcome

    def _prepare(self, scope: str, values: dict[str, str]) -> dict[str, str] | SetupFailed:
        description = self.driver.description
        if scope == "run":
            steps, teardown, where = description.setup, description.teardown, "setup"
        else:
            spec = description.scenarios[scope]  # type: ignore[index]
            steps, teardown = spec.setup, spec.teardown
            where = f"scenarios.{scope}.setup"
        if self.hook is None and description.setup_hook and scope != "run":
            return SetupFailed(
                f"the description lists setup_hook = {description.setup_hook}, but no "
                "conformance_setup fixture gives them: define it in your conftest.py "
                "(README.md, 'Servers that need preparation')"
            )
        if not steps and not teardown and self.hook is None:
            return values
        prepared = Prepared(scope, values, list(teardown), steps=list(steps))
        with self._lock:
            self.prepared.append(prepared)
        try:
            run_steps(self.driver, steps, values, where, prepared=prepared)
            if self.hook is not None:
                self._call_hook(prepared)
                prepared.done += 1
        except StepFailed as failure:
            # Made nothing: its first step was answered, and not as it should be (an answer
            # that worked but had no value to capture may have made something).
            last = failure.exchanges[-1] if failure.exchanges else None
            prepared.refused = prepared.done == 0 and (
                last is None or (last.status is not None and not 200 <= last.status < 300)
            )
            failed = SetupFailed(failure)
            self._failed[scope] = failed  # not tried again: each try would fail the same way
            return failed
        return values

    def _call_hook(self, prepared: Prepared) -> None:
        assert self.hook is not None
        description = self.driver.description
        target = SetupTarget(
            description.base_url or str(self.driver.client.base_url),
            dict(prepared.values),
            dict(description.headers),
        )
        try:
            given = self.hook(prepared.scope, target)
        except Exception as exc:  # the user's code: its failure is the setup's
            raise StepFailed(
                f"conformance_setup({prepared.scope!r})", f"raised {exc!r}", []
            ) from exc
        undo = None
        if isinstance(given, tuple) and len(given) == 2 and callable(given[1]):
            given, undo = given
        if given is None:
            given = {}
        if not isinstance(given, Mapping):
            raise StepFailed(
                f"conformance_setup({prepared.scope!r})",
                f"returned {type(given).__name__}; return a dict of placeholder values, "
                "or (values, teardown)",
                [],
            )
        prepared.values.update({f"setup.{k}": str(v) for k, v in given.items()})
        prepared.undo = undo
        names = self.driver.description.setup_hook
        missing = [n for n in names if f"setup.{n}" not in prepared.values]
        if missing and prepared.scope != "run":
            raise StepFailed(
                f"conformance_setup({prepared.scope!r})",
                f"returned no value for {missing}, which setup_hook in the description lists",
                [],
            )
