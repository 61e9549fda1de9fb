"""Faults and quirks as hooks: each changes one thing at one point of an answer.

The simulator builds every answer in one place and calls the hooks of its
behaviours there: `view` hooks change what is true of an operation before any
dialect renders it, `location` hooks the status URL an acceptance names, and the
answer hooks (`accepted`, `status`, `delete`, `read`) the rendered answer. A
behaviour with no hook here lives in the store's arithmetic (ids, timing, expiry).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..description import Role
from ._wire import Rendered, View

__all__ = ["HOOKS", "PLANTED_ELEMENT", "PLANTED_SCRIPT", "Context"]


@dataclass(frozen=True)
class Context:
    """Where an answer is being built: for which operation, when, and at which point."""

    point: str  # "accepted" or "status" for view hooks
    now: float
    completed_at: float | None
    base_url: str
    account_id: str
    reads_done: int = 0  # status reads of the operation since it completed, this one included


ViewHook = Callable[[View, Context], None]
LocationHook = Callable[[str, Context], str | None]
AnswerHook = Callable[[Rendered, Context], None]

HOOKS: dict[str, dict[str, Any]] = {}
#: flips-after-reads: how many reads after completion still show the right state.
FLIP_AFTER_READS = 4


def _hook(name: str, point: str) -> Callable[[Any], Any]:
    def register(function: Any) -> Any:
        HOOKS.setdefault(name, {})[point] = function
        return function

    return register


# -- what is true of the operation ----------------------------------------------


@_hook("unknown-state", "view")
def _unknown_state(view: View, ctx: Context) -> None:
    if view.role is Role.RUNNING:
        view.state = "IN_PROGRESS"


@_hook("wrong-operation-id", "view")
def _wrong_operation_id(view: View, ctx: Context) -> None:
    if ctx.point == "status":  # the acceptance names the right one
        view.id = "op-" + ctx.account_id


@_hook("progress-decreases", "view")
def _progress_decreases(view: View, ctx: Context) -> None:
    if view.role is Role.RUNNING and view.progress >= 50:
        view.progress -= 30


@_hook("schema-drift", "view")
def _schema_drift(view: View, ctx: Context) -> None:
    if ctx.point == "status":
        view.extra["additionalParameters"] = [{"name": 1, "value": "drifted"}]


@_hook("terminal-flips", "view")
def _terminal_flips(view: View, ctx: Context) -> None:
    done = ctx.completed_at
    if view.role is Role.SUCCESS and done is not None and ctx.now >= done + 1.5:
        view.role, view.resource = Role.FAILURE, None


@_hook("flips-after-reads", "view")
def _flips_after_reads(view: View, ctx: Context) -> None:
    if view.role is Role.SUCCESS and ctx.reads_done > FLIP_AFTER_READS:
        view.role, view.resource = Role.FAILURE, None


@_hook("wrong-outcome", "view")
def _wrong_outcome(view: View, ctx: Context) -> None:
    if view.role is Role.FAILURE:
        view.role = Role.SUCCESS


@_hook("no-resource-url", "view")
def _no_resource_url(view: View, ctx: Context) -> None:
    view.resource = None


@_hook("failed-no-msg", "view")
def _failed_no_msg(view: View, ctx: Context) -> None:
    if view.role is Role.FAILURE:
        view.message = None


@_hook("extra-fields", "view")
def _extra_fields(view: View, ctx: Context) -> None:
    view.extra.update(startTime=ctx.now, annotations={"simulator": "extra fields"})


#: What markup-in-text plants: a script that would mark the page, and an element with a handler.
PLANTED_SCRIPT = "<script>window.__planted = 'script';document.title = 'planted'</script>"
PLANTED_ELEMENT = "<img src=x onerror=\"window.__planted = 'img'\">"


@_hook("markup-in-text", "view")
def _markup_in_text(view: View, ctx: Context) -> None:
    if view.message is not None:
        view.message += " " + PLANTED_SCRIPT
    view.extra["note"] = PLANTED_ELEMENT + "</pre></details>" + PLANTED_SCRIPT


@_hook("markup-in-text", "accepted")
def _markup_header_accepted(answer: Rendered, ctx: Context) -> None:
    answer.headers["X-Note"] = PLANTED_SCRIPT


@_hook("markup-in-text", "status")
def _markup_header_status(answer: Rendered, ctx: Context) -> None:
    answer.headers["X-Note"] = PLANTED_SCRIPT


# -- the status URL an acceptance names --------------------------------------------


@_hook("no-location", "location")
def _no_location(url: str, ctx: Context) -> str | None:
    return None


@_hook("location-404", "location")
def _location_404(url: str, ctx: Context) -> str | None:
    collection, _, last = url.rpartition("/")
    return f"{collection}x/{last}"  # a typo in the route


@_hook("relative-location", "location")
def _relative_location(url: str, ctx: Context) -> str | None:
    # From /v1/tenants/1/clouds/1/accounts: up the five segments of its folder, then down.
    return "../" * 5 + url.lstrip("/")


@_hook("absolute-location", "location")
def _absolute_location(url: str, ctx: Context) -> str | None:
    return ctx.base_url.rstrip("/") + url


@_hook("off-origin-location", "location")
def _off_origin_location(url: str, ctx: Context) -> str | None:
    return "http://ops-status.internal:8080" + url


# -- the rendered answers ----------------------------------------------------------


@_hook("submit-200", "accepted")
def _submit_200(answer: Rendered, ctx: Context) -> None:
    answer.status = 200


@_hook("submit-body-text", "accepted")
def _submit_body_text(answer: Rendered, ctx: Context) -> None:
    answer.body, answer.media_type = "Accepted", "text/plain"


@_hook("retry-after", "accepted")
def _retry_after_accepted(answer: Rendered, ctx: Context) -> None:
    answer.headers["Retry-After"] = "2"


@_hook("retry-after", "status")
def _retry_after_running(answer: Rendered, ctx: Context) -> None:
    if ctx.completed_at is None or ctx.now < ctx.completed_at:
        answer.headers["Retry-After"] = "2"


@_hook("status-not-json", "status")
def _status_not_json(answer: Rendered, ctx: Context) -> None:
    answer.body = "status=" + " ".join(f"{k}={v}" for k, v in dict(answer.body).items())
    answer.media_type = "text/plain"


@_hook("status-text-plain", "status")
def _status_text_plain(answer: Rendered, ctx: Context) -> None:
    answer.body, answer.media_type = json.dumps(answer.body), "text/plain"


@_hook("sync-read-empty", "read")
def _sync_read_empty(answer: Rendered, ctx: Context) -> None:
    answer.body = None


@_hook("delete-200", "delete")
def _delete_200(answer: Rendered, ctx: Context) -> None:
    answer.status, answer.body = 200, {"status": "DELETED", "id": ctx.account_id}


@_hook("delete-204-body", "delete")
def _delete_204_body(answer: Rendered, ctx: Context) -> None:
    answer.body = {"status": "DELETED"}


@_hook("delete-content-length", "delete")
def _delete_content_length(answer: Rendered, ctx: Context) -> None:
    answer.headers["Content-Length"] = "0"
