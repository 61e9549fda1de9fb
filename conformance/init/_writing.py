"""The description `init` writes: every key followed by where it was read.

tomlkit writes the TOML: it quotes keys and strings as TOML wants them, writes a body as
an inline table, and keeps a comment after a key. What could not be inferred is written
commented out, each with the line that says what it unlocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import tomlkit
from tomlkit.items import Table

from ..description import Role
from ..verdicts import plain
from ._inference import Inferred
from ._scenario import Scenario

__all__ = ["Written", "render"]

_DIALECT_KEYS = (
    "accepted_status", "status_url", "status_codes", "status_field", "done", "id_field",
    "result_url", "message_field", "progress_field",
)  # fmt: skip


@dataclass
class Written:
    """What the description is made of, beyond the probe's findings."""

    target: str
    scenario: Scenario
    inferred: Inferred | None = None
    openapi: str | None = None
    openapi_cited: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    #: A DELETE the document ties to the status monitor: [resource] delete's url.
    dismiss: tuple[str, str] | None = None
    sync: tuple[str, str] | None = None  # a GET on the collection the scenario posts to
    #: Why the result cannot be deleted by what the document says ("": it can, or unknown).
    undeletable: str = ""
    #: Without a probe: the built-in dialect the document's signs speak for, and where.
    documented_dialect: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)


