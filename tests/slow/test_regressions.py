"""Verdicts once wrong on servers nobody here wrote, each reproduced by a test server.

Every server in `tests/servers/quirky.py` behaves as a real third-party server did;
each test names the verdict that was wrong and checks the one its behaviour warrants.
"""

from __future__ import annotations

import pytest

from tests.servers import azure_lro, quirky
from tests.support.running import write

FAST = """
[polling]
interval = 0.05
budget = 3
delete_budget = 3
request_timeout = 5
concurrency = 4

[retention]
completed = 2.0
timed_out = 4.0
tolerance = 0.5
"""

MONITOR = (
    """
[scenarios.success]
path = "/jobs"
json = { outcome = "success" }

[scenarios.failure]
path = "/jobs"
json = { outcome = "failure" }

[dialect]
name = "status-monitor"
extends = "azure"
status_url = "header:Location"
result_url = "body:resourceUrl"
"""
    + FAST
)


def _run(run_suite, tmp_path, url, toml, *extra):
    config = write(tmp_path / "target.toml", toml)
    return run_suite(f"--target={url}", f"--target-config={config}", *extra)


def test_a_monitor_that_answers_202_while_running_is_read_and_passes(run_suite, tmp_path):
    with quirky.running("monitor-202") as url:
        run = _run(
            run_suite,
            tmp_path,
            url,
            MONITOR.replace("[sync]", "[ignored]"),
            "-k",
            "not retention and not sync",
        )
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    # The 202 polls were JSON; reading them is what STATUS-SAFE and the model stand on.
    assert run.verdicts["STATUS-SAFE"] == "PASS"
    assert run.verdicts["STATUS-200-JSON"] == "PASS"
    run.assert_every_pass_cites_evidence()


def test_a_terminal_state_that_reverts_under_202_is_a_transition_failure(run_suite, tmp_path):
    # Polls every 0.1 s see Succeeded within 0.1 s, and the revert at 0.15 s by the
    # second confirming poll (0.2 s after).
    toml = MONITOR.replace("interval = 0.05", "interval = 0.1")
    with quirky.running("monitor-202", {"terminal-reverts"}, revert_after=0.15) as url:
        run = _run(run_suite, tmp_path, url, toml, "-k", "states_follow_the_model")
    assert run.verdicts["TRANS-MODEL"] == "FAIL"
    case = run.requirement("TRANS-MODEL")["cases"][0]
    assert "Succeeded (200) -> Accepted (202)" in case["observed"]


def test_the_cloudcenter_dialect_still_requires_200(run_suite, tmp_path):
    # The same server judged by a dialect that allows only 200: a FAIL, not an ERROR.
    toml = MONITOR.replace('extends = "azure"', 'extends = "azure"\nstatus_codes = [200]')
    with quirky.running("monitor-202") as url:
        run = _run(run_suite, tmp_path, url, toml, "-k", "status_answers_200")
    assert run.verdicts["STATUS-200-JSON"] == "FAIL"


NODES = (
    """
[scenarios.success]
path = "/nodes"
json = { outcome = "success" }

[scenarios.failure]
path = "/nodes"
json = { outcome = "failure" }

[sync]
method = "GET"
path = "/nodes/n1"

[resource]
read = { method = "GET", url = "/nodes/{operation_id}" }
delete = { method = "DELETE", url = "/nodes/{operation_id}" }

[dialect]
name = "nodes"
extends = "cloudcenter"
status_field = "state"
id_field = "node"
result_url = "template:/nodes/{id}"
message_field = "detail"

[dialect.states]
running = ["provisioning"]
success = ["ready"]
failure = ["error"]
"""
    + FAST
)


def test_never_issued_ids_are_probed_only_where_the_id_sits(run_suite, tmp_path):
    # /nodes/n2/states: the id is the middle segment; the last one is not an id at all.
    with quirky.running("node-states") as url:
        run = _run(run_suite, tmp_path, url, NODES, "-k", "unknown_ids")
    assert run.verdicts["EXPIRED-404"] == "PASS", run.result.stdout.str()[-3000:]
    probe = next(e for e in run.document["exchanges"] if e["label"] == "never-issued id")
    assert "/nodes/never-issued-" in probe["url"] and probe["url"].endswith("/states")
    assert probe["status"] == 404


