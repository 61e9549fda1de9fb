"""A Google AIP-style long-running-operation service (stdlib only), written from public documents.

Documents followed (paraphrased here, not quoted):

- AIP-151 "Long-running operations" (google.aip.dev/151): methods that take long return
  a ``google.longrunning.Operation`` instead of their result; the API serves the standard
  ``Operations`` interface; a create or delete done by an LRO leaves the resource visible
  to Get/List with a state that says it is not usable yet; operations may expire some
  time after they complete; errors that stop an operation from starting are ordinary
  error answers, errors during it go into the Operation.
- ``google/longrunning/operations.proto`` (github.com/googleapis/googleapis): the
  ``Operation`` message (``name`` ending ``operations/{id}``, ``metadata`` an Any,
  ``done``, and once done exactly one of ``error`` (a ``google.rpc.Status``) or
  ``response`` (an Any)), and the HTTP bindings ``GET /v1/{name=operations/**}``,
  ``GET /v1/{name=operations}`` (ListOperations, with ``filter``, ``pageSize``,
  ``pageToken``), ``DELETE /v1/{name=operations/**}`` (DeleteOperation: the client no
  longer wants the result; it does not cancel) and ``POST /v1/{name=operations/**}:cancel``
  (CancelOperation: a cancelled operation is not deleted but ends with error code 1,
  CANCELLED).
- AIP-136 "Custom methods" (``:verb`` after the collection), AIP-133 "Standard methods:
  Create" (``POST /v1/{parent}/books``, optional client-chosen ``bookId``), AIP-135
  "Standard methods: Delete" (an LRO delete answers with ``google.protobuf.Empty``).
- AIP-193 "Errors": an error answer is ``{"error": {"code": <HTTP status>, "message",
  "status": <canonical code name>, "details": [ErrorInfo, ...]}}``; a
  ``google.rpc.Status`` inside an Operation carries the canonical numeric code
  (google.rpc.Code: 1 CANCELLED, 3 INVALID_ARGUMENT, 9 FAILED_PRECONDITION, 13 INTERNAL).
- The proto3 JSON mapping: fields at their default value are left out, so an Operation
  still in progress has no ``done`` member at all, and a zero ``progressPercent`` is
  omitted; an Any is an object with ``@type`` and the message's own fields.

Routes (project ids ``[a-z0-9-]{1,63}``; unknown paths or methods answer 404 NOT_FOUND;
error answers follow AIP-193; bodies are JSON objects and unknown fields answer 400
INVALID_ARGUMENT; output-only fields ``name``, ``state``, ``createTime`` are ignored on
input):

======  ====================================  ==========================================
method  path                                  answers
======  ====================================  ==========================================
POST    /v1/projects/{p}/books:import         200 Operation (ImportBooksMetadata;
                                              response ImportBooksResponse ``{"books":
                                              [name, ...]}``); body ``{"titles"?: [str],
                                              "fail"?, "slow"?}``
POST    /v1/projects/{p}/books[?bookId=]      200 Operation (CreateBookMetadata; response
                                              the Book); body ``{"title": str, "fail"?,
                                              "slow"?}``; 400 no title / bad bookId;
                                              409 ALREADY_EXISTS
GET     /v1/projects/{p}/books/{b}            200 Book ``{"name", "title", "state":
                                              CREATING|ACTIVE|DELETING, "createTime"}``;
                                              404
GET     /v1/projects/{p}/books                200 ``{"books": [Book, ...]}``
DELETE  /v1/projects/{p}/books/{b}            200 Operation (DeleteBookMetadata; response
                                              google.protobuf.Empty); a repeat while it
                                              runs returns the same Operation; 404
GET     /v1/operations/{id}                   200 Operation; 404 unknown or expired
GET     /v1/operations[?pageSize&pageToken]   200 ``{"operations": [...],
                                              "nextPageToken"?}``; 400 bad page
                                              arguments or any non-empty ``filter``
DELETE  /v1/operations/{id}                   200 ``{}`` (forgotten at once; the work goes
                                              on); 404
POST    /v1/operations/{id}:cancel            200 ``{}``; a running operation ends done
                                              with error code 1; a done one is unchanged;
                                              404
======  ====================================  ==========================================

An Operation looks like ``{"name": "operations/<id>", "metadata": {"@type": ...,
"createTime", "progressPercent"?, "endTime"?, "requestedCancellation"?}, "done"?: true,
"error"?: {"code", "message", "details"}, "response"?: {"@type": ...}}``.

Books made by a create or an import are CREATING while the operation runs, ACTIVE after
it succeeds, and gone (404) if it fails or is cancelled; a book being deleted is
DELETING until the delete finishes, then gone; a cancelled delete leaves it ACTIVE.

Outcomes are chosen by test-control fields in the body: ``"fail": true`` ends the
operation with an error (import: 3 INVALID_ARGUMENT, create: 9 FAILED_PRECONDITION),
``"slow": true`` keeps it running for ever (both: 400). Deletes always succeed. Timing:
progress 0 for ``queued_for`` (0.05 s), done ``work_for`` (0.3 s) after creation.

Retention is this test server's own choice (AIP-151 lets operations expire and suggests
about 30 days in production): a done operation answers for ``completed_window`` seconds
after it finished (default 2.0), then 404; one that never finishes ("slow") answers for
``timed_out_window`` seconds after it was created (default 4.0), then 404.

Faults (names in ``faults``; each breaks one documented behaviour):

- ``terminal-flips``: once an operation has been read as done, later reads report the
  other outcome (a response becomes an error, an error becomes a response). Breaks: a
  done operation's result is final.
- ``no-name``: the Operation returned by import, create and delete has no ``name``.
  Breaks: the returned Operation must name itself so that it can be polled.
- ``status-500-after-done``: once the operation is done, GET on it answers 500 INTERNAL.
  Breaks: GetOperation returns the finished Operation.
- ``unknown-id-200``: GET on an unknown or expired id answers 200 with ``{"name":
  "operations/<id>"}`` (an operation seemingly in progress) instead of 404.
- ``reads-advance``: every GET of an operation moves it one step (started, half done,
  done) and time does nothing. Breaks: progress is driven by the work, not by polling.
- ``vanishes-when-done``: an operation answers 404 as soon as it is done. Breaks:
  results stay readable for a while after completion.
- ``done-without-result``: a done operation has neither ``error`` nor ``response``.
  Breaks: once done, exactly one of the two is set.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ._loopback import serve

QUEUED_FOR = 0.05
WORK_FOR = 0.3
COMPLETED_WINDOW = 2.0
TIMED_OUT_WINDOW = 4.0
MAX_BODY = 1 << 20
DOMAIN = "library.example.com"
_TYPE = "type.googleapis.com/example.library.v1."
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"

IMPORT, CREATE, DELETE = "import", "create", "delete"
_METADATA_TYPES = {
    IMPORT: _TYPE + "ImportBooksMetadata",
    CREATE: _TYPE + "CreateBookMetadata",
    DELETE: _TYPE + "DeleteBookMetadata",
}
# google.rpc.Code values, their names and HTTP statuses, for the ones used here.
_CODES = {
    1: ("CANCELLED", 499),
    3: ("INVALID_ARGUMENT", 400),
    5: ("NOT_FOUND", 404),
    6: ("ALREADY_EXISTS", 409),
    9: ("FAILED_PRECONDITION", 400),
    13: ("INTERNAL", 500),
}
_FAILURES = {  # kind -> (google.rpc.Code, reason, message)
    IMPORT: (3, "IMPORT_SOURCE_INVALID", "The import source could not be parsed."),
    CREATE: (9, "BOOK_NOT_STORED", "The book could not be stored."),
    DELETE: (13, "BOOK_NOT_DELETED", "The book could not be deleted."),
}

FAULTS = frozenset(
    {
        "terminal-flips",
        "no-name",
        "status-500-after-done",
        "unknown-id-200",
        "reads-advance",
        "vanishes-when-done",
        "done-without-result",
    }
)

_ID = re.compile(r"[a-z][a-z0-9-]{0,62}")

Response = tuple[int, Any]


def _iso(moment: float) -> str:
    text = datetime.fromtimestamp(moment, tz=timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    """A google.rpc.Status as found inside an Operation (canonical numeric code)."""
    details = [{"@type": _ERROR_INFO, "reason": reason, "domain": DOMAIN}]
    return {"code": code, "message": message, "details": details}


def _error(code: int, reason: str, message: str) -> Response:
    """An AIP-193 error answer: HTTP status in ``code``, canonical name in ``status``."""
    name, http = _CODES[code]
    details = [{"@type": _ERROR_INFO, "reason": reason, "domain": DOMAIN}]
    return http, {"error": {"code": http, "message": message, "status": name, "details": details}}


@dataclass
class _Operation:
    id: str
    kind: str
    created: float
    outcome: str  # "succeed", "fail" or "never"
    books: list[str]
    reads: int = 0
    done_at: float | None = None  # set by a read, under reads-advance only
    cancelled_at: float | None = None
    reported_done: bool = False


@dataclass
class _Book:
    name: str
    title: str
    created: float
    create_op: _Operation
    delete_op: _Operation | None = None


@dataclass
class _Service:
    faults: frozenset[str]
    completed_window: float
    timed_out_window: float
    queued_for: float
    work_for: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    ops: dict[str, _Operation] = field(default_factory=dict)
    books: dict[str, _Book] = field(default_factory=dict)

    # -- the time model (callers hold the lock) ---------------------------------

    def _natural_end(self, op: _Operation) -> float | None:
        """When the work itself ends (not counting cancellation); None if never yet."""
        if op.outcome == "never":
            return None
        if "reads-advance" in self.faults:
            return op.done_at
        return op.created + self.work_for

    def _end(self, op: _Operation) -> float | None:
        natural = self._natural_end(op)
        if op.cancelled_at is not None and (natural is None or op.cancelled_at < natural):
            return op.cancelled_at
        return natural

    def _result(self, op: _Operation, now: float) -> str | None:
        """None while running, else "succeed", "fail" or "cancel"."""
        end = self._end(op)
        if end is None or now < end:
            return None
        if op.cancelled_at is not None and op.cancelled_at == end:
            return "cancel"
        return op.outcome

    def _progress(self, op: _Operation, now: float) -> int:
        result = self._result(op, now)
        if result == "succeed":
            return 100
        if "reads-advance" in self.faults:
            return 50 if op.reads >= 1 else 0
        end = self._end(op)
        moment = now if end is None else min(now, end)
        span = max(self.work_for - self.queued_for, 1e-6)
        percent = int(100 * (moment - op.created - self.queued_for) / span)
        return max(0, min(percent, 50 if op.outcome == "never" else 99))

    def _expiry(self, op: _Operation) -> float:
        end = self._end(op)
        if end is None:
            return op.created + self.timed_out_window
        if "vanishes-when-done" in self.faults:
            return end
        return end + self.completed_window

    def _purge(self, now: float) -> None:
        for op_id, op in list(self.ops.items()):
            if now >= self._expiry(op):
                del self.ops[op_id]

    def _book(self, name: str, now: float) -> _Book | None:
        book = self.books.get(name)
        if book is None:
            return None
        created = self._result(book.create_op, now)
        if created in ("fail", "cancel"):
            del self.books[name]
            return None
        if book.delete_op is not None:
            deleted = self._result(book.delete_op, now)
            if deleted == "succeed":
                del self.books[name]
                return None
            if deleted == "cancel":
                book.delete_op = None
        return book

    # -- views ------------------------------------------------------------------

    def _book_view(self, book: _Book, now: float) -> dict[str, Any]:
        if self._result(book.create_op, now) is None:
            state = "CREATING"
        else:
            state = "DELETING" if book.delete_op is not None else "ACTIVE"
        return {
            "name": book.name,
            "title": book.title,
            "state": state,
            "createTime": _iso(book.created),
        }

    def _operation_view(self, op: _Operation, now: float) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "@type": _METADATA_TYPES[op.kind],
            "createTime": _iso(op.created),
        }
        progress = self._progress(op, now)
        if progress:
            metadata["progressPercent"] = progress
        if op.cancelled_at is not None:
            metadata["requestedCancellation"] = True
        view: dict[str, Any] = {"name": f"operations/{op.id}", "metadata": metadata}
        result = self._result(op, now)
        if result is None:
            return view
        end = self._end(op)
        assert end is not None
        metadata["endTime"] = _iso(end)
        view["done"] = True
        if "terminal-flips" in self.faults and op.reported_done:
            result = "fail" if result == "succeed" else "succeed"
        if "done-without-result" in self.faults:
            return view
        if result == "cancel":
            view["error"] = _status(1, "CANCELLED", "The operation was cancelled.")
        elif result == "fail":
            code, reason, message = _FAILURES[op.kind]
            view["error"] = _status(code, reason, message)
        elif op.kind == IMPORT:
            view["response"] = {"@type": _TYPE + "ImportBooksResponse", "books": op.books}
        elif op.kind == CREATE:
            book = self.books.get(op.books[0])
            title = book.title if book is not None else ""
            view["response"] = {
                "@type": _TYPE + "Book",
                "name": op.books[0],
                "title": title,
                "state": "ACTIVE",
                "createTime": _iso(op.created),
            }
        else:
            view["response"] = {"@type": "type.googleapis.com/google.protobuf.Empty"}
        return view

    def _started(self, op: _Operation, now: float) -> Response:
        self.ops[op.id] = op
        view = self._operation_view(op, now)
        if "no-name" in self.faults:
            del view["name"]
        return 200, view

    # -- requests ---------------------------------------------------------------

    def import_books(self, project: str, body: dict[str, Any]) -> Response:
        titles = body.get("titles") or ["Imported book"]
        if not all(isinstance(title, str) and title for title in titles):
            return _error(3, "INVALID_TITLES", "Every title must be a non-empty string.")
        with self.lock:
            now = time.time()
            self._purge(now)
            names = [f"projects/{project}/books/b-{uuid.uuid4().hex[:12]}" for _ in titles]
            op = _Operation(uuid.uuid4().hex, IMPORT, now, _outcome(body), names)
            for name, title in zip(names, titles, strict=True):
                self.books[name] = _Book(name, title, now, op)
            return self._started(op, now)

    def create_book(self, project: str, book_id: str | None, body: dict[str, Any]) -> Response:
        title = body.get("title")
        if not title:
            return _error(3, "TITLE_REQUIRED", "The book needs a title.")
        if book_id is not None and not _ID.fullmatch(book_id):
            return _error(3, "INVALID_BOOK_ID", f"The book id '{book_id}' is not valid.")
        with self.lock:
            now = time.time()
            self._purge(now)
            name = f"projects/{project}/books/{book_id or 'b-' + uuid.uuid4().hex[:12]}"
            if self._book(name, now) is not None:
                return _error(6, "BOOK_EXISTS", f"The book '{name}' already exists.")
            op = _Operation(uuid.uuid4().hex, CREATE, now, _outcome(body), [name])
            self.books[name] = _Book(name, title, now, op)
            return self._started(op, now)

    def get_book(self, name: str) -> Response:
        with self.lock:
            now = time.time()
            book = self._book(name, now)
            if book is None:
                return _error(5, "BOOK_NOT_FOUND", f"The book '{name}' was not found.")
            return 200, self._book_view(book, now)

    def list_books(self, project: str) -> Response:
        prefix = f"projects/{project}/books/"
        with self.lock:
            now = time.time()
            found = [
                self._book(name, now) for name in sorted(self.books) if name.startswith(prefix)
            ]
            return 200, {"books": [self._book_view(book, now) for book in found if book]}

    def delete_book(self, name: str) -> Response:
        with self.lock:
            now = time.time()
            self._purge(now)
            book = self._book(name, now)
            if book is None:
                return _error(5, "BOOK_NOT_FOUND", f"The book '{name}' was not found.")
            running = book.delete_op
            if running is not None and running.id in self.ops:
                return self._started(running, now)
            op = _Operation(uuid.uuid4().hex, DELETE, now, "succeed", [name])
            book.delete_op = op
            return self._started(op, now)

    def get_operation(self, op_id: str) -> Response:
        with self.lock:
            now = time.time()
            self._purge(now)
            op = self.ops.get(op_id)
            if op is None:
                if "unknown-id-200" in self.faults:
                    return 200, {"name": f"operations/{op_id}"}
                return _error(5, "OPERATION_NOT_FOUND", f"Operation '{op_id}' was not found.")
            if "reads-advance" in self.faults:
                op.reads += 1
                if op.reads >= 2 and op.done_at is None:
                    op.done_at = now
            view = self._operation_view(op, now)
            if not view.get("done"):
                return 200, view
            if "status-500-after-done" in self.faults:
                return _error(13, "BACKEND_ERROR", "The operation could not be read.")
            op.reported_done = True
            return 200, view

    def list_operations(self, query: dict[str, list[str]]) -> Response:
        if query.get("filter", [""])[0]:
            return _error(3, "FILTER_UNSUPPORTED", "Filtering operations is not supported.")
        try:
            size = int(query.get("pageSize", ["0"])[0] or 0)
            start = int(query.get("pageToken", ["0"])[0] or 0)
        except ValueError:
            return _error(3, "INVALID_PAGE", "pageSize and pageToken must be page values.")
        if size < 0 or start < 0:
            return _error(3, "INVALID_PAGE", "pageSize and pageToken must not be negative.")
        with self.lock:
            now = time.time()
            self._purge(now)
            ops = sorted(self.ops.values(), key=lambda op: (op.created, op.id))
            stop = len(ops) if size == 0 else start + size
            body: dict[str, Any] = {
                "operations": [self._operation_view(op, now) for op in ops[start:stop]]
            }
            if stop < len(ops):
                body["nextPageToken"] = str(stop)
            return 200, body

    def delete_operation(self, op_id: str) -> Response:
        with self.lock:
            now = time.time()
            self._purge(now)
            if self.ops.pop(op_id, None) is None:
                return _error(5, "OPERATION_NOT_FOUND", f"Operation '{op_id}' was not found.")
            return 200, {}

    def cancel_operation(self, op_id: str) -> Response:
        with self.lock:
            now = time.time()
            self._purge(now)
            op = self.ops.get(op_id)
            if op is None:
                return _error(5, "OPERATION_NOT_FOUND", f"Operation '{op_id}' was not found.")
            if self._result(op, now) is None:
                op.cancelled_at = now
            return 200, {}


def _outcome(body: dict[str, Any]) -> str:
    if body.get("slow"):
        return "never"
    return "fail" if body.get("fail") else "succeed"


_IMPORT_FIELDS: dict[str, type] = {"titles": list, "fail": bool, "slow": bool}
_BOOK_FIELDS: dict[str, type] = {
    "title": str,
    "fail": bool,
    "slow": bool,
    "name": str,
    "state": str,
    "createTime": str,
}


def _parse(raw: bytes, fields: dict[str, type]) -> dict[str, Any] | Response:
    """The JSON object in ``raw`` (empty is ``{}``), or the error answer to give."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return _error(3, "INVALID_JSON", "Invalid JSON payload received.")
    if not isinstance(body, dict):
        return _error(3, "INVALID_JSON", "Invalid JSON payload received: expected an object.")
    for key, value in body.items():
        if key not in fields:
            message = f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.'
            return _error(3, "UNKNOWN_FIELD", message)
        if not isinstance(value, fields[key]):
            return _error(3, "INVALID_FIELD", f'Invalid value at "{key}".')
    if body.get("fail") and body.get("slow"):
        return _error(3, "INVALID_TEST_CONTROLS", "'fail' and 'slow' cannot both be true.")
    return body


