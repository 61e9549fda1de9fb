"""A few long-running operations of a cloud vendor's LRO test document, served as it says.

The document is ``tests/data/openapi/azure-lro.json`` (Azure/autorest.testserver,
``swagger/lro.json``, MIT; see the NOTICE beside it). Each operation's ``description``
and its response headers say what the service does; this server (stdlib only, written
for these tests) does that for the operations below, in the Resource Manager form: the
monitor is named in ``Azure-AsyncOperation`` (with ``Location`` beside it where the
document lists both), ``Retry-After`` is 0, and the monitor's body is ``{"status": ...}``
with an in-progress value (``InProgress``) on its first read and the final one after.

Correct, as the document describes them:

- ``PUT /lro/putasync/retry/succeeded``: 200 with the product (provisioningState
  ``Creating``), ``Azure-AsyncOperation`` and ``Location``; the monitor ends Succeeded.
- ``PUT /lro/putasync/retry/failed``: the same; the monitor ends Failed.
- ``POST /lro/postasync/retry/succeeded``: 202, both headers; ends Succeeded.
- ``DELETE /lro/deleteasync/retry/succeeded``: 202, both headers; ends Succeeded.
- ``PATCH /lro/patch/201/retry/onlyAsyncHeader``: 201 with ``Azure-AsyncOperation``
  only; ends Succeeded.
- ``PUT /lro/put/200/succeeded``: 200 with the product already Succeeded, no monitor
  (done at once).

Broken, as the document's own "error" routes describe them:

- ``POST /lro/error/post/202/nolocation``: 202 without any monitor header.
- ``PUT /lro/error/putasync/retry/invalidheader``: the monitor headers name ``/foo``,
  which is no monitor (404).
- ``PUT /lro/error/putasync/retry/nostatus``: the monitor answers 200 ``{ }``.
- ``PUT /lro/error/putasync/retry/invalidjsonpolling``: the monitor answers 200 with a
  body that is not JSON.
- ``PUT /lro/nonretryerror/putasync/retry/400``: the monitor answers 400.

``GET /swagger/lro.json`` serves the document. Every other path answers 404.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from ._loopback import serve

__all__ = ["DOCUMENT", "running"]

DOCUMENT = Path(__file__).parent.parent / "data" / "openapi" / "azure-lro.json"

#: (method, path) -> (initial code, the monitor's final status or a broken kind, headers given)
_CORRECT: dict[tuple[str, str], tuple[int, str, tuple[str, ...]]] = {
    ("PUT", "/lro/putasync/retry/succeeded"): (200, "Succeeded", ("async", "location")),
    ("PUT", "/lro/putasync/retry/failed"): (200, "Failed", ("async", "location")),
    ("POST", "/lro/postasync/retry/succeeded"): (202, "Succeeded", ("async", "location")),
    ("DELETE", "/lro/deleteasync/retry/succeeded"): (202, "Succeeded", ("async", "location")),
    ("PATCH", "/lro/patch/201/retry/onlyAsyncHeader"): (201, "Succeeded", ("async",)),
}
_BROKEN: dict[tuple[str, str], tuple[int, str, tuple[str, ...]]] = {
    ("PUT", "/lro/error/putasync/retry/nostatus"): (200, "nostatus", ("async", "location")),
    ("PUT", "/lro/error/putasync/retry/invalidjsonpolling"): (
        200,
        "invalidjson",
        ("async", "location"),
    ),
    ("PUT", "/lro/nonretryerror/putasync/retry/400"): (200, "400", ("async", "location")),
}
#: The operations the test selects, by the document's operationId.
CORRECT_IDS = [
    "LROs_putAsyncRetrySucceeded",
    "LROs_putAsyncRetryFailed",
    "LROs_postAsyncRetrySucceeded",
    "LROs_deleteAsyncRetrySucceeded",
    "LROs_patch201RetryWithAsyncHeader",
    "LROs_put200Succeeded",
]
BROKEN_IDS = [
    "LROSADs_post202NoLocation",
    "LROSADs_putAsyncRelativeRetryInvalidHeader",
    "LROSADs_putAsyncRelativeRetryNoStatus",
    "LROSADs_putAsyncRelativeRetryInvalidJsonPolling",
    "LROSADs_putAsyncRelativeRetry400",
]


def _product(state: str) -> dict[str, Any]:
    return {"id": "100", "name": "foo", "properties": {"provisioningState": state}}


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.monitors: dict[str, tuple[str, int]] = {}  # id -> (final status or kind, reads)
        self.reads: dict[str, list[str]] = {}  # the path that started it -> states it was read in


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        raw = (
            b""
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if raw:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if raw and self.command != "HEAD":
            self.wfile.write(raw)

    def _drain(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _path(self) -> str:
        return self.path.partition("?")[0]

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _start(self, method: str) -> None:
        self._drain()
        path = self._path()
        key = (method, path)
        if key == ("PUT", "/lro/put/200/succeeded"):
            return self._send(200, _product("Succeeded"))
        if key == ("POST", "/lro/error/post/202/nolocation"):
            return self._send(202, headers={"Retry-After": "0"})
        if key == ("PUT", "/lro/error/putasync/retry/invalidheader"):
            headers = {"Azure-AsyncOperation": "/foo", "Location": "/foo", "Retry-After": "0"}
            return self._send(200, _product("Creating"), headers)
        found = _CORRECT.get(key) or _BROKEN.get(key)
        if found is None:
            return self._send(404, {"error": {"code": "NotFound", "message": path}})
        code, final, given = found
        with self.state.lock:
            op = str(next(self.state.ids))
            self.state.monitors[op] = (final, 0)
        monitor = f"{self._base()}{path}/operationResults/{op}"
        headers = {"Retry-After": "0"}
        if "async" in given:
            headers["Azure-AsyncOperation"] = monitor
        if "location" in given:
            headers["Location"] = monitor
        body = None if method in ("POST", "DELETE") else _product("Creating")
        return self._send(code, body, headers)

    def do_GET(self) -> None:
        path = self._path()
        if path == "/swagger/lro.json":
            return self._send(200, DOCUMENT.read_bytes())
        prefix, _, op = path.rpartition("/operationResults/")
        with self.state.lock:
            known = self.state.monitors.get(op) if prefix else None
            if known is not None:
                self.state.monitors[op] = (known[0], known[1] + 1)
        if known is None:
            return self._send(404, {"error": {"code": "NotFound", "message": path}})
        final, reads = known
        if final == "nostatus":
            return self._send(200, {})
        if final == "invalidjson":
            return self._send(200, b'{ "status": "Accepted"')
        if final == "400":
            return self._send(
                400, {"error": {"code": "BadRequest", "message": "the operation failed"}}
            )
        status = "InProgress" if reads == 0 else final
        with self.state.lock:
            self.state.reads.setdefault(prefix, []).append(status)
        return self._send(200, {"status": status})

    def do_PUT(self) -> None:
        self._start("PUT")

    def do_POST(self) -> None:
        self._start("POST")

    def do_PATCH(self) -> None:
        self._start("PATCH")

    def do_DELETE(self) -> None:
        self._start("DELETE")


@contextlib.contextmanager
def running(reads: dict[str, list[str]] | None = None) -> Iterator[str]:
    """Serve the operations on 127.0.0.1; yields the base URL.

    `reads`, if given, is filled with the states each correct operation's monitor was
    read in, by the path that started it.
    """
    state = _State()
    if reads is not None:
        state.reads = reads
    handler = type("Handler", (_Handler,), {"state": state})
    with serve(handler) as url:
        yield url
