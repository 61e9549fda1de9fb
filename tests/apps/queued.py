"""A Starlette job API with a worker started in its lifespan, timed with the loop's own clock.

Jobs wait in an `asyncio.Queue` for a dispatcher task that runs each as a task of its own; times
come from `loop.time()`, and each finished operation is forgotten by a `loop.call_later`
timer set for its window.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import _starlette
from ._shape import COMPLETED, TIMED_OUT, WORK, names, parse_job, status


def make(completed: float = COMPLETED, timed_out: float = TIMED_OUT, work: float = WORK) -> Any:
    jobs: dict[str, dict[str, Any]] = {}
    operations: set[str] = set()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def forget_later(op_id: str, seconds: float) -> None:
        asyncio.get_running_loop().call_later(seconds, operations.discard, op_id)

    async def process(op_id: str) -> None:
        job = jobs[op_id]
        if job["outcome"] == "hang":
            forget_later(op_id, job["created"] + timed_out - asyncio.get_running_loop().time())
            return
        await asyncio.sleep(work)
        job["state"] = "SUCCESS" if job["outcome"] == "success" else "FAILED"
        forget_later(op_id, completed)

    async def dispatcher() -> None:
        running: set[asyncio.Task[None]] = set()
        while True:
            task = asyncio.create_task(process(await queue.get()))
            running.add(task)
            task.add_done_callback(running.discard)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(dispatcher())
        yield
        task.cancel()

    async def submit(request: Request) -> Response:
        job = parse_job(await request.body())
        if job is None:
            return _starlette.refused()
        op_id = uuid.uuid4().hex
        created = asyncio.get_running_loop().time()
        jobs[op_id] = {**job, "state": "RUNNING", "created": created}
        operations.add(op_id)
        await queue.put(op_id)
        return _starlette.accepted(op_id)

    async def listing(request: Request) -> Response:
        return JSONResponse(names(jobs))

    async def operation(request: Request) -> Response:
        op_id = request.path_params["op_id"]
        if op_id not in operations:
            return JSONResponse({"error": "no such operation"}, 404)
        return JSONResponse(status(op_id, jobs[op_id]["state"]))

    async def result(request: Request) -> Response:
        job = jobs.get(request.path_params["op_id"])
        return _starlette.answer(job, request)

    return Starlette(
        routes=_starlette.routes(submit, listing, operation, result),
        lifespan=lifespan,
    )


app = make()
forgetful = make(completed=60.0)
