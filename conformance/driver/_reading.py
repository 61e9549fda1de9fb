"""Reading a response the way the dialect says: fields by path, the state, links.

A field is named by a dotted path (`error.message`, `links.0.href`) or a JSON
Pointer (`/error/message`, RFC 6901, resolved by the `jsonpointer` library).
The state comes from the status field, else from a `done` field, else from the
HTTP code; `Reading` says which, so the checks can say what they judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsonpointer

from ..description import Dialect, Role

__all__ = ["MISSING", "Reading", "field", "link", "read_state"]


class _Missing:
    """No value at a path; one object, also across processes (it pickles by name)."""

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def _pointer(path: str) -> str:
    if path.startswith("/"):
        return path
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path.split("."))


def field(body: Any, path: str) -> Any:
    """The value at `path` in `body`, or `MISSING`."""
    if not path or body is None:
        return MISSING
    try:
        value = jsonpointer.resolve_pointer(body, _pointer(path), MISSING)
    except (jsonpointer.JsonPointerException, TypeError):
        return MISSING
    # "-" names the place after a list's end: nothing is there.
    return MISSING if isinstance(value, jsonpointer.EndOfList) else value


@dataclass(frozen=True)
class Reading:
    """What a status response says about its operation's state."""

    name: str | None  # the state name as shown (for `done` and HTTP codes, the role's first name)
    role: Role | None  # None: unknown name, or nothing to tell the state by
    told_by: str  # "field", "done", "http" or "nothing"
    raw: Any = MISSING  # the status field's value as it came, for the checks to quote


def read_state(dialect: Dialect, status: int | None, body: dict[str, Any] | None) -> Reading:
    """The state an answer tells: by its status field, its `done` field, or its code.

    An error answer (4xx, 5xx) tells none, whatever its body holds; so does, with a
    `done` dialect, a body that has neither that field nor the operation's id.
    """
    states = dialect.states
    if status is not None and status >= 400:
        return Reading(None, None, "nothing")
    value = field(body, dialect.status_field)
    if value is not MISSING and value is not None:
        if isinstance(value, str):
            return Reading(value, states.role(value), "field", value)
        return Reading(None, None, "field", value)
    if dialect.done is not None and body is not None:
        flag = field(body, dialect.done.field)
        if flag is MISSING and field(body, dialect.id_field) is MISSING:
            return Reading(None, None, "nothing")  # not an operation at all
        when = dialect.done.when
        if when == "true":
            if flag is not MISSING and not isinstance(flag, bool):
                return Reading(None, None, "done", flag)
            done = flag is True
        else:
            is_set = flag is not MISSING and flag is not None
            done = is_set if when == "set" else not is_set
        role = Role.RUNNING
        if done:
            error = field(body, dialect.error_field)
            role = Role.FAILURE if error is not MISSING and error is not None else Role.SUCCESS
        return Reading(states.names(role)[0], role, "done", flag)
    if status is not None and status in dialect.http_states:
        role = dialect.http_states[status]
        names = states.names(role)
        return Reading(names[0] if names else role.value, role, "http")
    return Reading(None, None, "nothing")


def link(body: Any, headers: list[tuple[str, str]], rel: str) -> str | None:
    """The href of a link with relation `rel`: in the body's `links` (a JSON one first, where
    several differ by type), else in a Link header."""
    links = body.get("links") if isinstance(body, dict) else None
    if isinstance(links, list):
        matching = [
            entry
            for entry in links
            if isinstance(entry, dict)
            and entry.get("rel") == rel
            and isinstance(entry.get("href"), str)
            and entry["href"]
        ]
        # Several links of one relation differ by media type (OGC: HTML and JSON): take JSON.
        matching.sort(key=lambda entry: "json" not in str(entry.get("type", "")))
        if matching:
            return str(matching[0]["href"])
    for name, value in headers:
        if name.lower() != "link":
            continue
        for part in value.split(","):
            target, _, params = part.partition(";")
            rels = [
                p.split("=", 1)[1].strip().strip('"')
                for p in params.split(";")
                if p.strip().lower().startswith("rel=")
            ]
            if any(rel in r.split() for r in rels):
                return target.strip().strip("<>")
    return None
