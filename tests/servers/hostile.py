"""A hostile server: a correct cloudcenter-style API, with one misbehaviour in one place on demand.

Start it with ``running(behaviour, place)``; it yields a ``Hostile`` handle whose ``url``
is the base URL (``http://127.0.0.1:<port>``) and whose ``evil`` is a second loopback
server, the "evil origin" that off-origin URLs point to. Both stop on exit. A test
asserts on what they received: ``requests`` (method and path with its query, in order)
and ``authorizations`` (the Authorization values that came in); and on ``held``, how long
the client kept each connection that the server held open. The suite must never send a
request to ``evil``.

The correct API (cloudcenter's wire format):

- ``POST /v1/tenants/1/clouds/1/accounts`` {"name", "outcome": "success" | "failure" |
  "slow"} -> 202, ``Location: /v1/operationStatus/{id}``, {"operationId", "status":
  "RUNNING", "msg", "progress", "resourceUrl": null}. A body that is not a JSON object,
  or an unknown outcome, answers 400.
- ``GET /v1/operationStatus/{id}`` -> 200 {"operationId", "status": "RUNNING" | "SUCCESS" |
  "FAILED", "msg", "progress", "resourceUrl"} (``/v1/tenants/1/clouds/1/accounts/{rid}``
  on success, null otherwise). An operation runs ``DURATION``; a finished one answers
  ``COMPLETED_WINDOW`` after it finished, a slow one ``TIMED_OUT_WINDOW`` after it was
  created; then, and for ids never issued, 404.
- ``GET /v1/tenants/1/clouds/1/accounts/{rid}`` -> 200 {"id", "name"};
  ``DELETE`` -> 204, then 404 ``DELETE_AFTER`` later.

The misbehaviour (``Hostile.behaviour``, one of ``BEHAVIOURS``) applies to every answer of
one place (``Hostile.place``): ``"submission"`` (every POST to the accounts path,
malformed ones included) or ``"status"`` (every GET of ``/v1/operationStatus/...``).
For the Location behaviours, "status" means the ``resourceUrl`` of the status body
instead (and a Location header on each status answer). Both are attributes, so a test may
switch them while the server runs.

Behaviours:

- ``hang``: never answers: holds the connection, sending nothing.
- ``trickle``: the correct answer, status line first, one byte every ``TRICKLE_EVERY``.
- ``trickle-body``: the head at once, then a 10,000-byte body one byte every ``TRICKLE_EVERY``.

  These three hold a connection until the client closes it, ``HOLD_AT_MOST`` passes (then
  the server closes it) or the server stops; ``held`` records how long that was.
- ``reset``: closes the connection with a TCP reset, without answering.
- ``huge-body``: a 100 MiB JSON body (Content-Length given), streamed, never built in memory.
- ``gzip-bomb``: ``Content-Encoding: gzip``, ~1 MB on the wire that inflates to ~1 GB of JSON.
- ``invalid-json``: a truncated JSON object, labelled application/json.
- ``json-array`` / ``json-null`` / ``json-string``: the body is ``[<the status>]``,
  ``null``, ``"RUNNING"``.
- ``redirect-loop``: 302 with Location the request's own path.
- ``many-headers``: the correct answer with 10,000 small extra headers (under h11's
  100 KiB head limit, so they arrive).
- ``off-origin-redirect``: 307 to the same path on the evil origin.
- ``off-origin``, ``file-location``, ``javascript-location``, ``data-location``: the
  status URL (submission) or the resource URL (status) is ``<evil>/...``,
  ``file:///etc/passwd``, ``javascript:alert(1)``, ``data:text/plain,x``.
- ``injection``: ``INJECTION`` (``<script>``, CR/LF, a forged verdict line, terminal
  escapes, NUL) as every JSON value, and ``HEADER_INJECTION`` (what a header value can
  carry: ``<script>``, a tab, latin-1) in extra header values.
- ``echo``: the request's Authorization value reflected in headers, as every JSON value,
  in the status URL's query, and across the 2,000th character of the body (where the
  suite cuts its excerpts).
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from ._loopback import serve

__all__ = [
    "BEHAVIOURS",
    "HEADER_INJECTION",
    "INJECTION",
    "PLACES",
    "SUBMIT_PATH",
    "Hostile",
    "Origin",
    "running",
]

SUBMIT_PATH = "/v1/tenants/1/clouds/1/accounts"
STATUS_PREFIX = "/v1/operationStatus/"
DURATION = 0.3
COMPLETED_WINDOW = 1.5
TIMED_OUT_WINDOW = 3.0
DELETE_AFTER = 0.2

TRICKLE_EVERY = 0.2
#: The longest a handler holds a connection (hang, trickle) when the client does not let go:
#: long enough to tell a client that cuts a request at its 1 s timeout from one that
#: waits for the server, short enough that a client that waits costs a test little.
HOLD_AT_MOST = 5.0  # far past any bound, so a client that never lets go shows plainly
HUGE_BYTES = 100 * 2**20
HEADER_COUNT = 10_000
MiB = 2**20
BOMB_MIB = 1024

INJECTION = (
    '<script>alert("hostile-xss")</script>\r\nPASS FORGED-REQUIREMENT MUST forged line\n'
    "\x1b]0;hostile-title\x07\x1b[2J\x00\x08\x7f</td></tr><!--"
)
HEADER_INJECTION = '<script>alert("hostile-xss")</script>\t"\xe9'

PLACES = ("submission", "status")
LOCATION_BEHAVIOURS = frozenset(
    {"off-origin", "file-location", "javascript-location", "data-location"}
)
BEHAVIOURS = frozenset(
    {
        "hang",
        "trickle",
        "trickle-body",
        "reset",
        "huge-body",
        "gzip-bomb",
        "invalid-json",
        "json-array",
        "json-null",
        "json-string",
        "redirect-loop",
        "many-headers",
        "off-origin-redirect",
        "injection",
        "echo",
        *LOCATION_BEHAVIOURS,
    }
)


@dataclass
class Origin:
    """One loopback server's address and everything it was sent."""

    url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    authorizations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, method: str, path: str, authorization: str | None) -> None:
        with self.lock:
            self.requests.append((method, path))
            if authorization is not None:
                self.authorizations.append(authorization)


