"""One request and its answer, recorded: the driver's way to the target.

Every request the suite makes goes out here, is bounded here (the whole answer within
`polling.request_timeout`, its headers and body within their caps), and is kept in the
transcript, transport errors included. Where a URL may be followed (its scheme, its
origin) is decided here too.
"""

from __future__ import annotations

import re
import threading
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import httpx

from ..clock import Clock
from ..description import Description, parse_source
from ..transcript import Exchange, Transcript
from ._body import read_body
from ._guard import Guard
from ._resend import send_fresh
from ._transport import APP_TRACEBACK

__all__ = ["CONNECTIONS", "Sender"]

#: Connections open to the target at once, at most; also the threads that submit at once.
CONNECTIONS = 100
#: Headers the suite reads: kept past the header caps (if each is under READ_HEADER_BYTES).
READ_HEADERS = frozenset(
    {"location", "content-type", "content-length", "content-encoding", "retry-after", "link"}
)
READ_HEADER_BYTES = 8192
#: A URI reference's scheme (RFC 3986 §3.1), if it has one.
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*):")


class _NoCookies(DefaultCookiePolicy):
    """The client's own jar keeps nothing: the driver keeps one jar per operation."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


class Sender:
    """Sends requests to the target and records each in the transcript."""

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
        self.guard = Guard(description)
        self.client.cookies.jar.set_policy(_NoCookies())
        self._shared_jar = httpx.Cookies()
        named = (parse_source(s) for s in description.dialect.status_url_sources)
        self._read_headers = READ_HEADERS | {n.lower() for k, n in named if k == "header"}

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


def _origin_text(url: httpx.URL) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, url.port or default)
