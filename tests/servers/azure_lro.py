"""An Azure-style long-running-operation service (stdlib only), written from public documents.

Documents followed (paraphrased here, not quoted):

- "Microsoft Azure REST API Guidelines", github.com/microsoft/api-guidelines,
  azure/Guidelines.md, section "Long-Running Operations & Jobs": its sub-sections
  "Patterns to Initiate a Long-Running Operation", "Create or replace operation with
  additional long-running processing", "DELETE LRO pattern", "LRO action on a resource
  pattern", "The Status Monitor Resource", "Obtaining status and results of
  long-running operations" and "Pattern to List Status Monitors"; also "API Versioning"
  (the required ``api-version`` query parameter and its two 400 answers), "Handling
  Errors" (the ``{"error": {"code", "message"}}`` body and the ``x-ms-error-code``
  header), "HTTP Return Codes" (DELETE of a missing resource is 204, not 404) and
  "Uniform Resource Locators" (characters allowed in path segments).
- "Considerations for Service Design", same repository,
  azure/ConsiderationsForServiceDesign.md, sections "Action Operations" (an action is
  named by ``:<verb>`` after the last path segment) and "Long-Running Operations" (the
  resource being deleted stays visible until the delete succeeds; a failed create may
  leave the resource behind, which the service should document).
- For the optional variant only: Azure Resource Manager, "Track asynchronous Azure
  operations" (learn.microsoft.com, azure-resource-manager/management/async-operations)
  and Azure HDInsight REST, "Asynchronous Operations (202 Accepted and Location
  header)": older services whose polling URL keeps answering 202 while the work runs
  and answers 200 once it is finished.

What those documents ask, in short:

- PUT that creates or replaces a resource with extra processing answers 201 (created)
  or 200 (replaced) at once, with the resource in the body, an ``Operation-Id`` header
  and an ``Operation-Location`` header holding the absolute URL of a status monitor
  (with the request's api-version). The resource lives at the request URL.
- DELETE as an LRO answers 202 with ``Operation-Id`` and ``Operation-Location``; the
  body is the status monitor; the resource stays readable until the delete succeeds.
- A POST action ``/{resource}:{verb}`` as an LRO answers 202 with the status monitor in
  the body and ``Operation-Location``.
- The status monitor ``{"id", "kind", "status", "error"?, "result"?}``: ``status`` is one
  of NotStarted, Running, Succeeded, Failed, Canceled; ``error`` (code, message) only when
  Failed; ``result`` only for a succeeded action. ``kind`` is required when one monitor
  endpoint serves operations of different shapes, as here. GET on it answers 200 and,
  while the status is not terminal, ``Retry-After`` in whole seconds.
- A client may name the operation with an ``Operation-Id`` request header; reusing an
  id answers 409 unless the request is the same one again, which replays the answer.
- The guidelines ask that monitors be kept for a documented period after completion
  (at least 24 hours in production). Retention here is this test server's own choice,
  shortened so tests can watch ids expire: a finished operation answers for
  ``completed_window`` seconds after it finished (default 2.0), then 404; one that never
  finishes ("slow") answers for ``timed_out_window`` seconds after it was created
  (default 4.0), then 404.

Routes (every request needs ``?api-version=`` with a supported value, else 400
``MissingApiVersionParameter`` / ``UnsupportedApiVersionValue``; unknown paths answer 404
and known paths with another method 405; error bodies are ``{"error": {"code",
"message"}}`` with the code repeated in ``x-ms-error-code``):

=======  ==========================  ===============================================
method   path                        answers
=======  ==========================  ===============================================
PUT      /widgets/{name}             201 new / 200 replaced: widget body
                                     ``{"name", "color", "provisioningState"}``,
                                     headers Operation-Id, Operation-Location;
                                     400 bad body; 409 while the widget is being
                                     deleted or on a reused Operation-Id
GET      /widgets/{name}             200 widget; 404 ``WidgetNotFound``
DELETE   /widgets/{name}             202 status monitor, Operation-Id,
                                     Operation-Location, Retry-After (a repeat while
                                     the delete runs returns the same operation);
                                     204 no body when there is no such widget;
                                     400 when a body is sent
POST     /widgets/{name}:rebuild     202 status monitor, Operation-Id,
                                     Operation-Location, Retry-After; 404 no widget;
                                     409 widget being deleted
GET      /widgets                    200 ``{"value": [widget, ...]}``
GET      /operations/{id}            200 status monitor (Retry-After while not
                                     terminal); 404 ``OperationNotFound`` for unknown
                                     or expired ids
GET      /operations                 200 ``{"value": [status monitor, ...]}``
GET      /operationResults/{id}      only with ``location_polling`` (the Variant below);
                                     otherwise 404 ``OperationNotFound``
=======  ==========================  ===============================================

The widget's ``provisioningState`` is Provisioning while its create/replace operation
runs, then Succeeded or Failed (a failed widget is kept, in that state), and Deleting
while a delete runs; once the delete succeeds the widget answers 404 and its name can
be used again. A succeeded create/replace monitor carries ``resourceLocation`` (the
widget's URL); a succeeded rebuild carries ``result`` ``{"widgetName", "generation"}``;
a succeeded delete carries neither.

Outcomes are chosen by test-control fields of the request body: ``{"fail": true}``
makes the operation end Failed, ``{"slow": true}`` makes it stay Running for ever
(both together: 400). Deletes always succeed. Timing: NotStarted for ``queued_for``
(0.05 s), Running until ``work_for`` (0.3 s) after creation, then terminal. The status
``Canceled`` is never produced (the guidelines define no cancel request).

Variant: ``running(monitor_202_while_running=True)`` makes the status monitor answer
202 (JSON body as usual) while NotStarted or Running and 200 once terminal, as the
older services named above do.

Variant: ``running(location_polling=True)``, the Location pattern of the two older
documents, where the answer's HTTP code alone tells the state: PUT, DELETE and the
action answer **202** with ``Location: {base}/operationResults/{id}?api-version=...``
and Retry-After, and no Operation-Location (PUT's body is the widget, Provisioning;
DELETE and the action send none). As a Resource Manager resource does, the widget then
names itself by its resource id (``"id": "/widgets/{name}"``).
``GET /operationResults/{id}`` answers 202 with the same Location and Retry-After and
no body while the operation runs; once it succeeded,
200 with the widget (create or replace), 200 with the result (action) or 204 (delete);
once it failed, 400 with the error body (this server's choice of code: the documents
ask only for the error body). Unknown and expired ids answer 404, with the same
retention as the monitors; a create's result whose widget was since replaced or
deleted answers 404 ``WidgetNotFound``. Of the faults, ``unknown-id-200``,
``status-500-after-done``, ``no-retry-after`` and ``vanishes-when-done`` apply to these
answers too; the others are refused with this variant (ValueError).

Faults (names in ``faults``; each breaks one documented behaviour):

- ``terminal-flips``: once a monitor has been read in a terminal state, later reads
  report the other outcome (Succeeded <-> Failed, with matching error/result). Breaks:
  a terminal status is final.
- ``no-operation-location``: the PUT, DELETE and action answers lack
  ``Operation-Location`` (``Operation-Id`` is still sent). Breaks: initiating answers
  must point at the status monitor.
- ``status-500-after-done``: once the operation is terminal, GET on its monitor answers
  500 with an error body. Breaks: the monitor answers 200 with the final state.
- ``unknown-id-200``: GET on an unknown or expired monitor id answers 200
  ``{"id", "status": "NotStarted"}`` instead of 404. Breaks: unknown ids are not found.
- ``reads-advance``: every GET of a monitor moves its operation one step (NotStarted,
  Running, terminal) and time does nothing. Breaks: progress is driven by the work,
  not by polling.
- ``no-retry-after``: non-terminal monitors come without ``Retry-After``. Breaks: the
  guideline that asks for it while the operation is not complete.
- ``vanishes-when-done``: a monitor answers 404 as soon as its operation is terminal
  (no retention at all). Breaks: monitors are retained after completion.
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

API_VERSIONS = ("2024-05-01", "2023-10-01-preview")
QUEUED_FOR = 0.05
WORK_FOR = 0.3
COMPLETED_WINDOW = 2.0
TIMED_OUT_WINDOW = 4.0
RETRY_AFTER = 1
MAX_BODY = 1 << 20

NOT_STARTED, RUNNING = "NotStarted", "Running"
SUCCEEDED, FAILED, CANCELED = "Succeeded", "Failed", "Canceled"
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELED})

CREATE, DELETE, REBUILD = "WidgetCreateOrReplace", "WidgetDelete", "WidgetRebuild"
_FAILURES = {
    CREATE: ("WidgetProvisioningFailed", "The widget could not be provisioned."),
    DELETE: ("WidgetDeletionFailed", "The widget could not be deleted."),
    REBUILD: ("WidgetRebuildFailed", "The widget could not be rebuilt."),
}

FAULTS = frozenset(
    {
        "terminal-flips",
        "no-operation-location",
        "status-500-after-done",
        "unknown-id-200",
        "reads-advance",
        "no-retry-after",
        "vanishes-when-done",
    }
)
#: The faults the Location variant makes (the others concern the status monitor).
LOCATION_FAULTS = frozenset(
    {"unknown-id-200", "status-500-after-done", "no-retry-after", "vanishes-when-done"}
)

_SEGMENT = r"[A-Za-z0-9._~-]{1,63}"
_OPERATION_ID = re.compile(r"[A-Za-z0-9._~-]{1,64}")

Response = tuple[int, dict[str, str], Any]  # a body of None is sent as no body


def _iso(moment: float) -> str:
    text = datetime.fromtimestamp(moment, tz=timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _error(status: int, code: str, message: str) -> Response:
    return status, {"x-ms-error-code": code}, {"error": {"code": code, "message": message}}


@dataclass
class _Operation:
    id: str
    kind: str
    widget: str
    created: float
    outcome: str  # "succeed", "fail" or "never"
    api_version: str
    request_key: tuple[str, str, bytes]
    generation: int = 0
    reads: int = 0
    done_at: float | None = None  # set by a read, under reads-advance only
    reported_terminal: bool = False
    first_response: Response | None = None


@dataclass
class _Widget:
    name: str
    color: str
    create_op: _Operation
    delete_op: _Operation | None = None
    generation: int = 0


@dataclass
class _Service:
    faults: frozenset[str]
    completed_window: float
    timed_out_window: float
    monitor_202: bool
    retry_after: int
    queued_for: float
    work_for: float
    location_polling: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    ops: dict[str, _Operation] = field(default_factory=dict)
    widgets: dict[str, _Widget] = field(default_factory=dict)

    # -- the time model (callers hold the lock) ---------------------------------

    def _stage(self, op: _Operation, now: float) -> int:
        """0 NotStarted, 1 Running, 2 terminal."""
        if "reads-advance" in self.faults:
            stage = min(op.reads, 2)
        else:
            age = now - op.created
            stage = 0 if age < self.queued_for else 1 if age < self.work_for else 2
        return min(stage, 1) if op.outcome == "never" else stage

    def _done_at(self, op: _Operation) -> float | None:
        if op.outcome == "never":
            return None
        if "reads-advance" in self.faults:
            return op.done_at
        return op.created + self.work_for

    def _expiry(self, op: _Operation) -> float:
        done_at = self._done_at(op)
        if done_at is None:
            return op.created + self.timed_out_window
        if "vanishes-when-done" in self.faults:
            return done_at
        return done_at + self.completed_window

    def _status(self, op: _Operation, now: float, *, as_reported: bool = True) -> str:
        stage = self._stage(op, now)
        if stage < 2:
            return (NOT_STARTED, RUNNING)[stage]
        succeeded = op.outcome == "succeed"
        if as_reported and "terminal-flips" in self.faults and op.reported_terminal:
            succeeded = not succeeded
        return SUCCEEDED if succeeded else FAILED

    def _purge(self, now: float) -> None:
        for op_id, op in list(self.ops.items()):
            if now >= self._expiry(op):
                del self.ops[op_id]

    def _widget(self, name: str, now: float) -> _Widget | None:
        widget = self.widgets.get(name)
        deleting = widget.delete_op if widget is not None else None
        if deleting is not None and self._stage(deleting, now) == 2:  # deletes always succeed
            del self.widgets[name]
            return None
        return widget

    # -- views ------------------------------------------------------------------

    @staticmethod
    def _op_url(base: str, op: _Operation) -> str:
        return f"{base}/operations/{op.id}?api-version={op.api_version}"

    def _widget_view(self, widget: _Widget, now: float) -> dict[str, Any]:
        if widget.delete_op is not None:
            state = "Deleting"
        else:
            status = self._status(widget.create_op, now, as_reported=False)
            state = status if status in TERMINAL else "Provisioning"
        view = {"name": widget.name, "color": widget.color, "provisioningState": state}
        if self.location_polling:  # a Resource Manager resource names itself by its own id
            view = {"id": f"/widgets/{widget.name}", **view}
        return view

    def _monitor(self, op: _Operation, now: float, base: str) -> dict[str, Any]:
        status = self._status(op, now)
        view: dict[str, Any] = {
            "id": op.id,
            "kind": op.kind,
            "status": status,
            "resourceName": op.widget,
            "createdDateTime": _iso(op.created),
        }
        if status == FAILED:
            code, message = _FAILURES[op.kind]
            view["error"] = {"code": code, "message": message}
        elif status == SUCCEEDED and op.kind == REBUILD:
            view["result"] = {"widgetName": op.widget, "generation": op.generation}
        elif status == SUCCEEDED and op.kind == CREATE:
            view["resourceLocation"] = f"{base}/widgets/{op.widget}?api-version={op.api_version}"
        return view

    @staticmethod
    def _result_url(base: str, op: _Operation) -> str:
        return f"{base}/operationResults/{op.id}?api-version={op.api_version}"

    def _initial_headers(self, op: _Operation, base: str, *, retry: bool) -> dict[str, str]:
        headers = {"Operation-Id": op.id}
        if self.location_polling:
            headers["Location"] = self._result_url(base, op)
            retry = True
        elif "no-operation-location" not in self.faults:
            headers["Operation-Location"] = self._op_url(base, op)
        if retry and "no-retry-after" not in self.faults:
            headers["Retry-After"] = str(self.retry_after)
        return headers

    def _claim(
        self, header: str | None, key: tuple[str, str, bytes]
    ) -> tuple[str | None, Response | None]:
        """An id for a new operation, or the answer to give instead."""
        if header is None:
            return str(uuid.uuid4()), None
        if not _OPERATION_ID.fullmatch(header):
            return None, _error(400, "InvalidOperationId", "The Operation-Id header is invalid.")
        existing = self.ops.get(header)
        if existing is None:
            return header, None
        if existing.request_key == key and existing.first_response is not None:
            return None, existing.first_response
        return None, _error(409, "OperationIdConflict", "That Operation-Id is already in use.")

    # -- requests ---------------------------------------------------------------

    def put_widget(
        self,
        name: str,
        body: dict[str, Any],
        raw: bytes,
        op_header: str | None,
        version: str,
        base: str,
    ) -> Response:
        with self.lock:
            now = time.time()
            self._purge(now)
            op_id, early = self._claim(op_header, ("PUT", name, raw))
            if early is not None:
                return early
            assert op_id is not None
            widget = self._widget(name, now)
            if widget is not None and widget.delete_op is not None:
                return _error(409, "WidgetBeingDeleted", f"Widget '{name}' is being deleted.")
            if "name" in body and body["name"] != name:
                return _error(400, "InvalidRequestContent", "name is read-only.")
            if "provisioningState" in body and (
                widget is None
                or body["provisioningState"] != self._widget_view(widget, now)["provisioningState"]
            ):
                return _error(400, "InvalidRequestContent", "provisioningState is read-only.")
            outcome = _outcome(body)
            op = _Operation(op_id, CREATE, name, now, outcome, version, ("PUT", name, raw))
            self.ops[op_id] = op
            color = body.get("color", "blue")
            created = widget is None
            if widget is None:
                widget = self.widgets[name] = _Widget(name, color, op)
            else:
                widget.color, widget.create_op = color, op
            headers = self._initial_headers(op, base, retry=False)
            code = 202 if self.location_polling else 201 if created else 200
            op.first_response = (code, headers, self._widget_view(widget, now))
            return op.first_response

    def get_widget(self, name: str) -> Response:
        with self.lock:
            now = time.time()
            widget = self._widget(name, now)
            if widget is None:
                return _error(404, "WidgetNotFound", f"Widget '{name}' does not exist.")
            return 200, {}, self._widget_view(widget, now)

    def list_widgets(self) -> Response:
        with self.lock:
            now = time.time()
            found = [self._widget(name, now) for name in sorted(self.widgets)]
            return 200, {}, {"value": [self._widget_view(w, now) for w in found if w]}

    def delete_widget(self, name: str, op_header: str | None, version: str, base: str) -> Response:
        with self.lock:
            now = time.time()
            self._purge(now)
            widget = self._widget(name, now)
            if widget is None:
                return 204, {}, None
            running = widget.delete_op
            if running is not None and running.id in self.ops:
                headers = self._initial_headers(running, base, retry=True)
                return 202, headers, self._accepted_body(running, now, base)
            op_id, early = self._claim(op_header, ("DELETE", name, b""))
            if early is not None:
                return early
            assert op_id is not None
            op = _Operation(op_id, DELETE, name, now, "succeed", version, ("DELETE", name, b""))
            self.ops[op_id] = widget.delete_op = op
            op.first_response = (
                202,
                self._initial_headers(op, base, retry=True),
                self._accepted_body(op, now, base),
            )
            return op.first_response

    def rebuild_widget(
        self,
        name: str,
        body: dict[str, Any],
        raw: bytes,
        op_header: str | None,
        version: str,
        base: str,
    ) -> Response:
        key = ("POST", name, raw)
        with self.lock:
            now = time.time()
            self._purge(now)
            op_id, early = self._claim(op_header, key)
            if early is not None:
                return early
            assert op_id is not None
            widget = self._widget(name, now)
            if widget is None:
                return _error(404, "WidgetNotFound", f"Widget '{name}' does not exist.")
            if widget.delete_op is not None:
                return _error(409, "WidgetBeingDeleted", f"Widget '{name}' is being deleted.")
            widget.generation += 1
            op = _Operation(op_id, REBUILD, name, now, _outcome(body), version, key)
            op.generation = widget.generation
            self.ops[op_id] = op
            op.first_response = (
                202,
                self._initial_headers(op, base, retry=True),
                self._accepted_body(op, now, base),
            )
            return op.first_response

    def get_operation(self, op_id: str, base: str) -> Response:
        with self.lock:
            now = time.time()
            self._purge(now)
            op = self.ops.get(op_id)
            retry = (
                {} if "no-retry-after" in self.faults else {"Retry-After": str(self.retry_after)}
            )
            if op is None:
                if "unknown-id-200" in self.faults:
                    return 200, retry, {"id": op_id, "status": NOT_STARTED}
                return _error(404, "OperationNotFound", f"Operation '{op_id}' does not exist.")
            if "reads-advance" in self.faults:
                op.reads += 1
                if self._stage(op, now) == 2 and op.done_at is None:
                    op.done_at = now
            view = self._monitor(op, now, base)
            if view["status"] not in TERMINAL:
                return (202 if self.monitor_202 else 200), retry, view
            if "status-500-after-done" in self.faults:
                return _error(500, "InternalServerError", "The operation status is unavailable.")
            op.reported_terminal = True
            return 200, {}, view

    def _accepted_body(self, op: _Operation, now: float, base: str) -> dict[str, Any] | None:
        return None if self.location_polling else self._monitor(op, now, base)

    def get_operation_result(self, op_id: str, base: str) -> Response:
        """The Location pattern: the HTTP code tells the state (the module docstring)."""
        with self.lock:
            now = time.time()
            self._purge(now)
            op = self.ops.get(op_id)
            if not self.location_polling:
                return _error(404, "OperationNotFound", f"Operation '{op_id}' does not exist.")
            if op is None:
                if "unknown-id-200" in self.faults:
                    return 200, {}, {"id": op_id, "status": NOT_STARTED}
                return _error(404, "OperationNotFound", f"Operation '{op_id}' does not exist.")
            status = self._status(op, now)
            if status not in TERMINAL:
                headers = {"Location": self._result_url(base, op)}
                if "no-retry-after" not in self.faults:
                    headers["Retry-After"] = str(self.retry_after)
                return 202, headers, None
            if "status-500-after-done" in self.faults:
                return _error(500, "InternalServerError", "The operation status is unavailable.")
            if status == FAILED:
                code, message = _FAILURES[op.kind]
                return _error(400, code, message)
            if op.kind == DELETE:
                return 204, {}, None
            if op.kind == REBUILD:
                return 200, {}, {"widgetName": op.widget, "generation": op.generation}
            widget = self._widget(op.widget, now)
            if widget is None or widget.create_op is not op:
                return _error(404, "WidgetNotFound", f"Widget '{op.widget}' does not exist.")
            return 200, {}, self._widget_view(widget, now)

    def list_operations(self, base: str) -> Response:
        with self.lock:
            now = time.time()
            self._purge(now)
            ops = sorted(self.ops.values(), key=lambda op: op.created)
            return 200, {}, {"value": [self._monitor(op, now, base) for op in ops]}


def _outcome(body: dict[str, Any]) -> str:
    if body.get("slow"):
        return "never"
    return "fail" if body.get("fail") else "succeed"


def _parse(raw: bytes, fields: dict[str, type], *, required: bool) -> dict[str, Any] | str:
    """The JSON object in ``raw``, or a message saying what is wrong with it."""
    if not raw.strip():
        return "A JSON body is required." if required else {}
    try:
        body = json.loads(raw)
    except ValueError:
        return "The body is not valid JSON."
    if not isinstance(body, dict):
        return "The body must be a JSON object."
    for key, value in body.items():
        if key not in fields:
            return f"Unknown field '{key}'."
        if not isinstance(value, fields[key]):
            return f"Field '{key}' has the wrong type."
    if body.get("fail") and body.get("slow"):
        return "'fail' and 'slow' cannot both be true."
    return body


_WIDGET_FIELDS: dict[str, type] = {
    "color": str,
    "fail": bool,
    "slow": bool,
    "name": str,
    "provisioningState": str,
}
_REBUILD_FIELDS: dict[str, type] = {"fail": bool, "slow": bool}

_ROUTES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(r"/widgets"), {"GET": "list_widgets"}),
    (
        re.compile(rf"/widgets/(?P<name>{_SEGMENT})"),
        {"GET": "get", "PUT": "put", "DELETE": "delete"},
    ),
    (re.compile(rf"/widgets/(?P<name>{_SEGMENT}):rebuild"), {"POST": "rebuild"}),
    (re.compile(r"/operations"), {"GET": "list_operations"}),
    (re.compile(r"/operations/(?P<op>[A-Za-z0-9._~-]{1,64})"), {"GET": "operation"}),
    (re.compile(r"/operationResults/(?P<op>[A-Za-z0-9._~-]{1,64})"), {"GET": "result"}),
]


def _match(path: str) -> tuple[re.Match[str], dict[str, str]] | None:
    for pattern, methods in _ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return match, methods
    return None


class _Handler(BaseHTTPRequestHandler):
    service: _Service

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, response: Response) -> None:
        code, headers, body = response
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for key, value in headers.items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _base(self) -> str:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        return f"http://{host}"

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self._send(_error(413, "RequestTooLarge", "The body is too large."))
        raw = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        found = _match(url.path)
        if found is None:
            return self._send(_error(404, "NotFound", "No such path."))
        match, methods = found
        if method not in methods:
            code, headers, body = _error(405, "MethodNotAllowed", f"{method} is not allowed here.")
            return self._send((code, {**headers, "Allow": ", ".join(methods)}, body))
        versions = parse_qs(url.query, keep_blank_values=True).get("api-version", [""])
        if not versions[0]:
            return self._send(
                _error(
                    400,
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                )
            )
        version = versions[0]
        if version not in API_VERSIONS:
            return self._send(
                _error(
                    400,
                    "UnsupportedApiVersionValue",
                    f"Unsupported api-version '{version}'. The supported api-versions are "
                    f"'{', '.join(API_VERSIONS)}'.",
                )
            )
        self._send(self._route(methods[method], match.groupdict(), raw, version))

    def _route(self, action: str, args: dict[str, str], raw: bytes, version: str) -> Response:
        service, base = self.service, self._base()
        op_header = self.headers.get("Operation-Id")
        if action == "put":
            body = _parse(raw, _WIDGET_FIELDS, required=True)
            if isinstance(body, str):
                return _error(400, "InvalidRequestContent", body)
            return service.put_widget(args["name"], body, raw, op_header, version, base)
        if action == "get":
            return service.get_widget(args["name"])
        if action == "delete":
            if raw:
                return _error(400, "InvalidRequestContent", "A DELETE request takes no body.")
            return service.delete_widget(args["name"], op_header, version, base)
        if action == "rebuild":
            body = _parse(raw, _REBUILD_FIELDS, required=False)
            if isinstance(body, str):
                return _error(400, "InvalidRequestContent", body)
            return service.rebuild_widget(args["name"], body, raw, op_header, version, base)
        if action == "list_widgets":
            return service.list_widgets()
        if action == "operation":
            return service.get_operation(args["op"], base)
        if action == "result":
            return service.get_operation_result(args["op"], base)
        return service.list_operations(base)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")


@contextlib.contextmanager
def running(
    faults: frozenset[str] | set[str] = frozenset(),
    *,
    completed_window: float = COMPLETED_WINDOW,
    timed_out_window: float = TIMED_OUT_WINDOW,
    monitor_202_while_running: bool = False,
    location_polling: bool = False,
    retry_after: int = RETRY_AFTER,
    queued_for: float = QUEUED_FOR,
    work_for: float = WORK_FOR,
) -> Iterator[str]:
    """Serve on 127.0.0.1 on a free port; yields the base URL and stops on exit.

    ``faults`` names mistakes to make (see the module docstring). A finished operation's
    monitor answers for ``completed_window`` seconds after it finished, a never-finishing
    one for ``timed_out_window`` seconds after it was created. With
    ``monitor_202_while_running`` the monitor answers 202 until the operation is terminal;
    with ``location_polling`` the initiating answers point at a Location whose HTTP code
    alone tells the state (the module docstring).
    ``retry_after`` is the Retry-After value (seconds); ``queued_for`` and ``work_for`` set
    how long an operation is NotStarted and how long until it is terminal.
    """
    unknown = set(faults) - FAULTS
    if unknown:
        raise ValueError(f"unknown faults: {sorted(unknown)}")
    if location_polling and set(faults) - LOCATION_FAULTS:
        raise ValueError(f"not with location_polling: {sorted(set(faults) - LOCATION_FAULTS)}")
    service = _Service(
        frozenset(faults),
        completed_window,
        timed_out_window,
        monitor_202_while_running,
        retry_after,
        queued_for,
        work_for,
        location_polling,
    )
    handler = type("Handler", (_Handler,), {"service": service})
    with serve(handler) as url:
        yield url
