"""The lifecycle engine: submit, find the status resource, poll, follow the result.

The driver observes and records; it never judges. A deviation (no Location, a
404 status, an unknown state) ends or shapes the run and is left in the record
for the checks in `conformance.checks` to rule on.
"""

from __future__ import annotations

import email.utils
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..clock import Clock
from ..description import Description, ScenarioName
from ..verdicts import Blocked
from ._transcript import Exchange, Transcript

__all__ = ["Driver", "Poll", "Run", "Submission"]

#: Polls after the first terminal state, to see that it stays.
CONFIRM_POLLS = 2
#: The shortest wait between polls, as a share of the interval, whatever Retry-After says.
MIN_WAIT_SHARE = 0.1
_DELAY_SECONDS = re.compile(r"[0-9]{1,10}")


@dataclass
class Poll:
    exchange: Exchange
    body: dict[str, Any] | None
    state: str | None
    waited: float
    retry_after: float | None


@dataclass
class Submission:
    scenario: ScenarioName
    exchange: Exchange
    location: str | None = None
    status_url: httpx.URL | None = None
    location_problem: str | None = None
    off_origin: bool = False
    operation_id: str | None = None  # as the 202 body gives it


@dataclass
class Run:
    """One operation observed from submission to a terminal state (or to why it stopped)."""

    submission: Submission
    polls: list[Poll] = field(default_factory=list)
    ended: str = "not-followed"
    terminal_index: int | None = None

    @property
    def exchanges(self) -> list[Exchange]:
        return [self.submission.exchange, *(p.exchange for p in self.polls)]

    @property
    def states(self) -> list[str | None]:
        return [p.state for p in self.polls]

    @property
    def terminal(self) -> Poll | None:
        return None if self.terminal_index is None else self.polls[self.terminal_index]


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from now: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


