"""The coverage set: the fixed bad input the robustness cases send before any random draw.

The scenario's own body is changed one thing at a time: the body itself as another JSON
type, cut short and empty; then each field, shallowest first, as every other JSON type, as
null and removed, the rest of the body as the scenario has it. Ids come in fixed classes. So
the most common bad input (a field of another type) is sent in every profile, and each
variant is named in its exchange's label and in a FAIL (Schemathesis runs such a coverage
phase before it fuzzes).
"""

from __future__ import annotations

import json
import re
import secrets
import string
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jsonpointer

from .._words import counted
from ..observations import Malformed

__all__ = ["COVERAGE_DEPTH", "COVERAGE_FIELDS", "CoverageSet", "coverage_set", "id_classes"]

#: Fields are varied down to this depth (/a is 1, /a/b/c is 3); deeper ones only with a parent.
COVERAGE_DEPTH = 3
#: At most this many fields are varied (6 variants each), the shallowest first.
COVERAGE_FIELDS = 20

_TYPE_NAMES = {
    "null": "null",
    "boolean": "a boolean",
    "number": "a number",
    "string": "a string",
    "array": "an array",
    "object": "an object",
}
_MARKER, _REMOVED = object(), object()  # a field's value: the variant's marker; no field
#: The other types a field is sent as, in this order, each with its value.
_SAMPLES: tuple[tuple[str, str, Any], ...] = (
    ("number", "an integer", 1),
    ("string", "a string", _MARKER),
    ("boolean", "a boolean", True),
    ("array", "an array", []),
    ("object", "an object", {}),
)

_Path = tuple[str | int, ...]


@dataclass(frozen=True)
class CoverageSet:
    """The fixed malformed submissions sent before any random draw."""

    variants: tuple[Malformed, ...]
    fields: tuple[str, ...]  # the JSON Pointers of the fields varied, in the order sent
    left_out: tuple[str, ...] = ()  # fields not varied: beyond COVERAGE_FIELDS
    deeper: tuple[str, ...] = ()  # fields below COVERAGE_DEPTH, varied only with a parent

    def said(self) -> str:
        """The coverage set in words, with what it left out."""
        said = "the body as another JSON type, cut short and empty"
        if self.fields:
            said += (
                f"; {counted(len(self.fields), 'field')} as every other JSON type, "
                "as null and removed"
            )
        if self.left_out:
            said += (
                f"; not varied, beyond the first {len(self.fields)} fields: "
                f"{_listed(self.left_out)}"
            )
        if self.deeper:
            said += (
                f"; varied only as part of their parent, being deeper than {COVERAGE_DEPTH} "
                f"levels: {_listed(self.deeper)}"
            )
        return said


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _pointer(path: _Path) -> str:
    return str(jsonpointer.JsonPointer.from_parts(list(path)).path)


def _filled(value: Any, token: str, n: int) -> Any:
    """`{uuid}` and `{n}` filled in, as in every submission the suite sends."""
    if isinstance(value, str):
        return value.replace("{uuid}", token).replace("{n}", str(n))
    if isinstance(value, list):
        return [_filled(v, token, n) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, token, n) for k, v in value.items()}
    return value


def _fields(body: dict[str, Any]) -> tuple[list[tuple[_Path, Any]], list[_Path]]:
    """The body's fields, shallowest first and in body order, down to COVERAGE_DEPTH (an
    array's first item stands for its items); and the fields just below that depth."""
    found: list[tuple[_Path, Any]] = []
    deeper: list[_Path] = []
    queue: deque[tuple[_Path, Any]] = deque([((), body)])
    while queue:
        path, value = queue.popleft()
        children: list[tuple[str | int, Any]] = []
        if isinstance(value, dict):
            children = list(value.items())
        elif isinstance(value, list) and value:
            children = [(0, value[0])]
        for key, child in children:
            if len(path) == COVERAGE_DEPTH:
                deeper.append((*path, key))
                continue
            found.append(((*path, key), child))
            queue.append(((*path, key), child))
    return found, deeper


def _at(path: _Path, value: Any) -> Callable[[Any, str], Any]:
    """A change of the body: the field at `path` set to `value` (the marker for _MARKER),
    or removed (for _REMOVED)."""

    def change(body: Any, marker: str) -> Any:
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        if value is _REMOVED:
            del parent[path[-1]]
        else:
            parent[path[-1]] = marker if value is _MARKER else value
        return body

    return change


