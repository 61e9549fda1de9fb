"""A Starlette job API whose work runs in a thread that calls `time.sleep`.

Real time the suite's virtual clock cannot move: in-process on the virtual clock the run
must stop at once and say so; with `--clock=real` it is judged like any server.
"""

from __future__ import annotations

import threading
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
    lock = threading.Lock()

    def run(op_id: str) -> None:
        time.sleep(work)
        with lock:
            job = jobs[op_id]
            if job["outcome"] != "hang":
                job["state"] = "SUCCESS" if job["outcome"] == "success" else "FAILED"
                job["ended"] = time.time()

    def kept(op_id: str) -> dict[str, Any] | None:
        with lock:
            job = jobs.get(op_id)
            if job is None:
                return None
            if job["ended"] is not None:
                gone = time.time() > job["ended"] + completed
            else:
                gone = job["outcome"] == "hang" and time.time() > job["created"] + timed_out
            return None if gone else dict(job)

    async def submit(request: Request) -> Response:
        job = parse_job(await request.body())
        if job is None:
            return _starlette.refused()
        op_id = uuid.uuid4().hex
        with lock:
            jobs[op_id] = {**job, "state": "RUNNING", "created": time.time(), "ended": None}
        threading.Thread(target=run, args=(op_id,), daemon=True).start()
        return _starlette.accepted(op_id)

    async def listing(request: Request) -> Response:
        with lock:
            return JSONResponse(names(jobs))

    async def operation(request: Request) -> Response:
        op_id = request.path_params["op_id"]
        job = kept(op_id)
        if job is None:
            return JSONResponse({"error": "no such operation"}, 404)
        return JSONResponse(status(op_id, job["state"]))

    async def result(request: Request) -> Response:
        with lock:
            job = jobs.get(request.path_params["op_id"])
            return _starlette.answer(job, request)

    return Starlette(
        routes=_starlette.routes(submit, listing, operation, result),
    )


app = make()
forgetful = make(completed=60.0)
scaled = make(completed=3.0, timed_out=6.0, work=0.6)  # for --clock=real, in-process
