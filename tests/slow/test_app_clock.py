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
from tests.support.paths import APPS
from tests.support.running import write

DESCRIPTION = (APPS / "target.toml").read_text()

#: The windows of the wall-clock runs, and the description that says so. The work lasts long
#: enough that a busy machine's late first read still finds it running (else STATUS-SAFE
#: has nothing to see, and SKIPs where the virtual run PASSes). The tolerance leaves room for
#: the probes' margin, which grows with the slowest answer seen: under CI's load one of
#: 0.55 s put a probe 1.4 s inside a window, and the suite rightly said a window off by less
#: would not show (WARN inconclusive).
SCALED = {"completed": 3.0, "timed_out": 6.0, "work": 0.6}
SCALED_DESCRIPTION = (
    DESCRIPTION
    + """
[polling]
interval = 0.05
budget = 3
delete_budget = 3

[retention]
completed = 3.0
timed_out = 6.0
tolerance = 2.0
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
    # The report's own times are the wall clock's, not the app's hour of virtual time.
    assert inside.document["started_at"] <= inside.document["finished_at"]
    outside = _over_http(run_suite, tmp_path, kind)
    differ = {k: (v, outside.verdicts.get(k)) for k, v in inside.verdicts.items()}
    assert inside.verdicts == outside.verdicts, {k: v for k, v in differ.items() if v[0] != v[1]}
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


def test_an_app_that_waits_on_real_time_stops_the_virtual_run_at_once(run_suite, tmp_path):
    run = _in_process(run_suite, tmp_path, "threaded", "app")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    said = run.result.stdout.str() + run.result.stderr.str()
    stop = next(line for line in said.splitlines() if "waits on real time" in line)
    assert "time.sleep(2)" in stop and "tests/apps/threaded.py" in stop
    assert "--clock=real" in stop
    assert run.document is not None
    assert "waits on real time" in run.document["aborted"]
    assert run.with_verdict("PASS", "FAIL", "WARN", "ERROR") == {}  # nothing judged on it


def test_an_app_that_waits_on_real_time_is_judged_on_the_real_clock(run_suite, tmp_path):
    config = write(tmp_path / "real.toml", SCALED_DESCRIPTION)
    inside = run_suite(
        "--target=asgi:tests.apps.threaded:scaled", "--clock=real", f"--target-config={config}"
    )
    assert inside.document is not None and inside.document["clock"] == "real"
    outside = _over_http(run_suite, tmp_path, "threaded")
    assert inside.verdicts == outside.verdicts
    assert inside.with_verdict("FAIL", "ERROR", "BLOCKED") == {}
    assert inside.verdicts["RETAIN-COMPLETED"] == "PASS"


def test_an_app_that_raises_is_judged_by_the_500_its_server_answers(run_suite, tmp_path):
    inside = _in_process(run_suite, tmp_path, "plain", "careless")
    assert inside.document is not None
    raised = [e for e in inside.document["exchanges"] if e.get("app_traceback")]
    assert raised and all(e["status"] == 500 for e in raised)
    assert "json.decoder.JSONDecodeError" in raised[0]["app_traceback"]
    assert "tests/apps/plain.py" in raised[0]["app_traceback"]
    html = (inside.report_dir / "conformance.html").read_text()
    assert "The app raised" in html and "JSONDecodeError" in html
    outside = _over_http(run_suite, tmp_path, "plain", careless=True)
    for run in (inside, outside):
        assert run.verdicts["ROBUST-SUBMIT"] == "FAIL"
        assert run.with_verdict("ERROR") == {}
    assert inside.verdicts == outside.verdicts


def test_an_app_whose_startup_fails_stops_the_run_before_any_case(run_suite, tmp_path):
    run = _in_process(run_suite, tmp_path, "plain", "unstartable")
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    said = run.result.stdout.str() + run.result.stderr.str()
    assert said.count("the app's lifespan startup failed: the database is unreachable") >= 1
    assert run.document is not None and "unreachable" in run.document["aborted"]
    assert run.with_verdict("PASS", "FAIL", "WARN", "ERROR") == {}
