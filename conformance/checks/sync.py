"""Synchronous calls: the real state, in the response."""

from __future__ import annotations

from .._words import counted
from ..description import Role
from ..driver import Call, Driver, Exchange, Run
from ..verdicts import Blocked, ConformanceFailure, NotDescribed, NotObserved, cite
from ._common import answered, needs_terminal

__all__ = ["answers_with_state", "created_resource_reads", "described_call_answers"]


def described_call_answers(call: Call) -> None:
    """The [sync] call answers with the state; SKIP "not described" without one."""
    if call.exchange is None:
        if call.unnamed:
            raise NotDescribed(
                f"{call.problem}; add a [sync] call that answers with the current state "
                "to check this"
            )
        raise Blocked(f"the synchronous call was not sent: {call.problem}")
    answers_with_state(call.exchange, "the synchronous call")


def answers_with_state(exchange: Exchange, what: str) -> None:
    answered(exchange, what)
    status = exchange.status or 0
    if not 200 <= status < 300 or status == 204 or not exchange.body.strip():
        raise ConformanceFailure(
            "SYNC-STATE",
            observed=f"{what} answered {status} with {counted(len(exchange.body), 'byte')}",
            expected="2xx with the current state in the body",
            exchanges=[exchange],
        )
    if "json" in (exchange.header("content-type") or "").lower() and exchange.json_object() is None:
        try:
            exchange.json()
        except ValueError:
            raise ConformanceFailure(
                "SYNC-STATE",
                observed=f"{what} declared JSON but sent {exchange.body[:80]!r}",
                expected="a body that parses as its Content-Type says",
                exchanges=[exchange],
            ) from None
    cite(f"{what} answered {status} with {counted(len(exchange.body), 'byte')}", [exchange])


def created_resource_reads(run: Run, driver: Driver) -> None:
    """What a successful operation made can be read synchronously, with its state."""
    needs_terminal(run, Role.SUCCESS)
    read = driver.resource_call("read", run, "read resource")
    if read.exchange is None:
        if read.unnamed:
            raise NotObserved(f"no resource to read: {read.problem}")
        raise Blocked(f"no resource to read: {read.problem}", run.exchanges[-1:])
    answers_with_state(read.exchange, "reading the created resource")
