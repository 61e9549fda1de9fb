"""Operations and accounts of the simulator, as functions of the clock.

Nothing runs in the background: an operation's state, an account's visibility
and an id's expiry are all computed from timestamps when asked. So the same
code is exact under a virtual clock and correct under the wall clock, and
concurrent requests only ever read or insert.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Literal

__all__ = ["Account", "Operation", "Settings", "Store"]

Outcome = Literal["success", "failure", "timeout"]


@dataclass(frozen=True)
class Settings:
    duration: float = 4.0  # seconds an operation runs before it completes
    completed_window: float = 300.0  # an id stays this long after completion
    timed_out_window: float = 3600.0  # a timed-out id stays this long after submission
    delete_delay: float = 2.0  # a deleted account disappears this long after DELETE
    operation_timeout: float = 600.0  # a timeout-scenario operation times out this long in
    timeout_anchor: Literal["submission", "timeout"] = "submission"  # where its window starts

    def __post_init__(self) -> None:
        for name in (
            "duration",
            "delete_delay",
            "completed_window",
            "timed_out_window",
            "operation_timeout",
        ):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number, not {getattr(self, name)}")
        for name in ("duration", "delete_delay"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.timeout_anchor not in ("submission", "timeout"):
            raise ValueError(
                f"timeout_anchor must be 'submission' or 'timeout', not {self.timeout_anchor!r}"
            )
        for name in ("completed_window", "timed_out_window", "operation_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, not {getattr(self, name)}")


@dataclass
class Operation:
    id: str
    tenant: str
    cloud: str
    name: str
    outcome: Outcome
    submitted_at: float
    duration: float
    account_id: str
    reads: int = 0
    reads_done: int = 0  # status reads since it completed

    @property
    def completed_at(self) -> float | None:
        return None if self.outcome == "timeout" else self.submitted_at + self.duration


@dataclass
class Account:
    id: str
    tenant: str
    cloud: str
    name: str
    visible_from: float
    delete_requested_at: float | None = None


#: resource-vanishes: how long after its operation succeeded an account is lost.
VANISHES_AFTER = 20.0
#: Retention faults: how each one bends the window of a completed operation.
_WINDOW_SCALE = {"retention-short": 0.8, "window-1pct-short": 0.99, "window-1pct-long": 1.01}


class Store:
    def __init__(self, settings: Settings, behaviours: frozenset[str] = frozenset()) -> None:
        self.settings = settings
        self.behaviours = behaviours
        self.operations: dict[str, Operation] = {}
        self.accounts: dict[str, Account] = {}

    def new_id(self) -> str:
        return str(uuid.uuid4())

    def create(
        self,
        op_id: str,
        tenant: str,
        cloud: str,
        name: str,
        outcome: Outcome,
        now: float,
        duration: float,
    ) -> Operation:
        op = Operation(op_id, tenant, cloud, name, outcome, now, duration, self.new_id())
        self.operations[op_id] = op
        if outcome == "success":
            self.accounts[op.account_id] = Account(
                op.account_id, tenant, cloud, name, visible_from=now + duration
            )
        return op

    def expires_at(self, op: Operation) -> float:
        settings, faults = self.settings, self.behaviours
        if "never-expires" in faults:
            return float("inf")
        completed = op.completed_at
        if "poll-advances" in faults and completed is not None and op.reads < 4:
            return float("inf")  # reads, not time, complete it: its window has not started
        if completed is None:
            if "timeout-five-minutes" in faults:
                return op.submitted_at + settings.completed_window
            anchor = settings.timeout_anchor
            if "timeout-anchor-wrong" in faults:
                anchor = "timeout" if anchor == "submission" else "submission"
            start = op.submitted_at + (settings.operation_timeout if anchor == "timeout" else 0)
            return start + settings.timed_out_window
        window = settings.completed_window
        for fault in faults & _WINDOW_SCALE.keys():
            window *= _WINDOW_SCALE[fault]
        if "failed-not-retained" in faults and op.outcome == "failure":
            window /= 10
        return completed + window

    def lookup(self, op_id: str, now: float) -> tuple[Operation | None, bool]:
        """The operation if still available, and whether the id was ever issued."""
        op = self.operations.get(op_id)
        if op is None:
            return None, False
        return (op if now < self.expires_at(op) else None), True

    def account(self, account_id: str, now: float, *, deletes: bool = True) -> Account | None:
        account = self.accounts.get(account_id)
        if account is None or now < account.visible_from:
            return None
        if "resource-vanishes" in self.behaviours and now >= account.visible_from + VANISHES_AFTER:
            return None
        gone_at = account.delete_requested_at
        if deletes and gone_at is not None and now >= gone_at + self.settings.delete_delay:
            return None
        return account

    def visible_accounts(self, tenant: str, cloud: str, now: float) -> list[Account]:
        return [
            a
            for a in self.accounts.values()
            if a.tenant == tenant and a.cloud == cloud and self.account(a.id, now) is not None
        ]
