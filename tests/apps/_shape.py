"""The wire shape the matrix's apps share: what a job request may say, what a status shows."""

from __future__ import annotations

import json
from typing import Any

OUTCOMES = ("success", "failure", "hang")

#: The contract's windows; `make(completed=60)` is the forgetful fault.
COMPLETED = 300.0
TIMED_OUT = 3600.0
WORK = 2.0


def parse_job(body: bytes) -> dict[str, Any] | None:
    """The job a request asks for, or None when the body is not one (the app answers 400)."""
    try:
        job = json.loads(body)
    except ValueError:
        return None
    if not isinstance(job, dict) or not isinstance(job.get("name"), str):
        return None
    if job.get("outcome", "success") not in OUTCOMES:
        return None
    return {"name": job["name"], "outcome": job.get("outcome", "success")}


def status(op_id: str, state: str) -> dict[str, Any]:
    """The status body of operation `op_id` in `state` (RUNNING, SUCCESS or FAILED)."""
    body: dict[str, Any] = {"operationId": op_id, "status": state}
    if state == "SUCCESS":
        body["resourceUrl"] = f"/jobs/{op_id}"
    elif state == "FAILED":
        body["msg"] = "the job failed"
    return body


def result(job: dict[str, Any] | None, method: str) -> tuple[int, Any]:
    """GET or DELETE of a job's result: (code, JSON body or None); a DELETE marks it deleted."""
    if job is None or job.get("deleted") or job["state"] != "SUCCESS":
        return 404, {"error": "no such job"}
    if method == "DELETE":
        job["deleted"] = True
        return 204, None
    return 200, {"name": job["name"]}


def names(jobs: dict[str, dict[str, Any]]) -> list[str]:
    """The synchronous listing: the names of the jobs not deleted."""
    return [job["name"] for job in jobs.values() if not job.get("deleted")]
