"""The reference simulator: a Starlette app that follows the contract, unless told a fault.

It speaks any built-in dialect (`_wire.py`). Every answer about an operation is
built in one place: the store says what is true (`_view`), the behaviours' hooks
change it (`_hooks.py`), the dialect renders it, the hooks change the rendering,
and `_send` puts it on the wire.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import quote

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..clock import Clock, RealClock, VirtualClock
from ..description import Role
from ._hooks import HOOKS, Context
from ._openapi import openapi_document
from ._store import Operation, Outcome, Settings, Store
from ._wire import WIRES, Rendered, View
from .faults import check_names

__all__ = ["TEST_CLOCK_PATH", "Simulator", "create_app"]

#: Where the simulator serves the test-clock protocol when started with one.
TEST_CLOCK_PATH = "/_test/clock"
ACCOUNTS = "/v1/tenants/{tenant}/clouds/{cloud}/accounts"

_OUTCOMES: tuple[Outcome, ...] = ("success", "failure", "timeout")
_MESSAGES = {
    Role.RUNNING: "Validating the cloud account credentials",
    Role.SUCCESS: "Cloud account created",
    Role.FAILURE: "Cloud account credentials were rejected by the cloud provider",
}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


Endpoint = Callable[[Request], Awaitable[Response]]


def _route(path: str, **handlers: Endpoint) -> Route:
    async def dispatch(request: Request) -> Response:
        return await handlers[request.method](request)

    return Route(path, dispatch, methods=list(handlers))


class Simulator:
    """One simulated server: its clock, store and dialect, and the faults or quirks it shows."""

    def __init__(
        self,
        clock: Clock | None = None,
        settings: Settings | None = None,
        behaviours: Iterable[str] = (),
        test_clock: bool = False,
        dialect: str = "cloudcenter",
    ) -> None:
        if dialect not in WIRES:
            raise ValueError(f"the simulator speaks {sorted(WIRES)}, not {dialect!r}")
        self.clock = clock or RealClock()
        self.settings = settings or Settings()
        self.behaviours = check_names(behaviours, dialect)
        self.wire = WIRES[dialect]
        self.store = Store(self.settings, self.behaviours)
        self._pending_id: str | None = None
        self.app = Starlette(
            routes=[
                # One route per path, so a 405 lists every method the path has (RFC 9110).
                _route(ACCOUNTS, POST=self.submit, GET=self.list_accounts),
                _route(ACCOUNTS + "/{account}", GET=self.read_account, DELETE=self.delete_account),
                Route(self.wire.status_path, self.status, methods=["GET"]),
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

    def _hooks(self, point: str) -> list[Any]:
        return [HOOKS[b][point] for b in sorted(self.behaviours) if point in HOOKS.get(b, {})]

    # -- every answer about an operation is built here --------------------------

    def _context(self, point: str, request: Request, op: Operation, now: float) -> Context:
        return Context(
            point, now, op.completed_at, str(request.base_url), op.account_id, op.reads_done
        )

    def _status_url(self, op_id: str) -> str:
        return self.wire.status_path.replace("{operation}", op_id)

    def _view(self, op: Operation, ctx: Context) -> View:
        role, progress = self._state(op, ctx.now)
        resource = None
        if role is Role.SUCCESS:
            # Ids as the client sent them may hold any character: each segment is encoded.
            tenant, cloud = quote(op.tenant, safe=""), quote(op.cloud, safe="")
            resource = f"{ACCOUNTS.format(tenant=tenant, cloud=cloud)}/{op.account_id}"
        view = View(op.id, role, progress, _MESSAGES[role], self._status_url(op.id), resource)
        view.extra["additionalParameters"] = [{"name": "accountName", "value": op.name}]
        for hook in self._hooks("view"):
            hook(view, ctx)
        if ctx.point == "status":
            view.status_url = self._status_url(view.id)
        return view

    def _send(self, point: str, answer: Rendered, ctx: Context) -> Response:
        for hook in self._hooks(point):
            hook(answer, ctx)
        if answer.body is None:
            return Response(status_code=answer.status, headers=answer.headers)
        content = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        return Response(content, answer.status, answer.headers, media_type=answer.media_type)

    def _state(self, op: Operation, now: float) -> tuple[Role, int]:
        """Where the operation is: from the clock, or (poll-advances) from the reads."""
        if self.has("poll-advances"):
            done = op.reads >= 4
            progress = min(op.reads * 25, 100)
        else:
            done = op.completed_at is not None and now >= op.completed_at
            fraction = (now - op.submitted_at) / op.duration if op.duration else 1.0
            progress = min(int(100 * fraction), 99)
        if not done:
            return Role.RUNNING, progress
        return (Role.SUCCESS if op.outcome == "success" else Role.FAILURE), 100

    # -- operations ----------------------------------------------------------

    async def submit(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            if self.has("bad-body-500"):
                return _error(500, "internal error: could not decode the request")
            return _error(400, "the request body must be a JSON object")
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            return _error(400, "the request body must be a JSON object with a non-empty 'name'")
        outcome = body.get("simulate", "success")
        if outcome not in _OUTCOMES:
            if self.has("rejected-creates"):  # validated after the record was written
                self._create(request, body["name"], "success")
            return _error(400, f"'simulate' must be one of {list(_OUTCOMES)}, not {outcome!r}")
        op = self._create(request, body["name"], outcome, await self._new_id())
        if self.has("blocking-submit") and op.completed_at is not None:
            await self.clock.async_sleep(op.duration)
        ctx = self._context("accepted", request, op, self.clock.now())
        view = self._view(op, ctx)
        for hook in self._hooks("location"):
            view.status_url = hook(view.status_url, ctx) if view.status_url else None
        return self._send("accepted", self.wire.accepted(view), ctx)

    def _create(
        self, request: Request, name: str, outcome: Outcome, op_id: str | None = None
    ) -> Operation:
        duration = 0.0 if self.has("instant") else self.settings.duration
        return self.store.create(
            op_id or self.store.new_id(),
            request.path_params["tenant"],
            request.path_params["cloud"],
            name,
            outcome,
            self.clock.now(),
            duration,
        )

    async def _new_id(self) -> str:
        if not self.has("reused-ids"):
            return self.store.new_id()
        # The fault: a shared "next id" slot, cleared only once the record is stored, so
        # submissions that overlap get the same id (sequential ones do not: each is answered
        # after the slot is cleared). 20 ms of real time holds it long enough for submissions
        # sent together from several threads to meet there every time, on a busy machine too.
        if self._pending_id is None:
            self._pending_id = self.store.new_id()
            op_id = self._pending_id
            await anyio.sleep(0.02)
            self._pending_id = None
            return op_id
        return self._pending_id

    async def status(self, request: Request) -> Response:
        now = self.clock.now()
        op_id = request.path_params["operation"]
        if self.has("odd-id-500") and not (op_id.isascii() and op_id.isprintable()):
            return _error(500, "internal error: could not decode the operation id")
        op, issued = self.store.lookup(op_id, now)
        if op is None and issued and self.has("expired-500"):
            return _error(500, "internal error: operation record missing")
        if op is None and not issued and self.has("unknown-200"):
            view = View(op_id, Role.RUNNING, 0, None, self._status_url(op_id))
            return self._send("none", self.wire.status(view), Context("status", now, None, "", ""))
        if op is None:
            return _error(404, "no operation with this id (it may have expired)")
        if self.has("poll-advances"):
            op.reads += 1
            if op.reads == 4:  # completion is whenever the fourth read happens
                op.duration = now - op.submitted_at
        if op.completed_at is not None and now >= op.completed_at:
            op.reads_done += 1
        ctx = self._context("status", request, op, now)
        view = self._view(op, ctx)
        account = self.store.accounts.get(op.account_id)
        if view.role is Role.SUCCESS and account is not None:
            # Once an operation says it succeeded its account exists, however it got there.
            account.visible_from = min(account.visible_from, now)
        return self._send("status", self.wire.status(view), ctx)

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

    def _account_context(self, request: Request) -> Context:
        return Context("account", self.clock.now(), None, str(request.base_url), "")

    async def read_account(self, request: Request) -> Response:
        account_id = request.path_params["account"]
        deletes = not self.has("delete-never")
        if self.store.account(account_id, self.clock.now(), deletes=deletes) is None:
            return _error(404, "no account with this id")
        answer = Rendered(200, {}, self._account_json(account_id))
        return self._send("read", answer, self._account_context(request))

    async def delete_account(self, request: Request) -> Response:
        account_id = request.path_params["account"]
        now = self.clock.now()
        account = self.store.account(account_id, now)
        if account is None:
            return _error(404, "no account with this id")
        if account.delete_requested_at is None:
            account.delete_requested_at = now
        ctx = Context("delete", now, None, str(request.base_url), account_id)
        return self._send("delete", Rendered(204), ctx)

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document(self.wire))

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
    dialect: str = "cloudcenter",
) -> Starlette:
    """The simulator's ASGI app; `behaviours` names faults or quirks from `faults.py`.

    With `test_clock`, `clock` must be a `VirtualClock` and the app serves the
    test-clock protocol at `TEST_CLOCK_PATH` so a suite can move it over HTTP.
    `dialect` picks how it speaks (`cloudcenter`, `azure`, `ogc-processes`, `google-lro`).
    """
    return Simulator(clock, settings, behaviours, test_clock, dialect).app
