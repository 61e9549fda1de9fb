"""How the simulator says things, per dialect: one operation, four ways of putting it on the wire.

The simulator decides what is true of an operation (a `View`: its id, role, progress,
message, the resource it made); a `Wire` renders that as the dialect's acceptance and
status answers. Faults change the view or the rendered answer (`_hooks.py`), never
the wire, so each fault means the same thing in every dialect it applies to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..description import Role

__all__ = ["WIRES", "Rendered", "View", "Wire"]


@dataclass
class View:
    """What is true of one operation at one moment, before any dialect names it."""

    id: str
    role: Role
    progress: int
    message: str | None
    status_url: str | None  # where the operation's status is; None: not given
    resource: str | None = None  # the path of what a successful operation made
    state: str | None = None  # a state name that overrides the dialect's (a fault's doing)
    extra: dict[str, Any] = field(default_factory=dict)  # fields the contract does not name


@dataclass
class Rendered:
    """An answer about to be sent: code, headers, and a JSON body (or text)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON-serialisable, or str for a text body
    media_type: str = "application/json"


class Wire:
    """The cloudcenter dialect; other dialects override what differs."""

    name: ClassVar[str] = "cloudcenter"
    status_path: ClassVar[str] = "/v1/operationStatus/{operation}"
    accepted_status: ClassVar[int] = 202
    location_header: ClassVar[str | None] = "Location"
    names: ClassVar[dict[Role, str]] = {
        Role.RUNNING: "RUNNING",
        Role.SUCCESS: "SUCCESS",
        Role.FAILURE: "FAILED",
    }

    def state(self, view: View) -> str:
        return view.state or self.names[view.role]

    def body(self, view: View) -> dict[str, Any]:
        return {
            "operationId": view.id,
            "status": self.state(view),
            "msg": view.message,
            "progress": view.progress,
            "resourceUrl": view.resource,
            **view.extra,
        }

    def accepted(self, view: View) -> Rendered:
        headers = {}
        if self.location_header and view.status_url is not None:
            headers[self.location_header] = view.status_url
        return Rendered(self.accepted_status, headers, self.body(view))

    def status(self, view: View) -> Rendered:
        return Rendered(200, {}, self.body(view))


class AzureWire(Wire):
    name = "azure"
    status_path = "/operations/{operation}"
    location_header = "Operation-Location"
    names: ClassVar[dict[Role, str]] = {
        Role.RUNNING: "Running",
        Role.SUCCESS: "Succeeded",
        Role.FAILURE: "Failed",
    }

    def body(self, view: View) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": view.id,
            "status": self.state(view),
            "percentComplete": view.progress,
            **view.extra,
        }
        if view.role is Role.FAILURE:
            body["error"] = {"code": "AccountRejected", "message": view.message}
        if view.resource is not None:
            body["resourceLocation"] = view.resource
        return body


RESULTS_REL = "http://www.opengis.net/def/rel/ogc/1.0/results"


class OgcWire(Wire):
    name = "ogc-processes"
    status_path = "/jobs/{operation}"
    accepted_status = 201
    names: ClassVar[dict[Role, str]] = {
        Role.RUNNING: "running",
        Role.SUCCESS: "successful",
        Role.FAILURE: "failed",
    }

    def body(self, view: View) -> dict[str, Any]:
        links = [{"rel": "self", "href": view.status_url, "type": "application/json"}]
        if view.resource is not None:
            links.append({"rel": RESULTS_REL, "href": view.resource, "type": "application/json"})
        return {
            "type": "process",
            "jobID": view.id,
            "status": self.state(view),
            "message": view.message,
            "progress": view.progress,
            "links": links if view.status_url is not None else links[1:],
            **view.extra,
        }


class GoogleWire(Wire):
    """AIP-151: the status URL is /v1/{name}, so the name carries it (and its absence)."""

    name = "google-lro"
    status_path = "/v1/operations/{operation}"
    accepted_status = 200
    location_header = None

    def body(self, view: View) -> dict[str, Any]:
        body: dict[str, Any] = {"metadata": {"progressPercent": view.progress}, **view.extra}
        if view.status_url is not None:
            body["name"] = view.status_url.removeprefix("/v1/")
        if view.state is not None:  # a fault's name where AIP-151 has a boolean
            body["done"] = view.state
        elif view.role.terminal:
            body["done"] = True
        if view.role is Role.FAILURE:
            body["error"] = {"code": 9, "message": view.message}
        elif view.role is Role.SUCCESS:
            response = {"name": view.resource.removeprefix("/v1/")} if view.resource else {}
            body["response"] = response
        return body


WIRES: dict[str, Wire] = {w.name: w for w in (Wire(), AzureWire(), OgcWire(), GoogleWire())}
