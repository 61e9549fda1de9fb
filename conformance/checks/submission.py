"""Submission: the acceptance code, the status URL, unique ids, not blocking, the body."""

from __future__ import annotations

from .._words import counted
from ..description import Description
from ..driver import GONE_STATUSES, Ended, Run, Submission, read_state
from ..observations import Concurrent
from ..verdicts import Blocked, ConformanceFailure, Inconclusive, NotObserved, cite
from ._common import answered, blockers, codes, not_cut, reason

__all__ = [
    "accepted_with_202",
    "body_describes_status",
    "concurrent_runs_end_as_declared",
    "ids_unique",
    "location_names_status",
    "not_blocking",
]


def _answered(sub: Submission) -> None:
    answered(sub.exchange, "the submission")


def accepted_with_202(run: Run, description: Description, documented: str = "") -> None:
    """SUBMIT-202. `documented`: where the published document gives another code than the
    one answered, said once, here (`document.disagreement`)."""
    sub = run.submission
    _answered(sub)
    accepted = description.dialect.accepted_status
    if sub.exchange.status not in accepted:
        raise ConformanceFailure(
            "SUBMIT-202",
            observed=f"{sub.exchange.status}{documented}",
            expected=f"{codes(accepted)} (the dialect's acceptance)",
            exchanges=[sub.exchange],
            hint="Answer an asynchronous submission at once, with a way to reach its status.",
        )
    cite(
        f"the {sub.scenario} submission answered {sub.exchange.status}{documented}", [sub.exchange]
    )


def location_names_status(run: Run, description: Description, documented: str = "") -> None:
    """SUBMIT-LOCATION. `documented`: where the published document names the monitor in a
    header the answer did not have, said once, here (`document.monitor_disagreement`)."""
    sub = run.submission
    _answered(sub)
    if sub.off_origin:
        # The server named it; whether it is the status resource is not known until it is
        # followed, which the suite does only where the user allowed that origin: doubt.
        raise Inconclusive(
            "SUBMIT-LOCATION",
            sub.location_problem or "the status URL is on another origin",
            [sub.exchange],
        )
    if sub.status_url is None:
        raise ConformanceFailure(
            "SUBMIT-LOCATION",
            observed=(sub.location_problem or "no usable status URL") + documented,
            expected=f"a status URL ({description.dialect.status_url_text})",
            exchanges=[sub.exchange],
        )
    first = run.polls[0].exchange if run.polls else None
    if first is None:
        raise Blocked(
            f"the status URL was not read: {reason(run)}", [sub.exchange], by=blockers(run)
        )
    if first.status in GONE_STATUSES:
        raise ConformanceFailure(
            "SUBMIT-LOCATION",
            observed=f"the status URL {sub.location!r}{_source(sub, description)} resolves to "
            f"{sub.status_url}, "
            f"which answered {first.status}",
            expected="the status resource of the operation just accepted",
            exchanges=[sub.exchange, first],
        )
    cite(
        f"the status URL {sub.status_url}{_source(sub, description)} answered "
        f"{first.status}{documented}",
        [sub.exchange, first],
    )


def _source(sub: Submission, description: Description) -> str:
    """Where the status URL came from, where the dialect looks in several places."""
    if sub.location_source is None or len(description.dialect.status_url_sources) < 2:
        return ""
    return f" (from {sub.location_source})"


def ids_unique(subs: list[Submission]) -> None:
    """Accepted submissions (those that named a status URL) have distinct URLs and ids."""
    for sub in subs:
        _answered(sub)
    accepted = [s for s in subs if s.status_url is not None]
    if len(accepted) < 2:
        raise NotObserved(
            f"only {len(accepted)} of {len(subs)} concurrent submissions were accepted with a "
            "status URL, so there were no two to compare; make each submission distinct "
            "with {uuid} or {n} in the scenario's path or body if the target refuses repeats",
            [s.exchange for s in subs],
        )
    exchanges = [s.exchange for s in accepted]
    urls = [str(s.status_url) for s in accepted]
    # Ids only as the bodies give them: a URL's last segment need not be the id.
    ids = [s.operation_id for s in accepted if s.operation_id is not None]
    for label, values in (("status URL", urls), ("operation id", ids)):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ConformanceFailure(
                "SUBMIT-UNIQUE",
                observed=f"{counted(len(accepted), 'accepted concurrent submission')} gave "
                f"{counted(len(set(values)), 'distinct ' + label)}; "
                f"repeated: {', '.join(repeated[:3])}",
                expected=counted(len(accepted), "distinct " + label),
                exchanges=exchanges,
                hint="Derive ids from a random or sequenced source, not from the clock.",
            )
    cite(
        f"{counted(len(accepted), 'accepted concurrent submission')}, "
        f"{counted(len(set(urls)), 'status URL')}",
        exchanges,
    )