class Driver:
    def __init__(
        self,
        client: httpx.Client,
        description: Description,
        clock: Clock,
        transcript: Transcript | None = None,
    ) -> None:
        self.client = client
        self.description = description
        self.clock = clock
        self.transcript = transcript if transcript is not None else Transcript()

    # -- HTTP ----------------------------------------------------------------

    def send(
        self,
        label: str,
        method: str,
        url: str | httpx.URL,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one request and record it; transport errors are recorded, not raised."""
        request = self.client.build_request(
            method,
            url,
            json=json,
            headers=headers,
            timeout=self.description.polling.request_timeout,
        )
        exchange = Exchange(
            index=0,
            label=label,
            method=request.method,
            url=str(request.url),
            request_headers=list(request.headers.multi_items()),
            request_body=request.read(),
            sent_at=self.clock.now(),
        )
        cap = self.description.polling.max_body_bytes
        # httpx's timeout bounds each read; this bounds the whole response, so a server
        # that trickles bytes cannot hold the run.
        deadline = time.monotonic() + self.description.polling.request_timeout
        try:
            response = self.client.send(request, stream=True)
            try:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > cap:
                        exchange.truncated = True
                        del body[cap:]
                        break
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout(
                            f"the response took longer than polling.request_timeout "
                            f"({self.description.polling.request_timeout:g} s) in all",
                            request=request,
                        )
            finally:
                response.close()
            exchange.status = response.status_code
            exchange.headers = list(response.headers.multi_items())
            exchange.body = bytes(body)
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
        exchange.received_at = self.clock.now()
        return self.transcript.add(exchange)

    # -- submission ----------------------------------------------------------

    def submit(self, scenario: ScenarioName) -> Submission:
        spec = self.description.scenarios[scenario]
        exchange = self.send(
            f"submit {scenario}", spec.method, spec.path, json=spec.json_body, headers=spec.headers
        )
        submission = Submission(scenario, exchange, location=exchange.header("location"))
        self._resolve_location(submission)
        body = exchange.json_object() or {}
        op_id = body.get(self.description.dialect.id_field)
        submission.operation_id = None if op_id is None else str(op_id)
        return submission

    def _resolve_location(self, submission: Submission) -> None:
        exchange, location = submission.exchange, submission.location
        if exchange.error is not None:
            submission.location_problem = f"the submission failed: {exchange.error}"
            return
        if not location:
            submission.location_problem = "the response has no Location header"
            return
        try:
            resolved = httpx.URL(exchange.url).join(location)
        except (httpx.InvalidURL, ValueError) as exc:
            submission.location_problem = f"Location {location!r} is not a URI reference: {exc}"
            return
        if not self.same_origin(resolved):
            submission.location_problem = self.off_origin("Location", location, resolved)
            submission.off_origin = True
            return
        submission.status_url = resolved

    def off_origin(self, what: str, value: str, url: httpx.URL) -> str:
        return (
            f"{what} {value!r} is on another origin ({_origin_text(url)}), so the suite did "
            "not follow it. If that origin belongs to the target, list it in allowed_origins "
            "in the target description."
        )

    def same_origin(self, url: httpx.URL) -> bool:
        allowed = {_origin(httpx.URL(self.description.base_url or str(self.client.base_url)))}
        allowed |= {_origin(httpx.URL(o)) for o in self.description.allowed_origins}
        return _origin(url) in allowed

    def submit_concurrently(self, scenario: ScenarioName, count: int) -> list[Submission]:
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(lambda _: self.submit(scenario), range(count)))

    # -- polling -------------------------------------------------------------

    def poll(self, url: httpx.URL, label: str, waited: float = 0.0) -> Poll:
        exchange = self.send(label, "GET", url)
        body = exchange.json_object() if exchange.status == 200 else None
        state = None if body is None else body.get(self.description.dialect.status_field)
        return Poll(
            exchange,
            body,
            state if isinstance(state, str) else None,
            waited,
            retry_after_seconds(exchange.header("retry-after"), self.clock.now()),
        )

    def follow(self, submission: Submission) -> Run:
        """Poll the status URL until a terminal state holds, the budget ends, or polling breaks.

        Polls come at the description's interval, or as Retry-After asks.
        """
        run = Run(submission)
        url = submission.status_url
        if url is None:
            return run
        polling = self.description.polling
        terminal = self.description.dialect.states.terminal
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
            self.clock.sleep(wait)
            poll = self.poll(url, f"poll {submission.scenario} {len(run.polls) + 1}", wait)
            run.polls.append(poll)
            if poll.exchange.error is not None or poll.exchange.status != 200:
                run.ended = "status-error"
                break
            if poll.body is None:
                run.ended = "unreadable"
                break
            if poll.state in terminal and run.terminal_index is None:
                run.terminal_index = len(run.polls) - 1
            # Confirm a terminal state only well inside its retention window: with scaled-down
            # windows, an id may rightly be gone by the next poll.
            window_left = (
                run.polls[run.terminal_index].exchange.sent_at
                + self.description.retention.completed / 2
                - self.clock.now()
                if run.terminal_index is not None
                else 0.0
            )
            confirmed = run.terminal_index is not None and (
                len(run.polls) > run.terminal_index + CONFIRM_POLLS
                or window_left < polling.interval
            )
            if confirmed:
                run.ended = "terminal"
                break
            if run.terminal_index is None and self.clock.now() >= deadline:
                run.ended = "budget"
                break
            retry_after = poll.retry_after
        return run

    def run(self, scenario: ScenarioName) -> Run:
        return self.follow(self.submit(scenario))

    def burst(self, url: httpx.URL, count: int, label: str) -> list[Poll]:
        """Read the status `count` times back to back, letting no time pass in between."""
        return [self.poll(url, f"{label} {i + 1}") for i in range(count)]

    # -- the result ----------------------------------------------------------

    def resource_url(self, run: Run) -> httpx.URL | None:
        terminal, status_url = run.terminal, run.submission.status_url
        if terminal is None or terminal.body is None or status_url is None:
            return None
        value = terminal.body.get(self.description.dialect.result_url_field)
        if not isinstance(value, str) or not value:
            return None
        return status_url.join(value)

    def resource_call(self, which: str, run: Run, label: str) -> Exchange | None:
        """Read or delete the run's resource as the description says; None without a URL.

        Raises Blocked for a resource URL on another origin: the suite's credentials go
        only where the user allowed them.
        """
        call = getattr(self.description.resource, which)
        resource_url = self.resource_url(run)
        if resource_url is None and "{resource_url}" in call.url:
            return None
        url = self.client.base_url.join(
            call.url.format(
                resource_url=str(resource_url), operation_id=run.submission.operation_id or ""
            )
        )
        if not self.same_origin(url):
            raise Blocked(self.off_origin("the resource URL", str(url), url), run.exchanges[-1:])
        # A 204 that wrongly carries a body leaves bytes behind on a kept-alive connection.
        headers = {"Connection": "close"} if call.method.upper() == "DELETE" else None
        return self.send(label, call.method, url, headers=headers)

    def wait_until_gone(self, run: Run) -> list[Exchange]:
        """Read the resource until it answers 404 or 410, or the delete budget ends.

        A transport error is read again (the DELETE may have left the connection broken).
        """
        polling = self.description.polling
        deadline = self.clock.now() + polling.delete_budget
        reads: list[Exchange] = []
        while True:
            read = self.resource_call("read", run, f"read after delete {len(reads) + 1}")
            if read is None:
                break
            reads.append(read)
            if read.status in (404, 410) or self.clock.now() >= deadline:
                break
            self.clock.sleep(min(polling.interval, max(deadline - self.clock.now(), 0.0)))
        return reads

    def sync_call(self) -> Exchange | None:
        spec = self.description.sync
        if spec is None:
            return None
        return self.send(
            "sync call", spec.method, spec.path, json=spec.json_body, headers=spec.headers
        )


def _origin_text(url: httpx.URL) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, url.port or default)
