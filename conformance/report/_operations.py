"""Each accepted operation as report data: its reads in clock time, its completion, its window.

What the timelines draw. Everything here is observed or follows from the target
description: when the operation completed is only known to lie between two reads
(the same bracket the retention cases judge by), so the window's edges are
brackets too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..description import Description
from ..driver import Poll, Redactor, Run, Traced
from ..retention import Bracket, completion

__all__ = ["operation_records"]


def _read(poll: Poll, redact: Redactor, gone: tuple[int, ...]) -> dict[str, Any]:
    ex = poll.exchange
    return {
        "exchange": ex.index,
        "label": redact.text(ex.label),
        "sent_at": ex.sent_at,
        "received_at": ex.received_at,
        "status": ex.status,
        "error": redact.text(ex.error) if ex.error else None,
        "state": redact.text(poll.state) if poll.state is not None else None,
        "role": poll.role.value if poll.role is not None else None,
        "available": poll.available,
        # The id is no longer there: an answer the description lists as "expired".
        "gone": ex.error is None and ex.status in gone,
    }


def _window(
    traced: Traced, bracket: Bracket | None, outcome: str | None, description: Description
) -> dict[str, Any] | None:
    """The retention window that applies to this operation, if its start is known."""
    retention = description.retention
    submitted = traced.submission.exchange
    # A window the dialect's contract does not have is not drawn: nothing judged it.
    skipped = description.not_judged.keys()
    if traced.submission.scenario == "timeout":
        if "RETAIN-TIMEOUT" in skipped:
            return None
        offset = retention.operation_timeout if retention.timeout_anchor == "timeout" else 0.0
        kind, seconds = "timed-out", retention.timed_out
        start = Bracket(submitted.sent_at + offset, submitted.received_at + offset)
    elif {"RETAIN-COMPLETED", "EXPIRE-COMPLETED"} <= skipped:
        return None
    elif bracket is not None and outcome in ("success", "failure"):
        kind, seconds, start = "completed", retention.completed, bracket
    else:
        return None
    return {
        "kind": kind,
        "seconds": seconds,
        "tolerance": retention.tolerance,
        "starts_between": [start.low, start.high],
        # Until the earliest end the id must answer; after the latest end plus the
        # tolerance it must be gone; in between either is right.
        "must_answer_until": start.low + seconds,
        "must_be_gone_after": start.high + seconds + retention.tolerance,
    }


def operation_records(
    operations: Iterable[Traced], description: Description, redact: Redactor
) -> list[dict[str, Any]]:
    records = []
    expired = tuple(description.retention.expired_status)
    for traced in operations:
        sub = traced.submission
        # The cleanup's reads are not the operation's observation: its timeline leaves them out.
        run = Run(sub, [p for p in traced.reads if not p.exchange.role])
        run.terminal_index = next(
            (i for i, p in enumerate(run.polls) if p.role is not None and p.role.terminal), None
        )
        bracket = completion(run)
        terminal = run.polls[run.terminal_index] if run.terminal_index is not None else None
        outcome = None if terminal is None or terminal.role is None else terminal.role.value
        records.append(
            {
                "number": traced.number,
                "scenario": sub.scenario,
                "origin": traced.origin,
                "status_url": redact.text(str(sub.status_url)),
                "operation_id": redact.text(sub.operation_id) if sub.operation_id else None,
                "submitted": {
                    "exchange": sub.exchange.index,
                    "sent_at": sub.exchange.sent_at,
                    "received_at": sub.exchange.received_at,
                    "status": sub.exchange.status,
                },
                "reads": [_read(p, redact, expired) for p in run.polls],
                "completed_between": None if bracket is None else [bracket.low, bracket.high],
                "outcome": outcome,
                "window": _window(traced, bracket, outcome, description),
            }
        )
    return records