def concurrent_runs_end_as_declared(
    concurrent: Concurrent, alone: Run, description: Description
) -> None:
    """No accepted concurrent submission is lost (its status gone) or left running.

    Which terminal state each reached is TRANS-OUTCOME's other case and TRANS-MODEL's
    business; this one asks only that every accepted operation comes to an end.
    """
    if not concurrent.runs:
        raise NotObserved("no concurrent submission was accepted with a status URL to follow")
    first_alone = alone.polls[0].exchange if alone.polls else None
    if first_alone is None or first_alone.status in GONE_STATUSES:
        raise Blocked(
            f"the status URL of a single success submission does not work either: {reason(alone)}",
            alone.exchanges,
            by=blockers(alone),
        )
    retention = description.retention
    windowed = "RETAIN-COMPLETED" not in description.not_judged
    for run in concurrent.runs:
        first = run.polls[0].exchange if run.polls else None
        if first is not None and first.status in GONE_STATUSES:
            # Lost for certain only if read before the id could have expired: it completed
            # no earlier than its submission, so it lives at least one window after that.
            late = first.received_at - run.submission.exchange.sent_at
            if windowed and late >= retention.completed - retention.tolerance:
                raise Inconclusive(
                    "TRANS-OUTCOME",
                    f"an accepted operation's status answered {first.status} when first read "
                    f"{late:.3f} s after its submission, when its {retention.completed:g} s "
                    "window may already have ended",
                    [run.submission.exchange, first],
                )
            observed = f"an accepted operation's status URL answered {first.status}: it was lost"
        elif run.ended is Ended.BUDGET:
            observed = f"an accepted operation was still {run.polls[-1].state} after the budget"
        elif run.terminal is None:
            raise Blocked(
                f"an accepted operation could not be followed: {reason(run)}",
                run.exchanges,
                by=blockers(run),
            )
        else:
            continue
        raise ConformanceFailure(
            "TRANS-OUTCOME",
            observed=f"{observed} ({len(concurrent.runs)} accepted at once)",
            expected="every accepted operation reaches a terminal state within the operation "
            f"budget ({description.polling.budget:g} s)",
            exchanges=run.exchanges[:2] + run.exchanges[-2:],
            hint="An accepted operation must not be lost or stall when others run at once.",
        )
    terminals = [r.terminal.exchange for r in concurrent.runs if r.terminal is not None]
    ended = counted(len(concurrent.runs), "concurrent operation")
    cite(f"{'all ' if len(concurrent.runs) > 1 else ''}{ended} came to an end", terminals)


def not_blocking(run: Run, description: Description) -> None:
    sub = run.submission
    _answered(sub)
    first = run.polls[0] if run.polls else None
    if first is None or not first.available or first.role is None:
        raise Blocked(
            f"the first status read tells no state: {reason(run)}",
            run.exchanges,
            by=blockers(run),
        )
    latency = sub.exchange.latency
    interval = description.polling.interval
    if first.role.terminal and latency >= interval:
        raise ConformanceFailure(
            "SUBMIT-NONBLOCKING",
            observed=f"the acceptance took {latency:.3f} s and the operation was already "
            f"{first.state} at the first poll",
            expected=f"an acceptance within one poll interval ({interval:g} s), before the "
            "work ends",
            exchanges=[sub.exchange, first.exchange],
        )
    cite(
        f"the acceptance took {latency:.3f} s; the first read showed {first.state}",
        [sub.exchange, first.exchange],
    )


def body_describes_status(run: Run, description: Description) -> None:
    sub = run.submission
    _answered(sub)
    ex = sub.exchange
    if ex.status != 202:
        # A 200 or 201 that creates in place answers with the resource, not a status.
        raise NotObserved(f"the {sub.scenario} acceptance answered {ex.status}, not 202", [ex])
    if not ex.body.strip():
        raise NotObserved(f"the {sub.scenario} acceptance had no body", [ex])
    dialect = description.dialect
    where = dialect.status_field or (dialect.done.field if dialect.done else "")
    if not where:
        # The state is told by the HTTP code alone: no body could show it.
        raise NotObserved(
            "the dialect tells the state by the HTTP code alone, so an acceptance body has no "
            "status field to show",
            [ex],
        )
    body = ex.json_object()
    if body is None or read_state(dialect, None, body).told_by == "nothing":
        not_cut("SUBMIT-BODY", ex)
        content_type = ex.header("content-type")
        labelled = f"labelled {content_type}" if content_type else "without a Content-Type"
        raise ConformanceFailure(
            "SUBMIT-BODY",
            observed=f"a body {labelled}: {ex.body[:80]!r}",
            expected=f"no body, or a JSON object with the status field {where!r}",
            exchanges=[ex],
        )
    cite(f"the {sub.scenario} acceptance body is a JSON status", [ex])
