"""From what the probe saw to a dialect: each key with where it was read, and the nearest
built-in dialect with the keys that differ from it.

Pure: the probe's exchanges and the document in, keys and citations out. A key nothing
showed is left to the dialect it extends, and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..description import Dialect, Role, available_dialects, parse
from ..driver import MISSING, Exchange
from ..driver import field as read_field
from ..openapi import (
    enum_values,
    json_media,
    operation_at,
    property_at,
    responses,
    template_pattern,
)
from ._probe import Observation, _ids
from ._result import Result
from ._vocabulary import MESSAGE_PATHS, PROGRESS_PATHS, role_of

__all__ = ["Inferred", "Key", "infer"]


@dataclass(frozen=True)
class Key:
    value: Any
    cited: str


@dataclass
class Inferred:
    #: The dialect keys the answers showed, each with where.
    keys: dict[str, Key]
    #: State names seen (and read from the document), by role, each with where.
    states: dict[Role, list[Key]]
    base: str = "cloudcenter"  # the built-in dialect nearest to what was seen
    #: The keys whose value differs from the base's: the [dialect] table to write.
    overrides: list[str] = field(default_factory=list)
    #: What the document says that the server did not do, one line each.
    differs: list[str] = field(default_factory=list)
    #: The document lists the state field's names (an enum): they are the whole list.
    documented_states: bool = False


def _indices(exchanges: list[Exchange]) -> str:
    numbers = [e.index for e in exchanges]
    if len(numbers) == 1:
        return f"exchange #{numbers[0]}"
    return f"exchanges #{numbers[0]}-#{numbers[-1]}"


def _first_field(
    bodies: list[tuple[Exchange, Any]], paths: tuple[str, ...], check: Any
) -> Key | None:
    for path in paths:
        for exchange, body in bodies:
            value = read_field(body, path)
            if value is not MISSING and check(value):
                return Key(path, f"exchange #{exchange.index}: field {path}")
    return None


def _states(seen: Observation, state_field: str) -> dict[Role, list[Key]]:
    found: dict[Role, list[Key]] = {}
    names: set[str] = set()
    answers = [seen.submission, *seen.polls]
    polled = {read_field(e.json_object(), state_field) for e in seen.polls}
    for i, exchange in enumerate(answers):
        value = read_field(exchange.json_object(), state_field)
        if not isinstance(value, str) or value in names:
            continue
        if i == 0 and value not in polled and role_of(value) is None:
            continue  # the acceptance's word, neither a state word nor read again: not a state
        names.add(value)
        last = i == len(answers) - 1
        role = (seen.final_role or Role.SUCCESS) if last else Role.RUNNING
        if not last and role_of(value) not in (None, Role.RUNNING):
            role = role_of(value) or Role.RUNNING
        found.setdefault(role, []).append(Key(value, f"exchange #{exchange.index}"))
    return found


def _id_field(seen: Observation) -> Key | None:
    monitor = seen.monitor
    if monitor is None:
        return None
    if monitor.id_field:
        return Key(monitor.id_field, monitor.cited)
    for exchange in (seen.submission, *seen.polls[:1]):
        for path, value in _ids(exchange.json_object()):
            if value in monitor.url:
                return Key(path, f"exchange #{exchange.index}: field {path}, in the status URL")
    return None


def _observed(
    seen: Observation, result: Result | None
) -> tuple[dict[str, Key], dict[Role, list[Key]]]:
    sub, polls = seen.submission, seen.polls
    keys = {"accepted_status": Key([sub.status], f"exchange #{sub.index}: answered {sub.status}")}
    if seen.monitor is None:
        for monitor, url in seen.elsewhere[:1]:
            keys["status_url"] = Key(monitor.source, f"{monitor.cited}: {url}, not followed")
        keys["result_url"] = Key(
            "none", "the operation was not followed to its end: set it if it makes a resource"
        )
        return keys, {}
    keys["status_url"] = Key(seen.monitor.source, seen.monitor.cited)
    codes = sorted({p.status for p in polls if p.status is not None and 200 <= p.status < 400})
    keys["status_codes"] = Key(codes, f"{_indices(polls)}: the status reads")
    states: dict[Role, list[Key]] = {}
    kind, _, state_field = seen.told_by.partition(":")
    last = polls[-1]
    if kind == "field":
        keys["status_field"] = Key(state_field, f"{_indices(polls)}: field {state_field}")
        states = _states(seen, state_field)
    elif kind == "done":
        keys["status_field"] = Key("", "no field names the state")
        keys["done"] = Key(
            {"field": "done", "when": "true"}, f"exchange #{last.index}: done = true"
        )
    elif kind == "http":
        keys["status_field"] = Key("", "no field names the state: the HTTP code does")
        http = {str(c): "running" for c in codes if c != last.status}
        http[str(last.status)] = "success"
        keys["http_states"] = Key(http, f"{_indices(polls)}: the codes of the status reads")
    ident = _id_field(seen)
    if ident is not None:
        keys["id_field"] = ident
    if result is not None:
        keys["result_url"] = Key(result.source, result.cited)
    elif seen.final_role is Role.SUCCESS:
        keys["result_url"] = Key(
            "none",
            "no result URL answered once it ended: set one if the operation makes a resource "
            "(RESULT-URL is SKIP until then)",
        )
    bodies = [(e, e.json_object()) for e in (sub, *polls)]
    message = _first_field(bodies, MESSAGE_PATHS, lambda v: isinstance(v, str))
    if message is not None:
        keys["message_field"] = message
    progress = _first_field(
        bodies,
        PROGRESS_PATHS,
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100,
    )
    if progress is not None:
        keys["progress_field"] = progress
    return keys, states


def builtin(name: str) -> Dialect:
    return parse({"dialect": {"name": name}}, f"dialect {name}").effective.dialect


def _picks(dialect: Dialect, seen: Observation) -> str | None:
    """The status URL source this dialect would take from the submission's answer."""
    body = seen.submission.json_object()
    for source in dialect.status_url_sources:
        kind, _, argument = source.partition(":")
        if kind == "header" and seen.submission.header(argument):
            return source
        if kind == "body" and isinstance(read_field(body, argument), str):
            return source
        if kind in ("template", "link"):
            return source if seen.monitor is not None and seen.monitor.source == source else None
    return None


