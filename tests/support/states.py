"""Runs told by state names, two names for each role: for the checks that judge states."""

from __future__ import annotations

import httpx

from conformance.description import Description
from conformance.driver import Ended, Exchange, Poll, Run, Submission, read_state
from tests.support.checks import STATUS, make_description

# Two names for each role, so that "A or B" and a rename within a role can be seen.
TWO_NAMES = {
    "running": ["QUEUED", "RUNNING"],
    "success": ["SUCCESS", "DONE"],
    "failure": ["FAILED", "ERROR"],
    "cancelled": ["CANCELLED"],
}


TWO_NAMED = make_description(dialect={"name": "cloudcenter", "states": TWO_NAMES})


def named_exchange(
    code: int | None = 200,
    *,
    index: int = 1,
    sent: float = 0.0,
    received: float | None = None,
    error: str | None = None,
) -> Exchange:
    return Exchange(
        index,
        "x",
        "GET",
        STATUS,
        [],
        b"",
        sent,
        sent if received is None else received,
        code,
        [],
        b"{}",
        error=error,
    )


def named_poll(
    state: object,
    index: int = 1,
    code: int | None = 200,
    description: Description = TWO_NAMED,
    **times: float | str,
) -> Poll:
    """A read of the status URL whose status field holds `state` (None: no field)."""
    body = None if state is None else {"status": state}
    exchange = named_exchange(code, index=index, **times)  # type: ignore[arg-type]
    return Poll(exchange, body, read_state(description.dialect, code, body), 0.0, None)


def named_accepted(latency: float = 0.0, error: str | None = None) -> Exchange:
    return named_exchange(202, index=0, sent=10.0, received=10.0 + latency, error=error)


def named_run(
    *states: object,
    scenario: str = "success",
    ended: Ended | None = None,
    accepted: Exchange | None = None,
) -> Run:
    """A run whose polls show `states` in order; its terminal is the first terminal one."""
    sub = Submission(scenario, accepted or named_accepted())  # type: ignore[arg-type]
    sub.status_url = httpx.URL(STATUS)
    polls = [named_poll(state, index=i) for i, state in enumerate(states, start=1)]
    terminal = next((i for i, p in enumerate(polls) if p.role and p.role.terminal), None)
    if ended is None:
        ended = Ended.TERMINAL if terminal is not None else Ended.BUDGET
    return Run(sub, polls, ended, terminal)
