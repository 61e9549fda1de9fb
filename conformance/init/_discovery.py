"""Which operations a published OpenAPI document marks as asynchronous, and by what signs.

Pure functions over the parsed document (OpenAPI 3 or Swagger 2): nothing is fetched,
and only references inside the document are followed. Each sign names the JSON Pointer
it was read at, so what `init` writes can cite it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..openapi import METHODS, local, pointer

__all__ = ["AsyncOperation", "Sign", "async_operations", "local", "pointer"]

#: Response headers that name a status monitor, by the documents that use them.
MONITOR_HEADERS = ("location", "operation-location", "azure-asyncoperation")
#: A schema reference to AIP-151's `google.longrunning.Operation`, however it is spelled.
_OPERATION_REF = re.compile(r"(?:^|[/.])(?:google\.longrunning\.)?Operation$")


@dataclass(frozen=True)
class Sign:
    """One thing in the document that says an operation runs in the background."""

    what: str  # e.g. "202 response", "Operation-Location header"
    at: str  # the JSON Pointer it was read at


@dataclass(frozen=True)
class AsyncOperation:
    method: str  # upper case
    path: str
    at: str  # the JSON Pointer of the operation
    signs: tuple[Sign, ...]
    #: Operations the document ties to this one: (method, path, where it says so).
    status: tuple[tuple[str, str, str], ...] = ()
    dismiss: tuple[tuple[str, str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _signs(document: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> list[Sign]:
    at = pointer("paths", path, method)
    signs: list[Sign] = []
    if op.get("x-ms-long-running-operation") is True:
        signs.append(Sign("x-ms-long-running-operation", f"{at}/x-ms-long-running-operation"))
    responses = op.get("responses")
    for code, raw in (responses or {}).items() if isinstance(responses, dict) else ():
        code = str(code)
        response = local(document, raw)
        if not isinstance(response, dict) or not code.startswith("2"):
            continue
        here = pointer("paths", path, method, "responses", code)
        documented = response.get("headers")
        headers = {str(k).lower(): k for k in documented} if isinstance(documented, dict) else {}
        if code == "202":
            signs.append(Sign("202 response", here))
        elif code == "201" and "location" in headers:
            signs.append(Sign("201 response with a Location", f"{here}/headers/Location"))
        for name in MONITOR_HEADERS:
            if name in headers and not (code == "201" and name == "location"):
                spelled = str(headers[name])
                signs.append(Sign(f"{spelled} header", f"{here}/headers/{spelled}"))
        for ref in _schema_refs(response):
            if _OPERATION_REF.search(ref):
                signs.append(Sign("AIP-151 Operation response", here))
                break
    own = op.get("parameters")
    parameters = [*_parameters(document, path), *(own if isinstance(own, list) else [])]
    for raw in parameters:
        parameter = local(document, raw)
        if (
            isinstance(parameter, dict)
            and str(parameter.get("name", "")).lower() == "prefer"
            and parameter.get("in") == "header"
            and "respond-async" in repr(parameter.get("schema", parameter.get("enum", "")))
        ):
            signs.append(Sign("Prefer: respond-async", at + "/parameters"))
    return signs


def _parameters(document: dict[str, Any], path: str) -> list[Any]:
    item = document.get("paths", {}).get(path)
    listed = item.get("parameters") if isinstance(item, dict) else None
    return list(listed) if isinstance(listed, list) else []


def _schema_refs(response: dict[str, Any]) -> list[str]:
    """The `$ref`s naming a response's schema: OpenAPI 3 content, or Swagger 2 `schema`."""
    schemas = [response.get("schema")]
    content = response.get("content")
    for media in content.values() if isinstance(content, dict) else ():
        if isinstance(media, dict):
            schemas.append(media.get("schema"))
    return [s["$ref"] for s in schemas if isinstance(s, dict) and isinstance(s.get("$ref"), str)]


@dataclass(frozen=True)
class _Index:
    """What `_tied` looks up, built once per document."""

    by_id: dict[Any, tuple[str, str]]  # operationId -> (METHOD, path)
    below: dict[str, list[str]]  # a path -> the paths one {parameter} below it

    @classmethod
    def of(cls, paths: dict[str, Any]) -> _Index:
        by_id = {
            op.get("operationId"): (m.upper(), p)
            for p, item in paths.items()
            if isinstance(item, dict)
            for m, op in item.items()
            if m in METHODS and isinstance(op, dict) and isinstance(op.get("operationId"), str)
        }
        below: dict[str, list[str]] = {}
        for path in paths:
            parent, _, last = str(path).rstrip("/").rpartition("/")
            if re.fullmatch(r"\{[^/{}]+\}", last):
                below.setdefault(parent, []).append(str(path))
        return cls(by_id, below)


def _tied(
    document: dict[str, Any], index: _Index, path: str, method: str
) -> tuple[list[Any], list[Any]]:
    """The status and dismiss operations the document ties to an asynchronous one.

    Its OpenAPI 3 `links` first (each names the operation it leads to), then a GET (and a
    DELETE) one `{parameter}` below the operation's own path, as collections are laid out.
    """
    paths = document.get("paths") or {}
    status: list[Any] = []
    dismiss: list[Any] = []
    responses = paths[path][method].get("responses") or {}
    for code, raw in responses.items() if isinstance(responses, dict) else ():
        response = local(document, raw)
        links = response.get("links") if isinstance(response, dict) else None
        for name, link in links.items() if isinstance(links, dict) else ():
            named = local(document, link)
            wanted = named.get("operationId") if isinstance(named, dict) else None
            target = index.by_id.get(wanted) if isinstance(wanted, str) else None
            if target is not None:
                where = pointer("paths", path, method, "responses", str(code), "links", name)
                (dismiss if target[0] == "DELETE" else status).append((*target, where))
    for other in index.below.get(path.rstrip("/"), []):
        item = paths[other]
        for m, found in (("get", status), ("delete", dismiss)):
            if isinstance(item.get(m), dict) and not any(t[1] == other for t in found):
                found.append((m.upper(), other, pointer("paths", other, m)))
    return status, dismiss


def async_operations(document: dict[str, Any]) -> list[AsyncOperation]:
    """Every operation with at least one sign of running asynchronously, in document order."""
    found = []
    paths = document.get("paths") or {}
    index = _Index.of(paths) if isinstance(paths, dict) else _Index({}, {})
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            signs = _signs(document, path, method, op)
            if signs:
                status, dismiss = _tied(document, index, path, method)
                found.append(
                    AsyncOperation(
                        method.upper(),
                        path,
                        pointer("paths", path, method),
                        tuple(signs),
                        tuple(status),
                        tuple(dismiss),
                    )
                )
    return found
