"""What the description does not name is not sent, and not judged.

Against servers written from public documents (tests/servers/), not the simulator:
a call nobody described is SKIP "not described", a live target with nothing to
submit stops before any request, and a `{...}` the suite would not fill in is
refused before any request.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.servers import azure_lro, ogc_processes
from tests.support.dialects import AZURE, OGC
from tests.support.running import write

#: The path the suite once sent a [sync] call to when none was described.
OLD_DEFAULT = "/v1/tenants/1/clouds/1/accounts"


def _without_sync(toml: str) -> str:
    return re.sub(r"\[sync\]\n(?:[^\[\n].*\n)*", "", toml)


def test_an_absent_sync_call_is_not_described_and_never_sent(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", _without_sync(AZURE))
    with azure_lro.running() as url:
        run = run_suite(f"--target={url}", f"--target-config={config}", "-k", "sync")
    assert run.document is not None
    paths = [httpx.URL(e["url"]).path for e in run.document["exchanges"]]
    assert OLD_DEFAULT not in paths
    assert not [e for e in run.document["exchanges"] if e["label"] == "sync call"]
    (described,) = [
        c
        for c in run.requirement("SYNC-STATE")["cases"]
        if c["nodeid"].endswith("test_synchronous_call_answers_with_the_state")
    ]
    assert described["verdict"] == "SKIP"
    assert described["message"].startswith("not described: the target description has no [sync]")
    header = "async-conformance: not described, so not sent (their cases SKIP): "
    (line,) = [x for x in run.result.stdout.lines if x.startswith(header)]
    assert "[sync]" in line


def test_a_live_target_with_no_success_scenario_stops_before_any_request(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", '[dialect]\nname = "azure"\n')
    with azure_lro.running() as url:
        run = run_suite(f"--target={url}", f"--target-config={config}")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    err = run.result.stderr.str()
    assert "has no [scenarios.success]" in err and "so nothing was sent" in err
    assert run.document is None


def test_no_description_at_all_sends_nothing(run_suite):
    # Nothing listens there: a request would have made "cannot be reached", exit 1.
    run = run_suite("--target=http://127.0.0.1:9")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    assert "(defaults) has no [scenarios.success]" in run.result.stderr.str()


def test_a_sync_call_names_the_success_operation_by_its_id(run_suite, tmp_path):
    toml = _without_sync(OGC) + '\n[sync]\nmethod = "GET"\npath = "/jobs/{operation_id}"\n'
    config = write(tmp_path / "target.toml", toml)
    with ogc_processes.running() as url:
        run = run_suite(f"--target={url}", f"--target-config={config}", "-k", "sync")
    assert run.verdicts["SYNC-STATE"] == "PASS", run.result.stdout.str()[-3000:]
    exchanges = run.document["exchanges"] if run.document else []
    (submitted,) = [e for e in exchanges if e["label"] == "submit success"]
    job = httpx.URL({k.lower(): v for k, v in submitted["headers"]}["location"]).path.rsplit(
        "/", 1
    )[1]
    (sync,) = [e for e in exchanges if e["label"] == "sync call"]
    assert httpx.URL(sync["url"]).path == f"/jobs/{job}"
    assert sync["status"] == 200


def test_a_refused_placeholder_is_refused_before_any_request(run_suite, tmp_path):
    config = write(
        tmp_path / "target.toml",
        '[scenarios.success]\npath = "/jobs"\n[sync]\npath = "/api/task/info/{task_id}"\n',
    )
    run = run_suite("--target=http://127.0.0.1:9", f"--target-config={config}")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    assert "sync.path = '/api/task/info/{task_id}' holds {task_id}" in run.result.stderr.str()
