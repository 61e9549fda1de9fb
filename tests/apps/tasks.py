"""A Starlette job API whose jobs run as asyncio tasks, timed with `time.monotonic()`.

The pattern of most async-job examples: the handler starts `asyncio.create_task(run(job))`
and answers 202; the task sleeps for the work and stamps when it ended.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import _starlette
from ._shape import COMPLETED, TIMED_OUT, WORK, names, parse_job, status


def make(completed: float = COMPLETED, timed_out: float = TIMED_OUT, work: float = WORK) -> Any:
    jobs: dict[str, dict[str, Any]] = {}
    running: set[asyncio.Task[None]] = set()

    async def run(op_id: str) -> None:
        await asyncio.sleep(work)
        job = jobs[op_id]
        if job["outcome"] != "hang":
            job["state"] = "SUCCESS" if job["outcome"] == "success" else "FAILED"
            job["ended"] = time.monotonic()

    def kept(op_id: str) -> dict[str, Any] | None:
        """The job behind an operation id still kept; the job itself stays until deleted."""
        job = jobs.get(op_id)
        if job is None:
            return None
        if job["ended"] is not None:
            gone = time.monotonic() > job["ended"] + completed
        else:
            gone = job["outcome"] == "hang" and time.monotonic() > job["created"] + timed_out
        return None if gone else job

    async def submit(request: Request) -> Response:
        job = parse_job(await request.body())
        if job is None:
            return _starlette.refused()
        op_id = uuid.uuid4().hex
        jobs[op_id] = {**job, "state": "RUNNING", "created": time.monotonic(), "ended": None}
        task = asyncio.create_task(run(op_id))
        running.add(task)
        task.add_done_callback(running.discard)
        return _starlette.accepted(op_id)

    async def listing(request: Request) -> Response:
        return JSONResponse(names(jobs))

    async def operation(request: Request) -> Response:
        op_id = request.path_params["op_id"]
        job = kept(op_id)
        if job is None:
            return JSONResponse({"error": "no such operation"}, 404)
        return JSONResponse(status(op_id, job["state"]))

    async def result(request: Request) -> Response:
        job = jobs.get(request.path_params["op_id"])
        return _starlette.answer(job, request)

    return Starlette(routes=_starlette.routes(submit, listing, operation, result))


app = make()
forgetful = make(completed=60.0)
