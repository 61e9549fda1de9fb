"""A user's ASGI app gets the same verdicts in-process on the virtual clock as over HTTP.

The apps (`tests/apps/`) are written the ways such apps are written, each reading time its
own way; each runs in-process (`--target asgi:...`, the virtual clock: an hour in a
second or two) and under uvicorn on the wall clock with its windows scaled down, and the
two runs must agree requirement by requirement. Each app's forgetful variant loses its
operations after a minute, which both runs must catch.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from conformance.simulator import serve_in_thread

from .conftest import write

DESCRIPTION = """
[scenarios.success]
path = "/jobs"
json = { name = "job-{n}", outcome = "success" }

[scenarios.failure]
path = "/jobs"
json = { name = "job-{n}", outcome = "failure" }

[scenarios.timeout]
path = "/jobs"
json = { name = "job-{n}", outcome = "hang" }

[sync]
method = "GET"
path = "/jobs"
"""

#: The windows of the wall-clock runs, and the description that says so.
SCALED = {"completed": 2.0, "timed_out": 4.0, "work": 0.3}
SCALED_DESCRIPTION = (
    DESCRIPTION
    + """
[polling]
interval = 0.05
budget = 3
delete_budget = 3

[retention]
completed = 2.0
timed_out = 4.0
tolerance = 0.5
"""
)

#: Each kind of app, and how it reads time.
KINDS = {
    "plain": "no framework, time.time() a few calls deep",
    "tasks": "Starlette, asyncio.create_task, time.monotonic()",
    "background": "FastAPI BackgroundTasks, datetime.now(timezone.utc)",
    "queued": "Starlette lifespan worker, asyncio.Queue, loop.time() and call_later",
}


def _in_process(run_suite: Any, tmp_path: Any, kind: str, variant: str) -> Any:
    config = write(tmp_path / "inprocess.toml", DESCRIPTION)
    return run_suite(f"--target=asgi:tests.apps.{kind}:{variant}", f"--target-config={config}")


def _over_http(run_suite: Any, tmp_path: Any, kind: str, **changes: Any) -> Any:
    config = write(tmp_path / "live.toml", SCALED_DESCRIPTION)
    app = importlib.import_module(f"tests.apps.{kind}").make(**{**SCALED, **changes})
    with serve_in_thread(app, lifespan="auto") as url:
        return run_suite(f"--target={url}", f"--target-config={config}")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_app_gets_the_same_verdicts_in_process_as_over_http(run_suite, tmp_path, kind):
    inside = _in_process(run_suite, tmp_path, kind, "app")
    assert inside.document is not None and inside.document["clock"] == "virtual"
    outside = _over_http(run_suite, tmp_path, kind)
    assert inside.verdicts == outside.verdicts
    assert inside.with_verdict("FAIL", "ERROR", "BLOCKED") == {}
    for requirement in ("TRANS-OUTCOME", "RETAIN-COMPLETED", "EXPIRE-COMPLETED", "RETAIN-TIMEOUT"):
        assert inside.verdicts[requirement] == "PASS", requirement


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_app_that_forgets_too_soon_is_caught_both_ways(run_suite, tmp_path, kind):
    inside = _in_process(run_suite, tmp_path, kind, "forgetful")
    outside = _over_http(run_suite, tmp_path, kind, completed=0.4)
    for run in (inside, outside):
        assert run.verdicts["RETAIN-COMPLETED"] == "FAIL"
        assert run.verdicts["RETAIN-TIMEOUT"] == "PASS"
