"""A server written apart from the simulator (stdlib only) that follows the contract.

It speaks another dialect on purpose: other paths, field names and state names,
an absolute Location, bearer-token auth. The suite must judge it from a target
description alone.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

from ._loopback import serve

TOKEN = "independent-token-7f3a"
QUEUED_FOR = 0.05
WORK_FOR = 0.3
DELETE_AFTER = 0.2
COMPLETED_WINDOW = 1.5  # a finished job's id answers this long after it finished
TIMED_OUT_WINDOW = 3.0  # a job that never finishes answers this long after it was created


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.widgets: dict[str, dict[str, Any]] = {}


class _Handler(BaseHTTPRequestHandler):
    state: _State
    faults: frozenset[str] = frozenset()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            return True
        self._send(401, {"error": "unauthorised"})
        return False

    def _job_view(self, job: dict[str, Any]) -> dict[str, Any]:
        age = time.time() - job["created"]
        view: dict[str, Any] = {"job": job["id"]}
        if age < QUEUED_FOR:
            view.update(state="QUEUED", percent=0, note="waiting for a worker")
        elif job["mode"] == "slow" or age < QUEUED_FOR + WORK_FOR:
            view.update(
                state="WORKING",
                percent=int(100 * (age - QUEUED_FOR) / WORK_FOR),
                note="building the widget",
            )
        elif job["mode"] == "ok":
            view.update(
                state="DONE", percent=100, note="done", result=f"/api/v2/widgets/{job['widget']}"
            )
        else:
            view.update(state="ERROR", percent=100, note="the widget label is not allowed")
        return view

    @staticmethod
    def _expiry(job: dict[str, Any]) -> float:
        if job["mode"] == "slow":
            return float(job["created"]) + TIMED_OUT_WINDOW
        return float(job["created"]) + QUEUED_FOR + WORK_FOR + COMPLETED_WINDOW

    def do_POST(self) -> None:
        if not self._authorised():
            return
        if self.path != "/api/v2/widgets":
            return self._send(404, {"error": "no such path"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length))
            label, mode = body["label"], body.get("mode", "ok")
        except (ValueError, KeyError, TypeError):
            return self._send(400, {"error": "a JSON body with a label is required"})
        job = {
            "id": uuid.uuid4().hex,
            "created": time.time(),
            "mode": mode,
            "widget": uuid.uuid4().hex,
        }
        with self.state.lock:
            self.state.jobs[job["id"]] = job
            if mode == "ok":
                self.state.widgets[job["widget"]] = {
                    "id": job["widget"],
                    "label": label,
                    "ready": job["created"] + QUEUED_FOR + WORK_FOR,
                    "deleted": None,
                }
        host = self.headers.get("Host")
        self._send(202, self._job_view(job), {"Location": f"http://{host}/api/v2/jobs/{job['id']}"})

    def _widget(self, widget_id: str) -> dict[str, Any] | None:
        widget = self.state.widgets.get(widget_id)
        now = time.time()
        if widget is None or now < widget["ready"]:
            return None
        if widget["deleted"] is not None and now >= widget["deleted"] + DELETE_AFTER:
            return None
        return widget

    def do_GET(self) -> None:
        if not self._authorised():
            return
        if match := re.fullmatch(r"/api/v2/jobs/([0-9a-f]+)", self.path):
            job = self.state.jobs.get(match.group(1))
            if job is None or time.time() >= self._expiry(job):
                return self._send(404, {"error": "unknown job"})
            return self._send(200, self._job_view(job))
        if self.path == "/api/v2/widgets":
            widgets = [w for w in list(self.state.widgets) if self._widget(w)]
            return self._send(200, {"widgets": widgets})
        if match := re.fullmatch(r"/api/v2/widgets/([0-9a-f]+)", self.path):
            widget = self._widget(match.group(1))
            if widget is None:
                return self._send(404, {"error": "unknown widget"})
            return self._send(200, {"id": widget["id"], "label": widget["label"]})
        self._send(404, {"error": "no such path"})

    def do_DELETE(self) -> None:
        if not self._authorised():
            return
        match = re.fullmatch(r"/api/v2/widgets/([0-9a-f]+)", self.path)
        widget = self._widget(match.group(1)) if match else None
        if widget is None:
            return self._send(404, {"error": "unknown widget"})
        widget["deleted"] = widget["deleted"] or time.time()
        if "delete-204-body" in self.faults:  # a real-world mistake: JSON on a 204
            return self._send(204, {"deleted": widget["id"]})
        self._send(204)


@contextlib.contextmanager
def running(faults: frozenset[str] | set[str] = frozenset()) -> Iterator[str]:
    """Serve on 127.0.0.1 on a free port; yields the base URL and stops on exit."""
    handler = type("Handler", (_Handler,), {"state": _State(), "faults": frozenset(faults)})
    with serve(handler) as url:
        yield url
