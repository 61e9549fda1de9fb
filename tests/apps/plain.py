"""A job API with no framework: one ASGI callable, state computed from `time.time()` on each read.

Written as such apps are: a dict of jobs, the time read once per request, in the function the
callable hands the request to, and no lifespan support (it asserts an HTTP scope, as many do).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from ._shape import COMPLETED, TIMED_OUT, WORK, names, parse_job, status


class Jobs:
    def __init__(self, completed: float, timed_out: float, work: float, careless: bool) -> None:
        self.completed, self.timed_out, self.work = completed, timed_out, work
        self.careless = careless  # parses the body before checking it: bad JSON raises
        self.jobs: dict[str, dict[str, Any]] = {}

    def _state(self, job: dict[str, Any], now: float) -> str:
        if job["outcome"] == "hang" or now < job["created"] + self.work:
            return "RUNNING"
        return "SUCCESS" if job["outcome"] == "success" else "FAILED"

    def _gone(self, job: dict[str, Any], now: float) -> bool:
        if job["outcome"] == "hang":
            return now > job["created"] + self.timed_out
        return now > job["created"] + self.work + self.completed

    def operation(self, op_id: str, now: float) -> dict[str, Any] | None:
        """The job behind an operation id still kept; the job itself stays until deleted."""
        job = self.jobs.get(op_id)
        return None if job is None or self._gone(job, now) else job

    def submit(self, job: dict[str, Any], now: float) -> str:
        op_id = uuid.uuid4().hex
        self.jobs[op_id] = {**job, "created": now, "deleted": False}
        return op_id

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        now = time.time()
        parts = path.strip("/").split("/")
        if parts == ["jobs"] and method == "POST":
            if self.careless:
                json.loads(body)
            job = parse_job(body)
            if job is None:
                return 400, {}, {"error": "a job is a JSON object with a name"}
            op_id = self.submit(job, now)
            return 202, {"location": f"/operations/{op_id}"}, status(op_id, "RUNNING")
        if parts == ["jobs"] and method == "GET":
            return 200, {}, names(self.jobs)
        if len(parts) == 2 and parts[0] == "operations" and method == "GET":
            job = self.operation(parts[1], now)
            if job is None:
                return 404, {}, {"error": "no such operation"}
            return 200, {}, status(parts[1], self._state(job, now))
        if len(parts) == 2 and parts[0] == "jobs" and method in ("GET", "DELETE"):
            job = self.jobs.get(parts[1])
            if job is None or job["deleted"] or self._state(job, now) != "SUCCESS":
                return 404, {}, {"error": "no such job"}
            if method == "DELETE":
                job["deleted"] = True
                return 204, {}, None
            return 200, {}, {"name": job["name"]}
        return 404, {}, {"error": "not found"}


def make(
    completed: float = COMPLETED,
    timed_out: float = TIMED_OUT,
    work: float = WORK,
    careless: bool = False,
) -> Any:
    jobs = Jobs(completed, timed_out, work, careless)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        code, headers, payload = jobs.answer(scope["method"], scope["path"], body)
        content = b"" if payload is None else json.dumps(payload).encode()
        raw = [(k.encode(), v.encode()) for k, v in headers.items()]
        if payload is not None:
            raw.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": code, "headers": raw})
        await send({"type": "http.response.body", "body": content})

    return app


app = make()
forgetful = make(completed=60.0)
careless = make(careless=True)


async def _refusing_to_start(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app whose lifespan startup fails: its database cannot be reached."""
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "the database is unreachable"})
        return
    await app(scope, receive, send)


unstartable = _refusing_to_start