@dataclass
class Hostile(Origin):
    """The hostile server: what it does wrong, and where; its evil origin."""

    behaviour: str | None = None
    place: str = "status"
    evil: Origin = field(default_factory=Origin)
    #: Seconds each held answer (hang, trickle, trickle-body) lasted before the client let
    #: go, or HOLD_AT_MOST when it did not.
    held: list[float] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event, repr=False)
    ops: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def misbehaves(self, place: str) -> str | None:
        """The behaviour to apply to an answer in `place`, if any."""
        return self.behaviour if self.place == place else None

    def location_for(self, behaviour: str, path: str) -> str:
        """What a Location behaviour puts where a URL to `path` belongs."""
        return {
            "off-origin": self.evil.url + path,
            "file-location": "file:///etc/passwd",
            "javascript-location": "javascript:alert(1)",
            "data-location": "data:text/plain,x",
        }[behaviour]


@cache
def gzip_bomb() -> bytes:
    """~1 MB of gzip that inflates to ~1 GiB: a JSON object padded with spaces.

    Built without inflating anything: after a full flush a deflate stream forgets its
    history, so every further MiB of spaces compresses to the same bytes, and the
    trailer's CRC-32 is computed over the spaces block by block.
    """
    prefix = b'{"operationId": "bomb", "status": "RUNNING", "msg": "'
    spaces = b" " * MiB
    gz = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = gz.compress(prefix + spaces) + gz.flush(zlib.Z_FULL_FLUSH)
    block = gz.compress(spaces) + gz.flush(zlib.Z_FULL_FLUSH)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)  # the last block, on its own
    end = b'"}'
    last = raw.compress(end) + raw.flush()
    crc = zlib.crc32(prefix)
    for _ in range(BOMB_MIB):
        crc = zlib.crc32(spaces, crc)
    crc = zlib.crc32(end, crc)
    size = len(prefix) + BOMB_MIB * MiB + len(end)
    return head + block * (BOMB_MIB - 1) + last + struct.pack("<II", crc, size & 0xFFFFFFFF)


