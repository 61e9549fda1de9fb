"""ROBUST-SUBMIT and ROBUST-IDS against a task-queue server the suite did not shape.

The server (tests/servers/task_queue.py) answers 500 when ``kwargs``, which must be an
object, is of another JSON type, and otherwise accepts or refuses as a real one does. Random
draws alone seldom send that body; the coverage set, sent first in every profile, always does.
"""

from __future__ import annotations

import json

import pytest

from tests.servers import task_queue
from tests.support.running import write

TOML = """
[scenarios.success]
path = "/api/task/async-apply/tasks.add"
json = { args = [1, 2], kwargs = { label = "conformance-{uuid}" }, queue = "default" }

[dialect]
name = "task-queue"
extends = "cloudcenter"
source = "this test's task-queue server"
status_field = "state"
id_field = "task-id"
result_url = "none"
message_field = "error"
progress_field = ""

[dialect.states]
running = ["PENDING"]
success = ["SUCCESS"]
failure = ["FAILURE"]

[polling]
interval = 0.05
budget = 4
request_timeout = 5
"""


def _run(run_suite, tmp_path, *, checked, profile):
    config = write(tmp_path / "target.toml", TOML)
    with task_queue.running(checked=checked) as url:
        return run_suite(
            f"--target={url}",
            f"--target-config={config}",
            f"--conformance-profile={profile}",
            "-k",
            "robustness",
        )


@pytest.mark.parametrize("profile", ["quick", "smoke"])
def test_a_server_error_on_a_field_of_another_type_fails_every_profile(
    run_suite, tmp_path, profile
):
    run = _run(run_suite, tmp_path, checked=False, profile=profile)
    out = run.result.stdout.str()[-4000:]
    assert run.verdicts["ROBUST-SUBMIT"] == "FAIL", out
    case = run.requirement("ROBUST-SUBMIT")["cases"][0]
    assert case["observed"] == (
        "500 to the scenario's body with /kwargs as an integer (1) instead of an object"
    ), out
    [sent] = case["exchanges"]
    assert sent["label"] == "malformed submission: /kwargs as an integer"
    assert json.loads(sent["request_body"]) == {"args": [1, 2], "kwargs": 1, "queue": "default"}
    assert sent["status"] == 500
    assert run.verdicts["ROBUST-IDS"] == "PASS", out


@pytest.mark.parametrize("profile", ["quick", "smoke"])
def test_the_same_server_refusing_the_wrong_type_with_400_passes(run_suite, tmp_path, profile):
    run = _run(run_suite, tmp_path, checked=True, profile=profile)
    out = run.result.stdout.str()[-4000:]
    assert run.verdicts["ROBUST-SUBMIT"] == "PASS", out
    message = run.requirement("ROBUST-SUBMIT")["cases"][0]["message"]
    assert "first 37 made from the scenario's body" in message, message  # 7 + 5 fields x 6
    assert run.verdicts["ROBUST-IDS"] == "PASS", out
    run.assert_every_pass_cites_evidence()
    labels = [e["label"] for e in run.document["exchanges"]]
    assert "malformed submission: /kwargs/label as an array" in labels
    assert "unknown id (a slash) 'robust/x'" in labels
