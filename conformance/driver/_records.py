"""What the driver records of an operation: its submission, each read, the run as a whole,
a call on its result, and why following it stopped."""

from __future__ import annotations

import email.utils
import enum
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..description import Role, ScenarioName
from ..transcript import Exchange
from ._reading import Reading

__all__ = ["Call", "Ended", "Poll", "Run", "Submission", "retry_after_seconds", "stopped_at"]

_DELAY_SECONDS = re.compile(r"[0-9]{1,10}")


class Ended(str, enum.Enum):
    """Why the driver stopped following an operation."""

    NOT_FOLLOWED = "not-followed"  # there was no status URL to poll
    TERMINAL = "terminal"  # a terminal state, confirmed
    BUDGET = "budget"  # no terminal state within the operation budget
    NO_ANSWER = "no-answer"  # a poll got no HTTP answer
    STATUS_ERROR = "status-error"  # a poll answered 4xx or 5xx
    UNREADABLE = "unreadable"  # a poll's answer tells no state
    UNKNOWN_STATE = "unknown-state"  # a poll named a state the dialect does not list

    def __str__(self) -> str:  # the value in messages, on every Python
        return str(self.value)


@dataclass
class Poll:
    exchange: Exchange
    body: dict[str, Any] | None  # the JSON object the answer carried, whatever its code
    reading: Reading
    waited: float
    retry_after: float | None
    thinned: bool = False  # its body and unread headers let go (_thinning.py)
    shape: tuple[Any, ...] | None = None  # what it looked like before, once asked

    @property
    def state(self) -> str | None:
        return self.reading.name

    @property
    def role(self) -> Role | None:
        return self.reading.role

    @property
    def answered(self) -> bool:
        """An HTTP answer that is not an error (2xx or 3xx)."""
        status = self.exchange.status
        return self.exchange.error is None and status is not None and 200 <= status < 400

    @property
    def is_result(self) -> bool:
        """A terminal state told by the HTTP code alone: the answer is the result (the Location
        pattern's final 200 carries the resource), not a status body."""
        role = self.reading.role
        return self.reading.told_by == "http" and role is not None and role.terminal

    @property
    def available(self) -> bool:
        """The id answered with something that tells a state."""
        return self.answered and self.reading.told_by != "nothing"


@dataclass
class Submission:
    scenario: ScenarioName
    exchange: Exchange
    location: str | None = None  # the status URL's raw value, as the source gave it
    location_source: str | None = None  # the dialect's source it came from ("header:Location")
    status_url: httpx.URL | None = None
    location_problem: str | None = None
    off_origin: bool = False
    operation_id: str | None = None  # as the submission's body gives it
    jar: httpx.Cookies | None = None  # this operation's cookies (None: cookies are off)
    #: The placeholders its request was filled with ({uuid}, {n}, {setup.<name>}).
    values: dict[str, str] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, object]:
        # A jar holds a lock, which does not pickle: its cookies travel, and a new jar
        # holds them on the other side (the cleanup of an adopted operation sends them).
        cookies = None if self.jar is None else list(self.jar.jar)
        return {**self.__dict__, "jar": cookies}

    def __setstate__(self, state: dict[str, object]) -> None:
        cookies = state["jar"]
        jar = None
        if isinstance(cookies, list):
            jar = httpx.Cookies()
            for cookie in cookies:
                jar.jar.set_cookie(cookie)
        self.__dict__.update({**state, "jar": jar})


@dataclass
class Call:
    """A request on the result: what was sent, or why it could not be."""

    exchange: Exchange | None = None
    problem: str | None = None
    unnamed: bool = False  # the dialect names no resource at all: nothing to judge (SKIP)


@dataclass
class Run:
    """One operation observed from submission to a terminal state (or to why it stopped)."""

    submission: Submission
    polls: list[Poll] = field(default_factory=list)
    ended: Ended = Ended.NOT_FOLLOWED
    terminal_index: int | None = None
    problem: str | None = None  # why the status URL could not be followed further
    thinned: int = 0  # reads in the middle kept only in part (polling.keep_polls)
    notable: int = 0  # reads in the middle kept whole because they looked new

    @property
    def exchanges(self) -> list[Exchange]:
        return [self.submission.exchange, *(p.exchange for p in self.polls)]

    @property
    def states(self) -> list[str | None]:
        return [p.state for p in self.polls]

    @property
    def terminal(self) -> Poll | None:
        return None if self.terminal_index is None else self.polls[self.terminal_index]


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from now: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


def stopped_at(poll: Poll) -> Ended | None:
    """Why polling stops at this answer, if it does."""
    if poll.exchange.error is not None:
        return Ended.NO_ANSWER
    if not poll.answered:
        return Ended.STATUS_ERROR
    if poll.reading.told_by == "nothing":
        return Ended.UNREADABLE
    if poll.role is None:  # no role can be known: following on would only spend the budget
        return Ended.UNKNOWN_STATE
    return None
