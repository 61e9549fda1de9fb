"""Retention: ids stay for their window, then are gone, and a gone id answers 404 (or 410).

Every verdict leans only on what is certain: a probe that saw the id gone counts
against the window only if it was answered before the earliest moment the window
could have ended; a probe that saw the id still there counts only if it was sent
after the latest moment. Anything in between is inconclusive (WARN), never PASS
or FAIL, and so is a completion bracket wider than the tolerance.
"""

from __future__ import annotations

from .._words import counted
from ..description import Description
from ..driver import GONE_STATUSES, Exchange, Poll
from ..retention import Retained, Unobserved
from ..schedule import Slot
from ..verdicts import Blocked, ConformanceFailure, Inconclusive, NotObserved, cite
from ._common import blockers, codes, silent

__all__ = [
    "expired_ids_answer_not_found",
    "gone_after_window",
    "kept_for_window",
    "observed_operation",
]


def observed_operation(found: Retained | Unobserved | None, scenario: str) -> Retained:
    """The scenario's retention observation; Blocked (ERROR) with the reason where there is none."""
    if found is None:
        raise Blocked(f"no {scenario} operation could be observed for retention")
    if isinstance(found, Unobserved):
        raise Blocked(found.reason, found.exchanges, by=blockers(found.run) if found.run else ())
    return found


def _poll(slot: Slot[Poll]) -> Poll:
    if slot.result is None:
        raise Blocked(f"the {slot.label} probe did not run")
    return slot.result


def _usable(requirement: str, poll: Poll, inside: bool = True) -> None:
    """Inconclusive unless the probe tells the status or says the id is gone.

    Inside the window only 404 or 410 says so: a FAIL there must be certain. After it, any
    4xx about the id does (EXPIRED-404 judges which code); a server error, a SILENT answer
    (401, 429, 503, ...) or a 2xx or 3xx that tells no state says neither.
    """
    ex = poll.exchange
    gone = ex.status in GONE_STATUSES if inside else _gone(ex)
    if not (poll.available or gone):  # no answer at all is neither
        raise Inconclusive(
            requirement, f"the probe got no usable answer ({ex.error or ex.status})", [ex]
        )


def _gone(ex: Exchange) -> bool:
    """A client error about the id itself: not one about the request (SILENT)."""
    return ex.status is not None and 400 <= ex.status < 500 and not silent(ex)


def _too_far(
    requirement: str, retained: Retained, gap: float, tolerance: float, edge: str, ex: Exchange
) -> None:
    """A probe far from the window's edge cannot see a window that is off by less."""
    if gap > tolerance:
        raise Inconclusive(
            requirement,
            f"the probe ran {gap:.3f} s from the {edge} of the {retained.scenario} window "
            f"(completion known within {retained.start.width:.3f} s), more than the tolerance "
            f"({tolerance:g} s): a window off by less would not show",
            [ex],
        )


def kept_for_window(
    requirement: str,
    retained: Retained,
    description: Description,
    expect_states: list[str] | None = None,
) -> None:
    """The id still answers just inside its window (in one of `expect_states`, when given)."""
    poll = _poll(retained.inside)
    _usable(requirement, poll)
    ex = poll.exchange
    deadline = retained.start.low + retained.window  # the earliest the window can end
    if not poll.available:
        early = deadline - ex.received_at
        if early < 0:
            raise Inconclusive(
                requirement,
                f"the probe was answered {-early:.3f} s after the earliest end of the window",
                [ex],
            )
        raise ConformanceFailure(
            requirement,
            observed=f"{ex.error or ex.status} at most {ex.received_at - retained.start.low:.3f} s "
            f"into the {retained.scenario} operation's window",
            expected=f"200 with the operation's status for the whole {retained.window:g} s",
            exchanges=[ex],
            hint="Count the window from completion (or, for a timed-out operation, as "
            "retention.timeout_anchor says), not from an earlier moment.",
        )
    # An unknown state name is STATUS-STATE-NAMES's business, not this requirement's.
    known = poll.role is not None
    if expect_states is not None and known and poll.state not in expect_states:
        raise ConformanceFailure(
            requirement,
            observed=f"the timed-out operation shows {poll.state!r} near the end of its window",
            expected=f"{' or '.join(expect_states)} (retention.timeout_state) until it expires",
            exchanges=[ex],
        )
    tolerance = description.retention.tolerance
    gap = retained.start.high + retained.window - ex.sent_at
    _too_far(requirement, retained, gap, tolerance, "latest end", ex)
    into = ex.sent_at - retained.start.high
    cite(
        f"the id answered {ex.status} at least {into:.3f} s into its {retained.window:g} s window",
        [ex],
    )


def gone_after_window(requirement: str, retained: Retained, description: Description) -> None:
    """The id no longer answers once the window and the tolerance have passed."""
    poll = _poll(retained.outside)
    _usable(requirement, poll, inside=False)
    ex = poll.exchange
    tolerance = description.retention.tolerance
    latest_end = retained.start.high + retained.window + tolerance
    if poll.available:
        raise ConformanceFailure(
            requirement,
            observed=f"200 at least {ex.sent_at - retained.start.high:.3f} s into the "
            f"{retained.scenario} operation's window",
            expected=f"gone ({' or '.join(map(str, description.retention.expired_status))}) "
            f"after {retained.window:g} s and the {tolerance:g} s tolerance "
            f"({latest_end - retained.start.high:g} s)",
            exchanges=[ex],
        )
    gap = ex.received_at - (retained.start.low + retained.window + tolerance)
    _too_far(requirement, retained, gap, tolerance, "earliest expiry", ex)
    after = ex.received_at - retained.start.low
    cite(f"the id answered {ex.status} at most {after:.3f} s after its window started", [ex])


def expired_ids_answer_not_found(
    description: Description,
    never_issued: Exchange | None,
    expired: list[Poll],
    why_not_never_issued: str = "",
) -> None:
    """Expired (no longer available) and never-issued ids answer an allowed code."""
    allowed = description.retention.expired_status
    # An expired id that answers a 5xx fails; one that answers a SILENT code or tells no
    # state (a 2xx or 3xx) shows nothing about how expired ids are answered.
    seen = [never_issued] if never_issued is not None else []
    seen += [p.exchange for p in expired if not (p.available or p.answered)]
    checked = [ex for ex in seen if not silent(ex)]
    if not checked and seen:
        said = ", ".join(str(ex.error or ex.status) for ex in seen)
        raise Inconclusive("EXPIRED-404", f"the probes got no usable answer ({said})", seen)
    if not checked:
        why = f" ({why_not_never_issued})" if why_not_never_issued else ""
        raise NotObserved(f"no expired id was seen and no never-issued id was probed{why}")
    for ex in checked:
        if ex.status not in allowed:
            what = "a never-issued id" if ex is never_issued else "an expired id"
            raise ConformanceFailure(
                "EXPIRED-404",
                observed=f"{what} answered {ex.status}",
                expected=" or ".join(map(str, allowed)),
                exchanges=[ex],
                hint="An unknown id is a client's mistake: answer 404, never 2xx or 5xx.",
            )
    cite(f"{counted(len(checked), 'unknown or expired id')} answered {codes(allowed)}", checked)