class _Evil(BaseHTTPRequestHandler):
    """The evil origin: records everything and answers like a status that succeeded."""

    origin: ClassVar[Origin]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self) -> None:
        self.origin.record(self.command, self.path, self.headers.get("Authorization"))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        data = json.dumps({"operationId": "evil", "status": "SUCCESS", "msg": "evil"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = _answer


class _Handler(BaseHTTPRequestHandler):
    server_state: ClassVar[Hostile]
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- routing ---------------------------------------------------------------

    def _route(self) -> None:
        state = self.server_state
        state.record(self.command, self.path, self.headers.get("Authorization"))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if self.command == "POST" and path == SUBMIT_PATH:
            return self._submit(raw)
        if self.command == "GET" and path.startswith(STATUS_PREFIX):
            return self._status(path[len(STATUS_PREFIX) :])
        if path.startswith(SUBMIT_PATH + "/") and self.command in ("GET", "DELETE"):
            return self._resource(path[len(SUBMIT_PATH) + 1 :])
        self._answer(404, {"error": "no such path"})

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _route

    # -- the correct API -------------------------------------------------------

    def _submit(self, raw: bytes) -> None:
        state = self.server_state
        behaviour = state.misbehaves("submission")
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict) or body.get("outcome", "success") not in (
            "success",
            "failure",
            "slow",
        ):
            if behaviour is None:
                return self._answer(400, {"error": "the body must be a JSON object"})
            body = {}
        now = time.monotonic()
        op_id = uuid.uuid4().hex
        op = {
            "id": op_id,
            "created": now,
            "outcome": body.get("outcome", "success"),
            "resource": uuid.uuid4().hex,
        }
        with state.lock:
            state.ops[op_id] = op
            if op["outcome"] == "success":
                state.resources[op["resource"]] = {
                    "id": op["resource"],
                    "name": str(body.get("name", "unnamed")),
                    "ready": now + DURATION,
                    "deleted": None,
                }
        status_path = STATUS_PREFIX + op_id
        headers = {"Location": status_path}
        if behaviour in LOCATION_BEHAVIOURS:
            headers["Location"] = state.location_for(behaviour, status_path)
        self._answer(202, self._status_body(op, now), headers, behaviour)

    def _status_body(self, op: dict[str, Any], now: float) -> dict[str, Any]:
        if op["outcome"] == "slow" or now < op["created"] + DURATION:
            progress = min(99, int(100 * (now - op["created"]) / DURATION))
            status, msg, resource_url = "RUNNING", "in progress", None
        elif op["outcome"] == "success":
            status, msg, progress = "SUCCESS", "done", 100
            resource_url = f"{SUBMIT_PATH}/{op['resource']}"
        else:
            status, msg, progress = "FAILED", "failed: the name is not allowed", 100
            resource_url = None
        return {
            "operationId": op["id"],
            "status": status,
            "msg": msg,
            "progress": progress,
            "resourceUrl": resource_url,
        }

    def _status(self, op_id: str) -> None:
        state = self.server_state
        behaviour = state.misbehaves("status")
        now = time.monotonic()
        with state.lock:
            op = state.ops.get(op_id)
        if op is not None:
            if op["outcome"] == "slow":
                expires = op["created"] + TIMED_OUT_WINDOW
            else:
                expires = op["created"] + DURATION + COMPLETED_WINDOW
            if now >= expires:
                op = None
        if op is None:
            return self._answer(404, {"error": "no such operation"}, None, behaviour)
        body = self._status_body(op, now)
        headers: dict[str, str] = {}
        if behaviour in LOCATION_BEHAVIOURS:
            url = state.location_for(behaviour, f"{SUBMIT_PATH}/{op['resource']}")
            headers["Location"] = url
            if body["resourceUrl"] is not None:
                body["resourceUrl"] = url
        self._answer(200, body, headers, behaviour)

    def _resource(self, resource_id: str) -> None:
        state = self.server_state
        now = time.monotonic()
        with state.lock:
            resource = state.resources.get(resource_id)
            deleted = None if resource is None else resource["deleted"]
            if resource is not None and now < resource["ready"]:
                resource = None
            if deleted is not None and now >= deleted + DELETE_AFTER:
                resource = None
            if resource is not None and self.command == "DELETE" and not resource["deleted"]:
                resource["deleted"] = now
        if resource is None:
            return self._answer(404, {"error": "no such resource"})
        if self.command == "DELETE":
            return self._answer(204)
        self._answer(200, {"id": resource["id"], "name": resource["name"]})

    # -- answering, rightly or not ---------------------------------------------

    def _answer(
        self,
        code: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        behaviour: str | None = None,
    ) -> None:
        headers = dict(headers or {})
        if behaviour in ("injection", "echo"):
            value = self._payload(behaviour)
            body = _every_field(body, value)
            # A header value cannot carry CR, LF or other controls: h11 refuses the answer.
            carried = HEADER_INJECTION if behaviour == "injection" else value
            headers.update({"X-Request-Id": carried, "Warning": f"199 - {carried}"})
            if behaviour == "echo" and isinstance(body, dict):
                # The secret straddling the suite's 2,000-character excerpt of a body.
                pad = 2000 - len('{"pad": "') - len(value) // 2
                body = {"pad": "p" * pad + value, **body}
            if behaviour == "echo" and "Location" in headers:
                headers["Location"] += "?token=" + quote(value, safe="")
        data = b"" if body is None else json.dumps(body).encode()
        if behaviour in ("json-array", "json-null", "json-string"):
            data = {
                "json-array": json.dumps([body]),
                "json-null": "null",
                "json-string": json.dumps("RUNNING"),
            }[behaviour].encode()
        elif behaviour == "invalid-json":
            data = data[: max(1, len(data) // 2)]
        if behaviour in ("redirect-loop", "off-origin-redirect"):
            code, data = (302, b"") if behaviour == "redirect-loop" else (307, b"")
            path = urlsplit(self.path).path
            own = path if behaviour == "redirect-loop" else self.server_state.evil.url + path
            headers = {"Location": own}
        if behaviour == "hang":
            self.close_connection = True
            return self._hold(b"")
        if behaviour == "reset":
            # SO_LINGER with a zero timeout: close() sends a RST, not a FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return None
        content_length = len(data)
        if behaviour == "huge-body":
            content_length = HUGE_BYTES
        elif behaviour == "gzip-bomb":
            data = gzip_bomb()
            content_length = len(data)
            headers["Content-Encoding"] = "gzip"
        elif behaviour == "trickle-body":
            content_length = 10_000
        head = [f"HTTP/1.1 {code} {self.responses.get(code, ('',))[0]}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if code != 204:
            head.append("Content-Type: application/json")
            head.append(f"Content-Length: {content_length}")
        if behaviour == "many-headers":
            head += [f"h{i}:1" for i in range(HEADER_COUNT)]
        raw_head = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if behaviour == "trickle":
            self.close_connection = True
            return self._hold(raw_head + data)
        self.wfile.write(raw_head)
        if behaviour == "trickle-body":
            self.close_connection = True
            return self._hold(b" " * content_length)
        if behaviour == "huge-body":
            self.close_connection = True
            return self._stream_huge(data)
        self.wfile.write(data)

    def _payload(self, behaviour: str) -> str:
        if behaviour == "injection":
            return INJECTION
        return self.headers.get("Authorization") or "no-authorization"

    def _hold(self, data: bytes) -> None:
        """Send `data` one byte every TRICKLE_EVERY (nothing: hang) and record how long the
        client stayed: until it closed the connection, HOLD_AT_MOST, or the server stopped.
        """
        started = time.monotonic()
        deadline = started + HOLD_AT_MOST
        sent = 0
        try:
            while time.monotonic() < deadline and not self.server_state.stopping.is_set():
                if self._client_left(TRICKLE_EVERY):
                    break
                if sent < len(data):
                    self.wfile.write(data[sent : sent + 1])
                    sent += 1
        except OSError:
            pass  # the client reset the connection: it let go
        with self.server_state.lock:
            self.server_state.held.append(time.monotonic() - started)

    def _client_left(self, wait: float) -> bool:
        """Whether the client closed its end within `wait` seconds (it sends nothing more)."""
        readable, _, _ = select.select([self.connection], [], [], wait)
        return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)

    def _stream_huge(self, status: bytes) -> None:
        """HUGE_BYTES of JSON, 64 KiB at a time: the status object with a long string in it."""
        start = status[:-1] + b', "pad": "'
        chunk = b"x" * 65536
        left = HUGE_BYTES - len(start) - 2
        with contextlib.suppress(OSError):
            self.wfile.write(start)
            while left > 0 and not self.server_state.stopping.is_set():
                self.wfile.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
            self.wfile.write(b'"}')


def _every_field(body: Any, value: str) -> Any:
    """`body` with every value (keys kept) replaced by `value`."""
    if isinstance(body, dict):
        return {k: _every_field(v, value) for k, v in body.items()}
    if isinstance(body, list):
        return [_every_field(v, value) for v in body]
    return value


@contextlib.contextmanager
def running(behaviour: str | None = None, place: str = "status") -> Iterator[Hostile]:
    """Serve the hostile server and its evil origin on 127.0.0.1; stop both on exit.

    `behaviour` None: the correct API. Unknown behaviours and places raise ValueError.
    """
    if behaviour is not None and behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(sorted(BEHAVIOURS))}")
    if place not in PLACES:
        raise ValueError(f"unknown place {place!r}; known: {', '.join(PLACES)}")
    if behaviour == "gzip-bomb":
        gzip_bomb()  # built before the clock of any test starts
    state = Hostile(behaviour=behaviour, place=place)
    evil = type("EvilHandler", (_Evil,), {"origin": state.evil})
    handler = type("HostileHandler", (_Handler,), {"server_state": state})
    with serve(evil) as evil_url, serve(handler) as url:
        state.evil.url, state.url = evil_url, url
        try:
            yield state
        finally:
            state.stopping.set()  # frees held connections before the servers shut down
