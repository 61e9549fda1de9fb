"""A bare-metal provisioning service in the manner of OpenStack Ironic (stdlib only).

Documents followed (paraphrased here, not quoted):

- The Bare Metal API reference (docs.openstack.org/api-ref/baremetal/), sections
  "Nodes (nodes)" and "Node Management (nodes)": ``POST /v1/nodes`` needs a ``driver``,
  answers 201 and, from API version 1.11 on, creates the node in ``enroll``; a node is
  named by its UUID or by its logical name wherever ``{node_ident}`` appears; a node
  answer carries ``links`` (``self`` under ``/v1/`` and ``bookmark`` without it, both
  absolute); ``DELETE /v1/nodes/{node_ident}`` answers 204 (errors 400, 404, 409);
  ``GET /v1/nodes/{node_ident}/states`` answers 200 with ``power_state``,
  ``target_power_state``, ``provision_state``, ``target_provision_state``,
  ``provision_updated_at``, ``last_error``, ``console_enabled``, ``raid_config``,
  ``target_raid_config``, ``boot_mode`` and ``secure_boot``;
  ``PUT /v1/nodes/{node_ident}/states/provision`` with ``{"target": <verb>}`` answers
  202, the change being tracked asynchronously through ``target_provision_state``,
  which names the requested state while the node passes through its steps and is empty
  once they are over; its error codes are 409 (NodeLocked) and 400 (InvalidState).
- Ironic's state machine documentation (docs.openstack.org/ironic/latest/user/states.html
  and contributor/states.html): new nodes start in ``enroll``; the ``manage`` verb
  moves them through ``verifying`` (credentials checked) to ``manageable``; from
  ``manageable``, ``provide`` leads through ``cleaning`` to ``available`` and
  ``inspect`` through ``inspecting`` back to ``manageable`` (``inspect failed`` when it
  goes wrong); ``clean wait`` is cleaning while the conductor waits for the ramdisk or
  an in-band step; ``manageable`` is the way out of ``clean failed`` and
  ``inspect failed``; an ``available`` node can be taken back with ``manage``.
- Where the documents are silent, Ironic's own public source (github.com/openstack/ironic)
  was read for the behaviour, not copied: the transition table (ironic/common/states.py
  and state_machine.py), the provision endpoint's order of checks
  (ironic/api/controllers/v1/node.py: a verb the state machine does not take from the
  node's state answers 409 NodeLocked when a task holds the node's lock, else 400
  InvalidStateRequested; on success the ``Location`` header is the absolute URL of
  ``/v1/nodes/<node_ident>/states``, with the ident as the client wrote it), deletion
  (ironic/conductor/manager.py: the lock is taken first, so a locked node answers 409
  NodeLocked; otherwise a node outside DELETE_ALLOWED_STATES answers 409 InvalidState;
  the allowed states are ``manageable``, ``enroll``, ``adopt failed`` and, with the
  default ``allow_deleting_available_nodes``, ``available``), the failure states
  (they are not stable, so ``target_provision_state`` keeps the goal there:
  ``available`` after a failed cleaning, ``manageable`` after a failed inspection),
  synchronous verbs (``manage`` from ``available``, ``clean failed`` or
  ``inspect failed`` reaches ``manageable`` at once and leaves ``last_error`` as it
  was; a verb that starts work clears it), and the error body
  (ironic/api/method.py and middleware/parsable_error.py: ``{"error_message": <a JSON
  string of {"faultcode", "faultstring", "debuginfo"}>}``).

Routes (``{ident}`` is a node UUID or name; unknown paths answer 404 and known paths
with another method 405, both with the Ironic error body; bodies that are not JSON
objects answer 400; query strings are ignored):

======  ==================================  ============================================
method  path                                answers
======  ==================================  ============================================
POST    /v1/nodes                           201 node, ``Location`` the node's URL; body
                                            ``{"driver", "name"?, "uuid"?,
                                            "driver_info"?, "description"?, "extra"?,
                                            "properties"?, "resource_class"?}``; 400 no
                                            driver, a driver other than
                                            ``fake-hardware``, another field, an invalid
                                            name or uuid; 409 name or uuid taken
GET     /v1/nodes                           200 ``{"nodes": [...]}``, each with Ironic's
                                            list fields (uuid, name, instance_uuid,
                                            power_state, provision_state, maintenance,
                                            links)
GET     /v1/nodes/detail                    200 ``{"nodes": [node, ...]}`` in full
GET     /v1/nodes/{ident}                   200 node; 404
DELETE  /v1/nodes/{ident}                   204; 409 NodeLocked while a task runs; 409
                                            InvalidState outside the states that allow
                                            deletion; 404
GET     /v1/nodes/{ident}/states            200 state summary; 404
PUT     /v1/nodes/{ident}/states/provision  202, empty body, ``Location``
                                            ``<base>/v1/nodes/{ident}/states``; 409
                                            NodeLocked while a task runs; 400
                                            InvalidStateRequested for a verb the node's
                                            state does not take; 400 for a verb Ironic
                                            would take but this server does not
                                            implement; 400 no ``target``; 404
======  ==================================  ============================================

A node is ``{"uuid", "name", "driver", "driver_info", "provision_state",
"target_provision_state", "last_error", "power_state", "target_power_state",
"maintenance", "reservation", "provision_updated_at", "created_at", "updated_at",
"description", "extra", "properties", "resource_class", "instance_uuid", "links"}``;
``driver_info`` values whose key contains ``password`` are shown as ``******``, as Ironic
does; ``reservation`` names the conductor while a task holds the lock, else null.

States and verbs implemented (``D`` is the duration, ``DURATION`` seconds of app time
by default, measured with ``time.monotonic()`` read at each request):

- ``enroll --manage-->`` ``verifying`` (D, locked, target ``manageable``) ``-->``
  ``manageable`` (power state becomes ``power off``); if verification fails, back to
  ``enroll`` with ``last_error``.
- ``manageable --provide-->`` ``cleaning`` (D, locked) ``-->`` ``clean wait`` (D, not
  locked) ``-->`` ``available``; target ``available`` throughout. A failed cleaning
  ends in ``clean failed`` with ``last_error`` (target stays ``available``).
- ``manageable`` or ``inspect failed`` ``--inspect-->`` ``inspecting`` (D, locked,
  target ``manageable``) ``-->`` ``manageable``, or ``inspect failed`` with
  ``last_error`` (target stays ``manageable``).
- ``available``, ``clean failed`` or ``inspect failed`` ``--manage-->`` ``manageable``
  at once.

A verb that Ironic's machine does not take from the node's current state answers 400
InvalidStateRequested (409 NodeLocked instead while the lock is held), so each node is
usable once per state (``provide`` on an ``available`` node is refused). Verbs Ironic
would take from these states but this server does not carry out (``clean`` and
``adopt`` from ``manageable``, ``active`` / ``deploy`` from ``available``, ``abort`` from
``clean wait``) answer 400 saying so.

Failure injection (this test server's own knob, not Ironic's): a node whose
``driver_info`` has ``"fail_verification"``, ``"fail_cleaning"`` or
``"fail_inspection"`` set to ``true`` (or the string ``"true"``) fails that step.

``running(auto_enroll=True)`` stands for a server that needs no preparation: a provision
request naming a node that does not exist first creates it under that name (or that
UUID), already ``manageable`` as if an operator had enrolled and managed it; a name
starting ``broken-`` gets ``fail_cleaning``. A verb that could not start from
``manageable`` enrols nothing (404). By default the client creates
and manages each node itself, and an unknown node answers 404.

Simplified or left out: API microversions (the ``X-OpenStack-Ironic-API-Version``
header is neither read nor sent; nodes behave as from version 1.11 on, so they start
in ``enroll``), authentication, PATCH of nodes, maintenance mode, power, boot, RAID,
console, ports, traits, allocations, deployment, rescue, servicing, adoption, manual
cleaning, ``abort``, ``inspect wait``, and ``clean hold``; cleaning passes through
``clean wait`` once and the resume into ``cleaning`` before it finishes takes no time;
a failed clean step does not put the node into maintenance; ``fields``, paging,
sorting and filters on the list are ignored; a body over 1 MiB answers 413. State
lives in each ``running()`` call, and the server stops as soon as the block is left.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from ._loopback import serve

DURATION = 0.3
MAX_BODY = 1 << 20
DRIVERS = frozenset({"fake-hardware"})
CONDUCTOR = "test-conductor"  # the host named in ``reservation`` while a task runs

ENROLL = "enroll"
VERIFYING = "verifying"
MANAGEABLE = "manageable"
CLEANING = "cleaning"
CLEAN_WAIT = "clean wait"
CLEAN_FAILED = "clean failed"
AVAILABLE = "available"
INSPECTING = "inspecting"
INSPECT_FAILED = "inspect failed"
ADOPT_FAILED = "adopt failed"
POWER_OFF = "power off"

# A conductor task holds the node's lock while it is in these states (verification,
# the conductor's part of cleaning, synchronous inspection); ``clean wait`` waits for
# the ramdisk without it.
LOCKED_STATES = frozenset({VERIFYING, CLEANING, INSPECTING})
# Ironic's DELETE_ALLOWED_STATES plus ``available`` (allow_deleting_available_nodes).
DELETE_ALLOWED_STATES = (MANAGEABLE, ENROLL, ADOPT_FAILED, AVAILABLE)

# API targets and the state machine events they stand for (Ironic's VERBS).
_VERBS = {
    "active": "deploy",
    "deploy": "deploy",
    "deleted": "delete",
    "undeploy": "delete",
    "manage": "manage",
    "provide": "provide",
    "inspect": "inspect",
    "abort": "abort",
    "clean": "clean",
    "adopt": "adopt",
    "rescue": "rescue",
    "unrescue": "unrescue",
    "unhold": "unhold",
    "service": "service",
}
# The events Ironic's machine takes through the API from the states a node reaches here.
_IRONIC_TAKES = {
    ENROLL: frozenset({"manage"}),
    MANAGEABLE: frozenset({"provide", "clean", "inspect", "adopt"}),
    AVAILABLE: frozenset({"deploy", "manage"}),
    CLEAN_WAIT: frozenset({"abort"}),
    CLEAN_FAILED: frozenset({"manage"}),
    INSPECT_FAILED: frozenset({"manage", "inspect"}),
}
_IMPLEMENTED = frozenset(
    {
        (ENROLL, "manage"),
        (MANAGEABLE, "provide"),
        (MANAGEABLE, "inspect"),
        (AVAILABLE, "manage"),
        (CLEAN_FAILED, "manage"),
        (INSPECT_FAILED, "manage"),
        (INSPECT_FAILED, "inspect"),
    }
)

_CREATE_FIELDS: dict[str, tuple[type, ...]] = {
    "driver": (str,),
    "name": (str, type(None)),
    "uuid": (str, type(None)),
    "driver_info": (dict, type(None)),
    "description": (str, type(None)),
    "extra": (dict, type(None)),
    "properties": (dict, type(None)),
    "resource_class": (str, type(None)),
}
_RESERVED_NAMES = frozenset({"detail", "validate"})
_NAME = re.compile(r"[A-Za-z0-9._~-]{1,255}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")

Response = tuple[int, Any, dict[str, str]]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Ironic's error body: the fault, itself JSON, in a string under ``error_message``."""
    fault = json.dumps({"faultcode": "Client", "faultstring": message, "debuginfo": None})
    return status, {"error_message": fault}, headers or {}


