"""The suite's asynchronous checks, as Schemathesis custom checks.

Load this module as Schemathesis hooks (`hooks = "conformance.openapi.checks"` in
a `schemathesis.toml`, as `async-conformance schemathesis-config` prints) and
`schemathesis run` judges each response of its own generated requests as well:

- `async_accepted_location`: an acceptance (202) names its status resource;
- `async_no_content`: a 204 carries no content;
- `async_lifecycle`: for the first few acceptances, the status resource is followed
  to a terminal state (waiting between polls, which Schemathesis cannot), and each
  answer is judged by the suite's reference model: known state names, a terminal
  state that does not change, an id that stays queryable once completed; then the
  created resource is deleted, and a 204 must come without content.

Each check returns None (not applicable) where the response is not its business.
Schemathesis's own `use_after_free` is replaced by one that first gives the resource
the delete budget to go: the contract deletes in the background, so a read right
after a DELETE may still find it, and only a resource that never goes is a failure.
The dialect (how a server names states and status URLs) is a check option:
`[checks.async_lifecycle] dialect = "azure"`.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx
import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi.checks import use_after_free as _original_use_after_free

from .._words import counted
from ..clock import RealClock
from ..description import Description, parse
from ..driver import Driver, Exchange, Run
from ..model import Operation, judge_read

__all__ = ["async_accepted_location", "async_lifecycle", "async_no_content", "use_after_free"]

#: The acceptance codes, when no dialect says otherwise.
ACCEPTED = 202


@functools.lru_cache(maxsize=16)  # once per server, not once per response
def _description(origin: str, dialect: str, interval: float, budget: float) -> Description:
    raw: dict[str, Any] = {
        "base_url": origin,
        "dialect": {"name": dialect},
        "polling": {"interval": interval, "budget": budget, "request_timeout": 10.0},
    }
    return parse(raw, f"schemathesis check options (dialect {dialect!r})").effective


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return str(parsed.copy_with(raw_path=b"/", query=None, fragment=None))


def _exchange(response: Any, now: float) -> Exchange:
    """Schemathesis's response as the driver records one (answered `now`)."""
    request = response.request
    return Exchange(
        index=0,
        label="schemathesis",
        method=str(request.method),
        url=str(request.url),
        request_headers=[(str(k), str(v)) for k, v in request.headers.items()],
        request_body=request.body if isinstance(request.body, bytes) else b"",
        sent_at=now - float(response.elapsed or 0.0),
        received_at=now,
        status=response.status_code,
        headers=[(k, v) for k, values in response.headers.items() for v in values],
        body=response.content or b"",
    )


@schemathesis.check
def async_accepted_location(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 202 Accepted names where to poll: the Location header."""
    if response.status_code != ACCEPTED:
        return None
    if not response.headers.get("location"):
        raise AssertionError(
            "202 Accepted without a Location header: the client has no status resource to poll"
        )
    return True


@schemathesis.check
def async_no_content(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 204 No Content has no content (RFC 9110 §15.3.5)."""
    if response.status_code != 204:
        return None
    if response.content:
        content = counted(len(response.content), "byte")
        raise AssertionError(f"204 No Content with {content} of content")
    return True


@schemathesis.check
class async_lifecycle:
    """Follow the first acceptances to the end, judging every status answer."""

    def __init__(
        self,
        dialect: str = "cloudcenter",
        follow: int = 3,
        interval: float = 0.5,
        budget: float = 30.0,
        confirm: int = 2,
    ) -> None:
        self.dialect, self.follow = dialect, follow
        self.interval, self.budget, self.confirm = interval, budget, confirm
        self.followed: set[str] = set()  # status URLs already followed (replays are not)

    def after_response(self, ctx: Any, response: Any, case: Any) -> bool | None:
        clock = RealClock()
        accepted = _exchange(response, clock.now())
        description = _description(_origin(accepted.url), self.dialect, self.interval, self.budget)
        if accepted.status not in description.dialect.accepted_status:
            return None
        with httpx.Client(base_url=_origin(accepted.url), follow_redirects=False) as client:
            driver = Driver(client, description, clock)
            submission = driver.accepted("success", accepted)
            url = submission.status_url
            if url is None:
                return None  # nothing to follow: async_accepted_location judges the 202
            if str(url) in self.followed or len(self.followed) >= self.follow:
                return None
            self.followed.add(str(url))
            op = Operation(1, submission, url)
            run = driver.follow(submission)
            polls = list(run.polls)
            for i in range(self.confirm if run.terminal is not None else 0):
                driver.clock.sleep(self.interval)  # a state that changes later shows later
                polls.append(driver.poll(url, f"confirm {i + 1}", jar=submission.jar))
            deleted = self._delete(driver, run) if run.terminal is not None else None
        for poll in polls:
            for divergence in judge_read(op, poll, description).divergences:
                if divergence.requirement == "TRANS-OUTCOME":
                    continue  # Schemathesis's request body says nothing of the outcome
                shown = "; ".join(e.describe() for e in divergence.exchanges)
                raise AssertionError(
                    f"{divergence.requirement}: {divergence.observed}; expected "
                    f"{divergence.expected} ({shown})"
                )
        if deleted is not None and deleted.status == 204 and deleted.body:
            raise AssertionError(
                "DELETE-204: deleting the created resource answered 204 with "
                f"{counted(len(deleted.body), 'byte')} of content ({deleted.describe()})"
            )
        if op.terminal is None:
            return None  # it did not finish within the budget: nothing judged
        return True

    def _delete(self, driver: Driver, run: Run) -> Exchange | None:
        """Delete what the operation created, where the dialect answers a delete with 204."""
        if "DELETE-204" in driver.description.dialect.not_applicable:
            return None
        return driver.resource_call("delete", run, "delete the created resource").exchange


# -- Schemathesis's own use_after_free, minus its false alarm ------------------------

#: How long a deleted resource may still be read (the contract deletes in the background).
DELETE_BUDGET = 60.0
DELETE_POLL = 0.5


def _gone_eventually(response: Any, budget: float, clock: RealClock) -> bool:
    """Read the resource again until it answers 404 or 410, for at most `budget` seconds."""
    request = response.request
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-length",)}
    deadline = clock.now() + budget
    with httpx.Client(follow_redirects=False, timeout=10.0) as client:
        while True:
            try:
                status = client.get(str(request.url), headers=headers).status_code
            except httpx.HTTPError:
                status = None
            if status in (404, 410):
                return True
            if clock.now() >= deadline:
                return False
            clock.sleep(DELETE_POLL)


def use_after_free(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's check, except where the resource goes within the delete budget.

    The contract deletes in the background: a read right after the DELETE may still
    find the resource. Only one that is never gone is a failure.
    """
    try:
        return _original_use_after_free(ctx, response, case)
    except AssertionError:
        if _gone_eventually(response, DELETE_BUDGET, RealClock()):
            return None
        raise


CHECKS.unregister("use_after_free")
CHECKS.register(use_after_free)
