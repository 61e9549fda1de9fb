"""Submission: 202, Location, unique ids, answering before the work is done, the 202 body."""

from __future__ import annotations

import json

from ..description import Description
from ..driver import Run, Submission
from ..verdicts import Blocked, ConformanceFailure
from ._common import answered, reason

__all__ = [
    "accepted_with_202",
    "body_describes_status",
    "ids_unique",
    "location_names_status",
    "not_blocking",
]


def _answered(sub: Submission) -> None:
    answered(sub.exchange, "the submission")


def accepted_with_202(run: Run) -> None:
    sub = run.submission
    _answered(sub)
    if sub.exchange.status != 202:
        raise ConformanceFailure(
            "SUBMIT-202",
            observed=f"{sub.exchange.status}",
            expected="202 Accepted",
            exchanges=[sub.exchange],
            hint="Answer an asynchronous submission with 202 and a Location of its status.",
        )


def location_names_status(run: Run) -> None:
    sub = run.submission
    _answered(sub)
    if sub.off_origin:
        # Not following it is the suite's own policy, so this is "could not run", not FAIL.
        raise Blocked(sub.location_problem or "Location is on another origin", [sub.exchange])
    if sub.status_url is None:
        raise ConformanceFailure(
            "SUBMIT-LOCATION",
            observed=sub.location_problem or "no usable Location",
            expected="a Location header naming the operation-status resource",
            exchanges=[sub.exchange],
        )
    first = run.polls[0].exchange if run.polls else None
    if first is not None and first.status in (404, 410):
        raise ConformanceFailure(
            "SUBMIT-LOCATION",
            observed=f"Location {sub.location!r} resolves to {sub.status_url}, "
            f"which answered {first.status}",
            expected="the status resource of the operation just accepted",
            exchanges=[sub.exchange, first],
        )


def ids_unique(subs: list[Submission]) -> None:
    for sub in subs:
        _answered(sub)
    exchanges = [s.exchange for s in subs]
    accepted = [s for s in subs if s.status_url is not None]
    if len(accepted) < len(subs):
        raise Blocked(
            f"only {len(accepted)} of {len(subs)} concurrent submissions were accepted with a "
            "status URL to compare",
            exchanges,
        )
    urls = [str(s.status_url) for s in accepted]
    # Ids only as the bodies give them: a URL's last segment need not be the id.
    ids = [s.operation_id for s in accepted if s.operation_id is not None]
    for label, values in (("status URLs", urls), ("operation ids", ids)):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ConformanceFailure(
                "SUBMIT-UNIQUE",
                observed=f"{len(subs)} concurrent submissions gave {len(set(values))} distinct "
                f"{label}; repeated: {', '.join(repeated[:3])}",
                expected=f"{len(subs)} distinct {label}",
                exchanges=exchanges,
                hint="Derive ids from a random or sequenced source, not from the clock.",
            )


def not_blocking(run: Run, description: Description) -> None:
    sub = run.submission
    _answered(sub)
    first = run.polls[0] if run.polls else None
    if first is None or first.state is None:
        raise Blocked(f"the first status poll could not be read: {reason(run)}", run.exchanges)
    latency = sub.exchange.latency
    interval = description.polling.interval
    if first.state in description.dialect.states.terminal and latency >= interval:
        raise ConformanceFailure(
            "SUBMIT-NONBLOCKING",
            observed=f"the 202 took {latency:.3f} s and the operation was already "
            f"{first.state} at the first poll",
            expected=f"a 202 within one poll interval ({interval:g} s), before the work ends",
            exchanges=[sub.exchange, first.exchange],
        )


def body_describes_status(run: Run, description: Description) -> None:
    sub = run.submission
    _answered(sub)
    if not sub.exchange.body.strip():
        return
    field = description.dialect.status_field
    try:
        body = json.loads(sub.exchange.body)
    except ValueError:
        body = None
    if not isinstance(body, dict) or field not in body:
        raise ConformanceFailure(
            "SUBMIT-BODY",
            observed=f"a {sub.exchange.header('content-type') or 'untyped'} body "
            f"{sub.exchange.body[:80]!r}",
            expected=f"no body, or a JSON object with the status field {field!r}",
            exchanges=[sub.exchange],
        )
