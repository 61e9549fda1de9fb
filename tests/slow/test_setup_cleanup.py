"""Servers that need preparation, and a run that leaves the target as it found it.

The provisioning test server (tests/servers/provisioning.py, after OpenStack Ironic's
documents) acts on nodes that must be enrolled and made manageable first, and each node
can be provided once. Described with setup, captures and waits, it is judged as the same
server is when it needs no preparation; the run leaves no node behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.servers import provisioning
from tests.support.running import write

DIALECT = """
[resource]
read = { method = "GET", url = "/v1/nodes/NODE" }
delete = { method = "DELETE", url = "/v1/nodes/NODE" }

[dialect]
name = "ironic"
extends = "cloudcenter"
status_field = "provision_state"
id_field = ""
result_url = "none"
message_field = "last_error"
progress_field = ""

[dialect.states]
running = ["cleaning", "clean wait"]
success = ["available"]
failure = ["clean failed"]

[retention]
known = false

[polling]
interval = 0.05
budget = 10
delete_budget = 4
request_timeout = 5
concurrency = 3
"""

PREPARE = """
[[scenarios.{scenario}.setup]]
method = "POST"
path = "/v1/nodes"
json = {{ driver = "fake-hardware", name = "conformance-{{uuid}}"{info} }}
expect = [201]
capture = {{ node = "/uuid" }}

[[scenarios.{scenario}.setup]]
method = "PUT"
path = "/v1/nodes/{{setup.node}}/states/provision"
json = {{ target = "manage" }}
expect = [202]

[[scenarios.{scenario}.setup]]
method = "GET"
path = "/v1/nodes/{{setup.node}}/states"
until = {{ "/provision_state" = "manageable" }}
budget = 10
"""

# A node whose cleaning failed must be managed again before it can be deleted.
TEARDOWN = """
[[scenarios.{scenario}.teardown]]
method = "PUT"
path = "/v1/nodes/{node}/states/provision"
json = {{ target = "manage" }}
expect = [202, 400, 404]

