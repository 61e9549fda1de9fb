"""A scripted server on the virtual clock: operations that behave as told, for the retention
observation and the probes."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import httpx
import respx

from conformance.clock import VirtualClock
from conformance.description import Description, parse
from conformance.driver import Driver

ORIGIN = "http://api.test"


T0 = 1000.0  # where the virtual clock starts: round numbers keep the expected times exact


@dataclass
class Op:
    """How one operation behaves on the scripted server."""

    runs_for: float = 4.0  # seconds from submission to its terminal state
    location: bool = True  # the 202 names its status URL
    code: int = 200  # what every status read answers
    accept_latency: float = 0.0  # virtual seconds its 202 takes
    read_latency: float = 0.0  # virtual seconds each status read takes
    named: bool | str = True  # the id the status body gives: its own, none, or this one
    tells_state: bool = True  # the status body has a status field
    fails: bool = False  # every status read gets no answer (a reset connection)


class ScriptedServer:
    """Operations keyed `<scenario><n>`: the n-th submission of that scenario behaves as
    `ops[scenario][n - 1]` (default `Op()`); a timeout operation never completes."""

    def __init__(self, clock: VirtualClock, ops: dict[str, list[Op]], kept: float) -> None:
        self.clock, self.ops, self.kept = clock, ops, kept
        self.submitted: dict[str, tuple[float, Op, str]] = {}
        respx.post(f"{ORIGIN}/submit").mock(side_effect=self.submit)
        respx.get(url__regex=rf"{ORIGIN}/ops/(?P<op_id>[\w-]+)").mock(side_effect=self.status)

    def submit(self, request: httpx.Request) -> httpx.Response:
        scenario = json.loads(request.read())
        n = sum(1 for _, _, s in self.submitted.values() if s == scenario) + 1
        script = self.ops.get(scenario, [])
        op = script[n - 1] if n <= len(script) else Op()
        op_id = f"{scenario}{n}"
        self.submitted[op_id] = (self.clock.now(), op, scenario)
        self.clock.advance(op.accept_latency)
        headers = {"Set-Cookie": f"session={op_id}; Path=/"}
        if op.location:
            headers["Location"] = f"/ops/{op_id}"
        return httpx.Response(202, headers=headers)

    def status(self, request: httpx.Request, op_id: str) -> httpx.Response:
        if op_id not in self.submitted:
            return httpx.Response(404)
        submitted, op, scenario = self.submitted[op_id]
        if op.fails:
            raise httpx.ReadError("reset")
        now = self.clock.now()
        self.clock.advance(op.read_latency)
        if op.code != 200:
            return httpx.Response(op.code)
        done = scenario != "timeout" and now >= submitted + op.runs_for
        if done and now >= submitted + op.runs_for + self.kept:
            return httpx.Response(404)
        state = {"success": "SUCCESS", "failure": "FAILED"}.get(scenario) if done else "RUNNING"
        body: dict[str, Any] = {"status": state} if op.tells_state else {}
        if op.named:
            body["operationId"] = op_id if op.named is True else op.named
        return httpx.Response(200, json=body)


def scripted_description(
    scenarios: tuple[str, ...] = ("success",),
    *,
    retention: dict[str, Any] | None = None,
    polling: dict[str, Any] | None = None,
    dialect: dict[str, Any] | None = None,
    cookies: str = "per-operation",
) -> Description:
    return parse(
        {
            "base_url": ORIGIN,
            "cookies": cookies,
            "scenarios": {s: {"path": "/submit", "json": s} for s in scenarios},
            # A 250 s window makes the fine step 0.25 s, exact in binary.
            "retention": {"completed": 250.0, "tolerance": 1.0, **(retention or {})},
            "polling": {"interval": 1.0, **(polling or {})},
            "dialect": dialect or {},
        },
        "test",
    ).effective


def scripted_driver(
    scenarios: tuple[str, ...] = ("success",),
    ops: dict[str, list[Op]] | None = None,
    kept: float = math.inf,
    **settings: Any,
) -> Driver:
    clock = VirtualClock(T0)
    ScriptedServer(clock, ops or {}, kept)
    description = scripted_description(scenarios, **settings)
    return Driver(httpx.Client(base_url=ORIGIN), description, clock)
