"""The suite's asynchronous checks, as Schemathesis custom checks.

Load this module as Schemathesis hooks (`hooks = "conformance.openapi.checks"` in
a `schemathesis.toml`, as `async-conformance schemathesis-config` prints) and
`schemathesis run` judges each response of its own generated requests as well:

- `async_accepted_location`: an acceptance (202) names its status monitor where the
  dialect looks (every source, in order); so does an answer of an operation the document
  marks `x-ms-long-running-operation` that says it runs, and such an operation's monitor
  header must be one that can be followed;
- `async_no_content`: a 204 carries no content;
- `async_lifecycle`: for the first few acceptances, the status resource is followed
  to a terminal state (waiting between polls, which Schemathesis cannot), and each
  answer is judged by the suite's reference model: known state names, a terminal
  state that does not change, an id that stays queryable once completed; then the
  created resource is deleted, and a 204 must come without content. The monitor of a
  202, or of an operation the document marks long-running, must tell a state when first
  read (except a Resource Manager `Location` fallback, which tells it by the HTTP code).

Each check returns None (not applicable) where the response is not its business.
Schemathesis's own `use_after_free` is replaced by one that first gives the resource
the delete budget to go: the contract deletes in the background, so a read right
after a DELETE may still find it, and only a resource that never goes is a failure.
The dialect (how a server names states and status URLs) is a check option:
`[checks.async_lifecycle] dialect = "azure"`; or `description = "target.toml"`, the
suite's own target description, so one file drives both (its dialect, polling and
headers). `async_accepted_location` reads the same options.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi.checks import use_after_free as _original_use_after_free

from .._words import counted
from ..clock import RealClock
from ..description import Description, DescriptionError, load, parse, parse_source
from ..driver import Driver, Ended, Exchange, Run, Submission, read_state
from ..model import Operation, judge_read

__all__ = ["async_accepted_location", "async_lifecycle", "async_no_content", "use_after_free"]

#: The acceptance code: an operation accepted and still to be done.
ACCEPTED = 202
#: The options' section, named in every message about them.
SECTION = "[checks.async_lifecycle]"
#: The dialect, when the options name neither a dialect nor a description.
DEFAULT_DIALECT = "cloudcenter"
DEFAULT_INTERVAL, DEFAULT_BUDGET = 0.5, 30.0


@dataclass(frozen=True)
class _Settings:
    """Where the description comes from: a dialect by name, or the user's own file."""

    dialect: str | None
    description: Path | None
    interval: float | None
    budget: float | None

    @property
    def source(self) -> str:
        if self.description is not None:
            return f"{SECTION} description = {str(self.description)!r}"
        return f"schemathesis check options (dialect {self.dialect or DEFAULT_DIALECT!r})"


def _settings(
    dialect: str | None = None,
    description: str | None = None,
    interval: float | None = None,
    budget: float | None = None,
) -> _Settings:
    """The options checked: a bad one is a ValueError that names it and the way out."""
    if dialect is not None and description is not None:
        raise ValueError(
            f"{SECTION} names both dialect = {dialect!r} and description = {description!r}; "
            "keep one: the description's [dialect] table names its dialect"
        )
    path = None
    if description is not None:
        if not isinstance(description, str) or not description.strip():
            raise ValueError(f"{SECTION} description = {description!r} must be a file path")
        path = Path(description).expanduser()
        path = path if path.is_absolute() else Path.cwd() / path
        if not path.is_file():
            raise ValueError(
                f"{SECTION} description = {description!r}: there is no such file ({path}); "
                "a relative path is taken from the directory schemathesis runs in"
            )
    settings = _Settings(dialect, path, interval, budget)
    _description(settings, "http://127.0.0.1/")  # any mistake in it, named now
    return settings


@functools.lru_cache(maxsize=16)  # once per server, not once per response
def _description(settings: _Settings, origin: str) -> Description:
    try:
        if settings.description is not None:
            loaded = load(settings.description, None, base_url=origin).effective
        else:
            raw = {"base_url": origin, "dialect": {"name": settings.dialect or DEFAULT_DIALECT}}
            raw["polling"] = {"interval": DEFAULT_INTERVAL, "budget": DEFAULT_BUDGET}
            loaded = parse(raw, settings.source).effective
        polling = loaded.polling.model_copy(
            update={
                k: v
                for k, v in (("interval", settings.interval), ("budget", settings.budget))
                if v is not None
            }
        )
        return loaded.model_copy(update={"polling": polling})
    except DescriptionError as exc:
        raise ValueError(f"{settings.source}: {exc}") from None


def _options(ctx: Any) -> _Settings:
    """The async_lifecycle options, for a check that has none of its own."""
    config = getattr(ctx, "config", None)
    custom = getattr(config, "custom_kwargs", None) or {}
    options = custom.get("async_lifecycle", {})
    return _settings(
        options.get("dialect"),
        options.get("description"),
        options.get("interval"),
        options.get("budget"),
    )


