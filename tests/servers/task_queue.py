"""A task-queue API over HTTP (Starlette), shaped like a real one the suite once misjudged.

Its routes follow Flower's REST API for Celery (``POST /api/task/async-apply/{task}`` with a
JSON body ``{"args": [...], "kwargs": {...}, ...options}``); the status route and the 202
are this server's own. As in Flower, the body is checked only so far: it must be a JSON
object and ``args`` an array, each refused with 400, while ``kwargs`` is unpacked into the
call as it comes -- so ``{"kwargs": 1}`` raises ``TypeError`` inside the handler, which
the framework answers with ``500 Internal Server Error``. ``checked=True`` is the same
server with that check in place: a ``kwargs`` that is not an object is refused with 400.

Routes (every answer JSON):

- ``POST /api/task/async-apply/{task}`` -> 202, ``Location: /api/task/result/{task-id}``,
  ``{"task-id", "state": "PENDING"}``; 400 ``{"error"}`` for a body that is not a JSON
  object (an empty body is ``{}``) or an ``args`` that is not an array.
- ``GET /api/task/result/{task-id}`` -> 200 ``{"task-id", "state": "PENDING" | "SUCCESS",
  "result"}`` (the sum of ``args``, or null, once ``duration`` seconds have passed); 404
  ``{"error"}`` for an id never issued.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.simulator import serve_in_thread

__all__ = ["create_app", "running"]


def create_app(*, checked: bool = False, duration: float = 0.05) -> Starlette:
    tasks: dict[str, tuple[float, Any]] = {}
    lock = threading.Lock()

    async def apply(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            options = json.loads(raw) if raw else {}
        except ValueError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        if not isinstance(options, dict):
            return JSONResponse({"error": "invalid options"}, status_code=400)
        args = options.pop("args", [])
        kwargs = options.pop("kwargs", {})
        if not isinstance(args, list):
            return JSONResponse({"error": "args must be an array"}, status_code=400)
        if checked and not isinstance(kwargs, dict):
            return JSONResponse({"error": "kwargs must be an object"}, status_code=400)
        call = dict(**kwargs)  # the unchecked server fails here: TypeError, a 500
        numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
        result = sum(numbers) if numbers and not call.get("fail") else None
        task_id = str(uuid.uuid4())
        with lock:
            tasks[task_id] = (time.monotonic() + duration, result)
        return JSONResponse(
            {"task-id": task_id, "state": "PENDING"},
            status_code=202,
            headers={"Location": f"/api/task/result/{task_id}"},
        )

    async def result(request: Request) -> JSONResponse:
        task_id = request.path_params["task_id"]
        with lock:
            task = tasks.get(task_id)
        if task is None:
            return JSONResponse({"error": f"unknown task {task_id}"}, status_code=404)
        done_at, value = task
        if time.monotonic() < done_at:
            return JSONResponse({"task-id": task_id, "state": "PENDING", "result": None})
        return JSONResponse({"task-id": task_id, "state": "SUCCESS", "result": value})

    return Starlette(
        routes=[
            Route("/api/task/async-apply/{task}", apply, methods=["POST"]),
            Route("/api/task/result/{task_id}", result, methods=["GET"]),
        ]
    )


@contextlib.contextmanager
def running(*, checked: bool = False) -> Iterator[str]:
    """Serve the task queue on 127.0.0.1 (uvicorn, in a thread); yields its base URL."""
    with serve_in_thread(create_app(checked=checked)) as url:
        yield url
