"""Small stdlib servers, each reproducing one real-world behaviour the suite once misjudged.

Start one with ``running(kind, faults, **options)``; it yields the base URL
(``http://127.0.0.1:<port>``) and stops the server on exit. Every answer is JSON
with ``Content-Type: application/json`` unless a fault says otherwise. Every
Location is relative. A never-issued id on a status route answers 404.

Timing options (seconds; all kinds unless noted):

- ``duration`` (0.3; 0.02 for ``slow-start``): an operation runs this long.
- ``completed_window`` (2.0): a finished operation stays readable this long after
  it finished, then its status URL answers 404.
- ``timed_out_window`` (4.0): an operation that never finishes (outcome ``slow``)
  stays readable this long after it was created, then answers 404.
- ``delete_after`` (0.2): a deleted resource still reads 200 this long, then 404.

Submission bodies take ``"outcome": "success" | "failure" | "slow"`` (default
``success``; anything else answers 400). A successful operation's resource exists
from the moment the operation finishes.

Kinds
-----

``monitor-202`` -- an Azure-style status monitor that answers 202 while running.
    ``POST /jobs`` {"outcome"} -> 202, ``Location: /monitors/{id}``,
    {"id", "status": "Running"}.
    ``GET /monitors/{id}`` -> **202** {"id", "status": "Running"} while running;
    200 {"id", "status": "Succeeded", "resourceUrl": "/things/{thingId}"} or
    200 {"id", "status": "Failed", "error": {"code": "Bad", "message"}} when done.
    ``GET /things/{id}`` -> 200 {"id", "name"}; ``DELETE /things/{id}`` -> 204
    (empty), the thing reads 404 ``delete_after`` later.
    Fault ``terminal-reverts``: ``revert_after`` (0.3) seconds after a success the
    monitor answers 202 {"id", "status": "Accepted"} again (a terminal state that
    changed back) until the completed window ends.

``node-states`` -- a provisioning service whose status URL does not end in the id.
    ``POST /nodes`` {"outcome"} creates node ``n{k}`` (k = 1, 2, ...) -> 202,
    ``Location: /nodes/n{k}/states``, {"node": "n{k}", "state": "provisioning"}.
    ``GET /nodes/{node}/states`` -> 200 {"node", "state": "provisioning" | "ready"
    | "error", "detail"}; 404 for a node never created (``/nodes/zzz/states``)
    or whose window ended.
    Any other path below ``/nodes/{x}/`` (any x, any method) -> **400**
    {"error": "bad request path"}: replacing the last segment ``states`` with a
    made-up id does not give a "never-issued id" answer here.
    ``GET /nodes/{node}`` -> 200 {"node", "state": "ready", "name"} once ready
    (404 before, or if it failed); ``DELETE /nodes/{node}`` -> 204, the node
    reads 404 ``delete_after`` later.

``cookie-progress`` -- progress tracked per session cookie (time plays no part).
    ``POST /tasks`` {"outcome": "success" | "slow"} -> 202, ``Location:
    /tasks/{id}``, {"id", "status": "RUNNING", "msg", "progress": 0}, plus
    ``Set-Cookie: session=<random>; Path=/`` when the request carried no
    ``session`` cookie.
    ``GET /tasks/{id}`` -> 200 {"id", "status": "RUNNING" | "SUCCESS", "msg",
    "progress"}. The server's design: a task is meant to be done for a session
    once that session has polled it ``polls_to_finish`` (3) times, but the
    server only keeps ONE counter per session cookie -- the number of status
    GETs that cookie has made, across all tasks. Each status GET adds one and
    the task is SUCCESS when the counter has reached 3. So:
      * a fresh cookie jar per operation (no cookie on the POST, the issued
        cookie on its polls): RUNNING, RUNNING, SUCCESS at the 3rd poll;
      * one jar for everything: the first task finishes at its 3rd poll, every
        later task is SUCCESS at its first poll.
    A status GET without a session cookie is counted per task instead (the
    intended behaviour). A task stays readable ``completed_window`` after it was
    first reported SUCCESS (``timed_out_window`` after creation if never).
    Option ``polls_to_finish`` (3); ``duration`` and ``delete_after`` are unused.

``conflict`` -- duplicate detection, plus operation-tracking faults.
    ``POST /orders`` {"name", "outcome"} -> 409 {"error": "duplicate"} if a
    submission with the same name was accepted less than ``conflict_window``
    (0.5) seconds ago; otherwise 202, ``Location: /orders/status/{id}``, with
    the status body. ``GET /orders/status/{id}`` -> 200 {"orderId", "status":
    "RUNNING" | "SUCCESS" | "FAILED", "msg", "progress", "resourceUrl"}
    (``resourceUrl`` is ``/orders/{id}`` on success, null otherwise).
    ``GET /orders/{id}`` -> 200 {"id", "name"}; ``DELETE /orders/{id}`` -> 204,
    404 ``delete_after`` later.
    Fault ``shared-status-url``: every accepted submission answers with the SAME
    ``Location: /orders/status/current``, which shows the most recently accepted
    operation (the per-id route still answers).
    Fault ``lose-some``: every second accepted submission (2nd, 4th, ...) is
    lost: its status URL answers 404 from the first poll on, and no resource
    appears.
    Fault ``never-ends-some``: every second accepted submission (2nd, 4th, ...)
    stays RUNNING until its timed-out window ends.

``text-status`` -- a cloudcenter-style server with content-type faults.
    ``POST /v1/accounts`` {"name", "outcome"} -> 202, ``Location:
    /v1/operationStatus/{id}``, with the status body.
    ``GET /v1/operationStatus/{id}`` -> 200 {"operationId", "status": "RUNNING" |
    "SUCCESS" | "FAILED", "msg", "progress", "resourceUrl"} (``resourceUrl`` is
    ``/v1/accounts/{id}`` on success, null otherwise).
    ``GET /v1/accounts/{id}`` -> 200 {"id", "name"}; ``DELETE /v1/accounts/{id}``
    -> 204, 404 ``delete_after`` later.
    Fault ``text-plain``: status answers carry ``Content-Type: text/plain``
    (the body is still valid JSON). Fault ``submit-text-plain``: the same for
    the 202 answer to the submission.

``slow-start`` -- exactly ``text-status`` (same routes and faults) with
    ``duration`` 0.02: operations finish within ~20 ms of submission, for
    timing-sensitive verdicts on the real clock.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ._loopback import serve

COMMON_OPTIONS: dict[str, float] = {
    "duration": 0.3,
    "completed_window": 2.0,
    "timed_out_window": 4.0,
    "delete_after": 0.2,
}
OUTCOMES = ("success", "failure", "slow")


class _State:
    """Everything a server remembers; every read and write holds ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ops: dict[str, dict[str, Any]] = {}  # operation id -> operation
        self.resources: dict[str, dict[str, Any]] = {}  # resource id -> resource
        self.accepted = 0  # submissions accepted so far
        self.session_polls: dict[str, int] = {}  # cookie-progress: key -> status GETs
        self.last_accepted: dict[str, float] = {}  # conflict: name -> when accepted
        self.current: str | None = None  # conflict: most recently accepted operation


