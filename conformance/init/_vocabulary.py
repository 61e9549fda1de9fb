"""What the probe reads in answers it has no description of: state words, fields, URLs.

Pure functions over parsed bodies and headers. A state word is known by its meaning
whatever its spelling (`Succeeded`, `SUCCESS`, `successful`, `in_progress`), from the
built-in dialects and the task and job APIs that speak the pattern (Celery, AWS, Kubernetes
jobs, GA4GH). A field is named as the description names fields: a dotted path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..description import Role

__all__ = [
    "ID_NAMES",
    "MESSAGE_PATHS",
    "PROGRESS_PATHS",
    "RESULT_NAMES",
    "leaves",
    "role_of",
    "state_fields",
    "url_fields",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORDS: dict[Role, frozenset[str]] = {
    Role.RUNNING: _words(
        "notstarted running accepted pending queued inprogress started processing executing "
        "submitted created scheduled waiting initializing initialising received retry retrying "
        "creating updating deleting provisioning validating cancelling canceling runnable "
        "starting paused"
    ),
    Role.SUCCESS: _words("succeeded success successful completed complete done finished"),
    Role.FAILURE: _words(
        "failed failure error errored aborted rejected timedout executorerror systemerror"
    ),
    Role.CANCELLED: _words("canceled cancelled dismissed revoked terminated stopped"),
}
#: Fields that name a state by their name, in order of preference.
_STATE_KEY = re.compile(
    r"(?:^|[._])(?:status|state|phase)(?:code)?$|(?:Status|State)(?:Code)?$", re.I
)
#: Fields that hold an id, in order of preference (a field ending in "id" comes after them).
ID_NAMES = (
    "operationId", "jobID", "jobId", "job_id", "taskId", "task_id", "task-id", "runId",
    "run_id", "requestId", "id", "name", "uuid",
)  # fmt: skip
MESSAGE_PATHS = ("msg", "message", "statusMessage", "error.message", "detail")
PROGRESS_PATHS = ("progress", "percentComplete", "metadata.progressPercent", "progressPercent")
#: Fields that name a result's URL, in order of preference.
RESULT_NAMES = (
    "resourceUrl", "resourceLocation", "resultUrl", "result_url", "resultsUrl", "resource_url",
    "targetUrl", "output_url", "href",
)  # fmt: skip
#: Fields and link relations that name an operation's status monitor.
MONITOR_NAMES = (
    "statusUrl", "status_url", "statusQueryGetUri", "monitorUrl", "operationLocation",
    "operation_url", "href", "url", "location",
)  # fmt: skip
MONITOR_RELS = ("monitor", "status", "self")


def _normal(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.casefold())


def role_of(value: Any) -> Role | None:
    """What a state word means, whatever its spelling; None for a word not known."""
    if not isinstance(value, str):
        return None
    word = _normal(value)
    return next((role for role, words in _WORDS.items() if word in words), None)


def leaves(body: Any, depth: int = 2, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Each scalar of a body with its dotted path, down to `depth` objects below the top."""
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if not isinstance(key, str) or "." in key or not key:
            continue
        path = prefix + key
        if isinstance(value, dict):
            if depth > 0:
                yield from leaves(value, depth - 1, path + ".")
        elif not isinstance(value, list):
            yield path, value


def state_fields(body: Any) -> list[str]:
    """The fields that name a known state word: those named like a state first, shallow first."""
    found = [path for path, value in leaves(body) if role_of(value) is not None]
    return sorted(found, key=lambda p: (_STATE_KEY.search(p) is None, p.count("."), found.index(p)))


def url_fields(body: Any, names: tuple[str, ...], any_name: bool = False) -> list[tuple[str, str]]:
    """(field, value) of the body's string fields that hold a URL or an absolute path,
    those in `names` first in their order, then any other field named like a URL (with
    `any_name`, any other field at all)."""
    found = [
        (path, value)
        for path, value in leaves(body, depth=1)
        if isinstance(value, str) and (value.startswith("/") or re.match(r"https?://", value))
    ]
    rank = {n.casefold(): i for i, n in enumerate(names)}

    def order(item: tuple[str, str]) -> tuple[int, int]:
        key = item[0].casefold()
        if key in rank:
            return 0, rank[key]
        return (1 if re.search(r"(url|uri|href|location|link)$", key) else 2), 0

    return [item for item in sorted(found, key=order) if any_name or order(item)[0] < 2]
