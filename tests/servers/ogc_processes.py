"""A small OGC API - Processes server (stdlib only), written from the public standard.

Standard followed: "OGC API - Processes - Part 1: Core", version 1.0.0, OGC document
18-062r2 (https://docs.ogc.org/is/18-062r2/18-062r2.html). Requirement labels below are
those of the 1.0 text. Where 1.0 is silent, the 2.0 editor's draft of the same part
(18-062r3) is named as such.

What the standard asks, in short (paraphrased):

- Execute (/req/core/process-execute-op): a POST to /processes/{processID}/execution
  runs a process. The mode is negotiated with the HTTP Prefer header of RFC 7240:
  without it a process that can run either way runs synchronously
  (/req/core/process-execute-default-execution-mode); with ``Prefer: respond-async``
  the server may choose, and is advised to honour the wish
  (/req/core/process-execute-auto-execution-mode, /rec/core/process-execute-honor-prefer)
  and to name the honoured tokens in ``Preference-Applied``
  (/rec/core/process-execute-preference-applied).
- Asynchronous answer (/req/core/process-execute-async, subject of the abstract test
  /conf/core/process-execute-success-async): status 201, a Location header that points
  at the new job, and a statusInfo body. (A summary table in clause 7 of the 1.0 text
  prints 200 for this row; the requirement itself, which is what a test checks, says 201.)
- Synchronous answer: with two or more requested outputs, 200 and a JSON results
  document (/req/core/process-execute-sync-many-json); with exactly one, 200 and the
  bare output value (/req/core/process-execute-sync-one). A job is optional for
  synchronous runs (/per/core/process-execute-sync-job); this server makes none.
- Status (/req/core/job, /req/core/job-success): GET /jobs/{jobID} answers 200 with a
  statusInfo document: ``jobID``, ``status`` (one of accepted, running, successful,
  failed, dismissed), ``type`` = "process", optional ``processID``, ``message``,
  ``created``, ``started``, ``finished``, ``updated``, ``progress`` (0..100) and
  ``links``. The date fields follow /rec/core/job-status. The link relation
  ``http://www.opengis.net/def/rel/ogc/1.0/results`` (clause 5) points at a job's
  results; the 2.0 draft advises it once results exist (/rec/core/job-links).
- Unknown job (/req/core/job-exception-no-such-job and
  /req/core/job-results-exception/no-such-job): 404 with an exception document
  (``type``, ``title``, ``status``, ``detail``, ``instance``; RFC 7807 shape) whose type is
  ``http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job``.
  Unknown process: 404, type ``.../no-such-process``
  (/req/core/process-exception/no-such-process).
- Results (/req/core/job-results): a successful job answers 200 with the results
  document (/req/core/job-results-async-many); a job still accepted or running answers
  404 of type ``.../result-not-ready`` (/req/core/job-results-exception/results-not-ready);
  a failed job answers an HTTP error code that fits the reason of the failure, with an
  exception whose type names that reason (/req/core/job-results-failed). The abstract
  test for it wants a 4xx or 5xx that is not 404. The failure here is a run-time error
  of the process, so this server answers 500 with type ``NoApplicableCode`` (the OWS/WPS
  code for a server-side failure); an invalid input would rather be a 400
  ``InvalidParameterValue``, but invalid inputs are refused at execute time here.
- Dismiss (/req/dismiss/job-dismiss-op, /req/dismiss/job-dismiss-success): DELETE
  /jobs/{jobID} answers 200 with statusInfo whose status is "dismissed". In 1.0, to
  dismiss means to cancel a running job or to remove what a finished job left. The 2.0
  draft (/req/dismiss/job-dismiss-status) adds that a finished job is then removed and
  can no longer be reached. This server removes every dismissed job, whatever its
  state: afterwards GET /jobs/{jobID} and its results answer 404 no-such-job.
- Job list (/req/job-list/job-list-op, /req/job-list/job-list-success,
  /req/job-list/links): GET /jobs answers 200 with ``{"jobs": [statusInfo...],
  "links": [...]}``, including a ``self`` link, and takes the query parameters
  ``type``, ``processID``, ``status`` (each may repeat) and ``limit`` (1..10000,
  default 10; /req/job-list/limit-definition). When more jobs match, a ``next`` link
  (with a server-specific ``offset``) follows, as /rec/job-list/next-1 advises.
- Landing page (/req/core/landingpage-success) and conformance declaration
  (/req/core/conformance-success).

Expiry: the standard has no retention or expiry rule, so jobs stay until they are
dismissed. For tests, ``running(expire_after=seconds)`` makes a job that has ended
(successful or failed) unknown (404) that many seconds after it finished. Jobs that have
not ended never expire.

Older drafts (up to 1.0-draft.6) chose the mode with ``"mode": "sync"|"async"|"auto"``
and ``"response": "raw"|"document"`` in the execute body. 1.0 replaced both with the
Prefer header, so this server ignores those members.

The process ``echo`` (jobControlOptions: sync-execute, async-execute, dismiss):

- inputs: ``message`` (string, required); ``fail`` (boolean, optional: the run ends
  ``failed`` with a message); ``slow`` (boolean, optional: the job stays ``running``
  with rising progress and never ends; it takes precedence over ``fail``). Each value
  may be given bare or qualified as ``{"value": ...}``. Unknown, missing or mistyped
  inputs are refused with 400 ``InvalidParameterValue``
  (/req/core/process-execute-input-validation).
- outputs: ``echo`` (the message) and ``length`` (its length). An ``outputs`` member in
  the request chooses some of them; without it all are returned
  (/req/core/process-execute-default-outputs).
- an asynchronous job is ``accepted`` for ``queued_for`` (0.05 s), ``running`` for
  ``work_for`` (0.25 s) with progress rising from 0 to 99, then ``successful`` (100)
  or ``failed``.
- run synchronously, a success answers at once; ``fail`` answers 500
  ``NoApplicableCode``; ``slow`` can never finish in one request, so it is refused
  with 400 ``InvalidParameterValue`` (run it with ``Prefer: respond-async``).

Routes (every JSON answer has ``Content-Type: application/json``):

=========================================  ==================================================
GET /                                      200 landing page (links: self, service-desc,
                                           conformance, processes, job-list)
GET /api                                   200 a minimal OpenAPI 3.0 document
GET /conformance                           200 ``{"conformsTo": [...]}``: core, json,
                                           ogc-process-description, job-list, dismiss
GET /processes                             200 process list (``processes``, ``links``)
GET /processes/{id}                        200 process description; 404 no-such-process
POST /processes/{id}/execution             with ``Prefer: respond-async``: 201, absolute
                                           ``Location: {base}/jobs/{jobID}``,
                                           ``Preference-Applied: respond-async``, statusInfo
                                           (status accepted). Without it: 200 results
                                           document (or the bare value if one output is
                                           requested). 400 bad body or inputs; 404
                                           no-such-process; 500 a synchronous run failed
GET /jobs                                  200 job list; 400 bad ``limit``
GET /jobs/{jobID}                          200 statusInfo; 404 no-such-job
GET /jobs/{jobID}/results                  200 results document (successful); 404
                                           result-not-ready (accepted/running); 500
                                           NoApplicableCode (failed); 404 no-such-job
DELETE /jobs/{jobID}                       200 statusInfo with status "dismissed", then the
                                           job is gone; 404 no-such-job
anything else                              404 (unknown path) or 405 with ``Allow``
=========================================  ==================================================

Faults (names for ``running(faults=...)``), each a realistic mistake a conformance
tool must catch, with the clause it breaks:

- ``no-location``: the 201 answer has no Location header
  (/req/core/process-execute-async, the Location part).
- ``async-202``: the asynchronous answer is 202 Accepted instead of 201
  (/req/core/process-execute-async, the status-code part).
- ``status-flips``: the first read that sees the job ``successful`` says so; every
  later read of that job says ``failed``, and its results then answer like a failed
  job's. A finished job's status is final: statusCode.yaml's end states and clause 7's
  "once finished, the results (or exceptions) can be retrieved" leave no way back.
- ``no-results-link``: a successful statusInfo carries no link of relation
  ``http://www.opengis.net/def/rel/ogc/1.0/results`` (the relation of clause 5;
  /rec/core/job-links in the 2.0 draft), so a client cannot find the results.
- ``results-404``: the statusInfo says ``successful`` and links to the results, but
  GET of that link answers 404 no-such-job (/req/core/job-results-async-many wants 200).
- ``failed-results-200``: a failed job's results answer 200 with an empty document
  (/req/core/job-results-failed wants an error code and an exception).
- ``dismiss-keeps``: DELETE answers 200 with a "dismissed" statusInfo, but the job stays
  readable and listed with its old status, and goes on running
  (/req/dismiss/job-dismiss-success says it was dismissed; 2.0 draft
  /req/dismiss/job-dismiss-status says it must stop or be removed).
- ``dismiss-204``: DELETE answers 204 with no body (the job is removed)
  (/req/dismiss/job-dismiss-success wants 200 and a statusInfo).
- ``unknown-job-200``: GET /jobs/{jobID} for an id the server never issued answers 200
  with an "accepted" statusInfo (/req/core/job-exception-no-such-job wants 404).

The server listens on 127.0.0.1 only, on a free port; shared state is behind a lock.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ._loopback import serve

QUEUED_FOR = 0.05
WORK_FOR = 0.25

FAULTS = frozenset(
    {
        "no-location",
        "async-202",
        "status-flips",
        "no-results-link",
        "results-404",
        "failed-results-200",
        "dismiss-keeps",
        "dismiss-204",
        "unknown-job-200",
    }
)

REL_OGC = "http://www.opengis.net/def/rel/ogc/1.0/"
REL_RESULTS = REL_OGC + "results"
REL_EXCEPTIONS = REL_OGC + "exceptions"
EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
CONF = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/"
JSON_TYPE = "application/json"

PROCESS_ID = "echo"
INPUTS: dict[str, dict[str, Any]] = {
    "message": {"title": "Text to echo", "schema": {"type": "string"}},
    "fail": {
        "title": "End the run failed",
        "schema": {"type": "boolean", "default": False},
        "minOccurs": 0,
    },
    "slow": {
        "title": "Keep the job running, never ending",
        "schema": {"type": "boolean", "default": False},
        "minOccurs": 0,
    },
}
OUTPUTS: dict[str, dict[str, Any]] = {
    "echo": {"title": "The message", "schema": {"type": "string"}},
    "length": {"title": "Length of the message", "schema": {"type": "integer"}},
}


def _stamp(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _BadRequest(Exception):
    pass


class _State:
    def __init__(self, expire_after: float | None, queued_for: float, work_for: float) -> None:
        self.lock = threading.Lock()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.expire_after = expire_after
        self.queued_for = queued_for
        self.work_for = work_for


class _Handler(BaseHTTPRequestHandler):
    state: _State
    faults: frozenset[str] = frozenset()
    server_version = "ogc-processes-test/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # ---- plumbing -------------------------------------------------------------------

    def _send(
        self,
        code: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str = JSON_TYPE,
    ) -> None:
        if body is None:
            data = b""
        elif isinstance(body, str) and content_type != JSON_TYPE:
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", content_type)
        if code != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _exception(self, code: int, kind: str, title: str, detail: str) -> None:
        body = {
            "type": kind,
            "title": title,
            "status": code,
            "detail": detail,
            "instance": urlsplit(self.path).path,
        }
        self._send(code, body)

    def _no_such_job(self, job_id: str) -> None:
        self._exception(404, EXC + "no-such-job", "No such job", f"there is no job {job_id!r}")

    def _no_such_process(self, process_id: str) -> None:
        self._exception(
            404,
            EXC + "no-such-process",
            "No such process",
            f"there is no process {process_id!r}",
        )

    def _base(self) -> str:
        host = self.headers.get("Host")
        if not host:
            host = f"127.0.0.1:{self.server.server_port}"  # type: ignore[attr-defined]
        return f"http://{host}"

    def _prefers_async(self) -> bool:
        for header in self.headers.get_all("Prefer") or []:
            for token in header.split(","):
                name = token.split(";")[0].split("=")[0].strip().lower()
                if name == "respond-async":
                    return True
        return False

    # ---- jobs -----------------------------------------------------------------------

    def _phase(self, job: dict[str, Any], now: float) -> dict[str, Any]:
        """Status, progress and milestones of a job at ``now`` (time decides everything)."""
        queued, work = self.state.queued_for, self.state.work_for
        created = job["created"]
        started = created + queued
        age = now - created
        if job["dismissed_at"] is not None:
            before = self._phase(dict(job, dismissed_at=None), job["dismissed_at"])
            before.pop("updated", None)
            return {**before, "status": "dismissed"}
        if age < queued:
            return {"status": "accepted", "progress": 0, "updated": created}
        if job["mode"] == "slow":
            running_for = now - started
            progress = min(99, int(99 * running_for / (running_for + 4 * work)))
            return {"status": "running", "progress": progress, "started": started}
        if age < queued + work:
            progress = min(99, int(100 * (now - started) / work))
            return {"status": "running", "progress": progress, "started": started}
        finished = started + work
        failed = job["mode"] == "fail" or job["flipped"]
        return {
            "status": "failed" if failed else "successful",
            "progress": 100,
            "started": started,
            "finished": finished,
        }

    def _message(self, status: str) -> str:
        return {
            "accepted": "queued, waiting for a worker",
            "running": "echoing the message",
            "successful": "the message was echoed",
            "failed": "the echo failed: the request asked the process to fail",
            "dismissed": "job dismissed",
        }[status]

    def _status_info(self, job: dict[str, Any], now: float) -> dict[str, Any]:
        phase = self._phase(job, now)
        status = phase["status"]
        base = self._base()
        href = f"{base}/jobs/{job['id']}"
        info: dict[str, Any] = {
            "jobID": job["id"],
            "processID": job["process"],
            "type": "process",
            "status": status,
            "message": self._message(status),
            "created": _stamp(job["created"]),
            "progress": phase["progress"],
        }
        if "started" in phase:
            info["started"] = _stamp(phase["started"])
        if "finished" in phase:
            info["finished"] = _stamp(phase["finished"])
        updated = phase.get("finished", phase.get("started", job["created"]))
        if status == "dismissed":
            updated = job["dismissed_at"]
        info["updated"] = _stamp(updated)
        links = [{"href": href, "rel": "self", "type": JSON_TYPE, "title": "this job"}]
        if status == "dismissed":
            links = [{"href": f"{base}/jobs", "rel": "up", "type": JSON_TYPE, "title": "jobs"}]
        elif status == "successful" and "no-results-link" not in self.faults:
            links.append(
                {
                    "href": f"{href}/results",
                    "rel": REL_RESULTS,
                    "type": JSON_TYPE,
                    "title": "results",
                }
            )
        elif status == "failed":
            links.append(
                {
                    "href": f"{href}/results",
                    "rel": REL_EXCEPTIONS,
                    "type": JSON_TYPE,
                    "title": "why the job failed",
                }
            )
        info["links"] = links
        return info

    def _live_job(self, job_id: str, now: float) -> dict[str, Any] | None:
        """The job if it is still known (call with the lock held); forgets expired jobs."""
        job = self.state.jobs.get(job_id)
        if job is None:
            return None
        expire_after = self.state.expire_after
        if expire_after is not None:
            phase = self._phase(job, now)
            if "finished" in phase and now >= phase["finished"] + expire_after:
                del self.state.jobs[job_id]
                return None
        return job

    def _note_read(self, job: dict[str, Any], now: float) -> None:
        """``status-flips``: the second read that finds the job successful flips it."""
        if "status-flips" not in self.faults or job["flipped"]:
            return
        if self._phase(job, now)["status"] == "successful":
            if job["success_reads"] >= 1:
                job["flipped"] = True
            job["success_reads"] += 1

    @staticmethod
    def _results(job: dict[str, Any]) -> dict[str, Any]:
        values = {"echo": job["message"], "length": len(job["message"])}
        return {name: values[name] for name in job["outputs"]}

    # ---- execute --------------------------------------------------------------------

    def _read_execute(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError as error:
            raise _BadRequest("the body is not JSON") from error
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), dict):
            raise _BadRequest("the body must be a JSON object with an 'inputs' object")
        inputs: dict[str, Any] = {}
        for name, value in body["inputs"].items():
            if name not in INPUTS:
                raise _BadRequest(f"the process has no input {name!r}")
            if isinstance(value, dict) and "value" in value:
                value = value["value"]
            inputs[name] = value
        if not isinstance(inputs.get("message"), str):
            raise _BadRequest("the input 'message' (a string) is required")
        for flag in ("fail", "slow"):
            if not isinstance(inputs.get(flag, False), bool):
                raise _BadRequest(f"the input {flag!r} must be a boolean")
        outputs = body.get("outputs") or {}
        if not isinstance(outputs, dict):
            raise _BadRequest("'outputs' must be an object")
        for name in outputs:
            if name not in OUTPUTS:
                raise _BadRequest(f"the process has no output {name!r}")
        mode = "slow" if inputs.get("slow") else "fail" if inputs.get("fail") else "ok"
        return {
            "message": inputs["message"],
            "mode": mode,
            "outputs": list(outputs) or list(OUTPUTS),
        }

    def _execute(self, process_id: str) -> None:
        if process_id != PROCESS_ID:
            return self._no_such_process(process_id)
        try:
            request = self._read_execute()
        except _BadRequest as error:
            return self._exception(
                400, "InvalidParameterValue", "Invalid execute request", str(error)
            )
        if not self._prefers_async():
            return self._execute_sync(request)
        now = time.time()
        job = {
            "id": str(uuid.uuid4()),
            "process": process_id,
            "created": now,
            "flipped": False,
            "success_reads": 0,
            "dismissed_at": None,
            **request,
        }
        with self.state.lock:
            self.state.jobs[job["id"]] = job
            info = self._status_info(job, now)
        headers = {"Preference-Applied": "respond-async"}
        if "no-location" not in self.faults:
            headers["Location"] = f"{self._base()}/jobs/{job['id']}"
        self._send(202 if "async-202" in self.faults else 201, info, headers)

    def _execute_sync(self, request: dict[str, Any]) -> None:
        if request["mode"] == "slow":
            return self._exception(
                400,
                "InvalidParameterValue",
                "Cannot run synchronously",
                "'slow' never finishes; send 'Prefer: respond-async'",
            )
        if request["mode"] == "fail":
            return self._exception(
                500, "NoApplicableCode", "Process failed", self._message("failed")
            )
        results = self._results(request)
        if len(results) == 1:  # /req/core/process-execute-sync-one: the bare value
            ((name, value),) = results.items()
            if name == "echo":
                return self._send(200, value, content_type="text/plain; charset=utf-8")
            return self._send(200, value)
        self._send(200, results)

    # ---- routes ---------------------------------------------------------------------

    def _landing(self) -> None:
        base = self._base()
        links = [
            ("/", "self", "this document"),
            ("/api", "service-desc", "the API definition"),
            ("/conformance", REL_OGC + "conformance", "conformance classes"),
            ("/processes", REL_OGC + "processes", "the processes"),
            ("/jobs", REL_OGC + "job-list", "the jobs"),
        ]
        body = {
            "title": "OGC API - Processes test server",
            "description": "A small server for tests, following OGC 18-062r2",
            "links": [
                {"href": base + path, "rel": rel, "type": JSON_TYPE, "title": title}
                for path, rel, title in links
            ],
        }
        self._send(200, body)

    def _api(self) -> None:
        paths = ["/", "/conformance", "/processes", "/processes/{processID}"]
        paths += ["/processes/{processID}/execution", "/jobs", "/jobs/{jobID}"]
        paths += ["/jobs/{jobID}/results"]
        body = {
            "openapi": "3.0.3",
            "info": {"title": "OGC API - Processes test server", "version": "1.0.0"},
            "servers": [{"url": self._base()}],
            "paths": {path: {} for path in paths},
        }
        self._send(200, body)

    def _conformance(self) -> None:
        classes = ["core", "json", "ogc-process-description", "job-list", "dismiss"]
        self._send(200, {"conformsTo": [CONF + name for name in classes]})

    def _summary(self) -> dict[str, Any]:
        return {
            "id": PROCESS_ID,
            "title": "Echo",
            "description": "Echoes a message, slowly enough to watch the job.",
            "version": "1.0.0",
            "jobControlOptions": ["sync-execute", "async-execute", "dismiss"],
            "outputTransmission": ["value"],
            "links": [
                {
                    "href": f"{self._base()}/processes/{PROCESS_ID}",
                    "rel": "self",
                    "type": JSON_TYPE,
                    "title": "process description",
                }
            ],
        }

    def _process_list(self) -> None:
        links = [{"href": f"{self._base()}/processes", "rel": "self", "type": JSON_TYPE}]
        self._send(200, {"processes": [self._summary()], "links": links})

    def _process(self, process_id: str) -> None:
        if process_id != PROCESS_ID:
            return self._no_such_process(process_id)
        body = {**self._summary(), "inputs": INPUTS, "outputs": OUTPUTS}
        body["links"] = [
            *body["links"],
            {
                "href": f"{self._base()}/processes/{PROCESS_ID}/execution",
                "rel": REL_OGC + "execute",
                "title": "execute endpoint",
            },
        ]
        self._send(200, body)

    def _job_list(self) -> None:
        query = parse_qs(urlsplit(self.path).query)

        def values(name: str) -> set[str] | None:
            if name not in query:
                return None
            return {part for item in query[name] for part in item.split(",") if part}

        try:
            limit = int(query.get("limit", ["10"])[-1])
            offset = int(query.get("offset", ["0"])[-1])
            if not 1 <= limit <= 10000 or offset < 0:
                raise ValueError
        except ValueError:
            return self._exception(
                400,
                "InvalidParameterValue",
                "Invalid query parameter",
                "'limit' must be an integer in 1..10000 and 'offset' one >= 0",
            )
        wanted_types, wanted_ids, wanted_status = (
            values("type"),
            values("processID"),
            values("status"),
        )
        now = time.time()
        with self.state.lock:
            jobs = [self._live_job(job_id, now) for job_id in list(self.state.jobs)]
            infos = [self._status_info(job, now) for job in jobs if job is not None]
        infos = [
            info
            for info in infos
            if (wanted_types is None or info["type"] in wanted_types)
            and (wanted_ids is None or info["processID"] in wanted_ids)
            and (wanted_status is None or info["status"] in wanted_status)
        ]
        base = self._base()
        self_href = f"{base}/jobs" + (f"?{urlsplit(self.path).query}" if query else "")
        links = [{"href": self_href, "rel": "self", "type": JSON_TYPE}]
        if offset + limit < len(infos):
            next_href = f"{base}/jobs?limit={limit}&offset={offset + limit}"
            links.append({"href": next_href, "rel": "next", "type": JSON_TYPE})
        self._send(200, {"jobs": infos[offset : offset + limit], "links": links})

    def _job(self, job_id: str) -> None:
        now = time.time()
        with self.state.lock:
            job = self._live_job(job_id, now)
            if job is not None:
                self._note_read(job, now)
                info = self._status_info(job, now)
        if job is not None:
            return self._send(200, info)
        if "unknown-job-200" in self.faults:
            return self._send(
                200,
                {
                    "jobID": job_id,
                    "type": "process",
                    "status": "accepted",
                    "message": "queued, waiting for a worker",
                    "progress": 0,
                    "links": [],
                },
            )
        self._no_such_job(job_id)

    def _job_results(self, job_id: str) -> None:
        now = time.time()
        with self.state.lock:
            job = self._live_job(job_id, now)
            status = self._phase(job, now)["status"] if job else None
        if job is None or status == "dismissed":
            return self._no_such_job(job_id)
        if status in ("accepted", "running"):
            return self._exception(
                404,
                EXC + "result-not-ready",
                "Results not ready",
                f"job {job_id!r} is {status}",
            )
        if status == "failed":
            if "failed-results-200" in self.faults:
                return self._send(200, {})
            return self._exception(
                500, "NoApplicableCode", "Process failed", self._message("failed")
            )
        if "results-404" in self.faults:
            return self._no_such_job(job_id)
        self._send(200, self._results(job))

    def _dismiss(self, job_id: str) -> None:
        now = time.time()
        with self.state.lock:
            job = self._live_job(job_id, now)
            if job is not None:
                if "dismiss-keeps" in self.faults:
                    # the answer claims a dismissal, but the stored job is left alone
                    info = self._status_info(dict(job, dismissed_at=now), now)
                else:
                    job["dismissed_at"] = now
                    info = self._status_info(job, now)
                    del self.state.jobs[job_id]
        if job is None:
            return self._no_such_job(job_id)
        if "dismiss-204" in self.faults:
            return self._send(204)
        self._send(200, info)

    def _route(self, method: str) -> None:
        path = urlsplit(self.path).path
        routes: list[tuple[str, dict[str, Callable[..., None]]]] = [
            (r"/", {"GET": self._landing}),
            (r"/api", {"GET": self._api}),
            (r"/conformance", {"GET": self._conformance}),
            (r"/processes", {"GET": self._process_list}),
            (r"/processes/([^/]+)", {"GET": self._process}),
            (r"/processes/([^/]+)/execution", {"POST": self._execute}),
            (r"/jobs", {"GET": self._job_list}),
            (r"/jobs/([^/]+)", {"GET": self._job, "DELETE": self._dismiss}),
            (r"/jobs/([^/]+)/results", {"GET": self._job_results}),
        ]
        for pattern, methods in routes:
            match = re.fullmatch(pattern, path)
            if match is None:
                continue
            if method not in methods:
                allow = ", ".join(sorted(methods))
                return self._send(
                    405,
                    {"type": "MethodNotAllowed", "title": "Method not allowed", "status": 405},
                    {"Allow": allow},
                )
            return methods[method](*match.groups())
        self._exception(404, "NotFound", "Not found", f"no resource at {path!r}")

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_PATCH(self) -> None:
        self._route("PATCH")


@contextlib.contextmanager
def running(
    faults: frozenset[str] | set[str] = frozenset(),
    *,
    expire_after: float | None = None,
    queued_for: float = QUEUED_FOR,
    work_for: float = WORK_FOR,
) -> Iterator[str]:
    """Serve on 127.0.0.1 on a free port; yields the base URL and stops on exit.

    ``faults`` names mistakes to make (see the module docstring); ``expire_after``
    forgets a finished job that many seconds after it finished (None: never, as the
    standard has no expiry); ``queued_for`` and ``work_for`` set the job timings.
    """
    unknown = set(faults) - FAULTS
    if unknown:
        raise ValueError(f"unknown faults: {sorted(unknown)}")
    state = _State(expire_after, queued_for, work_for)
    handler = type("Handler", (_Handler,), {"state": state, "faults": frozenset(faults)})
    with serve(handler) as url:
        yield url
