"""The OpenAPI 3.1 document of the simulator, served at /openapi.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._wire import Wire

__all__ = ["OPENAPI", "openapi_document"]

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_STATUS = {
    "type": "object",
    "required": ["operationId", "status"],
    "properties": {
        "operationId": {"type": "string"},
        "status": {"type": "string", "enum": ["RUNNING", "SUCCESS", "FAILED"]},
        "msg": {"type": ["string", "null"]},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "resourceUrl": {"type": ["string", "null"]},
        "additionalParameters": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {}},
            },
        },
    },
}
_ACCOUNT = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "tenantId": {"type": "string"},
        "cloudId": {"type": "string"},
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path_params(*names: str) -> list[dict[str, Any]]:
    return [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]


_NOT_FOUND = _json(_ERROR, "No such resource, or the operation id has expired.")

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "async-conformance reference simulator", "version": "1"},
    "paths": {
        "/v1/tenants/{tenant}/clouds/{cloud}/accounts": {
            "parameters": _path_params("tenant", "cloud"),
            "post": {
                "summary": "Create a cloud account (asynchronous).",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "simulate": {
                                        "type": "string",
                                        "enum": ["success", "failure", "timeout"],
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "202": {
                        **_json(_STATUS, "Accepted; Location names the operation status."),
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    },
                    "400": _json(_ERROR, "The body is not a valid account request."),
                },
            },
            "get": {
                "summary": "List cloud accounts (synchronous).",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"accounts": {"type": "array", "items": _ACCOUNT}},
                        },
                        "The accounts.",
                    )
                },
            },
        },
        "/v1/tenants/{tenant}/clouds/{cloud}/accounts/{account}": {
            "parameters": _path_params("tenant", "cloud", "account"),
            "get": {
                "summary": "Read a cloud account (synchronous).",
                "responses": {"200": _json(_ACCOUNT, "The account."), "404": _NOT_FOUND},
            },
            "delete": {
                "summary": "Delete a cloud account (in the background).",
                "responses": {"204": {"description": "Deletion started."}, "404": _NOT_FOUND},
            },
        },
        "/v1/operationStatus/{operation}": {
            "parameters": _path_params("operation"),
            "get": {
                "summary": "Read an operation's status.",
                "responses": {"200": _json(_STATUS, "The status."), "404": _NOT_FOUND},
            },
        },
    },
}


_CLOUDCENTER_STATUS = "/v1/operationStatus/{operation}"


def openapi_document(wire: Wire) -> dict[str, Any]:
    """The document for a simulator speaking a dialect: its status route, its acceptance code
    and the header that names the monitor, and its state names.

    The cloudcenter dialect gets the full schemas; other dialects' bodies are described
    as JSON objects with their state field (their shapes are their standards' business).
    """
    if wire.status_path == _CLOUDCENTER_STATUS and wire.accepted_status == 202:
        return OPENAPI
    status: dict[str, Any] = {"type": "object"}
    if wire.location_header is not None:  # a dialect whose state is a name in `status`
        names = [wire.names[role] for role in wire.names]
        status["properties"] = {"status": {"type": "string", "enum": names}}
    paths = dict(OPENAPI["paths"])
    status_item = dict(paths.pop(_CLOUDCENTER_STATUS))
    status_item["get"] = {
        **status_item["get"],
        "responses": {"200": _json(status, "The status."), "404": _NOT_FOUND},
    }
    paths[wire.status_path] = status_item
    accounts = dict(paths["/v1/tenants/{tenant}/clouds/{cloud}/accounts"])
    post = dict(accounts["post"])
    accepted = _json(status, "Accepted; names the operation status.")
    if wire.location_header is not None:
        accepted["headers"] = {wire.location_header: {"schema": {"type": "string"}}}
    post["responses"] = {str(wire.accepted_status): accepted, "400": post["responses"]["400"]}
    accounts["post"] = post
    paths["/v1/tenants/{tenant}/clouds/{cloud}/accounts"] = accounts
    return {**OPENAPI, "paths": paths}
