"""Status: the answer, state names, the id, safe polling, details, media type, Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import httpx

from .._words import counted
from ..description import Description, Role
from ..driver import GONE_STATUSES, MISSING, Exchange, Poll, Run, field, retry_after_seconds
from ..observations import SafetyTrial
from ..verdicts import Blocked, ConformanceFailure, Inconclusive, NotObserved, cite
from ._common import codes, needs_polls, not_cut

__all__ = [
    "answers_200_json",
    "details_while_running",
    "honours_retry_after",
    "id_matches_url",
    "json_media_type",
    "reads_are_safe",
    "state_names_known",
]


def _live(run: Run) -> list[Poll]:
    """The polls made while the id was available: all but a final 404 or 410."""
    polls = needs_polls(run)
    return [p for p in polls if p.exchange.status not in GONE_STATUSES or p is not polls[-1]]


def _unless_coded(description: Description) -> str:
    """Where the dialect maps codes to states, the answers that need no body."""
    coded = description.dialect.http_states
    return f" (none needed where {codes(sorted(coded))} tells the state)" if coded else ""


def answers_200_json(run: Run, description: Description) -> None:
    allowed = description.dialect.status_answers
    polls = _live(run)
    for poll in polls:
        ex = poll.exchange
        needs_body = poll.reading.told_by != "http"
        if ex.status not in allowed or (needs_body and poll.body is None):
            not_cut("STATUS-200-JSON", ex)
            content_type = ex.header("content-type")
            what = ex.error or f"{ex.status} {content_type or 'without a Content-Type'}"
            raise ConformanceFailure(
                "STATUS-200-JSON",
                observed=f"{what} body {ex.body[:80]!r}",
                expected=f"{codes(allowed)} with a JSON object{_unless_coded(description)}, "
                "for as long as the id is available",
                exchanges=[ex],
            )
    seen = codes(sorted({p.exchange.status or 0 for p in polls}))
    bare = sum(p.body is None for p in polls)  # the dialect reads these by their code
    how = (
        f"; {len(polls) - bare} had a JSON object, {bare} told the state by the code alone"
        if bare
        else " with a JSON object"
    )
    reads = counted(len(polls), "status read")
    cite(f"{reads} answered {seen}{how}", [p.exchange for p in polls])


def state_names_known(run: Run, description: Description) -> None:
    dialect = description.dialect
    told = [p for p in needs_polls(run) if p.answered and p.reading.told_by != "http"]
    for poll in told:
        if poll.role is not None:
            continue
        meant = ""
        if poll.reading.told_by == "field":
            unknown = dialect.states.unknown(poll.reading.raw)
            meant = f"{unknown[0].upper()}{unknown[1:]}{'' if unknown.endswith('?') else '.'} "
            observed = f"{dialect.status_field} = {poll.reading.raw!r}"
            expected = f"one of {sorted(dialect.states.all)}"
        elif poll.reading.told_by == "done":
            observed = f"{dialect.done.field if dialect.done else ''} = {poll.reading.raw!r}"
            expected = "a boolean (true once the operation is done)"
        elif poll.body is not None and dialect.status_field:
            observed = f"a JSON body without {dialect.status_field!r}"
            expected = f"the status field {dialect.status_field!r} with one of the state names"
        elif poll.body is not None and dialect.done is not None:
            observed = f"a JSON body with neither {dialect.done.field!r} nor {dialect.id_field!r}"
            expected = f"an operation, with {dialect.done.field!r} once it is finished"
        elif poll.body is not None:  # the state is told by codes, and this one maps to none
            observed = f"{poll.exchange.status}, a code dialect.http_states does not map"
            expected = f"one of {codes(sorted(dialect.http_states))}, the codes that tell a state"
        else:
            continue  # not JSON: STATUS-200-JSON's business
        raise ConformanceFailure(
            "STATUS-STATE-NAMES",
            observed=observed,
            expected=expected,
            exchanges=[poll.exchange],
            hint=f"{meant}State names are exact and case-sensitive; if the server is right, "
            "list its names under [dialect.states] in the target description.",
        )
    judged = [p for p in told if p.role is not None]
    if not judged:
        raise NotObserved(
            f"no status body of the {run.submission.scenario} run named a state",
            run.exchanges,
        )
    names = sorted({str(p.state) for p in judged})
    cite(f"state names seen: {', '.join(names)}", [p.exchange for p in judged])


def _url_values(url: str) -> set[str]:
    """The path segments and query values of a URL, percent-decoded, and the path itself."""
    parsed = httpx.URL(url)
    path = unquote(parsed.path)
    segments = {unquote(s) for s in parsed.path.split("/") if s}
    # An id with a slash in it (AIP-151's "operations/123") is a run of segments.
    tails = {path.split("/", i + 1)[-1] for i in range(path.count("/"))}
    return segments | tails | {v for _, v in parsed.params.multi_items()}


def id_matches_url(run: Run, description: Description) -> None:
    """The body's id is the operation's: the one the acceptance gave, else one the URL names."""
    path = description.dialect.id_field
    if not path:
        raise NotObserved(
            "the dialect names no id field (dialect.id_field is empty), so no status body's id "
            "can be compared with its URL; set dialect.id_field to judge this"
        )
    given = run.submission.operation_id
    judged: list[Exchange] = []
    results: list[Exchange] = []
    for poll in needs_polls(run):
        if poll.is_result:
            results.append(poll.exchange)  # the resource, whose own id is not the operation's
            continue
        value = field(poll.body, path)
        if not poll.answered or value is MISSING or value is None:
            continue
        text = str(value)
        if given is not None:
            ok, expected = text == given, f"{given!r}, the id the acceptance gave"
        else:
            ok = text in _url_values(poll.exchange.url)
            expected = "an id that the status URL names"
        if not ok:
            raise ConformanceFailure(
                "STATUS-ID-MATCH",
                observed=f"{path} = {text!r} at {poll.exchange.url}",
                expected=expected,
                exchanges=[run.submission.exchange, poll.exchange],
            )
        judged.append(poll.exchange)
    aside = (
        f"; {counted(len(results), 'final answer')} told the outcome by its code alone and "
        "carried the result, not a status, so its body was not judged"
        if results
        else ""
    )
    if not judged:
        raise NotObserved(
            f"no status body of the {run.submission.scenario} run named an id in {path!r}{aside}",
            run.exchanges,
        )
    bodies = counted(len(judged), "status body", "status bodies")
    cite(f"{bodies} named the operation's own id{aside}", judged)


def _json_type(exchange: Exchange) -> bool:
    value = (exchange.header("content-type") or "").split(";")[0].strip().lower()
    return value == "application/json" or value.endswith("+json")


def json_media_type(run: Run) -> None:
    """Acceptance and status bodies say they are JSON (RFC 8259 §11, RFC 9110 §8.3)."""
    results = {id(p.exchange) for p in run.polls if p.is_result}  # the resource, not a status
    bodies = [e for e in run.exchanges if e.error is None and e.body.strip()]
    bodies = [e for e in bodies if e is run.submission.exchange or (e.status or 0) < 400]
    bodies = [e for e in bodies if id(e) not in results]
    if not bodies:
        raise NotObserved("neither the acceptance nor any status read had a body", run.exchanges)
    for ex in bodies:
        if not _json_type(ex):
            what = "an acceptance" if ex is run.submission.exchange else "a status"
            raise ConformanceFailure(
                "STATUS-MEDIA-TYPE",
                observed=f"{what} body labelled {ex.header('content-type') or 'with no type'}",
                expected="Content-Type: application/json (or a +json type)",
                exchanges=[ex],
                hint="Label JSON bodies as JSON so that clients and proxies read them as such.",
            )
    cite(f"{counted(len(bodies), 'body', 'bodies')} labelled as JSON", bodies)


def _snapshot(poll: Poll, description: Description) -> tuple[object, object]:
    progress = field(poll.body, description.dialect.progress_field)
    return poll.state, None if progress is MISSING else progress


#: With the wall clock, how far ahead (in progress points) the often-read operation may be.
PROGRESS_SLACK = 25


def _ahead(trial: SafetyTrial, twin: Poll, description: Description) -> bool:
    """Whether the often-read operation is clearly ahead of its twin (wall clock)."""
    last, control = _snapshot(trial.often[-1], description), _snapshot(twin, description)
    finished = trial.often[-1].role is not None and trial.often[-1].role.terminal
    ahead = finished and twin.role is Role.RUNNING
    numbers = isinstance(last[1], int) and isinstance(control[1], int)
    gap = last[1] - control[1] if numbers else 0  # type: ignore[operator]
    return ahead or gap > PROGRESS_SLACK


def _usable(trial: SafetyTrial) -> None:
    if trial.problem is not None:
        raise Blocked(
            trial.problem,
            [s.exchange for s in trial.submissions],
            by=("SUBMIT-202", "SUBMIT-LOCATION"),
        )
    bad = next((p for p in [*trial.often, trial.once] if not p.available), None)
    if bad is not None:
        raise Blocked(
            f"a status read answered {bad.exchange.error or bad.exchange.status} with no state",
            [bad.exchange],
            by=()
            if bad.exchange.error
            else ("STATUS-200-JSON", "STATUS-STATE-NAMES", "SUBMIT-LOCATION"),
        )


def reads_are_safe(trial: Callable[[], SafetyTrial], description: Description, exact: bool) -> None:
    """Reading must not move an operation along.

    Two operations of one scenario start together; one is read many times back to
    back, the other once. If reads drive the work, the often-read one runs ahead.
    With a virtual or test clock (`exact`) no time passes, so any difference at all
    is the reads' doing. With the wall clock operations finish at slightly different
    times anyway: a lead counts only if a third operation, left unread for twice the
    time the often-read one needed, is still behind at its first read, and only if a
    second trial shows it again; one showing of two is inconclusive.
    """
    first = trial()
    _usable(first)
    exchanges = [p.exchange for p in [*first.often, first.once]]
    seen = " -> ".join(str(_snapshot(p, description)) for p in first.often)
    control = _snapshot(first.once, description)
    moved = len({_snapshot(p, description) for p in first.often}) > 1
    if exact and (moved or _snapshot(first.often[-1], description) != control):
        raise _unsafe(first, seen, control, exchanges)
    opening = first.often[0]
    if opening.role is not None and opening.role.terminal:
        # Ended before its first read (and, on an exact clock, left as it was by the reads):
        # no read was made while there was work for one to move. On the wall clock a twin
        # behind it, or a state that changed after, is the server's own timing as much.
        raise NotObserved(
            f"the operation read {counted(len(first.often), 'time')} had already ended "
            f"({opening.state}) at its first read, so no read was made while it ran; a "
            "scenario whose work outlasts the first status read would show whether reads "
            "move it",
            exchanges,
        )
    if exact:
        cite(
            f"read {counted(len(first.often), 'time')}, the operation stayed at {control}",
            exchanges,
        )
        return
    if not _lags(first, description):
        cite(
            f"read {counted(len(first.often), 'time')}, the operation kept pace with its twin",
            exchanges,
        )
        return
    second = trial()
    _usable(second)
    if _lags(second, description):
        raise _unsafe(first, seen, control, exchanges + [p.exchange for p in second.often])
    raise Inconclusive(
        "STATUS-SAFE",
        f"once of two times, an operation read {counted(len(first.often), 'time')} went "
        "ahead of its twin; with the wall clock that may be the server's own timing",
        exchanges,
    )


def _lags(trial: SafetyTrial, description: Description) -> bool:
    """The twin lags the often-read operation, and so does one given time to catch up."""
    if not _ahead(trial, trial.once, description):
        return False
    return trial.later is None or _ahead(trial, trial.later, description)


def _unsafe(
    trial: SafetyTrial, seen: str, control: object, exchanges: list[Exchange]
) -> ConformanceFailure:
    later = ""
    if trial.later is not None and trial.often_age is not None:
        later = (
            f"; a third, left unread for {2 * trial.often_age:.3f} s, was still "
            f"{trial.later.state} at its first read"
        )
    return ConformanceFailure(
        "STATUS-SAFE",
        observed=f"read {counted(len(trial.often), 'time')}, an operation went {seen}; "
        f"its twin, read once, is at {control}{later}",
        expected="both at the same (state, progress): reads do not drive the work",
        exchanges=exchanges,
        hint="A GET on the status must only read; move the operation on with time or work.",
    )


def _absent(message_field: str, progress_field: str) -> str:
    """The details a running read lacked, by the fields the dialect names."""
    if message_field and progress_field:
        return f"neither {message_field!r} nor {progress_field!r}"
    if message_field:
        return f"no {message_field!r} (the dialect names no progress field)"
    return f"no {progress_field!r} (the dialect names no message field)"


def details_while_running(run: Run, description: Description) -> None:
    dialect = description.dialect
    named = [f for f in (dialect.message_field, dialect.progress_field) if f]
    if not named:
        raise NotObserved(
            "the dialect names neither a message nor a progress field, so there are no "
            "details to look for; set dialect.message_field or dialect.progress_field"
        )
    running = [p for p in needs_polls(run) if p.answered and p.role is Role.RUNNING]
    if not running:
        raise NotObserved(
            f"no status read of the {run.submission.scenario} run saw it running", run.exchanges
        )
    last: int | None = None
    last_poll: Poll | None = None
    for poll in running:
        msg = field(poll.body, dialect.message_field)
        progress = field(poll.body, dialect.progress_field)
        has_msg = isinstance(msg, str) and bool(msg.strip())
        if not has_msg and progress in (MISSING, None):
            raise ConformanceFailure(
                "STATUS-DETAILS",
                observed=_absent(dialect.message_field, dialect.progress_field),
                expected="details of the work in progress while running",
                exchanges=[poll.exchange],
            )
        if progress in (MISSING, None):
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
    cite(f"{counted(len(running), 'running read')} gave details", [p.exchange for p in running])


def honours_retry_after(run: Run, budget: float) -> None:
    """Check that each poll waited as the previous answer's Retry-After asked.

    The poller may cut a wait short where the operation budget ends.
    """
    sub = run.submission.exchange
    asked = retry_after_seconds(sub.header("retry-after"), sub.received_at)
    honoured: list[Exchange] = []
    for poll in run.polls:
        if asked is not None:
            budget_left = max(sub.sent_at + budget - poll.exchange.sent_at + poll.waited, 0.0)
            if poll.waited + 1e-9 < min(asked, budget_left):
                raise ConformanceFailure(
                    "STATUS-RETRY-AFTER",
                    observed=f"the poller waited {poll.waited:g} s",
                    expected=f"a wait of {asked:g} s, as Retry-After asked",
                    exchanges=[poll.exchange],
                )
            honoured.append(poll.exchange)
        asked = poll.retry_after
    if not honoured:
        raise NotObserved("the target sent no Retry-After, so there was nothing to honour")
    cite(f"{counted(len(honoured), 'poll')} waited as Retry-After asked", honoured)