def _not_found(ident: str) -> Response:
    return _error(404, f"Node {ident} could not be found.")


def _locked(node_uuid: str) -> Response:
    return _error(
        409,
        f"Node {node_uuid} is locked by host {CONDUCTOR}, please retry after the "
        "current operation is completed.",
    )


def _is_uuid(text: str) -> bool:
    return _UUID.fullmatch(text) is not None


def _flag(driver_info: dict[str, Any], key: str) -> bool:
    value = driver_info.get(key)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _masked(driver_info: dict[str, Any]) -> dict[str, Any]:
    return {
        key: "******" if "password" in key.lower() else value for key, value in driver_info.items()
    }


@dataclass
class _Step:
    """What a node becomes at monotonic time ``at``, when no request has changed it."""

    at: float
    state: str
    target: str | None
    error: str | None = None  # set as last_error when not None
    power: str | None = None  # set as power_state when not None


@dataclass
class _Node:
    uuid: str
    name: str | None
    driver: str
    driver_info: dict[str, Any]
    description: str | None
    extra: dict[str, Any]
    properties: dict[str, Any]
    resource_class: str | None
    created: float  # monotonic
    provision_state: str = ENROLL
    target: str | None = None
    last_error: str | None = None
    power_state: str | None = None
    provision_changed: float | None = None  # monotonic
    updated: float | None = None  # monotonic
    steps: list[_Step] = field(default_factory=list)