def _long_running(case: Any) -> bool:
    """The document marks the operation long-running (Azure's `x-ms-long-running-operation`)."""
    raw = getattr(getattr(getattr(case, "operation", None), "definition", None), "raw", None)
    return isinstance(raw, dict) and raw.get("x-ms-long-running-operation") is True


def _accepted(response: Any, description: Description) -> Submission:
    """What the answer names as its monitor, found as the suite's driver finds it."""
    clock = RealClock()
    exchange = _exchange(response, clock.now())
    with httpx.Client(base_url=_origin(exchange.url), follow_redirects=False) as client:
        return Driver(client, description, clock).accepted("success", exchange)


def _by_code(submission: Submission, description: Description) -> bool:
    """A monitor in Resource Manager's fallback `Location`: it may tell the state by its
    HTTP code, not in a body (202 while running, the result or the error once done)."""
    sources = description.dialect.status_url_sources
    kind, name = parse_source(submission.location_source or "")
    return len(sources) > 1 and kind == "header" and name.lower() == "location"


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return str(parsed.copy_with(raw_path=b"/", query=None, fragment=None))


def _exchange(response: Any, now: float) -> Exchange:
    """Schemathesis's response as the driver records one (answered `now`)."""
    request = response.request
    return Exchange(
        index=0,
        label="schemathesis",
        method=str(request.method),
        url=str(request.url),
        request_headers=[(str(k), str(v)) for k, v in request.headers.items()],
        request_body=request.body if isinstance(request.body, bytes) else b"",
        sent_at=now - float(response.elapsed or 0.0),
        received_at=now,
        status=response.status_code,
        headers=[(k, v) for k, values in response.headers.items() for v in values],
        body=response.content or b"",
    )


