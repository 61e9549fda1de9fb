"""The lifecycle engine: submit, find the status resource, poll, follow the result.

The driver observes and records; it never judges. A deviation (no status URL, a
404 status, an unknown state) ends or shapes the run and is left in the record,
with the reason in words, for the checks in `conformance.checks` to rule on.
"""

from __future__ import annotations

import email.utils
import enum
import heapq
import itertools
import re
import threading
import time
import uuid
from collections.abc import Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import httpx

from ..clock import Clock, RealClock
from ..description import (
    GONE,
    Description,
    Role,
    ScenarioName,
    fill_placeholders,
    fill_template,
    parse_source,
    placeholders_named,
)
from ._body import read_body
from ._guard import Guard
from ._operations import Operations
from ._reading import MISSING, Reading, link, read_state
from ._reading import field as body_field
from ._resend import send_fresh
from ._setup import Preparation
from ._thinning import thin_middle
from ._transcript import Exchange, Transcript
from ._transport import APP_TRACEBACK

__all__ = ["CONNECTIONS", "GONE_STATUSES", "Call", "Driver", "Ended", "Poll", "Run", "Submission"]

#: What an id or a resource that no longer exists answers.
GONE_STATUSES = GONE

#: Polls after the first terminal state, to see that it stays.
CONFIRM_POLLS = 2
#: Connections open to the target at once, at most; also the threads that submit at once.
CONNECTIONS = 100
#: Headers the suite reads: kept past the header caps (if each is under READ_HEADER_BYTES).
READ_HEADERS = frozenset(
    {"location", "content-type", "content-length", "content-encoding", "retry-after", "link"}
)
READ_HEADER_BYTES = 8192
#: The shortest wait between polls, as a share of the interval, whatever Retry-After says.
MIN_WAIT_SHARE = 0.1
_DELAY_SECONDS = re.compile(r"[0-9]{1,10}")
#: A URI reference's scheme (RFC 3986 §3.1), if it has one.
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*):")


class Ended(str, enum.Enum):
    """Why the driver stopped following an operation."""

    NOT_FOLLOWED = "not-followed"  # there was no status URL to poll
    TERMINAL = "terminal"  # a terminal state, confirmed
    BUDGET = "budget"  # no terminal state within the operation budget
    NO_ANSWER = "no-answer"  # a poll got no HTTP answer
    STATUS_ERROR = "status-error"  # a poll answered 4xx or 5xx
    UNREADABLE = "unreadable"  # a poll's answer tells no state
    UNKNOWN_STATE = "unknown-state"  # a poll named a state the dialect does not list

    def __str__(self) -> str:  # the value in messages, on every Python
        return str(self.value)


class _NoCookies(DefaultCookiePolicy):
    """The client's own jar keeps nothing: the driver keeps one jar per operation."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


@dataclass
class Poll:
    exchange: Exchange
    body: dict[str, Any] | None  # the JSON object the answer carried, whatever its code
    reading: Reading
    waited: float
    retry_after: float | None
    thinned: bool = False  # its body and unread headers let go (_thinning.py)
    shape: tuple[Any, ...] | None = None  # what it looked like before, once asked

    @property
    def state(self) -> str | None:
        return self.reading.name

    @property
    def role(self) -> Role | None:
        return self.reading.role

    @property
    def answered(self) -> bool:
        """An HTTP answer that is not an error (2xx or 3xx)."""
        status = self.exchange.status
        return self.exchange.error is None and status is not None and 200 <= status < 400

    @property
    def is_result(self) -> bool:
        """A terminal state told by the HTTP code alone: the answer is the result (the Location
        pattern's final 200 carries the resource), not a status body."""
        role = self.reading.role
        return self.reading.told_by == "http" and role is not None and role.terminal

    @property
    def available(self) -> bool:
        """The id answered with something that tells a state."""
        return self.answered and self.reading.told_by != "nothing"


@dataclass
class Submission:
    scenario: ScenarioName
    exchange: Exchange
    location: str | None = None  # the status URL's raw value, as the source gave it
    location_source: str | None = None  # the dialect's source it came from ("header:Location")
    status_url: httpx.URL | None = None
    location_problem: str | None = None
    off_origin: bool = False
    operation_id: str | None = None  # as the submission's body gives it
    jar: httpx.Cookies | None = None  # this operation's cookies (None: cookies are off)
    #: The placeholders its request was filled with ({uuid}, {n}, {setup.<name>}).
    values: dict[str, str] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, object]:
        # A jar holds a lock: it stays in the process that polls with it.
        return {**self.__dict__, "jar": None}


@dataclass
class Call:
    """A request on the result: what was sent, or why it could not be."""

    exchange: Exchange | None = None
    problem: str | None = None
    unnamed: bool = False  # the dialect names no resource at all: nothing to judge (SKIP)