@dataclass
class _Service:
    duration: float
    auto_enroll: bool
    lock: threading.Lock = field(default_factory=threading.Lock)
    nodes: dict[str, _Node] = field(default_factory=dict)  # by uuid, in creation order
    # Read when the service starts, through the module so that a patched clock is seen.
    wall_anchor: float = field(default_factory=lambda: time.time())
    mono_anchor: float = field(default_factory=lambda: time.monotonic())

    # -- time and state (callers hold the lock) -----------------------------------

    def _iso(self, moment: float | None) -> str | None:
        if moment is None:
            return None
        wall = self.wall_anchor + (moment - self.mono_anchor)
        return datetime.fromtimestamp(wall, tz=timezone.utc).isoformat()

    def _advance(self, node: _Node, now: float) -> None:
        while node.steps and node.steps[0].at <= now:
            step = node.steps.pop(0)
            self._set(node, step.state, step.target, step.at)
            if step.error is not None:
                node.last_error = step.error
            if step.power is not None:
                node.power_state = step.power

    @staticmethod
    def _set(node: _Node, state: str, target: str | None, moment: float) -> None:
        node.provision_state = state
        node.target = target
        node.provision_changed = moment
        node.updated = moment

    def _find(self, ident: str, now: float) -> _Node | None:
        if _is_uuid(ident):
            node = self.nodes.get(str(uuid.UUID(ident)))
        else:
            node = next((n for n in self.nodes.values() if n.name == ident), None)
        if node is not None:
            self._advance(node, now)
        return node

    # -- views ----------------------------------------------------------------------

    def _links(self, base: str, node: _Node) -> list[dict[str, str]]:
        return [
            {"href": f"{base}/v1/nodes/{node.uuid}", "rel": "self"},
            {"href": f"{base}/nodes/{node.uuid}", "rel": "bookmark"},
        ]

    def _brief(self, base: str, node: _Node) -> dict[str, Any]:
        return {
            "uuid": node.uuid,
            "name": node.name,
            "instance_uuid": None,
            "power_state": node.power_state,
            "provision_state": node.provision_state,
            "maintenance": False,
            "links": self._links(base, node),
        }

    def _full(self, base: str, node: _Node) -> dict[str, Any]:
        view = self._brief(base, node)
        view.update(
            {
                "driver": node.driver,
                "driver_info": _masked(node.driver_info),
                "target_provision_state": node.target,
                "last_error": node.last_error,
                "target_power_state": None,
                "reservation": CONDUCTOR if node.provision_state in LOCKED_STATES else None,
                "provision_updated_at": self._iso(node.provision_changed),
                "created_at": self._iso(node.created),
                "updated_at": self._iso(node.updated),
                "description": node.description,
                "extra": node.extra,
                "properties": node.properties,
                "resource_class": node.resource_class,
            }
        )
        return view

    # -- requests -------------------------------------------------------------------

    def create(self, base: str, body: dict[str, Any]) -> Response:
        for key, value in body.items():
            if key not in _CREATE_FIELDS:
                return _error(
                    400,
                    f"Additional properties are not allowed ('{key}' was unexpected; this "
                    "test server takes only " + ", ".join(sorted(_CREATE_FIELDS)) + ")",
                )
            if not isinstance(value, _CREATE_FIELDS[key]):
                return _error(400, f"Invalid value for '{key}': {value!r}")
        driver = body.get("driver")
        if driver is None:
            return _error(400, "'driver' is a required property")
        if driver not in DRIVERS:
            return _error(
                400,
                "No valid host was found. Reason: No conductor service registered which "
                f'supports driver {driver} for conductor group "". Ensure the driver is '
                "valid and enabled.",
            )
        name = body.get("name")
        if name is not None and not _valid_name(name):
            return _error(400, f"Cannot create node with invalid name '{name}'")
        node_uuid = body.get("uuid")
        if node_uuid is not None and not _is_uuid(node_uuid):
            return _error(400, f"Expected a UUID but received {node_uuid}.")
        with self.lock:
            now = time.monotonic()
            node = self._add(name, node_uuid, driver, body, now)
            if isinstance(node, tuple):
                return node
            return 201, self._full(base, node), {"Location": f"{base}/v1/nodes/{node.uuid}"}

    def _add(
        self,
        name: str | None,
        node_uuid: str | None,
        driver: str,
        body: dict[str, Any],
        now: float,
    ) -> _Node | Response:
        if name is not None and any(n.name == name for n in self.nodes.values()):
            return _error(409, f"A node with name {name} already exists.")
        if node_uuid is not None:
            node_uuid = str(uuid.UUID(node_uuid))
            if node_uuid in self.nodes:
                return _error(409, f"A node with UUID {node_uuid} already exists.")
        node = _Node(
            uuid=node_uuid or str(uuid.uuid4()),
            name=name,
            driver=driver,
            driver_info=dict(body.get("driver_info") or {}),
            description=body.get("description"),
            extra=dict(body.get("extra") or {}),
            properties=dict(body.get("properties") or {}),
            resource_class=body.get("resource_class"),
            created=now,
        )
        self.nodes[node.uuid] = node
        return node

    def list_nodes(self, base: str, detail: bool) -> Response:
        with self.lock:
            now = time.monotonic()
            views = []
            for node in self.nodes.values():
                self._advance(node, now)
                views.append(self._full(base, node) if detail else self._brief(base, node))
            return 200, {"nodes": views}, {}

    def show(self, base: str, ident: str) -> Response:
        with self.lock:
            node = self._find(ident, time.monotonic())
            if node is None:
                return _not_found(ident)
            return 200, self._full(base, node), {}

    def states(self, ident: str) -> Response:
        with self.lock:
            node = self._find(ident, time.monotonic())
            if node is None:
                return _not_found(ident)
            summary: dict[str, Any] = {
                "power_state": node.power_state,
                "target_power_state": None,
                "provision_state": node.provision_state,
                "target_provision_state": node.target,
                "provision_updated_at": self._iso(node.provision_changed),
                "last_error": node.last_error,
                "console_enabled": False,
                "raid_config": {},
                "target_raid_config": {},
                "boot_mode": None,
                "secure_boot": None,
            }
            return 200, summary, {}

    def delete(self, ident: str) -> Response:
        with self.lock:
            node = self._find(ident, time.monotonic())
            if node is None:
                return _not_found(ident)
            if node.provision_state in LOCKED_STATES:
                return _locked(node.uuid)
            if node.provision_state not in DELETE_ALLOWED_STATES:
                allowed = "(" + ", ".join(f"'{s}'" for s in DELETE_ALLOWED_STATES) + ")"
                return _error(
                    409,
                    f'Can not delete node "{node.uuid}" while it is in provision state '
                    f'"{node.provision_state}". Valid provision states to perform deletion '
                    f'are: "{allowed}", or set the node into maintenance mode',
                )
            del self.nodes[node.uuid]
            return 204, None, {}

    def provision(self, base: str, ident: str, raw_ident: str, body: dict[str, Any]) -> Response:
        target = body.get("target")
        if not isinstance(target, str) or not target:
            return _error(400, "Missing or invalid argument: target")
        with self.lock:
            now = time.monotonic()
            node = self._find(ident, now)
            if node is None:
                event = _VERBS.get(target, target)
                if not self.auto_enroll or (MANAGEABLE, event) not in _IMPLEMENTED:
                    return _not_found(ident)  # an operator enrols for work it can start
                made = self._auto_enroll(ident, now)
                if isinstance(made, tuple):
                    return made
                node = made
            state = node.provision_state
            if state in LOCKED_STATES:
                return _locked(node.uuid)
            event = _VERBS.get(target, target)
            if event not in _IRONIC_TAKES.get(state, frozenset()):
                return _error(
                    400,
                    f'The requested action "{target}" can not be performed on node '
                    f'"{node.uuid}" while it is in state "{state}".',
                )
            if (state, event) not in _IMPLEMENTED:
                return _error(
                    400,
                    f'The requested action "{target}" from state "{state}" is not '
                    "implemented by this test server.",
                )
            self._start(node, event, now)
            return 202, None, {"Location": f"{base}/v1/nodes/{raw_ident}/states"}

    def _auto_enroll(self, ident: str, now: float) -> _Node | Response:
        by_uuid = _is_uuid(ident)
        if not by_uuid and not _valid_name(ident):
            return _error(400, f"Cannot create node with invalid name '{ident}'")
        info = {"fail_cleaning": True} if ident.startswith("broken-") else {}
        body = {"driver_info": info}
        name, node_uuid = (None, ident) if by_uuid else (ident, None)
        node = self._add(name, node_uuid, "fake-hardware", body, now)
        if isinstance(node, _Node):
            node.provision_state = MANAGEABLE
            node.power_state = POWER_OFF
            node.provision_changed = node.updated = now
        return node

    def _start(self, node: _Node, event: str, now: float) -> None:
        """Carry out an implemented verb: the first state now, the rest as timed steps."""
        d = self.duration
        info = node.driver_info
        if event == "manage" and node.provision_state != ENROLL:
            # Synchronous in Ironic: no task, straight to manageable, last_error kept.
            self._set(node, MANAGEABLE, None, now)
            return
        node.last_error = None  # a verb that starts work clears the previous error
        if event == "manage":
            self._set(node, VERIFYING, MANAGEABLE, now)
            if _flag(info, "fail_verification"):
                error = (
                    f"Failed to get power state for node {node.uuid}: the test server was "
                    "told to fail verification (driver_info fail_verification)."
                )
                node.steps = [_Step(now + d, ENROLL, None, error=error)]
            else:
                node.steps = [_Step(now + d, MANAGEABLE, None, power=POWER_OFF)]
        elif event == "provide":
            self._set(node, CLEANING, AVAILABLE, now)
            if _flag(info, "fail_cleaning"):
                error = (
                    f"Clean step deploy.erase_devices failed on node {node.uuid}: the test "
                    "server was told to fail cleaning (driver_info fail_cleaning)."
                )
                end = _Step(now + 2 * d, CLEAN_FAILED, AVAILABLE, error=error)
            else:
                end = _Step(now + 2 * d, AVAILABLE, None)
            node.steps = [_Step(now + d, CLEAN_WAIT, AVAILABLE), end]
        else:  # inspect
            self._set(node, INSPECTING, MANAGEABLE, now)
            if _flag(info, "fail_inspection"):
                error = (
                    f"Failed to inspect hardware of node {node.uuid}: the test server was "
                    "told to fail inspection (driver_info fail_inspection)."
                )
                node.steps = [_Step(now + d, INSPECT_FAILED, MANAGEABLE, error=error)]
            else:
                node.steps = [_Step(now + d, MANAGEABLE, None)]


