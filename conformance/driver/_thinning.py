"""The polls of one long operation, kept in bounded memory.

An operation polled for its whole budget may be read hundreds of times, and each
answer may carry up to `polling.max_body_bytes`. The first and the last
`polling.keep_polls` reads of an operation are kept whole, and so are reads whose
shape differs from the read before them (another code, media type, state or set of
fields), up to `keep_polls` of those. Every other read is *thinned*: its body and
the headers the suite does not read are let go, and what the checks judge stays:
the state it told, its code, its wait and Retry-After, and the fields the dialect
names (the id, the message, the progress), each cut to `FIELD_CHARS`.

So a broken transition or a progress that goes back in the middle of a long run is
still judged; only the full text of a read like its neighbours is missing from the
report, which says how many bytes were let go.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..description import Dialect
from ._reading import MISSING, _pointer, field

if TYPE_CHECKING:
    from ._records import Poll, Run

__all__ = ["FIELD_CHARS", "thin_middle"]

#: A thinned read keeps each field the dialect names up to this many characters.
FIELD_CHARS = 1024


def thin_middle(run: Run, keep: int, dialect: Dialect, read_headers: frozenset[str]) -> None:
    """Thin the read that just left the run's last `keep`, unless it is kept whole.

    Called after each poll is appended, so at most one read changes each time.
    """
    index = len(run.polls) - 1 - keep
    if index < keep or index == run.terminal_index:
        return
    poll = run.polls[index]
    if _shape(poll) != _shape(run.polls[index - 1]) and run.notable < keep:
        run.notable += 1
        return
    _thin(poll, dialect, read_headers)
    run.thinned += 1


def _shape(poll: Poll) -> tuple[Any, ...]:
    """What makes a read worth keeping whole when it differs from the read before.

    Taken before the read is thinned, and kept: a thinned read's own body is no guide.
    """
    if poll.shape is None:
        ex = poll.exchange
        body = poll.body
        keys = tuple(sorted(body)[:50]) if isinstance(body, dict) else None
        poll.shape = (ex.status, ex.error is None, ex.header("content-type"), poll.state, keys)
    return poll.shape


def _thin(poll: Poll, dialect: Dialect, read_headers: frozenset[str]) -> None:
    ex = poll.exchange
    ex.body_dropped = len(ex.body)
    ex.body = b""
    kept = [(k, v) for k, v in ex.headers if k.lower() in read_headers]
    ex.headers_dropped += len(ex.headers) - len(kept)
    ex.headers = kept
    if poll.body is not None:
        poll.body = _projection(poll.body, dialect)
    poll.thinned = True


def _projection(body: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """Only the fields the checks read of a status body, each at most FIELD_CHARS long.

    A long string keeps its first FIELD_CHARS characters (from its first one that is not
    blank, so a message stays a message); a long id is dropped, as a cut one would not
    match; a long list or object becomes an empty one of its kind.
    """
    kept: dict[str, Any] = {}
    paths = [dialect.status_field, dialect.id_field, dialect.message_field]
    paths += [dialect.progress_field, dialect.error_field]
    paths += [dialect.done.field] if dialect.done is not None else []
    for path in filter(None, paths):
        value = field(body, path)
        if value is MISSING:
            continue
        if isinstance(value, str) and len(value) > FIELD_CHARS:
            if path == dialect.id_field:
                continue
            value = value.strip()[:FIELD_CHARS] or value[:FIELD_CHARS]
        elif isinstance(value, (dict, list)) and len(json.dumps(value)) > FIELD_CHARS:
            value = type(value)()
        _put(kept, path, value)
    return kept


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    """Set `value` at a dotted path or JSON Pointer, making objects on the way.

    A list index on the way becomes an object key ("0"): a JSON Pointer resolves it the
    same way, which is all the checks do with it.
    """
    parts = [p.replace("~1", "/").replace("~0", "~") for p in _pointer(path)[1:].split("/")]
    for part in parts[:-1]:
        nested = target.get(part)
        if not isinstance(nested, dict):
            nested = target[part] = {}
        target = nested
    target[parts[-1]] = value