_PROJECT = r"projects/(?P<project>[a-z0-9-]{1,63})"
_OP = r"(?P<op>[A-Za-z0-9_-]{1,64})"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(rf"/v1/{_PROJECT}/books:import"), "import"),
    ("POST", re.compile(rf"/v1/{_PROJECT}/books"), "create"),
    ("GET", re.compile(rf"/v1/{_PROJECT}/books"), "list_books"),
    ("GET", re.compile(rf"/v1/{_PROJECT}/books/(?P<book>[a-z0-9-]{{1,63}})"), "get_book"),
    ("DELETE", re.compile(rf"/v1/{_PROJECT}/books/(?P<book>[a-z0-9-]{{1,63}})"), "delete_book"),
    ("GET", re.compile(r"/v1/operations"), "list_operations"),
    ("GET", re.compile(rf"/v1/operations/{_OP}"), "get_operation"),
    ("DELETE", re.compile(rf"/v1/operations/{_OP}"), "delete_operation"),
    ("POST", re.compile(rf"/v1/operations/{_OP}:cancel"), "cancel_operation"),
]


def _match(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    for route_method, pattern, action in _ROUTES:
        match = pattern.fullmatch(path)
        if match and route_method == method:
            return action, match.groupdict()
    return None


class _Handler(BaseHTTPRequestHandler):
    service: _Service

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, response: Response) -> None:
        code, body = response
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self._send(_error(3, "BODY_TOO_LARGE", "The request body is too large."))
        raw = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        found = _match(method, url.path)
        if found is None:
            return self._send(_error(5, "NOT_FOUND", f"Method not found: {method} {url.path}."))
        action, args = found
        self._send(self._route(action, args, raw, parse_qs(url.query)))

    def _route(
        self, action: str, args: dict[str, str], raw: bytes, query: dict[str, list[str]]
    ) -> Response:
        service = self.service
        if action in ("import", "create"):
            body = _parse(raw, _IMPORT_FIELDS if action == "import" else _BOOK_FIELDS)
            if isinstance(body, tuple):
                return body
            if action == "import":
                return service.import_books(args["project"], body)
            book_id = query.get("bookId", [None])[0]
            return service.create_book(args["project"], book_id, body)
        if action == "cancel_operation":
            body = _parse(raw, {})
            if isinstance(body, tuple):
                return body
            return service.cancel_operation(args["op"])
        if action == "list_books":
            return service.list_books(args["project"])
        if action in ("get_book", "delete_book"):
            name = f"projects/{args['project']}/books/{args['book']}"
            return service.get_book(name) if action == "get_book" else service.delete_book(name)
        if action == "list_operations":
            return service.list_operations(query)
        if action == "get_operation":
            return service.get_operation(args["op"])
        return service.delete_operation(args["op"])

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")


@contextlib.contextmanager
def running(
    faults: frozenset[str] | set[str] = frozenset(),
    *,
    completed_window: float = COMPLETED_WINDOW,
    timed_out_window: float = TIMED_OUT_WINDOW,
    queued_for: float = QUEUED_FOR,
    work_for: float = WORK_FOR,
) -> Iterator[str]:
    """Serve on 127.0.0.1 on a free port; yields the base URL and stops on exit.

    ``faults`` names mistakes to make (see the module docstring). A done operation
    answers for ``completed_window`` seconds after it finished, a never-finishing one
    for ``timed_out_window`` seconds after it was created. ``queued_for`` and
    ``work_for`` set how long progress stays at 0 and how long until an operation is done.
    """
    unknown = set(faults) - FAULTS
    if unknown:
        raise ValueError(f"unknown faults: {sorted(unknown)}")
    service = _Service(frozenset(faults), completed_window, timed_out_window, queued_for, work_for)
    handler = type("Handler", (_Handler,), {"service": service})
    with serve(handler) as url:
        yield url