[[scenarios.{scenario}.teardown]]
method = "DELETE"
path = "/v1/nodes/{node}"
expect = [204, 404]
"""

SCENARIO = """
[scenarios.{scenario}]
method = "PUT"
path = "/v1/nodes/{node}/states/provision"
json = {{ target = "provide" }}
"""


def described(
    *, prepared: bool = True, failure_info: str = ", driver_info = { fail_cleaning = true }"
) -> str:
    """The provisioning server's description: with setup (`prepared`), or for the server
    that enrols any node it is asked to provide (auto_enroll), with no setup."""
    parts = []
    for scenario in ("success", "failure"):
        if prepared:
            info = failure_info if scenario == "failure" else ""
            parts.append(PREPARE.format(scenario=scenario, info=info))
            node = "{setup.node}"
        else:
            node = "{uuid}" if scenario == "success" else "broken-{uuid}"
        parts.append(TEARDOWN.format(scenario=scenario, node=node))
        parts.append(SCENARIO.format(scenario=scenario, node=node))
    node = "{setup.node}" if prepared else "{uuid}"
    return "\n".join(parts) + DIALECT.replace("NODE", node)


@pytest.fixture
def server() -> Iterator[str]:
    with provisioning.running(duration=0.05) as url:
        yield url


def nodes(url: str) -> list[str]:
    listed = httpx.get(f"{url}/v1/nodes", timeout=5).json()["nodes"]
    return [f"{n['name']} ({n['provision_state']})" for n in listed]


def hand_written(document: dict) -> dict[str, str]:
    return {
        case["nodeid"].rpartition("cases/")[2]: case["verdict"]
        for requirement in document["requirements"]
        for case in requirement["cases"]
        if "test_model.py" not in case["nodeid"]
    }


def _evidence_is_never_setup(document: dict) -> None:
    roles = {e["index"]: e.get("role") for e in document["exchanges"]}
    for requirement in document["requirements"]:
        for case in requirement["cases"]:
            for cited in case.get("evidence", []):
                assert not [i for i in cited["exchanges"] if roles.get(i)], case["nodeid"]


def test_a_server_that_needs_preparation_is_judged_as_one_that_does_not(
    run_suite, tmp_path, server
):
    assert nodes(server) == []
    config = write(tmp_path / "prepared.toml", described())
    prepared = run_suite(f"--target={server}", f"--target-config={config}")
    out = prepared.result.stdout.str()[-3000:]
    assert prepared.with_verdict("FAIL", "ERROR") == {}, out
    for must in (
        "SUBMIT-202",
        "SUBMIT-LOCATION",
        "TRANS-OUTCOME",
        "RESULT-FAILED-MSG",
        "SYNC-STATE",
    ):
        assert prepared.verdicts[must] == "PASS", (must, out)
    prepared.assert_every_pass_cites_evidence()
    _evidence_is_never_setup(prepared.document)
    roles = {e.get("role") for e in prepared.document["exchanges"]}
    assert {"setup", "cleanup", "teardown"} <= roles
    # Nothing it made is left: the nodes the setups enrolled were all deleted.
    assert nodes(server) == [], out
    cleanup = prepared.document["cleanup"]
    assert cleanup["items"] and all(item["removed"] for item in cleanup["items"]), cleanup
    assert "all removed" in out

    with provisioning.running(duration=0.05, auto_enroll=True) as plain:
        config = write(tmp_path / "plain.toml", described(prepared=False))
        unprepared = run_suite(f"--target={plain}", f"--target-config={config}")
        assert nodes(plain) == [], unprepared.result.stdout.str()[-3000:]
    # The hand-written cases' verdicts: the lifecycle model draws its steps against the
    # wall clock, and what it happens to see differs from run to run.
    assert hand_written(prepared.document) == hand_written(unprepared.document)


def test_a_failing_setup_is_an_error_of_the_cases_that_needed_it_only(run_suite, tmp_path, server):
    # The failure scenario's node asks for a driver the server does not have: 400, not 201.
    broken = described().replace(
        'name = "conformance-{uuid}", driver_info = { fail_cleaning = true }',
        'name = "conformance-{uuid}", driver_info = { fail_cleaning = true }, driver = "ipmi"',
    )
    broken = broken.replace(
        'json = { driver = "fake-hardware", name = "conformance-{uuid}", driver_info',
        'json = { name = "conformance-{uuid}", driver_info',
    )
    config = write(tmp_path / "target.toml", broken)
    run = run_suite(f"--target={server}", f"--target-config={config}")
    out = run.result.stdout.str()[-4000:]
    cases = hand_written(run.document)
    errors = {nodeid for nodeid, verdict in cases.items() if verdict == "ERROR"}
    # (The retention cases are not judged here: the description leaves the windows out.)
    needed = {
        n
        for n, verdict in cases.items()
        if ("[failure]" in n or "test_failure_says_why" in n) and verdict != "SKIP"
    }
    assert len(needed) >= 10
    assert errors == needed, (sorted(errors ^ needed), out)
    assert "FAIL" not in cases.values(), out
    for nodeid in (
        "test_submission_is_accepted_with_202[success]",
        "test_status_answers_200_with_json[success]",
    ):
        assert (
            cases[
                f"test_submission.py::{nodeid}"
                if "submission" in nodeid
                else f"test_status.py::{nodeid}"
            ]
            == "PASS"
        ), out
    said = json.dumps(run.requirement("RESULT-FAILED-MSG"))
    assert "setup failed: scenarios.failure.setup step 1" in said
    assert "answered 400; expected 201" in said
    # The model went on with what it could start, and judged it.
    model = [c for c in run.requirement("TRANS-OUTCOME")["cases"] if "test_model" in c["nodeid"]]
    assert model and model[0]["verdict"] == "PASS", out
    assert nodes(server) == [], out


def test_keep_leaves_what_the_run_made_and_lists_it(run_suite, tmp_path, server):
    config = write(tmp_path / "target.toml", described())
    run = run_suite(
        f"--target={server}", f"--target-config={config}", "-k", "submission_is_accepted", "--keep"
    )
    out = run.result.stdout.str()
    left = nodes(server)
    assert left, out
    cleanup = run.document["cleanup"]
    assert cleanup["kept"] and not any(item["removed"] for item in cleanup["items"])
    assert "--keep, so the run left what it made" in out
    assert "cleanup" not in {e.get("role") for e in run.document["exchanges"]}


def test_a_run_out_of_budget_still_cleans_up(run_suite, tmp_path, server):
    config = write(tmp_path / "target.toml", described() + "run_budget = 1.5\n")
    run = run_suite(f"--target={server}", f"--target-config={config}")
    out = run.result.stdout.str()[-3000:]
    assert "run budget of 1.5 s is spent" in run.json_text, out
    assert nodes(server) == [], out


HOOK = """
import time

import httpx
import pytest

MADE = []


@pytest.fixture(scope="session")
def conformance_setup():
    def setup(scope, target):
        if scope == "run":
            return {}
        info = {"fail_cleaning": True} if scope == "failure" else {}
        name = "hook-" + target.values["uuid"]
        body = {"driver": "fake-hardware", "name": name, "driver_info": info}
        node = httpx.post(target.url + "/v1/nodes", json=body).json()["uuid"]
        httpx.put(target.url + f"/v1/nodes/{node}/states/provision", json={"target": "manage"})
        while httpx.get(target.url + f"/v1/nodes/{node}").json()["provision_state"] != "manageable":
            time.sleep(0.02)
        MADE.append(node)

        def remove():
            httpx.put(target.url + f"/v1/nodes/{node}/states/provision", json={"target": "manage"})
            httpx.delete(target.url + f"/v1/nodes/{node}")

        return {"node": node}, remove

    return setup
