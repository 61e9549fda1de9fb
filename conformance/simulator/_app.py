"""The reference simulator: a Starlette app that follows the contract, unless told a fault."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..clock import Clock, RealClock, VirtualClock
from ._openapi import OPENAPI
from ._store import Operation, Outcome, Settings, Store
from .faults import check_names

__all__ = ["TEST_CLOCK_PATH", "Simulator", "create_app"]

#: Where the simulator serves the test-clock protocol when started with one.
TEST_CLOCK_PATH = "/_test/clock"

_OUTCOMES: tuple[Outcome, ...] = ("success", "failure", "timeout")
_MESSAGES = {
    "RUNNING": "Validating the cloud account credentials",
    "SUCCESS": "Cloud account created",
    "FAILED": "Cloud account credentials were rejected by the cloud provider",
}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class Simulator:
    """One simulated server: its clock, its store, and the faults or quirks it shows."""

    def __init__(
        self,
        clock: Clock | None = None,
        settings: Settings | None = None,
        behaviours: Iterable[str] = (),
        test_clock: bool = False,
    ) -> None:
        self.clock = clock or RealClock()
        self.settings = settings or Settings()
        self.behaviours = check_names(behaviours)
        self.store = Store(self.settings, self.behaviours)
        self._pending_id: str | None = None
        base = "/v1/tenants/{tenant}/clouds/{cloud}/accounts"
        self.app = Starlette(
            routes=[
                Route(base, self.submit, methods=["POST"]),
                Route(base, self.list_accounts, methods=["GET"]),
                Route(base + "/{account}", self.read_account, methods=["GET"]),
                Route(base + "/{account}", self.delete_account, methods=["DELETE"]),
                Route("/v1/operationStatus/{operation}", self.status, methods=["GET"]),
                Route("/openapi.json", self.openapi, methods=["GET"]),
            ]
        )
        if test_clock:
            if not isinstance(self.clock, VirtualClock):
                raise ValueError("the test-clock endpoint needs a VirtualClock to move")
            self.app.router.routes += [
                Route(TEST_CLOCK_PATH, self.clock_now, methods=["GET"]),
                Route(TEST_CLOCK_PATH + "/advance", self.clock_advance, methods=["POST"]),
            ]

    def has(self, name: str) -> bool:
        return name in self.behaviours

    # -- operations ----------------------------------------------------------

    async def submit(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, "the request body must be a JSON object")
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            return _error(400, "the request body must be a JSON object with a non-empty 'name'")
        outcome = body.get("simulate", "success")
        if outcome not in _OUTCOMES:
            return _error(400, f"'simulate' must be one of {list(_OUTCOMES)}, not {outcome!r}")
        op_id = await self._new_id()
        now = self.clock.now()
        duration = 0.0 if self.has("instant") else self.settings.duration
        op = self.store.create(
            op_id,
            request.path_params["tenant"],
            request.path_params["cloud"],
            body["name"],
            outcome,
            now,
            duration,
        )
        if self.has("blocking-submit") and op.completed_at is not None:
            await self.clock.async_sleep(op.duration)
        headers = self._location(request, op)
        if self.has("retry-after"):
            headers["Retry-After"] = "2"
        status = 200 if self.has("submit-200") else 202
        if self.has("submit-body-text"):
            return PlainTextResponse("Accepted", status_code=status, headers=headers)
        body = self._status_body(op, self.clock.now())
        body["operationId"] = op.id  # the wrong-operation-id fault is the status resource's
        return JSONResponse(body, status, headers)

    async def _new_id(self) -> str:
        if not self.has("reused-ids"):
            return self.store.new_id()
        # The fault: a shared "next id" slot, cleared only once the record is stored, so
        # submissions that overlap get the same id (sequential ones do not).
        if self._pending_id is None:
            self._pending_id = self.store.new_id()
            op_id = self._pending_id
            await anyio.sleep(0.02)
            self._pending_id = None
            return op_id
        return self._pending_id

    def _location(self, request: Request, op: Operation) -> dict[str, str]:
        if self.has("no-location"):
            return {}
        path = f"/v1/operationStatus/{op.id}"
        if self.has("location-404"):
            path = f"/v1/operationStatuses/{op.id}"
        elif self.has("relative-location"):
            path = f"../../../../operationStatus/{op.id}"
        elif self.has("absolute-location"):
            path = str(request.base_url).rstrip("/") + path
        elif self.has("off-origin-location"):
            path = f"http://ops-status.internal:8080{path}"
        return {"Location": path}

    def _state(self, op: Operation, now: float) -> tuple[str, int]:
        if self.has("poll-advances"):
            done = op.reads >= 4
            progress = min(op.reads * 25, 100)
        else:
            done = op.completed_at is not None and now >= op.completed_at
            fraction = (now - op.submitted_at) / op.duration if op.duration else 1.0
            progress = min(int(100 * fraction), 99)
            if self.has("progress-decreases") and fraction >= 0.5:
                progress -= 30
        if not done:
            return ("IN_PROGRESS" if self.has("unknown-state") else "RUNNING"), progress
        succeeded = op.outcome == "success" or self.has("wrong-outcome")
        if not succeeded:
            return "FAILED", 100
        assert op.completed_at is not None
        if self.has("terminal-flips") and now >= op.completed_at + 1.5:
            return "FAILED", 100
        return "SUCCESS", 100

    def _status_body(self, op: Operation, now: float) -> dict[str, Any]:
        state, progress = self._state(op, now)
        body: dict[str, Any] = {
            "operationId": "op-" + op.account_id if self.has("wrong-operation-id") else op.id,
            "status": state,
            "msg": _MESSAGES.get(state, _MESSAGES["RUNNING"]),
            "progress": progress,
            "resourceUrl": None,
            "additionalParameters": [{"name": "accountName", "value": op.name}],
        }
        if state == "SUCCESS" and not self.has("no-resource-url"):
            body["resourceUrl"] = (
                f"/v1/tenants/{op.tenant}/clouds/{op.cloud}/accounts/{op.account_id}"
            )
        if state == "FAILED" and self.has("failed-no-msg"):
            body["msg"] = None
        if self.has("extra-fields"):
            body["startTime"] = op.submitted_at
            body["links"] = [{"rel": "self", "href": f"/v1/operationStatus/{op.id}"}]
        return body

    async def status(self, request: Request) -> Response:
        now = self.clock.now()
        op_id = request.path_params["operation"]
        op, issued = self.store.lookup(op_id, now)
        if op is None and issued and self.has("expired-500"):
            return _error(500, "internal error: operation record missing")
        if op is None and not issued and self.has("unknown-200"):
            return JSONResponse({"operationId": op_id, "status": "RUNNING", "progress": 0})
        if op is None:
            return _error(404, "no operation with this id (it may have expired)")
        if self.has("poll-advances"):
            op.reads += 1
            if op.reads == 4:  # completion is whenever the fourth read happens
                op.duration = now - op.submitted_at
        body = self._status_body(op, now)
        account = self.store.accounts.get(op.account_id)
        if body["status"] == "SUCCESS" and account is not None:
            # Once an operation says SUCCESS its account exists, however it got there.
            account.visible_from = min(account.visible_from, now)
        if self.has("status-not-json"):
            text = f"status={body['status']} progress={body['progress']}"
            return PlainTextResponse(text)
        if self.has("status-text-plain"):
            return Response(json.dumps(body), media_type="text/plain")
        headers = {}
        if self.has("retry-after") and body["status"] == "RUNNING":
            headers["Retry-After"] = "2"
        return JSONResponse(body, headers=headers)

    # -- accounts ------------------------------------------------------------

    def _account_json(self, account_id: str) -> dict[str, Any]:
        account = self.store.accounts[account_id]
        return {
            "id": account.id,
            "name": account.name,
            "tenantId": account.tenant,
            "cloudId": account.cloud,
        }

    async def list_accounts(self, request: Request) -> Response:
        tenant, cloud = request.path_params["tenant"], request.path_params["cloud"]
        accounts = self.store.visible_accounts(tenant, cloud, self.clock.now())
        return JSONResponse({"accounts": [self._account_json(a.id) for a in accounts]})

    async def read_account(self, request: Request) -> Response:
        account_id = request.path_params["account"]
        deletes = not self.has("delete-never")
        if self.store.account(account_id, self.clock.now(), deletes=deletes) is None:
            return _error(404, "no account with this id")
        if self.has("sync-read-empty"):
            return Response(status_code=200)
        return JSONResponse(self._account_json(account_id))

    async def delete_account(self, request: Request) -> Response:
        account_id = request.path_params["account"]
        now = self.clock.now()
        account = self.store.account(account_id, now)
        if account is None:
            return _error(404, "no account with this id")
        if account.delete_requested_at is None:
            account.delete_requested_at = now
        if self.has("delete-200"):
            return JSONResponse({"status": "DELETED", "id": account_id})
        if self.has("delete-204-body"):
            return Response(json.dumps({"status": "DELETED"}), 204, media_type="application/json")
        if self.has("delete-content-length"):
            return Response(status_code=204, headers={"Content-Length": "0"})
        return Response(status_code=204)

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(OPENAPI)

    # -- the test-clock protocol ---------------------------------------------

    async def clock_now(self, request: Request) -> Response:
        return JSONResponse({"now": self.clock.now()})

    async def clock_advance(self, request: Request) -> Response:
        try:
            seconds = json.loads(await request.body())["seconds"]
        except (ValueError, KeyError, TypeError):
            return _error(400, 'the body must be JSON {"seconds": <number>}')
        number = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
        if not number or not math.isfinite(seconds) or seconds < 0:
            return _error(400, "seconds must be a number >= 0: the test clock only moves forward")
        assert isinstance(self.clock, VirtualClock)
        self.clock.advance(float(seconds))
        return JSONResponse({"now": self.clock.now()})


def create_app(
    clock: Clock | None = None,
    settings: Settings | None = None,
    behaviours: Iterable[str] = (),
    test_clock: bool = False,
) -> Starlette:
    """The simulator's ASGI app; `behaviours` names faults or quirks from `faults.py`.

    With `test_clock`, `clock` must be a `VirtualClock` and the app serves the
    test-clock protocol at `TEST_CLOCK_PATH` so a suite can move it over HTTP.
    """
    return Simulator(clock, settings, behaviours, test_clock).app