Route = tuple[str, str, Callable[..., None]]


class _Base(BaseHTTPRequestHandler):
    """Shared plumbing: routing, JSON answers, and time-driven operations."""

    state: _State
    faults: frozenset[str] = frozenset()
    options: ClassVar[dict[str, float]] = {}
    known_faults: ClassVar[frozenset[str]] = frozenset()
    routes: ClassVar[tuple[Route, ...]] = ()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing -----------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        for route_method, pattern, action in self.routes:
            if route_method == method and (match := re.fullmatch(pattern, path)):
                return action(self, *match.groups())
        self._send(404, {"error": "no such path"})

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _send(
        self,
        code: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json_body(self, outcomes: tuple[str, ...] = OUTCOMES) -> dict[str, Any] | None:
        """The request's JSON object with a valid outcome, or None after answering 400."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._send(400, {"error": "the body must be a JSON object"})
            return None
        body.setdefault("outcome", "success")
        if body["outcome"] not in outcomes:
            self._send(400, {"error": f"outcome must be one of {', '.join(outcomes)}"})
            return None
        return body

    def _opt(self, name: str) -> float:
        return self.options[name]

    # -- time-driven operations and their resources -------------------------

    def _new_op(self, body: dict[str, Any], now: float, op_id: str | None = None) -> dict[str, Any]:
        """Record an operation (and, if it will succeed, its future resource). Hold the lock."""
        self.state.accepted += 1
        op = {
            "id": op_id or uuid.uuid4().hex,
            "seq": self.state.accepted,
            "created": now,
            "outcome": body["outcome"],
            "resource": uuid.uuid4().hex if op_id is None else op_id,
            "lost": False,
        }
        self.state.ops[op["id"]] = op
        self._add_resource(op, body)
        return op

    def _add_resource(self, op: dict[str, Any], body: dict[str, Any]) -> None:
        if op["outcome"] == "success":
            self.state.resources[op["resource"]] = {
                "id": op["resource"],
                "name": str(body.get("name", "unnamed")),
                "ready": op["created"] + self._opt("duration"),
                "deleted": None,
            }

    def _finishes(self, op: dict[str, Any]) -> float:
        return float(op["created"]) + self._opt("duration")

    def _live_op(self, op_id: str, now: float) -> dict[str, Any] | None:
        """The operation if it was issued and its window has not ended. Hold the lock."""
        op = self.state.ops.get(op_id)
        if op is None or op["lost"]:
            return None
        if op["outcome"] == "slow":
            expires = op["created"] + self._opt("timed_out_window")
        else:
            expires = self._finishes(op) + self._opt("completed_window")
        return op if now < expires else None

    def _phase(self, op: dict[str, Any], now: float) -> tuple[str, int]:
        """("running", percent) | ("success", 100) | ("failure", 100)."""
        if op["outcome"] == "slow" or now < self._finishes(op):
            elapsed = (now - op["created"]) / self._opt("duration")
            return "running", min(99, int(100 * elapsed))
        return op["outcome"], 100

    def _live_resource(self, resource_id: str, now: float) -> dict[str, Any] | None:
        """The resource if it exists now (ready, and not gone after a DELETE). Hold the lock."""
        resource = self.state.resources.get(resource_id)
        if resource is None or now < resource["ready"]:
            return None
        deleted = resource["deleted"]
        if deleted is not None and now >= deleted + self._opt("delete_after"):
            return None
        return resource

    def _delete_resource(self, resource_id: str) -> None:
        now = time.monotonic()
        with self.state.lock:
            resource = self._live_resource(resource_id, now)
            if resource is not None and resource["deleted"] is None:
                resource["deleted"] = now
        if resource is None:
            return self._send(404, {"error": "no such resource"})
        self._send(204)


# -- 1. monitor-202 -------------------------------------------------------------


class _Monitor202(_Base):
    known_faults = frozenset({"terminal-reverts"})

    def _submit(self) -> None:
        body = self._json_body()
        if body is None:
            return
        with self.state.lock:
            op = self._new_op(body, time.monotonic())
        self._send(
            202, {"id": op["id"], "status": "Running"}, {"Location": f"/monitors/{op['id']}"}
        )

    def _monitor(self, op_id: str) -> None:
        now = time.monotonic()
        with self.state.lock:
            op = self._live_op(op_id, now)
        if op is None:
            return self._send(404, {"error": "no such operation"})
        phase, _ = self._phase(op, now)
        if phase == "running":
            return self._send(202, {"id": op_id, "status": "Running"})
        if phase == "failure":
            error = {"code": "Bad", "message": "the job's input was rejected"}
            return self._send(200, {"id": op_id, "status": "Failed", "error": error})
        reverted = self._finishes(op) + self._opt("revert_after")
        if "terminal-reverts" in self.faults and now >= reverted:
            return self._send(202, {"id": op_id, "status": "Accepted"})
        self._send(
            200, {"id": op_id, "status": "Succeeded", "resourceUrl": f"/things/{op['resource']}"}
        )

    def _read_thing(self, thing_id: str) -> None:
        with self.state.lock:
            thing = self._live_resource(thing_id, time.monotonic())
        if thing is None:
            return self._send(404, {"error": "no such thing"})
        self._send(200, {"id": thing["id"], "name": thing["name"]})

    def _delete_thing(self, thing_id: str) -> None:
        self._delete_resource(thing_id)

    routes = (
        ("POST", r"/jobs", _submit),
        ("GET", r"/monitors/([^/]+)", _monitor),
        ("GET", r"/things/([^/]+)", _read_thing),
        ("DELETE", r"/things/([^/]+)", _delete_thing),
    )


# -- 2. node-states -------------------------------------------------------------


class _NodeStates(_Base):
    STATES: ClassVar[dict[str, tuple[str, str]]] = {
        "running": ("provisioning", "allocating the node"),
        "success": ("ready", "the node is ready"),
        "failure": ("error", "the node image failed to boot"),
    }

    def _submit(self) -> None:
        body = self._json_body()
        if body is None:
            return
        with self.state.lock:
            node = f"n{self.state.accepted + 1}"
            self._new_op(body, time.monotonic(), op_id=node)
        self._send(
            202, {"node": node, "state": "provisioning"}, {"Location": f"/nodes/{node}/states"}
        )

    def _states(self, node: str) -> None:
        now = time.monotonic()
        with self.state.lock:
            op = self._live_op(node, now)
        if op is None:
            return self._send(404, {"error": "no such node"})
        state, detail = self.STATES[self._phase(op, now)[0]]
        self._send(200, {"node": node, "state": state, "detail": detail})

    def _bad_path(self, node: str) -> None:
        self._send(400, {"error": "bad request path"})

    def _read_node(self, node: str) -> None:
        with self.state.lock:
            resource = self._live_resource(node, time.monotonic())
        if resource is None:
            return self._send(404, {"error": "no such node"})
        self._send(200, {"node": node, "state": "ready", "name": resource["name"]})

    def _delete_node(self, node: str) -> None:
        self._delete_resource(node)

    routes = (
        ("POST", r"/nodes", _submit),
        ("GET", r"/nodes/([^/]+)/states", _states),
        ("GET", r"/nodes/([^/]+)/.*", _bad_path),
        ("POST", r"/nodes/([^/]+)/.*", _bad_path),
        ("DELETE", r"/nodes/([^/]+)/.*", _bad_path),
        ("GET", r"/nodes/([^/]+)", _read_node),
        ("DELETE", r"/nodes/([^/]+)", _delete_node),
    )


# -- 3. cookie-progress ---------------------------------------------------------


class _CookieProgress(_Base):
    def _session(self) -> str | None:
        cookies: SimpleCookie = SimpleCookie()
        with contextlib.suppress(CookieError):
            cookies.load(self.headers.get("Cookie") or "")
        morsel = cookies.get("session")
        return morsel.value if morsel is not None and morsel.value else None

    def _submit(self) -> None:
        body = self._json_body(outcomes=("success", "slow"))
        if body is None:
            return
        task_id = uuid.uuid4().hex
        with self.state.lock:
            self.state.accepted += 1
            self.state.ops[task_id] = {
                "id": task_id,
                "created": time.monotonic(),
                "outcome": body["outcome"],
                "done_at": None,
            }
        headers = {"Location": f"/tasks/{task_id}"}
        if self._session() is None:
            headers["Set-Cookie"] = f"session={secrets.token_hex(8)}; Path=/"
        body = {"id": task_id, "status": "RUNNING", "msg": "queued", "progress": 0}
        self._send(202, body, headers)

    def _status(self, task_id: str) -> None:
        needed = int(self._opt("polls_to_finish"))
        now = time.monotonic()
        # One counter per session cookie, shared by all of that session's tasks:
        # this is the server's design that a shared cookie jar trips over.
        session = self._session()
        key = f"session:{session}" if session is not None else f"task:{task_id}"
        with self.state.lock:
            task = self.state.ops.get(task_id)
            if task is not None:
                if task["done_at"] is not None:
                    expires = task["done_at"] + self._opt("completed_window")
                else:
                    expires = task["created"] + self._opt("timed_out_window")
                if now >= expires:
                    task = None
            if task is not None:
                polls = self.state.session_polls.get(key, 0) + 1
                self.state.session_polls[key] = polls
                done = task["outcome"] == "success" and polls >= needed
                if done and task["done_at"] is None:
                    task["done_at"] = now
        if task is None:
            return self._send(404, {"error": "no such task"})
        if done:
            body = {"id": task_id, "status": "SUCCESS", "msg": "finished", "progress": 100}
        else:
            progress = min(99, int(100 * polls / needed))
            body = {"id": task_id, "status": "RUNNING", "msg": "working", "progress": progress}
        self._send(200, body)

    routes = (
        ("POST", r"/tasks", _submit),
        ("GET", r"/tasks/([^/]+)", _status),
    )


# -- cloudcenter-style status bodies (conflict, text-status, slow-start) --------

_CC_STATUS = {"running": "RUNNING", "success": "SUCCESS", "failure": "FAILED"}
_CC_MSG = {
    "running": "the operation is in progress",
    "success": "the operation succeeded",
    "failure": "the operation failed: the name is not allowed",
}


class _CloudCenterStyle(_Base):
    id_field: ClassVar[str]
    resource_prefix: ClassVar[str]

    def _status_body(self, op: dict[str, Any], now: float) -> dict[str, Any]:
        phase, progress = self._phase(op, now)
        resource_url = f"{self.resource_prefix}/{op['resource']}" if phase == "success" else None
        return {
            self.id_field: op["id"],
            "status": _CC_STATUS[phase],
            "msg": _CC_MSG[phase],
            "progress": progress,
            "resourceUrl": resource_url,
        }

    def _read_resource(self, resource_id: str) -> None:
        with self.state.lock:
            resource = self._live_resource(resource_id, time.monotonic())
        if resource is None:
            return self._send(404, {"error": "no such resource"})
        self._send(200, {"id": resource["id"], "name": resource["name"]})

    def _delete(self, resource_id: str) -> None:
        self._delete_resource(resource_id)


# -- 4. conflict ----------------------------------------------------------------


class _Conflict(_CloudCenterStyle):
    id_field = "orderId"
    resource_prefix = "/orders"
    known_faults = frozenset({"shared-status-url", "lose-some", "never-ends-some"})

    def _submit(self) -> None:
        body = self._json_body()
        if body is None:
            return
        name = str(body.get("name", ""))
        now = time.monotonic()
        with self.state.lock:
            last = self.state.last_accepted.get(name)
            if last is not None and now - last < self._opt("conflict_window"):
                op = None
            else:
                self.state.last_accepted[name] = now
                second = (self.state.accepted + 1) % 2 == 0  # the 2nd, 4th, ... accepted
                if second and "never-ends-some" in self.faults:
                    body["outcome"] = "slow"
                if second and "lose-some" in self.faults:
                    body["outcome"] = "failure"  # a lost operation makes no resource
                op = self._new_op(body, now)
                op["lost"] = second and "lose-some" in self.faults
                self.state.current = op["id"]
                status = self._status_body(op, now)
        if op is None:
            return self._send(409, {"error": "duplicate"})
        if "shared-status-url" in self.faults:
            location = "/orders/status/current"
        else:
            location = f"/orders/status/{op['id']}"
        self._send(202, status, {"Location": location})

    def _status(self, op_id: str) -> None:
        now = time.monotonic()
        with self.state.lock:
            if op_id == "current" and "shared-status-url" in self.faults:
                op_id = self.state.current or ""
            op = self._live_op(op_id, now)
        if op is None:
            return self._send(404, {"error": "no such order operation"})
        self._send(200, self._status_body(op, now))

    routes = (
        ("POST", r"/orders", _submit),
        ("GET", r"/orders/status/([^/]+)", _status),
        ("GET", r"/orders/([^/]+)", _CloudCenterStyle._read_resource),
        ("DELETE", r"/orders/([^/]+)", _CloudCenterStyle._delete),
    )


# -- 5. text-status and 6. slow-start -------------------------------------------


class _TextStatus(_CloudCenterStyle):
    id_field = "operationId"
    resource_prefix = "/v1/accounts"
    known_faults = frozenset({"text-plain", "submit-text-plain"})

    def _content_type(self, fault: str) -> str:
        return "text/plain" if fault in self.faults else "application/json"

    def _submit(self) -> None:
        body = self._json_body()
        if body is None:
            return
        now = time.monotonic()
        with self.state.lock:
            op = self._new_op(body, now)
            status = self._status_body(op, now)
        location = {"Location": f"/v1/operationStatus/{op['id']}"}
        self._send(202, status, location, self._content_type("submit-text-plain"))

    def _status(self, op_id: str) -> None:
        now = time.monotonic()
        with self.state.lock:
            op = self._live_op(op_id, now)
        if op is None:
            return self._send(404, {"error": "no such operation"})
        self._send(200, self._status_body(op, now), None, self._content_type("text-plain"))

    routes = (
        ("POST", r"/v1/accounts", _submit),
        ("GET", r"/v1/operationStatus/([^/]+)", _status),
        ("GET", r"/v1/accounts/([^/]+)", _CloudCenterStyle._read_resource),
        ("DELETE", r"/v1/accounts/([^/]+)", _CloudCenterStyle._delete),
    )


# kind -> (handler, its options with their defaults)
KINDS: dict[str, tuple[type[_Base], dict[str, float]]] = {
    "monitor-202": (_Monitor202, {**COMMON_OPTIONS, "revert_after": 0.3}),
    "node-states": (_NodeStates, dict(COMMON_OPTIONS)),
    "cookie-progress": (_CookieProgress, {**COMMON_OPTIONS, "polls_to_finish": 3}),
    "conflict": (_Conflict, {**COMMON_OPTIONS, "conflict_window": 0.5}),
    "text-status": (_TextStatus, dict(COMMON_OPTIONS)),
    "slow-start": (_TextStatus, {**COMMON_OPTIONS, "duration": 0.02}),
}


@contextlib.contextmanager
def running(
    kind: str, faults: frozenset[str] | set[str] = frozenset(), **options: float
) -> Iterator[str]:
    """Serve ``kind`` on 127.0.0.1 on a free port; yields the base URL and stops on exit.

    Unknown kinds and faults raise ValueError; unknown options raise TypeError.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    base, defaults = KINDS[kind]
    unknown_faults = set(faults) - base.known_faults
    if unknown_faults:
        raise ValueError(f"{kind} has no fault(s) {sorted(unknown_faults)}")
    unknown_options = set(options) - set(defaults)
    if unknown_options:
        raise TypeError(f"{kind} has no option(s) {sorted(unknown_options)}")
    handler = type(
        "Handler",
        (base,),
        {"state": _State(), "faults": frozenset(faults), "options": {**defaults, **options}},
    )
    with serve(handler) as url:
        yield url