def _none_free(value: Any) -> Any:
    """A JSON body as TOML can hold it: TOML has no null, so a null member is left out."""
    if isinstance(value, dict):
        return {str(k): _none_free(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_none_free(v) for v in value if v is not None]
    return value


def _inline(value: Any) -> Any:
    value = _none_free(value)
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        table.update({k: _inline(v) for k, v in value.items()})
        return table
    if isinstance(value, list):
        return [_inline(v) for v in value]
    return value


def _put(table: Any, key: str, value: Any, cited: str = "") -> None:
    item = tomlkit.item(_inline(value))
    if cited:
        item.comment(plain(cited))  # what a server said, on one line, its controls escaped
    table.add(key, item)


def _scenario(written: Written) -> Table:
    s = written.scenario
    table = tomlkit.table()
    _put(table, "method", s.method)
    _put(table, "path", s.path, s.cited.get("path", ""))
    if s.json is not None:
        _put(table, "json", s.json, s.cited.get("json", ""))
    if s.headers:
        _put(table, "headers", s.headers, s.cited.get("headers", ""))
    return table


def _commented(doc: Any, lines: list[str]) -> None:
    for line in lines:
        doc.add(tomlkit.comment(plain(line)))


def _undescribed(doc: Any, written: Written) -> None:
    s = written.scenario
    first = f'method = "{s.method}"', f'path = "{s.path}"'
    doc.add(tomlkit.nl())
    _commented(doc, [
        "Not inferred: a request your server accepts and then fails. It unlocks the checks",
        "of a failed operation (its state, its message, its retention window).",
        "[scenarios.failure]", *first, "json = { }",
    ])  # fmt: skip
    doc.add(tomlkit.nl())
    _commented(doc, [
        "Not inferred: a request whose operation times out. It unlocks the 1-hour retention",
        "of timed-out operations (set retention.operation_timeout too).",
        "[scenarios.timeout]", *first, "json = { }",
    ])  # fmt: skip
    if written.sync is None:
        doc.add(tomlkit.nl())
        _commented(doc, [
            "Not inferred: a synchronous call that answers with the state (the SYNC checks).",
            "[sync]", 'method = "GET"', 'path = "/..."',
        ])  # fmt: skip


_DELETION = ("DELETE-204", "DELETE-NO-CONTENT-LENGTH", "DELETE-GONE")


def _not_applicable(inferred: Inferred, undeletable: str) -> Table | None:
    """The deletion rules the document gives nothing to judge by (none the base lacks)."""
    from ._inference import builtin

    lacking = builtin(inferred.base).not_applicable
    rules = [r for r in _DELETION if r not in lacking] if undeletable else []
    if not rules:
        return None
    table = tomlkit.table()
    for rule in rules:
        _put(table, rule, undeletable)
    return table


def _dialect(inferred: Inferred, name: str, undeletable: str = "") -> Table:
    table = tomlkit.table()
    if inferred.overrides:
        _put(
            table,
            "name",
            name,
            f"this server's own: the {inferred.base} dialect, and the keys below",
        )
        _put(table, "extends", inferred.base, "the built-in dialect nearest to what the probe saw")
    else:
        fit = (
            "the probe's answers fit" if "status_codes" in inferred.keys else "the acceptance fits"
        )
        _put(table, "name", inferred.base, f"the built-in dialect {fit}")
    same = []
    for key in _DIALECT_KEYS:
        found = inferred.keys.get(key)
        if found is not None and key in inferred.overrides:
            _put(table, key, found.value, found.cited)
        elif found is not None:
            same.append(
                f"  {key}: {tomlkit.item(_inline(found.value)).as_string()} ({found.cited})"
            )
    if same:
        table.add(tomlkit.comment(f"Seen as {inferred.base} has it:"))
        for line in same:
            table.add(tomlkit.comment(plain(line)))
    http = inferred.keys.get("http_states")
    if http is not None and "http_states" in inferred.overrides:
        sub = tomlkit.table()
        for code, role in http.value.items():
            _put(sub, code, role)
        sub.comment(http.cited)
        table.add("http_states", sub)
    if "states" in inferred.overrides:
        table.add("states", _states(inferred))
    lacking = _not_applicable(inferred, undeletable)
    if lacking is not None:
        table.add("not_applicable", lacking)
    return table


def _states(inferred: Inferred) -> Table:
    from ._inference import builtin

    base = builtin(inferred.base).states
    seen = {k.value for keys in inferred.states.values() for k in keys}
    table = tomlkit.table()
    for role in Role:
        keys = inferred.states.get(role, [])
        names = [k.value for k in keys]
        # Where the server and its document named none of this role: the base's names, and
        # the usual ones spelled as this server spells its others.
        usual = [*base.names(role), *_usual(role, seen)]
        kept = [] if names else list(dict.fromkeys(n for n in usual if n not in seen))
        if not names and role is Role.CANCELLED and inferred.documented_states:
            _put(table, role.value, [], "none seen, none in the document's enum")
            continue
        if not names and role is Role.CANCELLED:
            continue
        cited = "; ".join(f"{k.value}: {k.cited}" for k in keys)
        if kept:
            cited += "; " if cited else ""
            cited += f"none seen: {inferred.base}'s names and the usual ones; correct them"
        _put(table, role.value, names + kept, cited)
    return table


#: The usual names of the roles a probe of a successful operation cannot see.
_USUAL = {Role.FAILURE: ("failed", "failure", "error"), Role.CANCELLED: ("canceled", "cancelled")}


def _usual(role: Role, seen: set[str]) -> list[str]:
    """The usual names of `role`, in the case the server's own names are written in."""
    words = _USUAL.get(role, ())
    if not seen or role is Role.CANCELLED:
        return []
    if all(name.isupper() for name in seen):
        return [w.upper() for w in words]
    if all(name[:1].isupper() for name in seen):
        return [w.capitalize() for w in words]
    if all(name.islower() for name in seen):
        return list(words)
    return []


def _slug(target: str) -> str:
    if target.startswith("asgi:"):
        host = target.split(":")[1]
    else:
        host = re.sub(r"^[a-z]+://", "", target).split("/")[0].split(":")[0]
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "my-server"


def render(written: Written, command: str, today: str) -> str:
    doc = tomlkit.document()
    _commented(doc, [
        f"The target description of {written.target}, written by `{command}` ({today}).",
        "Each key is followed by where it was read: `exchange #N` is the Nth request init sent,",
        "`openapi: /paths/...` a JSON Pointer into the published document. Review it: the",
        "suite judges the server by what this file says (README, 'Describing your server').",
    ])  # fmt: skip
    for note in written.notes:
        _commented(doc, [f"Note: {note}"])
    doc.add(tomlkit.nl())
    if written.target.startswith(("http://", "https://")):
        _put(doc, "base_url", written.target, "--target overrides it")
    if written.openapi is not None:
        _put(doc, "openapi", written.openapi, written.openapi_cited)
    if written.headers:
        headers = tomlkit.table()
        for name, value in written.headers.items():
            _put(headers, name, value, "--header (a ${VAR} is read when the suite runs)")
        doc.add("headers", headers)
    scenarios = tomlkit.table(is_super_table=True)
    scenarios.add("success", _scenario(written))
    doc.add("scenarios", scenarios)
    if written.sync is not None:
        sync = tomlkit.table()
        _put(sync, "method", "GET")
        _put(sync, "path", written.sync[0], written.sync[1])
        doc.add("sync", sync)
    if written.dismiss is not None:
        resource = tomlkit.table()
        delete = {"method": "DELETE", "url": written.dismiss[0]}
        _put(resource, "delete", delete, written.dismiss[1])
        doc.add("resource", resource)
    if written.inferred is not None:
        dialect = _dialect(written.inferred, _slug(written.target), written.undeletable)
        doc.add("dialect", dialect)
        for line in written.inferred.differs:
            _commented(doc, [f"The document differs from the server: {line}"])
    elif written.documented_dialect is not None:
        dialect = tomlkit.table()
        name, cited = written.documented_dialect
        _put(dialect, "name", name, f"{cited}; unchecked: --probe checks it")
        doc.add("dialect", dialect)
    _undescribed(doc, written)
    retention = tomlkit.table()
    _put(retention, "known", False, 'not inferred: the retention checks SKIP "not described"')
    for line in (
        "How long your server keeps an operation's id once it ended, and once it timed out:",
        "set them, and remove `known = false`, to check the windows (on the wall clock, the",
        "run waits that long).",
        "completed = 300.0",
        "timed_out = 3600.0",
    ):
        retention.add(tomlkit.comment(line))
    doc.add("retention", retention)
    return tomlkit.dumps(doc)
