"""A small job API whose published document says other than what the server does.

Its document says a job is accepted with 202 and an ``Operation-Location`` header, and
that a job's ``state`` is one of ``queued``, ``running``, ``done``, ``failed``. The server
answers 202 with a ``Location`` header instead, and a finished job says ``finished``,
a state the document never lists. Everything else is plain: ``GET /jobs/{id}`` reads a
job (``id``, ``state``, ``detail``), which runs for two seconds of the app's time, then
names its result in ``output`` (``GET /outputs/{id}``). ``DELETE /jobs/{id}`` answers
204. It records the ``Authorization`` header of every request in ``SEEN``.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

RUNS_FOR = 2.0
SEEN: list[str | None] = []
_JOBS: dict[str, float] = {}
_IDS = itertools.count(1)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "jobs", "version": "1"},
    "paths": {
        "/jobs": {
            "post": {
                "operationId": "startJob",
                "requestBody": {"content": {"application/json": {"example": {"task": "resize"}}}},
                "responses": {
                    "202": {
                        "description": "Accepted.",
                        "headers": {"Operation-Location": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/jobs/{jobId}": {
            "parameters": [
                {"name": "jobId", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getJob",
                "responses": {
                    "200": {
                        "description": "The job.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Job"}}
                        },
                    }
                },
            },
            "delete": {"responses": {"204": {"description": "Deleted."}}},
        },
    },
    "components": {
        "schemas": {
            "Job": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                    "detail": {"type": "string"},
                    "output": {"type": "string"},
                },
            }
        }
    },
}


def _job(job_id: str) -> dict[str, Any] | None:
    started = _JOBS.get(job_id)
    if started is None:
        return None
    if time.monotonic() - started < RUNS_FOR:
        return {"id": job_id, "state": "running", "detail": "resizing"}
    return {"id": job_id, "state": "finished", "detail": "done", "output": f"/outputs/{job_id}"}


async def openapi(request: Request) -> Response:
    return JSONResponse(DOCUMENT)


async def start(request: Request) -> Response:
    SEEN.append(request.headers.get("authorization"))
    job_id = f"j{next(_IDS)}"
    _JOBS[job_id] = time.monotonic()
    return JSONResponse(
        {"id": job_id, "state": "queued"}, status_code=202, headers={"Location": f"/jobs/{job_id}"}
    )


async def read(request: Request) -> Response:
    SEEN.append(request.headers.get("authorization"))
    job = _job(request.path_params["job_id"])
    return JSONResponse(job) if job else JSONResponse({"error": "no such job"}, status_code=404)


async def remove(request: Request) -> Response:
    if _JOBS.pop(request.path_params["job_id"], None) is None:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return Response(status_code=204)


async def output(request: Request) -> Response:
    job = _job(request.path_params["job_id"])
    if not job or job["state"] != "finished":
        return JSONResponse({"error": "no such output"}, status_code=404)
    return JSONResponse({"size": [640, 480]})


app = Starlette(
    routes=[
        Route("/openapi.json", openapi),
        Route("/jobs", start, methods=["POST"]),
        Route("/jobs/{job_id}", read, methods=["GET"]),
        Route("/jobs/{job_id}", remove, methods=["DELETE"]),
        Route("/outputs/{job_id}", output, methods=["GET"]),
    ]
)
