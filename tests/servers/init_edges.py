"""Job APIs written the ways `init` meets in the wild, one per path prefix (Starlette, in-process).

- ``/patient``: answers ``Retry-After: 0`` on every read; a job runs one second.
- ``/echo``: names the job on another host, echoing the request's ``X-Api-Key`` in the URL.
- ``/odd``: ends with a state word followed by a terminal control character.

Each: ``POST /{prefix}/jobs`` answers 202 with a ``Location``; ``GET /{prefix}/jobs/{id}``
answers ``{"id", "status"}`` (RUNNING, then the end); a job's result is not named.
"""

from __future__ import annotations

import itertools
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

RUNS_FOR = 1.0
_STARTED: dict[str, float] = {}
_IDS = itertools.count(1)
_ENDS = {"patient": "SUCCEEDED", "echo": "SUCCEEDED", "odd": "Succeeded\x1b"}


async def start(request: Request) -> Response:
    prefix = request.path_params["prefix"]
    job = f"{prefix}-{next(_IDS)}"
    _STARTED[job] = time.monotonic()
    location = f"/{prefix}/jobs/{job}"
    if prefix == "echo":
        location = f"https://elsewhere.example/jobs/{job}?key={request.headers.get('x-api-key')}"
    return JSONResponse({"id": job, "status": "RUNNING"}, 202, {"Location": location})


async def read(request: Request) -> Response:
    prefix, job = request.path_params["prefix"], request.path_params["job"]
    started = _STARTED.get(job)
    if started is None or not job.startswith(prefix):
        return JSONResponse({"error": "no such job"}, 404)
    done = time.monotonic() - started >= RUNS_FOR
    headers = {"Retry-After": "0"} if prefix == "patient" else {}
    status = _ENDS[prefix] if done else "RUNNING"
    return JSONResponse({"id": job, "status": status}, 200, headers)


app = Starlette(
    routes=[
        Route("/{prefix}/jobs", start, methods=["POST"]),
        Route("/{prefix}/jobs/{job}", read, methods=["GET"]),
    ]
)