@schemathesis.check
def async_accepted_location(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 202 Accepted names its monitor where the dialect looks; so does a long-running one.

    An operation the document marks long-running may answer 200 or 201 with no monitor
    (done at once, or a create polled at its own URL); only one whose body says it runs
    must name one. A monitor header that is there must be one that can be followed.
    """
    marked = _long_running(case)
    if response.status_code != ACCEPTED and not marked:
        return None
    description = _description(_options(ctx), _origin(str(response.request.url)))
    if response.status_code not in description.dialect.accepted_status:
        return None
    submission = _accepted(response, description)
    if submission.status_url is not None or submission.off_origin:
        return True if submission.status_url is not None else None  # off origin: not followed
    what = (
        f"{response.status_code} Accepted"
        if response.status_code == ACCEPTED
        else (
            f"an operation the document marks x-ms-long-running-operation answered "
            f"{response.status_code}"
        )
    )
    if submission.location is not None:  # named, but cannot be followed
        raise AssertionError(f"{what}, and {submission.location_problem}")
    if response.status_code != ACCEPTED:
        reading = _running(submission, description)
        if reading is None:
            return None
        what += f" saying it is {reading}"
    problem = (submission.location_problem or "").removeprefix("the submission ")
    raise AssertionError(f"{what}, but {problem}: the client has no status monitor to poll")


def _running(submission: Submission, description: Description) -> str | None:
    """The running state the answer's body names, if it names one."""
    exchange = submission.exchange
    reading = read_state(description.dialect, exchange.status, exchange.json_object())
    if reading.role is not None and not reading.role.terminal and reading.told_by == "field":
        return repr(reading.name)
    return None


@schemathesis.check
def async_no_content(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 204 No Content has no content (RFC 9110 §15.3.5)."""
    if response.status_code != 204:
        return None
    if response.content:
        content = counted(len(response.content), "byte")
        raise AssertionError(f"204 No Content with {content} of content")
    return True


@schemathesis.check
class async_lifecycle:
    """Follow the first acceptances to the end, judging every status answer."""

    def __init__(
        self,
        dialect: str | None = None,
        description: str | None = None,
        follow: int = 3,
        interval: float | None = None,
        budget: float | None = None,
        confirm: int = 2,
    ) -> None:
        self.settings = _settings(dialect, description, interval, budget)
        self.follow, self.confirm = follow, confirm
        self.followed: set[str] = set()  # status URLs already followed (replays are not)

    def after_response(self, ctx: Any, response: Any, case: Any) -> bool | None:
        clock = RealClock()
        accepted = _exchange(response, clock.now())
        description = _description(self.settings, _origin(accepted.url))
        if accepted.status not in description.dialect.accepted_status:
            return None
        interval = description.polling.interval
        client = httpx.Client(
            base_url=_origin(accepted.url), follow_redirects=False, headers=description.headers
        )
        with client:
            driver = Driver(client, description, clock)
            submission = driver.accepted("success", accepted)
            url = submission.status_url
            if url is None:
                return None  # nothing to follow: async_accepted_location judges the answer
            _judge_acceptance_state(submission, description)
            if str(url) in self.followed or len(self.followed) >= self.follow:
                return None
            self.followed.add(str(url))
            op = Operation(1, submission, url)
            run = driver.follow(submission)
            polls = list(run.polls)
            for i in range(self.confirm if run.terminal is not None else 0):
                driver.clock.sleep(interval)  # a state that changes later shows later
                polls.append(driver.poll(url, f"confirm {i + 1}", jar=submission.jar))
            deleted = self._delete(driver, run) if run.terminal is not None else None
        if accepted.status == ACCEPTED or _long_running(case):
            _judge_first_read(run, description)
        for poll in polls:
            for divergence in judge_read(op, poll, description).divergences:
                if divergence.requirement == "TRANS-OUTCOME":
                    continue  # Schemathesis's request body says nothing of the outcome
                shown = "; ".join(e.describe() for e in divergence.exchanges)
                raise AssertionError(
                    f"{divergence.requirement}: {divergence.observed}; expected "
                    f"{divergence.expected} ({shown})"
                )
        if deleted is not None and deleted.status == 204 and deleted.body:
            raise AssertionError(
                "DELETE-204: deleting the created resource answered 204 with "
                f"{counted(len(deleted.body), 'byte')} of content ({deleted.describe()})"
            )
        if op.terminal is None:
            return None  # it did not finish within the budget: nothing judged
        return True

    def _delete(self, driver: Driver, run: Run) -> Exchange | None:
        """Delete what the operation created, where the dialect answers a delete with 204."""
        if "DELETE-204" in driver.description.dialect.not_applicable:
            return None
        return driver.resource_call("delete", run, "delete the created resource").exchange


def _judge_acceptance_state(submission: Submission, description: Description) -> None:
    """An acceptance that names its monitor and a state in its body names a known state.

    Judged here too, not only in the reads: an operation that ends before its first read
    shows its running state only in the acceptance.
    """
    ex = submission.exchange
    reading = read_state(description.dialect, ex.status, ex.json_object())
    if reading.told_by == "field" and reading.role is None and isinstance(reading.raw, str):
        names = ", ".join(sorted(description.dialect.states.all))
        raise AssertionError(
            f"STATUS-STATE-NAMES: the state {reading.raw!r} in the acceptance; expected one "
            f"of {names} ({ex.describe()})"
        )


def _judge_first_read(run: Run, description: Description) -> None:
    """The monitor of an operation just accepted answers with its state when first read."""
    sub = run.submission
    if not run.polls or _by_code(sub, description):
        return
    first = run.polls[0]
    ex = first.exchange
    if ex.error is not None:
        return  # no answer says nothing of the server's model
    named = f"the monitor {sub.location!r} named in {sub.location_source}"
    if run.ended is Ended.STATUS_ERROR and run.polls[-1] is first and ex.status is not None:
        raise AssertionError(
            f"{named} answered {ex.status} when first read, right after the acceptance; "
            f"expected its state ({ex.describe()})"
        )
    if run.ended is Ended.UNREADABLE and run.polls[-1] is first:
        dialect = description.dialect
        if first.body is None:
            told = "no JSON object"
        else:
            told = f"a body with no state in {dialect.status_field!r}"
        raise AssertionError(
            f"{named} answered {ex.status} with {told}; expected a status body with one of "
            f"{', '.join(sorted(dialect.states.all))} ({ex.describe()})"
        )


# -- Schemathesis's own use_after_free, minus its false alarm ------------------------

#: How long a deleted resource may still be read (the contract deletes in the background).
DELETE_BUDGET = 60.0
DELETE_POLL = 0.5


def _gone_eventually(response: Any, budget: float, clock: RealClock) -> bool:
    """Read the resource again until it answers 404 or 410, for at most `budget` seconds."""
    request = response.request
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-length",)}
    deadline = clock.now() + budget
    with httpx.Client(follow_redirects=False, timeout=10.0) as client:
        while True:
            try:
                status = client.get(str(request.url), headers=headers).status_code
            except httpx.HTTPError:
                status = None
            if status in (404, 410):
                return True
            if clock.now() >= deadline:
                return False
            clock.sleep(DELETE_POLL)


def use_after_free(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's check, except where the resource goes within the delete budget.

    The contract deletes in the background: a read right after the DELETE may still
    find the resource. Only one that is never gone is a failure.
    """
    try:
        return _original_use_after_free(ctx, response, case)
    except AssertionError:
        if _gone_eventually(response, DELETE_BUDGET, RealClock()):
            return None
        raise


CHECKS.unregister("use_after_free")
CHECKS.register(use_after_free)
