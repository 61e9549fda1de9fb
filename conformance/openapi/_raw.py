"""Reading a parsed OpenAPI document (3.x or Swagger 2) as written, each part with its JSON Pointer.

Pure functions: only references inside the document are followed (`local`); a part in
another document is never fetched, and reads as what it is, a `$ref`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "METHODS",
    "Part",
    "enum_values",
    "follow",
    "json_media",
    "local",
    "operation_at",
    "pointer",
    "property_at",
    "responses",
    "template_pattern",
]

METHODS = ("get", "put", "post", "delete", "patch")
_JSON = re.compile(r"^application/(?:[\w.+-]+\+)?json\b|^\*/\*$")


@dataclass(frozen=True)
class Part:
    """A part of the document, and where it is."""

    node: Any
    at: str


def pointer(*parts: str) -> str:
    """A JSON Pointer from its unescaped parts (RFC 6901)."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


_ABSENT = object()


def _at(document: dict[str, Any], at: str) -> Any:
    node: Any = document
    for part in at[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def follow(document: dict[str, Any], node: Any, at: str) -> Part:
    """`node` at `at`, its references inside the document followed: the part it names, at
    the pointer where that really is. A cycle, or a reference elsewhere, stops there."""
    for _ in range(20):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            break
        target = _at(document, ref[1:])
        if target is _ABSENT:
            break
        node, at = target, ref[1:]
    return Part(node, at)


def local(document: dict[str, Any], node: Any) -> Any:
    """`node`, its `$ref` followed while it stays inside the document; else as it is."""
    return follow(document, node, "").node


@functools.lru_cache(maxsize=4096)
def template_pattern(template: str) -> re.Pattern[str]:
    """A path template (`/jobs/{id}`) as a pattern its concrete paths match whole."""
    parts = re.split(r"(\{[^{}/]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def operation_at(document: dict[str, Any], method: str, path: str) -> tuple[str, Part] | None:
    """The documented operation a request reaches: its template and the operation object.

    `path` is the request's path below the server's base; a template equal to it wins over
    one that only matches it (`/jobs/latest` over `/jobs/{id}`).
    """
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return None
    path = path.split("?")[0]
    found = []
    for template, item in paths.items():
        op = item.get(method.lower()) if isinstance(item, dict) else None
        if isinstance(op, dict) and template_pattern(str(template)).fullmatch(path):
            found.append((str(template) != path, str(template), op))
    if not found:
        return None
    _, template, op = min(found, key=lambda f: f[0])
    return template, Part(op, pointer("paths", template, method.lower()))


def responses(document: dict[str, Any], op: Part) -> dict[str, Part]:
    """An operation's documented answers by code (`"202"`, `"4XX"`, `"default"`), resolved."""
    raw = op.node.get("responses") if isinstance(op.node, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {
        str(code): Part(local(document, r), f"{op.at}/responses/{code}") for code, r in raw.items()
    }


def json_media(
    document: dict[str, Any], response: Part, produces: Any = None
) -> tuple[str, Part] | None:
    """The JSON media type an answer is documented with, and its schema (None: not JSON).

    OpenAPI 3: a `content` entry such as application/json or application/problem+json.
    Swagger 2: a `schema`, whose media type is the operation's `produces`, else the
    document's (JSON by default).
    """
    node = response.node if isinstance(response.node, dict) else {}
    content = node.get("content")
    if isinstance(content, dict):
        for media, entry in content.items():
            if _JSON.match(str(media)) and isinstance(entry, dict):
                at = f"{response.at}/content/{pointer(str(media))[1:]}"
                return str(media), follow(document, entry.get("schema"), f"{at}/schema")
        return None
    if "schema" in node and document.get("swagger"):
        # The operation's own `produces` over the document's (Swagger 2.0, Operation Object).
        listed = produces if isinstance(produces, list) else document.get("produces")
        produces = listed if isinstance(listed, list) and listed else ["application/json"]
        media = next((str(p) for p in produces if _JSON.match(str(p))), None)
        if media is not None:
            return media, follow(document, node["schema"], f"{response.at}/schema")
    return None


def property_at(document: dict[str, Any], schema: Part, field: str) -> Part | None:
    """The schema of a dotted field (`error.message`) inside an object schema, following
    local references and `allOf`; None where the schema does not have it."""
    current = follow(document, schema.node, schema.at)
    for name in field.split("."):
        found = None
        branches = [current]
        parts = current.node.get("allOf") if isinstance(current.node, dict) else None
        for i, branch in enumerate(parts if isinstance(parts, list) else []):
            branches.append(follow(document, branch, f"{current.at}/allOf/{i}"))
        for branch in branches:
            props = branch.node.get("properties") if isinstance(branch.node, dict) else None
            if isinstance(props, dict) and name in props:
                found = follow(document, props[name], f"{branch.at}/properties/{pointer(name)[1:]}")
                break
        if found is None:
            return None
        current = found
    return current


def enum_values(document: dict[str, Any], schema: Part) -> list[Any] | None:
    """The values a schema allows by `enum`, also through `anyOf`, `oneOf` and `allOf` (how
    generators write an optional enum); null left out. None: it has no enum."""
    node = follow(document, schema.node, schema.at).node
    if not isinstance(node, dict):
        return None
    if isinstance(node.get("enum"), list):
        return [v for v in node["enum"] if v is not None]
    found: list[Any] | None = None
    for key in ("anyOf", "oneOf", "allOf"):
        branches = node.get(key)
        for i, branch in enumerate(branches if isinstance(branches, list) else []):
            values = enum_values(document, Part(branch, f"{schema.at}/{key}/{i}"))
            if values is not None:
                found = [*(found or []), *(v for v in values if v not in (found or []))]
    return found
