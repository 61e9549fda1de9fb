"""Knowing when to stop sending: a target that stopped answering, a run out of time.

A server that hangs costs `request_timeout` per request, and every case would pay
it again (a run once took 70 s against a status URL that never answered). The
guard notices: after `polling.unanswered_limit` requests in a row to one endpoint
(method, host, path without its last segment: every status URL is one endpoint)
got no answer within `request_timeout`, or could not connect, that endpoint is
given up; the same for the whole target when connections fail. And once the run
budget is spent, nothing more is sent. Requests not sent are recorded with the
reason, so every case that needed them says why in the same words.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import httpx

from .._words import counted
from ..description import Description

__all__ = ["Guard", "run_budget"]

#: Errors that mean "no answer": the server (or the route) did not answer in time, or at all.
UNANSWERED = (httpx.TimeoutException, httpx.ConnectError)


def run_budget(description: Description) -> float:
    """The run budget: the description's, or one derived from its windows and budgets.

    Generous on purpose: twice the longest window (the retention probes wait for it),
    the polling budget of a few operations, the delete budget, and room for slow answers.
    """
    polling, retention = description.polling, description.retention
    if polling.run_budget > 0:
        return polling.run_budget
    anchor = retention.operation_timeout if retention.timeout_anchor == "timeout" else 0.0
    longest = max(retention.completed, retention.timed_out + anchor) + retention.tolerance
    return 2 * longest + 4 * polling.budget + polling.delete_budget + 30 * polling.request_timeout


class Guard:
    def __init__(self, description: Description) -> None:
        self.limit = description.polling.unanswered_limit
        self.budget = run_budget(description)
        self.deadline = time.monotonic() + self.budget
        self._streaks: dict[tuple[str, ...], int] = {}
        self._given_up: dict[tuple[str, ...], str] = {}
        self._lock = threading.Lock()
        self.spent = "the run budget of {budget:g} s is spent (polling.run_budget)"

    @contextlib.contextmanager
    def cleaning(self, budget: float) -> Iterator[None]:
        """The run's cleanup: sent whatever is left of the run budget, within its own."""
        before = self.deadline, self.budget, self.spent
        self.deadline, self.budget = time.monotonic() + budget, budget
        self.spent = "the cleanup budget of {budget:g} s is spent (cleanup.budget)"
        try:
            yield
        finally:
            self.deadline, self.budget, self.spent = before

    @staticmethod
    def _endpoint(request: httpx.Request) -> tuple[str, str, str]:
        return (request.method, request.url.host, request.url.path.rsplit("/", 1)[0])

    @property
    def stopped(self) -> str | None:
        """Why nothing more is sent to the target at all; None while it may be."""
        if time.monotonic() > self.deadline:
            return self.spent.format(budget=self.budget)
        return self._given_up.get(("target",))

    def refusal(self, request: httpx.Request) -> str | None:
        """Why this request is not sent; None to send it."""
        stopped = self.stopped
        if stopped is not None:
            return stopped
        return self._given_up.get(self._endpoint(request))

    def answered(self, request: httpx.Request) -> None:
        with self._lock:
            self._streaks.pop(self._endpoint(request), None)
            self._streaks.pop(("target",), None)

    def unanswered(self, request: httpx.Request, error: httpx.HTTPError) -> bool:
        """Count a request that failed; True if it got no answer at all (see UNANSWERED)."""
        if not isinstance(error, UNANSWERED):
            return False  # an answer of sorts (a reset, a protocol error): the route is alive
        keys: list[tuple[str, ...]] = [self._endpoint(request)]
        if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout)):
            keys.append(("target",))
        with self._lock:
            for key in keys:
                self._streaks[key] = self._streaks.get(key, 0) + 1
                if self._streaks[key] >= self.limit and key not in self._given_up:
                    where = (
                        f"{request.url.scheme}://{request.url.netloc.decode()}"
                        if key == ("target",)
                        else f"{key[0]} {key[2]}/..."
                    )
                    requests = counted(self.limit, "request")
                    self._given_up[key] = (
                        f"{where} stopped answering ({requests} in a row got no "
                        f"answer: {type(error).__name__}); nothing more is sent there"
                    )
        return True