def coverage_set(
    template: dict[str, Any],
    limit: int = COVERAGE_FIELDS,
    fresh: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> CoverageSet:
    """The scenario's body as another JSON type, cut short and empty; then each field as
    every other JSON type, as null and removed, the rest of the body as the scenario has it.

    Each variant gets a fresh `token` for `{uuid}` (from `fresh`), its index for `{n}`, and
    `robust-<token>` as the value of a field sent as a string; the token's head is its marker
    wherever the body carries it.
    """
    made: list[Malformed] = []

    def add(kind: str, variant: str, change: Callable[[Any, str], Any], strict: bool) -> None:
        token = fresh()
        body = change(_filled(template, token, len(made)), f"robust-{token[:12]}")
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        marker = token[:12] if token[:12].encode() in content else ""
        made.append(Malformed(kind, content, strict=strict, marker=marker, variant=variant))

    instead = "instead of the scenario's object"
    add("the body in an array", "the scenario's body wrapped in an array", lambda b, m: [b], True)
    add("the body as a string", f"a JSON string {instead}", lambda b, m: m, True)
    add("the body as an integer", f"a JSON integer (1) {instead}", lambda b, m: 1, True)
    add("the body as a boolean", f"a JSON boolean (true) {instead}", lambda b, m: True, True)
    add("the body as null", f"JSON null {instead}", lambda b, m: None, False)
    add(
        "the body cut short",
        "the scenario's body cut short by one character (invalid JSON)",
        lambda b, m: json.dumps(b).encode()[:-1],
        True,
    )
    add("no body", f"an empty body {instead}", lambda b, m: b"", False)

    fields, deeper = _fields(template)
    for path, value in fields[:limit]:
        where, own = _pointer(path), _json_type(value)
        instead_of = f"instead of {_TYPE_NAMES[own]}"
        for kind, name, sample in _SAMPLES:
            if kind != own:
                shown = name if sample is _MARKER else f"{name} ({json.dumps(sample)})"
                with_it = f"the scenario's body with {where} as {shown} {instead_of}"
                add(f"{where} as {name}", with_it, _at(path, sample), False)
        if own != "null":
            with_null = f"the scenario's body with {where} as null {instead_of}"
            add(f"{where} as null", with_null, _at(path, None), False)
        add(f"{where} removed", f"the scenario's body without {where}", _at(path, _REMOVED), False)
    return CoverageSet(
        tuple(made),
        tuple(_pointer(p) for p, _ in fields[:limit]),
        tuple(_pointer(p) for p, _ in fields[limit:]),
        tuple(_pointer(p) for p in deeper),
    )


def _listed(paths: Sequence[str], shown: int = 4) -> str:
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more


_UUID_SHAPE = re.compile(r"[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}", re.I)


def _shaped(issued: str | None) -> str | None:
    """A never-issued id of the issued id's shape: each ASCII digit and letter redrawn (hex
    letters from hex letters), the rest kept. None for a uuid (the uuid class is its shape)
    and for an id with fewer than 12 such characters, whose redrawing might hit an issued
    one."""
    last = (issued or "").rsplit("/", 1)[-1]
    letters = [c for c in last if c.isascii() and c.isalnum()]
    if len(letters) < 12 or _UUID_SHAPE.fullmatch(last):
        return None
    pool = "abcdef" if all(c in string.hexdigits for c in letters) else string.ascii_lowercase

    def redrawn(c: str) -> str:
        if not (c.isascii() and c.isalnum()):
            return c
        if c.isdigit():
            return secrets.choice(string.digits)
        return secrets.choice(pool.upper() if c.isupper() else pool)

    return "".join(redrawn(c) for c in last)


def id_classes(issued: str | None) -> list[tuple[str, str]]:
    """The fixed ids sent before any random draw: (what it is, the id). A path segment each,
    sent percent-encoded ('robust/x' as robust%2Fx)."""
    shaped = _shaped(issued)
    return [
        ("never issued", f"robust-{uuid.uuid4().hex[:8]}"),
        *([("shaped like the issued one", shaped)] if shaped else []),
        ("a uuid", str(uuid.uuid4())),
        ("a number", "999999999999999999"),
        ("1024 characters", "0123456789abcdef" * 64),
        ("unicode", "\u00e9t\u00e9-\U0001f600"),
        ("a slash", "robust/x"),
        ("a parent segment", "../"),
        ("spaces", "robust id x"),
        ("a percent sign", "100%zz"),
        ("a NUL character", "robust\x00x"),
    ]
