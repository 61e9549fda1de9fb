"""Status: 200 JSON, state names, the id, safe polling, details, Retry-After."""

from __future__ import annotations

from urllib.parse import unquote

import httpx

from ..description import Description
from ..driver import Poll, Run, retry_after_seconds
from ..verdicts import Blocked, ConformanceFailure
from ._common import needs_polls

__all__ = [
    "answers_200_json",
    "details_while_running",
    "honours_retry_after",
    "id_matches_url",
    "reads_are_safe",
    "state_names_known",
]


def answers_200_json(run: Run) -> None:
    for poll in needs_polls(run):
        ex = poll.exchange
        if ex.status != 200 or poll.body is None:
            what = ex.error or f"{ex.status} {ex.header('content-type') or 'untyped'}"
            raise ConformanceFailure(
                "STATUS-200-JSON",
                observed=f"{what} body {ex.body[:80]!r}",
                expected="200 with a JSON object, for as long as the id is available",
                exchanges=[ex],
            )


def state_names_known(run: Run, description: Description) -> None:
    dialect = description.dialect
    for poll in needs_polls(run):
        if poll.body is None:
            continue
        value = poll.body.get(dialect.status_field)
        if value not in dialect.states.all:
            raise ConformanceFailure(
                "STATUS-STATE-NAMES",
                observed=f"{dialect.status_field} = {value!r}",
                expected=f"one of {sorted(dialect.states.all)}",
                exchanges=[poll.exchange],
                hint="State names are exact and case-sensitive; a dialect override in the "
                "target description can declare other names.",
            )


def _url_values(url: str) -> set[str]:
    """The path segments and query values of a URL, percent-decoded."""
    parsed = httpx.URL(url)
    segments = {unquote(s) for s in parsed.path.split("/") if s}
    return segments | {v for _, v in parsed.params.multi_items()}


def id_matches_url(run: Run, description: Description) -> None:
    """The body's id is the operation's: the one the 202 gave, else one the status URL names."""
    field = description.dialect.id_field
    given = run.submission.operation_id
    for poll in needs_polls(run):
        if poll.body is None or poll.body.get(field) is None:
            continue
        value = str(poll.body[field])
        if given is not None:
            ok, expected = value == given, f"{given!r}, the id the 202 gave"
        else:
            ok = value in _url_values(poll.exchange.url)
            expected = "an id that the status URL names"
        if not ok:
            raise ConformanceFailure(
                "STATUS-ID-MATCH",
                observed=f"{field} = {value!r} at {poll.exchange.url}",
                expected=expected,
                exchanges=[run.submission.exchange, poll.exchange],
            )


def _snapshot(poll: Poll, description: Description) -> tuple[object, object]:
    body = poll.body or {}
    dialect = description.dialect
    return body.get(dialect.status_field), body.get(dialect.progress_field)


#: With the wall clock, how far ahead (in progress points) the often-read operation may be.
PROGRESS_SLACK = 25


def reads_are_safe(often: list[Poll], once: Poll, description: Description, exact: bool) -> None:
    """Reading must not move an operation along.

    Two operations of one scenario start together; one is read many times back to
    back, the other once. If reads drive the work, the often-read one runs ahead.
    With a virtual clock (`exact`) no time passes, so any difference at all is the
    reads' doing; with the wall clock, only a lead larger than `PROGRESS_SLACK`
    points or a terminal state against a running one counts.
    """
    polls = [*often, once]
    if any(p.body is None for p in polls):
        bad = next(p for p in polls if p.body is None)
        raise Blocked(f"a status read gave no JSON body ({bad.exchange.status})", [bad.exchange])
    states = description.dialect.states
    last, control = _snapshot(often[-1], description), _snapshot(once, description)
    seen = " -> ".join(str(_snapshot(p, description)) for p in often)
    if exact:
        moved = len({_snapshot(p, description) for p in often}) > 1 or last != control
    else:
        ahead = states.role(str(last[0])) != "running" and states.role(str(control[0])) == "running"
        numbers = isinstance(last[1], int) and isinstance(control[1], int)
        gap = last[1] - control[1] if numbers else 0  # type: ignore[operator]
        moved = ahead or gap > PROGRESS_SLACK
    if moved:
        raise ConformanceFailure(
            "STATUS-SAFE",
            observed=f"read {len(often)} times, an operation went {seen}; its twin, read "
            f"once, is at {control}",
            expected="both at the same (state, progress): reads do not drive the work",
            exchanges=[p.exchange for p in polls],
            hint="A GET on the status must only read; move the operation on with time or work.",
        )


def details_while_running(run: Run, description: Description) -> None:
    dialect = description.dialect
    running = [p for p in needs_polls(run) if p.body and p.state in dialect.states.running]
    last: int | None = None
    last_poll: Poll | None = None
    for poll in running:
        assert poll.body is not None
        msg, progress = poll.body.get(dialect.message_field), poll.body.get(dialect.progress_field)
        if not msg and progress is None:
            raise ConformanceFailure(
                "STATUS-DETAILS",
                observed=f"neither {dialect.message_field!r} nor {dialect.progress_field!r}",
                expected="details of the work in progress while running",
                exchanges=[poll.exchange],
            )
        if progress is None:
            continue
        if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
            raise ConformanceFailure(
                "STATUS-DETAILS",
                observed=f"{dialect.progress_field} = {progress!r}",
                expected="an integer from 0 to 100",
                exchanges=[poll.exchange],
            )
        if last is not None and last_poll is not None and progress < last:
            raise ConformanceFailure(
                "STATUS-DETAILS",
                observed=f"{dialect.progress_field} went from {last} down to {progress}",
                expected="progress that never decreases",
                exchanges=[last_poll.exchange, poll.exchange],
            )
        last, last_poll = progress, poll


def honours_retry_after(run: Run, budget: float) -> bool:
    """Check that each poll waited as the previous answer's Retry-After asked.

    Returns whether any answer asked at all (so the case can say it had nothing to see).
    The poller may cut a wait short where the operation budget ends.
    """
    sub = run.submission.exchange
    asked = retry_after_seconds(sub.header("retry-after"), sub.received_at)
    seen = False
    for poll in run.polls:
        if asked is not None:
            seen = True
            budget_left = max(sub.sent_at + budget - poll.exchange.sent_at + poll.waited, 0.0)
            if poll.waited + 1e-9 < min(asked, budget_left):
                raise ConformanceFailure(
                    "STATUS-RETRY-AFTER",
                    observed=f"the poller waited {poll.waited:g} s",
                    expected=f"a wait of {asked:g} s, as Retry-After asked",
                    exchanges=[poll.exchange],
                )
        asked = poll.retry_after
    return seen
