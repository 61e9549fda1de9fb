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

from conformance.description import DescriptionError, parse_text

from .conftest import write
from .servers import azure_lro, ogc_processes
from .test_dialects import AZURE, OGC

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


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        (
            '[sync]\npath = "/api/task/info/{task_id}"',
            "sync.path = '/api/task/info/{task_id}' holds {task_id}, which the suite would "
            "send as it is; the placeholders there are {operation_id} (the success "
            "operation's id), {resource_url} (the resource the success operation made)",
        ),
        (
            '[scenarios.success]\npath = "/jobs"\njson = { args = ["{name}"] }',
            "scenarios.success.json.args.0 = '{name}' holds {name}, which the suite would "
            "send as it is; the placeholders there are {uuid} (fresh in every submission), "
            "{n} (the submission's number)",
        ),
        (
            '[scenarios.success]\npath = "/jobs/{}"',
            "scenarios.success.path = '/jobs/{}' holds an empty {}",
        ),
        (
            '[resource]\nread = { method = "GET", url = "/things/{id}" }',
            "resource.read.url = '/things/{id}' holds {id}",
        ),
        (
            '[headers]\nX-Tenant = "{tenant}"',
            "headers.X-Tenant = '{tenant}' holds {tenant}, which the suite would send as it "
            "is; the suite fills in no placeholder there",
        ),
    ],
    ids=["sync", "scenario-json", "empty", "resource", "headers"],
)
def test_a_placeholder_the_key_does_not_fill_is_refused(toml, named):
    with pytest.raises(DescriptionError) as caught:
        parse_text(toml, "target.toml")
    assert named in str(caught.value)


def test_known_placeholders_and_environment_references_are_accepted(monkeypatch):
    monkeypatch.setenv("TOKEN", "s{e}cret")
    loaded = parse_text(
        '[headers]\nAuthorization = "Bearer ${TOKEN}"\n'
        '[scenarios.success]\npath = "/jobs/{uuid}"\n'
        'headers = { Idempotency-Key = "{uuid}" }\njson = { n = "{n}" }\n'
        '[sync]\npath = "/jobs/{operation_id}"\n',
        "target.toml",
    )
    assert loaded.effective.headers["Authorization"] == "Bearer s{e}cret"


def test_a_refused_placeholder_is_refused_before_any_request(run_suite, tmp_path):
    config = write(
        tmp_path / "target.toml",
        '[scenarios.success]\npath = "/jobs"\n[sync]\npath = "/api/task/info/{task_id}"\n',
    )
    run = run_suite("--target=http://127.0.0.1:9", f"--target-config={config}")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    assert "sync.path = '/api/task/info/{task_id}' holds {task_id}" in run.result.stderr.str()


def test_a_malformed_submission_fills_the_scenarios_header_placeholders(tmp_path):
    from conformance.observations import Malformed
    from conformance.session import ConformanceSession
    from conformance.target import resolve

    config = write(
        tmp_path / "target.toml",
        '[scenarios.success]\npath = "/v1/tenants/1/clouds/1/accounts"\n'
        'headers = { Idempotency-Key = "key-{uuid}-{n}" }\n',
    )
    session = ConformanceSession(resolve("builtin", config, None, "virtual", []))
    try:
        sent = session.submit_malformed(Malformed("invalid JSON", b"{", marker="m1"))
    finally:
        session.close()
    assert dict(sent.request_headers)["idempotency-key"] == "key-m1-0"


@pytest.mark.parametrize(
    ("result_url", "said"),
    [
        ("none", "[sync] names {resource_url}, but there is none: the dialect names none ('none')"),
        (
            "body:resourceUrl",
            "[sync] names {resource_url}, but there is none: the operation reached no terminal "
            "state",
        ),
    ],
)
def test_a_sync_call_naming_a_resource_there_is_none_of_is_not_sent(result_url, said):
    from conformance.clock import VirtualClock
    from conformance.driver import Driver, Run, Transcript

    described = parse_text(
        '[scenarios.success]\npath = "/jobs"\n[sync]\npath = "{resource_url}"\n'
        f'[dialect]\nresult_url = "{result_url}"\n',
        "target.toml",
    ).effective
    driver = Driver(
        httpx.Client(base_url="http://api.test"), described, VirtualClock(), Transcript()
    )
    accepted = driver.accepted("success", _exchange())
    call = driver.sync_call(Run(accepted))
    assert (call.exchange, call.problem) == (None, said)
    assert list(driver.transcript) == []


def _exchange():
    from conformance.driver import Exchange

    return Exchange(
        1, "submit success", "POST", "http://api.test/jobs", [], b"", 0, 0, 202, [], b""
    )