@dataclass
class Run:
    """One operation observed from submission to a terminal state (or to why it stopped)."""

    submission: Submission
    polls: list[Poll] = field(default_factory=list)
    ended: Ended = Ended.NOT_FOLLOWED
    terminal_index: int | None = None
    problem: str | None = None  # why the status URL could not be followed further
    thinned: int = 0  # reads in the middle kept only in part (polling.keep_polls)
    notable: int = 0  # reads in the middle kept whole because they looked new

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
        self.operations = Operations()
        self.preparation = Preparation(self)
        self.guard = Guard(description)
        self.client.cookies.jar.set_policy(_NoCookies())
        self._shared_jar = httpx.Cookies()
        self._counter = itertools.count(1)
        self._counter_lock = threading.Lock()
        named = (parse_source(s) for s in description.dialect.status_url_sources)
        self._read_headers = READ_HEADERS | {n.lower() for k, n in named if k == "header"}

    # -- HTTP ----------------------------------------------------------------

    def jar(self) -> httpx.Cookies | None:
        """A cookie jar for one operation, as the description's `cookies` says."""
        mode = self.description.cookies
        if mode == "off":
            return None
        return self._shared_jar if mode == "shared" else httpx.Cookies()

    def send(
        self,
        label: str,
        method: str,
        url: str | httpx.URL,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        jar: httpx.Cookies | None = None,
    ) -> Exchange:
        """Send one request and record it; transport errors are recorded, not raised.

        `content` sends bytes as they are (malformed bodies), instead of `json`.
        """
        request = self.client.build_request(
            method,
            url,
            json=json,
            content=content,
            headers=headers,
            timeout=self.description.polling.request_timeout,
        )
        if jar is not None:
            jar.set_cookie_header(request)
        exchange = Exchange(
            index=0,
            label=label,
            method=request.method,
            url=str(request.url),
            request_headers=list(request.headers.multi_items()),
            request_body=request.read(),
            sent_at=self.clock.now(),
        )
        refused = self.guard.refusal(request)
        if refused is not None:
            exchange.error = f"not sent: {refused}"
            exchange.received_at = exchange.sent_at
            return self.transcript.add(exchange)
        cap = self.description.polling.max_body_bytes
        # httpx's timeout bounds each read; this bounds the whole response, so a server
        # that trickles bytes cannot hold the run.
        deadline = time.monotonic() + self.description.polling.request_timeout
        try:
            response = self._head(request, deadline)
            exchange.app_traceback = response.extensions.get(APP_TRACEBACK)
            try:
                if jar is not None:
                    jar.extract_cookies(response)
                body, exchange.truncated = read_body(
                    response,
                    cap,
                    deadline,
                    lambda: httpx.ReadTimeout(
                        f"the response took longer than polling.request_timeout "
                        f"({self.description.polling.request_timeout:g} s) in all",
                        request=request,
                    ),
                )
            finally:
                response.close()
            exchange.status = response.status_code
            exchange.headers, exchange.headers_dropped = self._kept_headers(response.headers)
            exchange.body = body
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            exchange.app_traceback = getattr(exc, "app_traceback", None)
            exchange.no_answer = self.guard.unanswered(request, exc)
        else:
            self.guard.answered(request)
        exchange.received_at = self.clock.now()
        return self.transcript.add(exchange)

    def _head(self, request: httpx.Request, deadline: float) -> httpx.Response:
        """Send `request` and wait for its status line and headers, until `deadline`.

        httpx's timeout bounds each read, so a head sent a byte at a time would hold the
        run for as long as the server likes. The request goes out on a daemon thread (an
        exit never waits for it); past the deadline it is left behind, and its answer, if
        one ever comes, closed.
        """
        done = threading.Event()
        lock = threading.Lock()
        outcome: list[httpx.Response | BaseException] = []

        def sending() -> None:
            try:
                result: httpx.Response | BaseException
                result = send_fresh(self.client, request, CONNECTIONS)
            except BaseException as exc:  # handed to the waiting thread
                result = exc
            with lock:
                if done.is_set() and isinstance(result, httpx.Response):
                    result.close()  # nobody waits for it any more
                outcome.append(result)
                done.set()

        threading.Thread(target=sending, name="request", daemon=True).start()
        done.wait(timeout=max(deadline - time.monotonic(), 0.0))
        with lock:
            if not outcome:
                done.set()  # from now on the sender closes what it gets
                raise httpx.ReadTimeout(
                    f"the status line and headers took longer than polling.request_timeout "
                    f"({self.description.polling.request_timeout:g} s)",
                    request=request,
                )
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _kept_headers(self, headers: httpx.Headers) -> tuple[list[tuple[str, str]], int]:
        """The answer's headers up to the caps, and how many were left out.

        A server may send thousands: every exchange kept them all once, and a run grew
        by gigabytes. Past the caps, a header the suite reads (Location and the like) is
        still kept, if it is of a sane size.
        """
        polling = self.description.polling
        kept: list[tuple[str, str]] = []
        size = dropped = 0
        for name, value in headers.multi_items():
            length = len(name) + len(value)
            fits = len(kept) < polling.max_headers and size + length <= polling.max_header_bytes
            if fits or (name.lower() in self._read_headers and length <= READ_HEADER_BYTES):
                kept.append((name, value))
                size += length
            else:
                dropped += 1
        return kept, dropped

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
        self._find_status_url(submission, body)
        self.operations.accepted(submission)
        return submission

    def _find_status_url(self, submission: Submission, body: dict[str, Any] | None) -> None:
        """The status URL from the first of the dialect's sources the answer carries.

        The first present is the one: a later source is not tried when an earlier one
        names a URL that cannot be followed (the server chose that one).
        """
        exchange, dialect = submission.exchange, self.description.dialect
        if exchange.error is not None:
            submission.location_problem = f"the submission got no answer: {exchange.error}"
            return
        found: tuple[str, str, str] | None = None  # the source, its kind, its value
        for source in dialect.status_url_sources:
            kind, argument = parse_source(source)
            value = self._source_value(kind, argument, submission, body)
            if isinstance(value, str) and value:
                found = source, kind, value
                break
        if found is None:
            accepted = exchange.status in dialect.accepted_status
            answer = (
                ""
                if accepted
                else (f"answered {exchange.status}, not {_codes(dialect.accepted_status)}, and ")
            )
            submission.location_problem = f"the submission {answer}gave {self._looked_for()}"
            return
        source, kind, value = found
        submission.location, submission.location_source = value, source
        resolved = (
            self.resolve(exchange.url, value) if kind != "template" else self.on_target(value)
        )
        shown = f"{value!r}{self._from(source)}"
        if isinstance(resolved, str):
            submission.location_problem = f"the status URL {shown} {resolved}"
            return
        if not self.same_origin(resolved):
            submission.location_problem = self.off_origin("the status URL", value, resolved)
            if len(dialect.status_url_sources) > 1:
                submission.location_problem += f" (It came from {source}.)"
            submission.off_origin = True
            return
        submission.status_url = resolved

    def _source_value(
        self, kind: str, argument: str, submission: Submission, body: dict[str, Any] | None
    ) -> Any:
        """What one source holds in the submission's answer (None or MISSING: nothing)."""
        exchange = submission.exchange
        if kind == "header":
            return exchange.header(argument)
        if kind == "body":
            return body_field(body, argument)
        if kind == "link":
            return link(body, exchange.headers, argument)
        return fill_template(argument, submission.operation_id, lambda p: body_field(body, p))

    def _from(self, source: str) -> str:
        """` (from header:X)` where the dialect names several sources, else nothing."""
        return f" (from {source})" if len(self.description.dialect.status_url_sources) > 1 else ""

    def _looked_for(self) -> str:
        """What an answer without a status URL lacks, naming every source looked for."""
        dialect = self.description.dialect
        sources = [parse_source(s) for s in dialect.status_url_sources]
        if all(kind == "header" for kind, _ in sources):
            names = [name for _, name in sources]
            if len(names) == 1:
                return f"no {names[0]} header"
            listed = ", ".join(names[:-1]) + f" or {names[-1]}"
            return f"none of the headers {listed} (looked for in that order)"
        wheres = []
        for kind, argument in sources:
            if kind == "header":
                wheres.append(f"no {argument} header")
            elif kind == "body":
                wheres.append(f"no status URL in the body field {argument!r}")
            elif kind == "link":
                wheres.append(f"no link with relation {argument!r}")
            else:
                id_from = (
                    repr(dialect.id_field) if dialect.id_field else "no id field in the dialect"
                )
                wheres.append(f"no value for every placeholder of {argument!r} (id: {id_from})")
        return "; ".join(wheres)

    def resolve(self, against: str, reference: str) -> httpx.URL | str:
        """`reference` resolved against a URL (RFC 3986 §5); else the problem, in words.

        Only http and https are followed: a `file:`, `javascript:` or `data:` URL has no
        host, and httpx would send it to the target's own origin as a path.
        """
        scheme = _SCHEME.match(reference)
        if scheme is not None and scheme.group(1).lower() not in ("http", "https"):
            return f"is a {scheme.group(1).lower()}: URL, not an http(s) one: nothing to request"
        try:
            return httpx.URL(against).join(reference)
        except (httpx.InvalidURL, ValueError) as exc:
            return f"is not a URI reference: {exc}"

    def on_target(self, path: str) -> httpx.URL | str:
        """A path of the description's (a template, a resource call) on the target; else the
        problem, in words.

        As the scenarios' paths are: under the base URL's own path, if it has one. An
        absolute URL stays what it is.
        """
        try:
            return self.client.build_request("GET", path).url
        except (httpx.InvalidURL, ValueError) as exc:
            return f"is not a URI reference: {exc}"

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


def stopped_at(poll: Poll) -> Ended | None:
    """Why polling stops at this answer, if it does."""
    if poll.exchange.error is not None:
        return Ended.NO_ANSWER
    if not poll.answered:
        return Ended.STATUS_ERROR
    if poll.reading.told_by == "nothing":
        return Ended.UNREADABLE
    if poll.role is None:  # no role can be known: following on would only spend the budget
        return Ended.UNKNOWN_STATE
    return None


def _codes(codes: list[int]) -> str:
    return " or ".join(map(str, codes))


def _origin_text(url: httpx.URL) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, url.port or default)