def _valid_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None and not _is_uuid(name) and name not in _RESERVED_NAMES


_IDENT = r"(?P<ident>[^/]+)"
_ROUTES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(r"/v1/nodes"), {"GET": "list", "POST": "create"}),
    (re.compile(r"/v1/nodes/detail"), {"GET": "detail"}),
    (re.compile(rf"/v1/nodes/{_IDENT}"), {"GET": "show", "DELETE": "delete"}),
    (re.compile(rf"/v1/nodes/{_IDENT}/states"), {"GET": "states"}),
    (re.compile(rf"/v1/nodes/{_IDENT}/states/provision"), {"PUT": "provision"}),
]


class _Handler(BaseHTTPRequestHandler):
    service: _Service

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, response: Response) -> None:
        code, body, headers = response
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _base(self) -> str:
        address = self.server.server_address
        assert isinstance(address, tuple)
        return f"http://127.0.0.1:{address[1]}"

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self._send(_error(413, "The request body is too large."))
        raw = self.rfile.read(length) if length > 0 else b""
        path = urlsplit(self.path).path
        for pattern, methods in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            action = methods.get(method)
            if action is None:
                allow = ", ".join(sorted(methods))
                message = f"The method {method} is not allowed for {path}."
                return self._send(_error(405, message, {"Allow": allow}))
            raw_ident = match.groupdict().get("ident", "")
            return self._send(self._route(action, raw_ident, raw))
        self._send(_error(404, "The resource could not be found."))

    def _route(self, action: str, raw_ident: str, raw: bytes) -> Response:
        service, base, ident = self.service, self._base(), unquote(raw_ident)
        if action in ("create", "provision"):
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return _error(400, "The request body must be a JSON object.")
            if action == "create":
                return service.create(base, body)
            return service.provision(base, ident, raw_ident, body)
        if action in ("list", "detail"):
            return service.list_nodes(base, detail=action == "detail")
        if action == "show":
            return service.show(base, ident)
        if action == "delete":
            return service.delete(ident)
        return service.states(ident)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")


@contextlib.contextmanager
def running(*, auto_enroll: bool = False, duration: float | None = None) -> Iterator[str]:
    """Serve on 127.0.0.1 on a free port; yields the base URL and stops on exit.

    Each transitional state lasts ``duration`` seconds of app time (``DURATION`` when
    not given). With ``auto_enroll``, a provision request naming an unknown node first
    creates it, already ``manageable`` (see the module docstring). The node table
    belongs to this call alone.
    """
    service = _Service(DURATION if duration is None else duration, auto_enroll)
    handler = type("Handler", (_Handler,), {"service": service})
    stopped = threading.Event()
    try:
        with serve(handler) as url:
            try:
                yield url
            finally:
                threading.Thread(target=_nudge, args=(url, stopped), daemon=True).start()
    finally:
        stopped.set()


def _nudge(url: str, stopped: threading.Event) -> None:
    """Connect now and then until the server has stopped.

    The stdlib server looks at a shutdown request only between two waits for a
    connection (half a second each): a connection ends the wait, so a run stops at once.
    """
    port = int(url.rsplit(":", 1)[1])
    while not stopped.wait(0.005):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
        except OSError:
            return