def test_without_a_known_id_the_never_issued_probe_is_left_out(run_suite, tmp_path):
    toml = NODES.replace('id_field = "node"', 'id_field = "nodeId"').replace(
        'result_url = "template:/nodes/{id}"', 'result_url = "none"'
    )
    with quirky.running("node-states") as url:
        run = _run(run_suite, tmp_path, url, toml, "-k", "unknown_ids")
    assert not any(e["label"] == "never-issued id" for e in run.document["exchanges"])
    # The expired ids were still judged (they answered 404).
    assert run.verdicts["EXPIRED-404"] == "PASS", run.result.stdout.str()[-3000:]


CONFLICT = (
    """
[scenarios.success]
path = "/orders"
json = { name = "{name}", outcome = "success" }

[dialect]
name = "orders"
extends = "cloudcenter"
id_field = "orderId"
"""
    + FAST
)


def test_refused_concurrent_submissions_are_not_an_error(run_suite, tmp_path):
    toml = CONFLICT.replace("{name}", "the-same-order")
    with quirky.running("conflict") as url:
        run = _run(run_suite, tmp_path, url, toml, "-k", "distinct_ids")
    assert run.verdicts["SUBMIT-UNIQUE"] == "SKIP"
    reason = run.requirement("SUBMIT-UNIQUE")["reason"]
    assert "were accepted" in reason and "{uuid}" in reason


def test_accepted_submissions_sharing_a_status_url_fail(run_suite, tmp_path):
    toml = CONFLICT.replace("{name}", "order-{uuid}")
    with quirky.running("conflict", {"shared-status-url"}) as url:
        run = _run(run_suite, tmp_path, url, toml, "-k", "distinct_ids")
    assert run.verdicts["SUBMIT-UNIQUE"] == "FAIL"


@pytest.mark.parametrize("fault", ["lose-some", "never-ends-some"])
def test_operations_lost_or_stalled_under_load_fail(run_suite, tmp_path, fault):
    toml = CONFLICT.replace("{name}", "order-{n}")
    with quirky.running("conflict", {fault}, timed_out_window=10) as url:
        run = _run(run_suite, tmp_path, url, toml, "-k", "all_end_as_declared")
    assert run.verdicts["TRANS-OUTCOME"] == "FAIL"
    assert ("lost" if fault == "lose-some" else "after the budget") in run.requirement(
        "TRANS-OUTCOME"
    )["reason"]


def test_without_faults_concurrent_operations_pass(run_suite, tmp_path):
    toml = CONFLICT.replace("{name}", "order-{uuid}")
    with quirky.running("conflict") as url:
        run = _run(run_suite, tmp_path, url, toml, "-k", "concurrent")
    assert run.verdicts["SUBMIT-UNIQUE"] == "PASS"
    assert run.verdicts["TRANS-OUTCOME"] == "PASS"


TASKS = (
    """
[scenarios.success]
path = "/tasks"
json = { outcome = "success" }
"""
    + FAST
)


def _first_polls(run):
    """The body of each operation's first status read (a poll, or a safety trial's read)."""
    bodies = {e["index"]: e["body"] for e in run.document["exchanges"]}
    return [bodies[op["reads"][0]["exchange"]] for op in run.document["operations"] if op["reads"]]


def test_each_operation_has_its_own_cookie_jar(run_suite, tmp_path):
    with quirky.running("cookie-progress") as url:
        run = _run(run_suite, tmp_path, url, TASKS, "-k", "distinct_ids or accepted_with")
    firsts = _first_polls(run)
    assert firsts and all('"RUNNING"' in body for body in firsts), firsts


def test_one_shared_cookie_jar_when_the_description_says_so(run_suite, tmp_path):
    with quirky.running("cookie-progress") as url:
        run = _run(
            run_suite,
            tmp_path,
            url,
            "cookies = 'shared'\n" + TASKS,
            "-k",
            "distinct_ids or accepted",
        )
    firsts = _first_polls(run)
    assert any('"SUCCESS"' in body for body in firsts), firsts


