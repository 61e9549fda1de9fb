"""The `{name}` placeholders a description's requests may hold, key by key.

The suite fills in only the names it knows for that key; anything else in braces
would be sent as it is written, so the description refuses it before any request.
`${NAME}` is not a placeholder: it is an environment variable, expanded at load.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["RESOURCE", "RUN", "SCENARIO", "SYNC", "fill", "map_strings", "misplaced", "named"]

#: What each kind of request may name, with what the suite puts there.
SCENARIO = {"uuid": "fresh in every submission", "n": "the submission's number"}
SYNC = {
    "operation_id": "the success operation's id",
    "resource_url": "the resource the success operation made",
}
RESOURCE = {
    "operation_id": "the operation's id",
    "resource_url": "the resource the operation made",
    "uuid": "its submission's {uuid}",
    "n": "its submission's {n}",
}
RUN = {"uuid": "fresh for the run"}
#: Where a step's request names placeholders (`until`: the values waited for).
_STEP_KEYS = ("path", "url", "json", "headers", "until")

#: A `{...}` that is not the tail of `${NAME}`.
_BRACED = re.compile(r"(?<!\$)\{([^{}]*)\}")


def _captures(steps: Any, where: str, before: int | None = None) -> dict[str, str]:
    """`{setup.<name>}` for each name `steps` (as written) capture, before step `before`."""
    found: dict[str, str] = {}
    if not isinstance(steps, list):
        return found
    for index, step in enumerate(steps[:before]):
        capture = step.get("capture") if isinstance(step, dict) else None
        if isinstance(capture, dict):
            for name in capture:
                found[f"setup.{name}"] = f"captured by {where} step {index + 1}"
    return found


def _scenario_steps(raw: Mapping[str, Any], name: str, which: str) -> Any:
    scenario = (
        raw.get("scenarios", {}).get(name) if isinstance(raw.get("scenarios"), dict) else None
    )
    return scenario.get(which) if isinstance(scenario, dict) else None


def _allowed(path: tuple[str, ...], raw: Mapping[str, Any]) -> dict[str, str] | None:
    """The placeholders of the key at `path`; None where the suite reads no placeholder."""
    if path[:1] == ("dialect",):
        return None  # the dialect's templates have their own syntax ({id}, {field.path})
    run_wide = _captures(raw.get("setup"), "setup")
    hook = raw.get("setup_hook")
    # The hook is called after a scope's steps: its values are there for what comes after.
    given = (
        {f"setup.{n}": "from conformance_setup" for n in hook if isinstance(n, str)}
        if isinstance(hook, list)
        else {}
    )
    if len(path) >= 3 and path[0] in ("setup", "teardown") and path[2] in _STEP_KEYS:
        index = int(path[1]) if path[1].isdigit() else 0
        if path[0] == "setup":
            return {**RUN, **_captures(raw.get("setup"), "setup", index)}
        return {**RUN, **run_wide, **given, **_captures(raw.get("teardown"), "teardown", index)}
    if len(path) >= 5 and path[0] == "scenarios" and path[2] in ("setup", "teardown"):
        if path[4] not in _STEP_KEYS:
            return {}
        index = int(path[3]) if path[3].isdigit() else 0
        own, where = _scenario_steps(raw, path[1], "setup"), f"scenarios.{path[1]}.setup"
        if path[2] == "setup":
            return {**SCENARIO, **run_wide, **_captures(own, where, index)}
        run_wide = {**run_wide, **given}
        teardown = _scenario_steps(raw, path[1], "teardown")
        later = _captures(teardown, f"scenarios.{path[1]}.teardown", index)
        return {**SCENARIO, **run_wide, **_captures(own, where), **later}
    if len(path) >= 3 and path[0] == "scenarios" and path[2] in ("path", "json", "headers"):
        own = _scenario_steps(raw, path[1], "setup")
        return {**SCENARIO, **run_wide, **given, **_captures(own, f"scenarios.{path[1]}.setup")}
    if len(path) >= 2 and path[0] == "sync" and path[1] in ("path", "json", "headers"):
        own = _scenario_steps(raw, "success", "setup")
        return {**SYNC, **run_wide, **given, **_captures(own, "scenarios.success.setup")}
    if path[:1] == ("resource",) and path[-1:] == ("url",):
        # The resource is a success operation's: what another scenario's setup captured
        # is not there when it is called.
        own = _captures(_scenario_steps(raw, "success", "setup"), "scenarios.success.setup")
        return {**RESOURCE, **run_wide, **given, **own}
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
        allowed = _allowed(path, raw)
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
            way_out = "Write the value itself instead"
            if name.startswith("setup."):
                way_out = (
                    f"Capture {name.removeprefix('setup.')!r} in a setup step that runs "
                    'before it (capture = { name = "/pointer" }), or write the value itself'
                )
            problems.append(
                f"{key} = {text!r} holds {what}, which the suite would send as it is; "
                f"{offered}. {way_out}"
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