def _same(key: str, value: Any, dialect: Dialect, seen: Observation) -> bool:
    if key == "accepted_status":
        return set(value) <= set(dialect.accepted_status)
    if key == "status_url":
        return bool(_picks(dialect, seen) == value)
    if key == "status_codes":
        return set(value) <= set(dialect.status_answers)
    if key == "done":
        return dialect.done is not None and bool(dialect.done.model_dump() == value)
    if key == "http_states":
        return bool({str(c): str(r) for c, r in dialect.http_states.items()} == value)
    return bool(getattr(dialect, key) == value)  # a str or a list, compared as is


def _states_fit(states: dict[Role, list[Key]], dialect: Dialect) -> int:
    return sum(dialect.states.role(k.value) is role for role, keys in states.items() for k in keys)


def document_states(
    document: dict[str, Any] | None, monitor_url: str, state_field: str
) -> tuple[list[str], str] | None:
    """The enum the document gives the status field of the monitor's GET, with its pointer."""
    if document is None or not state_field:
        return None
    path = httpx.URL(monitor_url).path
    for template in document.get("paths") or {}:
        if not re.search(template_pattern(str(template)).pattern + "$", path):
            continue  # the document's paths sit below the server's base: matched at the end
        found = operation_at(document, "GET", template)
        answer = responses(document, found[1]).get("200") if found else None
        media = json_media(document, answer) if answer else None
        field = property_at(document, media[1], state_field) if media else None
        enum = enum_values(document, field) if field is not None else None
        if field is not None and enum is not None:
            direct = isinstance(field.node, dict) and "enum" in field.node
            return [str(v) for v in enum], f"{field.at}/enum" if direct else field.at
    return None


def infer(seen: Observation, result: Result | None, document: dict[str, Any] | None) -> Inferred:
    keys, states = _observed(seen, result)
    said = {k.value for ks in states.values() for k in ks}
    enum = None
    if seen.monitor is not None and "status_field" in keys:
        enum = document_states(document, seen.monitor.url, keys["status_field"].value)
    differs = []
    if enum is not None:
        names, at = enum
        seen_roles = set(states)
        unused = []
        for name in names:
            role = role_of(name)
            if name in said or role is None:
                continue
            if role in seen_roles and role is not Role.RUNNING:
                unused.append(name)  # the server said another name for this end
            else:  # a role the probe could not see (a failure): the document's names
                states.setdefault(role, []).append(Key(name, f"openapi: {at}"))
        unlisted = sorted(said - set(names))
        if unlisted:
            differs.append(
                f"the document's enum at {at} lists {', '.join(names)}; the server said "
                f"{', '.join(unlisted)}, which it does not list"
            )
        if unused:
            differs.append(
                f"the document's enum at {at} lists {', '.join(unused)}, which the server never "
                "said (it said another name of that meaning): left out of the states"
            )
    base, dialect = _nearest(keys, states, seen)
    overrides = [k for k, v in keys.items() if not _same(k, v.value, dialect, seen)]
    if states and _states_fit(states, dialect) < sum(len(v) for v in states.values()):
        overrides.append("states")
    return Inferred(keys, states, base, overrides, differs, enum is not None)


#: The keys a dialect must share with what was seen to be its kind: where the status is,
#: and how its state is told. Without them its other rules (its not_applicable reasons,
#: its fields) would be another API's.
_KIND = ("status_url", "status_field", "done", "http_states")


def _nearest(
    keys: dict[str, Key], states: dict[Role, list[Key]], seen: Observation
) -> tuple[str, Dialect]:
    """The built-in dialect of the same kind that shares most of what was seen; else the
    catalogue's own (cloudcenter), which the keys that differ then override."""
    scored = []
    for i, name in enumerate(available_order()):
        dialect = builtin(name)
        if not all(_same(k, keys[k].value, dialect, seen) for k in _KIND if k in keys):
            continue
        same = [k for k, v in keys.items() if _same(k, v.value, dialect, seen)]
        scored.append((-(len(same) + _states_fit(states, dialect)), i, name, dialect))
    if not scored:
        return "cloudcenter", builtin("cloudcenter")
    _, _, name, dialect = min(scored)
    return name, dialect


def available_order() -> list[str]:
    """The built-in dialects, the default first: on a tie it is the nearest."""
    names = available_dialects()
    return ["cloudcenter", *(n for n in names if n != "cloudcenter")]