ACCOUNTS = (
    """
[scenarios.success]
path = "/v1/accounts"
json = { name = "a-{n}", outcome = "success" }

[scenarios.failure]
path = "/v1/accounts"
json = { name = "b-{n}", outcome = "failure" }

[sync]
method = "GET"
path = "/v1/operationStatus/none"
"""
    + FAST
)


@pytest.mark.parametrize(
    ("faults", "verdict"),
    [(set(), "PASS"), ({"text-plain"}, "WARN"), ({"submit-text-plain"}, "WARN")],
)
def test_bodies_must_be_labelled_as_json(run_suite, tmp_path, faults, verdict):
    with quirky.running("text-status", faults) as url:
        run = _run(run_suite, tmp_path, url, ACCOUNTS, "-k", "labelled_as_json")
    assert run.verdicts["STATUS-MEDIA-TYPE"] == verdict


def test_operations_that_finish_in_milliseconds_are_not_unsafe(run_suite, tmp_path):
    # With the wall clock, a twin read once may finish a little later than its sibling.
    with quirky.running("slow-start") as url:
        for _ in range(3):
            run = _run(run_suite, tmp_path, url, ACCOUNTS, "-k", "does_not_change")
            assert run.verdicts["STATUS-SAFE"] in ("PASS", "WARN"), run.result.stdout.str()


AZURE_DELETE = """
[scenarios.success]
method = "PUT"
path = "/widgets/w-{uuid}?api-version=2024-05-01"
json = { color = "blue" }

# Judged by the cloudcenter rules (DELETE answers 204), with Azure's names.
[dialect]
name = "azure-judged-as-cloudcenter"
extends = "cloudcenter"
accepted_status = [201]
status_url = "header:Operation-Location"
id_field = "id"
result_url = "request"
message_field = "error.message"

[dialect.states]
running = ["NotStarted", "Running"]
success = ["Succeeded"]
failure = ["Failed"]
"""


def test_a_should_about_204_is_skipped_when_delete_does_not_answer_204(run_suite, tmp_path):
    with azure_lro.running() as url:
        run = _run(run_suite, tmp_path, url, AZURE_DELETE + FAST, "-k", "delete")
    assert run.verdicts["DELETE-204"] == "FAIL"  # Azure's DELETE answers 202
    assert run.verdicts["DELETE-NO-CONTENT-LENGTH"] == "SKIP"
    assert (
        "not 204" in run.requirement("DELETE-NO-CONTENT-LENGTH")["reason"]
        or "204 answers" in (run.requirement("DELETE-NO-CONTENT-LENGTH")["reason"])
    )


def test_a_dialect_that_names_no_resource_skips_what_needs_one(run_suite, tmp_path):
    from importlib import resources

    builtin = resources.files("conformance.targets").joinpath("builtin-google-lro.toml")
    toml = builtin.read_text().replace(
        'result_url = "template:/v1/{response.name}"', 'result_url = "none"'
    )
    config = write(tmp_path / "target.toml", toml)
    run = run_suite("--target=builtin:google-lro", f"--target-config={config}")
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    for requirement in ("SYNC-STATE", "DELETE-GONE", "RESULT-URL"):
        assert run.verdicts[requirement] in ("SKIP", "PASS"), requirement
        assert not [c for c in run.requirement(requirement)["cases"] if c["verdict"] == "ERROR"]
    assert "names no resource URL" in run.requirement("DELETE-GONE")["reason"]


def test_a_secret_in_the_dialect_source_stays_out_of_the_report(run_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("DOC_TOKEN", "s3cr3t-doc-token")
    config = write(
        tmp_path / "target.toml",
        '[scenarios.success]\npath = "/jobs"\n'
        '[dialect]\nname = "cloudcenter"\nsource = "internal doc ${DOC_TOKEN}"\n',
    )
    run = run_suite("--target=http://127.0.0.1:9", f"--target-config={config}", "-k", "delete")
    assert run.document is not None
    assert "s3cr3t-doc-token" not in str(run.document)
    assert "s3cr3t-doc-token" not in run.result.stdout.str()
