"""The `{name}` placeholders a description's requests may hold, key by key.

The suite fills in only the names it knows for that key; anything else in braces
would be sent as it is written, so the description refuses it before any request.
`${NAME}` is not a placeholder: it is an environment variable, expanded at load.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["RESOURCE", "SCENARIO", "SYNC", "fill", "map_strings", "misplaced", "named"]

#: What each kind of request may name, with what the suite puts there.
SCENARIO = {"uuid": "fresh in every submission", "n": "the submission's number"}
SYNC = {
    "operation_id": "the success operation's id",
    "resource_url": "the resource the success operation made",
}
RESOURCE = SYNC

#: A `{...}` that is not the tail of `${NAME}`.
_BRACED = re.compile(r"(?<!\$)\{([^{}]*)\}")


def _allowed(path: tuple[str, ...]) -> dict[str, str] | None:
    """The placeholders of the key at `path`; None where the suite reads no placeholder."""
    if path[:1] == ("dialect",):
        return None  # the dialect's templates have their own syntax ({id}, {field.path})
    if len(path) >= 3 and path[0] == "scenarios" and path[2] in ("path", "json", "headers"):
        return SCENARIO
    if len(path) >= 2 and path[0] == "sync" and path[1] in ("path", "json", "headers"):
        return SYNC
    if path[:1] == ("resource",) and path[-1:] == ("url",):
        return RESOURCE
    return {}


def _strings(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, str(index)))


def misplaced(raw: Mapping[str, Any]) -> list[str]:
    """Each `{...}` in `raw` that its key does not fill in, as a line naming the way out."""
    problems = []
    for path, text in _strings(dict(raw), ()):
        allowed = _allowed(path)
        if allowed is None:
            continue
        for name in _BRACED.findall(text):
            if name in allowed:
                continue
            key = ".".join(path)
            what = "an empty {}" if not name.strip() else f"{{{name}}}"
            offered = (
                "the placeholders there are "
                + ", ".join(f"{{{n}}} ({meaning})" for n, meaning in allowed.items())
                if allowed
                else "the suite fills in no placeholder there"
            )
            problems.append(
                f"{key} = {text!r} holds {what}, which the suite would send as it is; "
                f"{offered}. Write the value itself instead"
            )
    return problems


def fill(value: Any, values: Mapping[str, str]) -> Any:
    """`value` (a string, or a JSON value holding strings) with `{name}` replaced."""

    def filled(text: str) -> str:
        for name, replacement in values.items():
            text = text.replace(f"{{{name}}}", replacement)
        return text

    return map_strings(value, filled)


def named(value: Any) -> set[str]:
    """The `{name}`s a string, or a JSON value holding strings, names."""
    found: set[str] = set()

    def collect(text: str) -> str:
        found.update(_BRACED.findall(text))
        return text

    map_strings(value, collect)
    return found


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """A JSON value with `change` applied to each string in it (not to an object's keys)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [map_strings(item, change) for item in value]
    if isinstance(value, dict):
        return {key: map_strings(item, change) for key, item in value.items()}
    return value
