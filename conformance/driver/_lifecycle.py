"""The lifecycle engine: submit, find the status resource, poll, follow the result.

The driver observes and records; it never judges. A deviation (no status URL, a
404 status, an unknown state) ends or shapes the run and is left in the record,
with the reason in words, for the checks in `conformance.checks` to rule on.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import uuid
from collections.abc import Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any

import httpx

from ..clock import Clock, RealClock
from ..description import (
    GONE,
    Description,
    ScenarioName,
    fill_placeholders,
    fill_template,
    parse_source,
    placeholders_named,
)
from ..transcript import Exchange, Transcript
from ._locating import find_status_url
from ._operations import Operations
from ._reading import MISSING, link, read_state
from ._reading import field as body_field
from ._records import Call, Ended, Poll, Run, Submission, retry_after_seconds, stopped_at
from ._sender import CONNECTIONS, Sender
from ._setup import Preparation
from ._thinning import thin_middle

__all__ = ["GONE_STATUSES", "Driver"]

#: What an id or a resource that no longer exists answers.
GONE_STATUSES = GONE

#: Polls after the first terminal state, to see that it stays.
CONFIRM_POLLS = 2
#: The shortest wait between polls, as a share of the interval, whatever Retry-After says.
MIN_WAIT_SHARE = 0.1


class Driver(Sender):
    """Drives operations through their lifecycle: submits, finds the status resource,
    polls it to its end, and calls the result."""

    def __init__(
        self,
        client: httpx.Client,
        description: Description,
        clock: Clock,
        transcript: Transcript | None = None,
    ) -> None:
        super().__init__(client, description, clock, transcript)
        self.operations = Operations()
        self.preparation = Preparation(self)
        self._counter = itertools.count(1)
        self._counter_lock = threading.Lock()

    # -- submission ----------------------------------------------------------

    def submit(self, scenario: ScenarioName) -> Submission:
        spec = self.description.scenarios[scenario]
        with self._counter_lock:
            n = next(self._counter)
        jar = self.jar()
        values = self.preparation.before(scenario, {"uuid": uuid.uuid4().hex, "n": str(n)})
        exchange = self.send(
            f"submit {scenario}",
            spec.method,
            fill_placeholders(spec.path, values),
            json=fill_placeholders(spec.json_body, values),
            headers=fill_placeholders(spec.headers, values),
            jar=jar,
        )
        submission = self.accepted(scenario, exchange, jar)
        submission.values = values
        return submission

    def accepted(
        self, scenario: ScenarioName, exchange: Exchange, jar: httpx.Cookies | None = None
    ) -> Submission:
        """What a submission's answer says: the operation's id and status URL, if it gives them."""
        body = exchange.json_object()
        submission = Submission(scenario, exchange, jar=jar)
        # The id counts only from a body that describes the operation: a create-in-place
        # (201 with the resource) has the resource's id there, not the operation's.
        # A body whose state only the HTTP code tells names no state: it is not a status.
        if read_state(self.description.dialect, exchange.status, body).told_by in ("field", "done"):
            op_id = body_field(body, self.description.dialect.id_field)
            if op_id is not MISSING and op_id is not None:
                submission.operation_id = str(op_id)
        find_status_url(self, submission, body)
        self.operations.accepted(submission)
        return submission

    def submit_concurrently(self, scenario: ScenarioName, count: int) -> list[Submission]:
        """`count` submissions at once, as far as the connection pool allows (CONNECTIONS)."""
        with ThreadPoolExecutor(max_workers=min(count, CONNECTIONS)) as pool:
            return list(pool.map(lambda _: self.submit(scenario), range(count)))

    # -- polling -------------------------------------------------------------

    def poll(
        self, url: httpx.URL, label: str, waited: float = 0.0, jar: httpx.Cookies | None = None
    ) -> Poll:
        exchange = self.send(label, "GET", url, jar=jar)
        body = exchange.json_object()
        poll = Poll(
            exchange,
            body,
            read_state(self.description.dialect, exchange.status, body),
            waited,
            retry_after_seconds(exchange.header("retry-after"), self.clock.now()),
        )
        self.operations.read(url, poll)
        return poll

    def _moved(self, run: Run, poll: Poll, url: httpx.URL) -> httpx.URL:
        """The status URL for the next poll: where a moving status resource says it went.

        The header that moves it is the one the submission named the status URL in.
        """
        source = run.submission.location_source or self.description.dialect.status_url_sources[0]
        kind, argument = parse_source(source)
        if not self.description.dialect.status_url_moves or kind != "header":
            return url
        value = poll.exchange.header(argument)
        if not value:
            return url
        resolved = self.resolve(poll.exchange.url, value)
        if isinstance(resolved, str) or not self.same_origin(resolved):
            run.problem = f"the status URL moved to {value!r}, which " + (
                resolved if isinstance(resolved, str) else "is on another origin"
            )
            return url
        self.operations.moved(url, resolved)
        return resolved

    def follow(self, submission: Submission) -> Run:
        """Poll the status URL until a terminal state holds, the budget ends, or polling breaks.

        Polls come at the description's interval, or as Retry-After asks.
        """
        return self.follow_all([submission])[0]

    def follow_all(self, submissions: list[Submission]) -> list[Run]:
        """Follow several operations at once, each poll at its own time, in time order.

        Operations submitted together are read together: one is not first read long
        after it finished (and, with a short window, after its id rightly expired)
        because another was followed before it. On the wall clock the polls due at the
        same moment go out together, on up to CONNECTIONS threads, so a thousand
        operations are read about as soon as one is.
        """
        followers = [self._following(sub) for sub in submissions]
        runs: list[Run | None] = [None] * len(followers)
        due: list[tuple[float, int]] = []

        def step(index: int) -> tuple[int, float | None]:
            try:  # a generator's first send(None) starts it, as next() would
                return index, followers[index].send(None)
            except StopIteration as done:
                runs[index] = done.value
                return index, None

        def schedule(stepped: Iterable[tuple[int, float | None]]) -> None:
            for index, wait in stepped:
                if wait is not None:
                    heapq.heappush(due, (self.clock.now() + wait, index))

        schedule(step(index) for index in range(len(followers)))
        # Where time stands still until the suite moves it (a virtual or test clock), polls
        # due together lose nothing sent one by one, and the transcript keeps one order.
        workers = min(len(followers), CONNECTIONS) if isinstance(self.clock, RealClock) else 1
        with ThreadPoolExecutor(max_workers=workers) if workers > 1 else nullcontext() as pool:
            while due:
                at, index = heapq.heappop(due)
                self.clock.sleep(at - self.clock.now())
                batch = [index]
                while due and due[0][0] <= self.clock.now():
                    batch.append(heapq.heappop(due)[1])
                if pool is None or len(batch) == 1:
                    schedule(step(i) for i in batch)
                else:
                    schedule(pool.map(step, batch))
        return [run for run in runs if run is not None]

    def _following(self, submission: Submission) -> Generator[float, None, Run]:
        """One operation's polling, as a generator: it yields how long to wait before each poll."""
        run = Run(submission)
        url = submission.status_url
        if url is None:
            run.problem = submission.location_problem
            return run
        polling = self.description.polling
        deadline = submission.exchange.sent_at + polling.budget
        retry_after = retry_after_seconds(
            submission.exchange.header("retry-after"), self.clock.now()
        )
        while True:
            default = polling.interval if run.polls else 0.0
            wait = retry_after if retry_after is not None else default
            if run.polls:  # Retry-After: 0 must not turn polling into a busy loop
                wait = max(wait, polling.interval * MIN_WAIT_SHARE)
            wait = min(wait, max(deadline - self.clock.now(), 0.0))
            yield wait
            label = f"poll {submission.scenario} {len(run.polls) + 1}"
            poll = self.poll(url, label, wait, submission.jar)
            run.polls.append(poll)
            thin_middle(run, polling.keep_polls, self.description.dialect, self._read_headers)
            ended = stopped_at(poll)
            if ended is Ended.UNKNOWN_STATE:
                run.problem = self._unknown_state(poll)
            if ended is not None:
                run.ended = ended
                return run
            if poll.role is not None and poll.role.terminal and run.terminal_index is None:
                run.terminal_index = len(run.polls) - 1
            if self._confirmed(run):
                run.ended = Ended.TERMINAL
                return run
            if run.terminal_index is None and self.clock.now() >= deadline:
                run.ended = Ended.BUDGET
                return run
            retry_after = poll.retry_after
            url = self._moved(run, poll, url)
            if run.problem is not None:
                run.ended = Ended.STATUS_ERROR
                return run

    def _unknown_state(self, poll: Poll) -> str:
        """Why a read told no state although it named one, with the way out."""
        dialect = self.description.dialect
        if poll.reading.told_by == "done" and dialect.done is not None:
            return f"the status body's {dialect.done.field} = {poll.reading.raw!r} is not a boolean"
        unknown = dialect.states.unknown(poll.reading.raw)
        return f"the status body names no state the dialect knows: {unknown}"

    def _confirmed(self, run: Run) -> bool:
        """Enough polls after the first terminal one to see that it stays.

        Confirmation stays well inside the retention window: with scaled-down windows,
        an id may rightly be gone by the next poll.
        """
        if run.terminal_index is None:
            return False
        window_left = (
            run.polls[run.terminal_index].exchange.sent_at
            + self.description.retention.completed / 2
            - self.clock.now()
        )
        polls_after = len(run.polls) - 1 - run.terminal_index
        return polls_after >= CONFIRM_POLLS or window_left < self.description.polling.interval

    def run(self, scenario: ScenarioName) -> Run:
        return self.follow(self.submit(scenario))

    def burst(
        self, url: httpx.URL, count: int, label: str, jar: httpx.Cookies | None = None
    ) -> list[Poll]:
        """Read the status `count` times back to back, letting no time pass in between."""
        return [self.poll(url, f"{label} {i + 1}", jar=jar) for i in range(count)]

    # -- the result ----------------------------------------------------------

    def operation_id(self, run: Run) -> str | None:
        """The operation's id: as its acceptance gave it, else as its status body names it."""
        if run.submission.operation_id is not None:
            return run.submission.operation_id
        for poll in run.polls:
            value = body_field(poll.body, self.description.dialect.id_field)
            if poll.available and value is not MISSING and value is not None:
                return str(value)
        return None

    def resource_url(self, run: Run) -> httpx.URL | str | None:
        """The run's result URL, as the dialect's `result_url` says where it is.

        None when the dialect has none; a string says why it could not be found.
        """
        kind, argument = parse_source(self.description.dialect.result_url)
        terminal, sub = run.terminal, run.submission
        if kind == "none":
            return None
        if kind == "request":
            return httpx.URL(sub.exchange.url)
        if terminal is None:
            return "the operation reached no terminal state"
        if kind == "template":
            filled = fill_template(
                argument, self.operation_id(run), lambda p: body_field(terminal.body, p)
            )
            if filled is None:
                return f"no value for every placeholder of {argument!r}"
            return self.on_target(filled)
        value: Any
        carrier = terminal.exchange
        if kind == "body":
            value = body_field(terminal.body, argument)
            where = f"the body field {argument!r}"
        elif kind == "link":
            value = link(terminal.body, terminal.exchange.headers, argument)
            where = f"a link with relation {argument!r}"
        else:  # header: the last answer that carried it, resolved against that answer's URL
            if not terminal.exchange.header(argument):
                carrier = sub.exchange
            value = carrier.header(argument)
            where = f"a {argument} header"
        if not isinstance(value, str) or not value:
            # A header or link that is not there reads as None; a body field as MISSING.
            absent = value is MISSING or (value is None and kind != "body")
            shown = "" if absent else f" ({value!r})"
            return f"no resource URL in {where}{shown}"
        return self.resolve(carrier.url, value)

    def resource_call(self, which: str, run: Run, label: str) -> Call:
        """Read or delete the run's resource as the description says.

        The suite's credentials go only where the user allowed them: a resource URL
        on another origin is not called, and the Call says why.
        """
        url = self.resource_call_url(which, run)
        if isinstance(url, Call):
            return url
        call = getattr(self.description.resource, which)
        # A 204 that wrongly carries a body leaves bytes behind on a kept-alive connection.
        headers = {"Connection": "close"} if call.method.upper() == "DELETE" else None
        exchange = self.send(label, call.method, url, headers=headers, jar=run.submission.jar)
        return Call(exchange)

    def resource_call_url(self, which: str, run: Run) -> httpx.URL | Call:
        """Where `resource_call` would send its request; else the Call saying why it cannot."""
        call = getattr(self.description.resource, which)
        resource_url = self.resource_url(run)
        if "{resource_url}" in call.url and resource_url is None:
            result_url = self.description.dialect.result_url
            return Call(problem=f"the dialect names no resource URL ({result_url!r})", unnamed=True)
        if "{resource_url}" in call.url and not isinstance(resource_url, httpx.URL):
            return Call(problem=resource_url)
        operation_id = self.operation_id(run)
        if "{operation_id}" in call.url and operation_id is None:
            return Call(problem=f"no operation id for {call.url!r}")
        values = {
            **run.submission.values,
            "resource_url": str(resource_url),
            "operation_id": operation_id or "",
        }
        filled = fill_placeholders(call.url, values)
        unfilled = sorted(placeholders_named(filled) & placeholders_named(call.url))
        if unfilled:
            names = ", ".join(f"{{{n}}}" for n in unfilled)
            return Call(
                problem=f"{call.url!r} names {names}, which this operation's setup did not give"
            )
        url = self.on_target(filled)
        if isinstance(url, str):
            return Call(problem=f"the resource URL {url}")
        if not self.same_origin(url):
            return Call(problem=self.off_origin("the resource URL", str(url), url))
        return url

    def wait_until_gone(self, run: Run) -> list[Exchange]:
        """Read the resource until it answers 404 or 410, or the delete budget ends.

        A transport error is read again (the DELETE may have left the connection broken).
        """
        polling = self.description.polling
        deadline = self.clock.now() + polling.delete_budget
        reads: list[Exchange] = []
        while True:
            read = self.resource_call("read", run, f"read after delete {len(reads) + 1}")
            if read.exchange is None:
                break
            reads.append(read.exchange)
            if read.exchange.status in GONE_STATUSES or self.clock.now() >= deadline:
                break
            self.clock.sleep(min(polling.interval, max(deadline - self.clock.now(), 0.0)))
        return reads

    def sync_needs_run(self) -> bool:
        """Whether the [sync] call names the success operation's id or resource."""
        return bool(self._sync_names())

    def _sync_names(self) -> set[str]:
        spec = self.description.sync
        names = placeholders_named([spec.path, spec.json_body, spec.headers]) if spec else set()
        # A setup's value too: the success submission's values hold the run-wide ones.
        return {n for n in names if n in ("operation_id", "resource_url") or n.startswith("setup.")}

    def sync_call(self, run: Run | None = None) -> Call:
        """The described synchronous call, with `run`'s id and resource URL filled in."""
        spec = self.description.sync
        if spec is None:
            return Call(problem="the target description has no [sync] call", unnamed=True)
        names = self._sync_names()
        values = dict(run.submission.values) if run is not None else {}
        if names and run is None:
            return Call(problem="the [sync] call names the success operation", unnamed=True)
        if run is not None and "operation_id" in names:
            operation_id = self.operation_id(run)
            if operation_id is None:
                return Call(problem="[sync] names {operation_id}, but the operation gave no id")
            values["operation_id"] = operation_id
        if run is not None and "resource_url" in names:
            resource_url = self.resource_url(run)
            if not isinstance(resource_url, httpx.URL):
                why = (
                    resource_url
                    or f"the dialect names none ({self.description.dialect.result_url!r})"
                )
                return Call(problem=f"[sync] names {{resource_url}}, but there is none: {why}")
            values["resource_url"] = str(resource_url)
        url = self.on_target(fill_placeholders(spec.path, values))
        if isinstance(url, str):
            return Call(problem=f"the [sync] path {url}")
        if not self.same_origin(url):
            return Call(problem=self.off_origin("the [sync] call's URL", str(url), url))
        exchange = self.send(
            "sync call",
            spec.method,
            url,
            json=fill_placeholders(spec.json_body, values),
            headers=fill_placeholders(spec.headers, values),
            jar=self.jar() if run is None else run.submission.jar,
        )
        return Call(exchange)