"""


def test_setup_in_python_is_called_where_the_steps_would_be(run_suite, pytester, tmp_path, server):
    pytester.makepyfile(node_setup=HOOK)
    pytester.syspathinsert()
    text = "\n".join(
        SCENARIO.format(scenario=scenario, node="{setup.node}")
        for scenario in ("success", "failure")
    )
    config = write(
        tmp_path / "hook.toml",
        'setup_hook = ["node"]\n' + text + DIALECT.replace("NODE", "{setup.node}"),
    )
    run = run_suite(f"--target={server}", f"--target-config={config}", "-p", "node_setup")
    out = run.result.stdout.str()[-3000:]
    assert run.with_verdict("FAIL", "ERROR") == {}, out
    for must in ("SUBMIT-202", "TRANS-OUTCOME", "RESULT-FAILED-MSG", "SYNC-STATE"):
        assert run.verdicts[must] == "PASS", (must, out)
    assert nodes(server) == [], out  # each teardown it returned was called
    said = [i["how"] for i in run.document["cleanup"]["items"] if "conformance_setup" in i["what"]]
    assert said and set(said) == {"called"}


def test_a_hook_the_description_names_but_nobody_defines_stops_the_run_before_any_request(
    run_suite, pytester, tmp_path, server
):
    text = SCENARIO.format(scenario="success", node="{setup.node}")
    config = write(
        tmp_path / "hook.toml",
        'setup_hook = ["node"]\n' + text + DIALECT.replace("NODE", "{setup.node}"),
    )
    run = run_suite(f"--target={server}", f"--target-config={config}")
    out = run.result.stdout.str()
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, out[-3000:]
    assert "no conformance_setup fixture is defined where the cases run" in out
    assert "passed" not in out.splitlines()[-1]
    assert nodes(server) == []
    # Defined, but for one case only: refused the same way, with the way out.
    pytester.makepyfile(
        node_setup="import pytest\n\n\n@pytest.fixture\ndef conformance_setup():\n"
        "    return lambda scope, target: {'node': 'n'}\n"
    )
    pytester.syspathinsert()
    run = run_suite(f"--target={server}", f"--target-config={config}", "-p", "node_setup")
    out = run.result.stdout.str()
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, out[-3000:]
    assert "conformance_setup is a function-scoped fixture" in out
    assert '@pytest.fixture(scope="session")' in out


def test_the_readme_example_describes_the_provisioning_server(run_suite, tmp_path, server):
    import re

    from tests.test_readme import README

    example = re.search(r"```toml\n(# A provisioning service.*?)```", README, re.S)
    assert example, "README.md lost its provisioning example"
    dialect = DIALECT.split("[dialect]", 1)[1]
    config = write(tmp_path / "readme.toml", example.group(1) + "[dialect]" + dialect)
    run = run_suite(f"--target={server}", f"--target-config={config}", "-k", "submission or delete")
    out = run.result.stdout.str()[-3000:]
    assert run.verdicts["SUBMIT-202"] == "PASS", out
    assert run.verdicts["DELETE-204"] == "PASS", out
    assert nodes(server) == [], out


def test_an_interrupted_run_still_cleans_up(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from tests.support.running import CASES

    config = write(tmp_path / "target.toml", described())
    report_dir = tmp_path / "reports"
    # Each state lasts 0.5 s: the whole run takes far longer than it takes to make three
    # nodes, so the Ctrl-C lands while it runs, however busy the machine.
    with provisioning.running(duration=0.5) as server:
        command = [sys.executable, "-m", "pytest", str(CASES), f"--report-dir={report_dir}"]
        command += ["-p", "no:cacheprovider", f"--target={server}", f"--target-config={config}"]
        process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while len(nodes(server)) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(nodes(server)) >= 3, "the run made no nodes to clean up"
            assert process.poll() is None, "the run ended before it could be interrupted"
            process.send_signal(signal.SIGINT)  # Ctrl-C
            out, _ = process.communicate(timeout=120)
        finally:
            process.kill()
        document = json.loads((report_dir / "conformance.json").read_text())
        assert process.returncode != 0, out[-3000:]
        assert document["cleanup"]["items"], out[-2000:]
        assert nodes(server) == [], out[-2000:]


def test_async_conformance_run_finds_the_hook_in_the_conftest_py_where_it_runs(tmp_path):
    import subprocess
    import sys

    (tmp_path / "conftest.py").write_text(
        "import pathlib\n\nimport pytest\n\n\n"
        '@pytest.fixture(scope="session")\n'
        "def conformance_setup():\n"
        "    def setup(scope, target):\n"
        '        with pathlib.Path("called").open("a") as seen:\n'
        '            seen.write(scope + "\\n")\n'
        '        return {"x": "7"}\n\n'
        "    return setup\n"
    )
    (tmp_path / "target.toml").write_text(
        'setup_hook = ["x"]\n'
        "[scenarios.success]\n"
        'path = "/v1/tenants/1/clouds/1/accounts"\n'
        'json = { name = "hooked-{setup.x}-{uuid}" }\n'
    )
    command = [sys.executable, "-m", "conformance", "run", "--target-config=target.toml"]
    command += ["-k", "accepted_with_202", "-q"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "success" in (tmp_path / "called").read_text().split()
    sent = json.loads((tmp_path / "reports" / "conformance.json").read_text())["exchanges"]
    assert any("hooked-7-" in e["request_body"] for e in sent)
