"""A FastAPI job API: work run as `BackgroundTasks`, stamped `datetime.now(timezone.utc)`.

The FastAPI tutorial's pattern: the path operation adds the work to `BackgroundTasks`,
which runs after the 202 has been sent, in the same request.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ._shape import COMPLETED, TIMED_OUT, WORK, names, parse_job, status
from ._shape import result as result_of


def make(completed: float = COMPLETED, timed_out: float = TIMED_OUT, work: float = WORK) -> Any:
    app = FastAPI()
    jobs: dict[str, dict[str, Any]] = {}

    async def run(op_id: str) -> None:
        await asyncio.sleep(work)
        job = jobs[op_id]
        if job["outcome"] != "hang":
            job["state"] = "SUCCESS" if job["outcome"] == "success" else "FAILED"
            job["ended"] = datetime.now(timezone.utc)

    def kept(op_id: str) -> dict[str, Any] | None:
        job = jobs.get(op_id)
        if job is None:
            return None
        now = datetime.now(timezone.utc)
        if job["ended"] is not None:
            gone = now > job["ended"] + timedelta(seconds=completed)
        else:
            gone = job["outcome"] == "hang" and now > job["created"] + timedelta(seconds=timed_out)
        return None if gone else job

    @app.post("/jobs", status_code=202)
    async def submit(request: Request, background: BackgroundTasks) -> Response:
        job = parse_job(await request.body())
        if job is None:
            return JSONResponse({"error": "a job is a JSON object with a name"}, 400)
        op_id = uuid.uuid4().hex
        created = datetime.now(timezone.utc)
        jobs[op_id] = {**job, "state": "RUNNING", "created": created, "ended": None}
        background.add_task(run, op_id)
        return JSONResponse(
            status(op_id, "RUNNING"), 202, headers={"Location": f"/operations/{op_id}"}
        )

    @app.get("/jobs")
    async def listing() -> list[str]:
        return names(jobs)

    @app.get("/operations/{op_id}")
    async def operation(op_id: str) -> Response:
        job = kept(op_id)
        if job is None:
            return JSONResponse({"error": "no such operation"}, 404)
        return JSONResponse(status(op_id, job["state"]))

    @app.api_route("/jobs/{op_id}", methods=["GET", "DELETE"])
    async def result(op_id: str, request: Request) -> Response:
        code, body = result_of(jobs.get(op_id), request.method)
        return Response(status_code=code) if body is None else JSONResponse(body, code)

    return app


app = make()
forgetful = make(completed=60.0)
