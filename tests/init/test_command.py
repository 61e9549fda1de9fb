"""`async-conformance init`: what it writes, what it never writes, and the bad input it refuses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.description import parse_text
from conformance.description._load import tomllib
from tests.servers import lying_document
from tests.support.paths import DATA

LYING = "asgi:tests.servers.lying_document:app"


SIMULATOR_POST = "--operation=POST /v1/tenants/1/clouds/1/accounts"


def init(tmp_path: Path, target: str, *options: str, name: str = "target.toml") -> int:
    return main(["init", f"--target={target}", f"--output={tmp_path / name}", *options])


def written(tmp_path: Path, name: str = "target.toml") -> dict:
    return tomllib.loads((tmp_path / name).read_text())


BAD = [
    (["--operation=POST"], "write it as 'METHOD /path'"),
    (["--json={not json"], "--json is not JSON"),
    (["--header=no colon"], "write it as 'Name: value'"),
    (["--header=X-Key: ${INIT_UNSET_VARIABLE}"], "INIT_UNSET_VARIABLE is not set"),
    (["--openapi=/nowhere.json"], "GET http://asgi.app/nowhere.json: answered 404"),
    (["--openapi=missing.yaml"], "--openapi 'missing.yaml'"),
    (["--probe"], "pass --yes to allow it"),
    (["--probe", "--yes", "--operation=POST /jobs/x/nothing"], "not a 2xx acceptance"),
]


EDGES = "asgi:tests.servers.init_edges:app"


@pytest.mark.parametrize(
    ("dialect", "overridden"),
    [("cloudcenter", {}), ("azure", {}), ("ogc-processes", {}),
     ("google-lro", {"result_url": "template:/v1/{response.name}"})],
)  # fmt: skip
def test_the_simulator_in_each_dialect_is_recognised(tmp_path, dialect, overridden):
    body = '--json={"name": "init-{uuid}", "simulate": "success"}'
    target = f"builtin:{dialect}"
    assert init(tmp_path, target, SIMULATOR_POST, body, "--probe", "--yes") == 0
    table = written(tmp_path)["dialect"]
    assert table.get("extends", table["name"]) == dialect
    assert {k: v for k, v in table.items() if k not in ("name", "extends")} == overridden
    # What init writes is a description the suite takes as it is.
    parse_text((tmp_path / "target.toml").read_text(), "init's")


def test_a_server_whose_document_lies_is_described_as_it_behaves(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INIT_TOKEN", "s3cr3t-value")
    lying_document.SEEN.clear()
    header = "--header=Authorization: Bearer ${INIT_TOKEN}"
    assert init(tmp_path, LYING, header, "--probe", "--yes", "--interval=0.5") == 0
    text = (tmp_path / "target.toml").read_text()
    table = tomllib.loads(text)
    dialect = table["dialect"]
    # The document says Operation-Location and states queued/running/done/failed; the server
    # sends Location and ends "finished".
    assert "status_url" not in dialect  # the base's list takes Location, which it sent
    assert 'status_url: "header:Location" (exchange #2: Location header)' in text
    assert dialect["status_field"] == "state"
    assert dialect["states"]["success"][0] == "finished"
    assert dialect["states"]["running"] == ["queued", "running"]
    assert dialect["result_url"] == "body:output"  # a URL that appeared when the job ended
    assert "the server said finished, which it does not list" in text
    assert "it documents the Operation-Location header at" in text
    # The secret: sent, written as its reference, never as its value.
    assert lying_document.SEEN and set(lying_document.SEEN) == {"Bearer s3cr3t-value"}
    assert table["headers"] == {"Authorization": "Bearer ${INIT_TOKEN}"}
    out = capsys.readouterr()
    assert "s3cr3t" not in text + out.out + out.err
    assert "Next" not in out.err and f"--target-config={tmp_path / 'target.toml'}" in out.out


def test_the_document_alone_writes_a_description_without_a_request_to_start_one(tmp_path):
    lying_document.SEEN.clear()
    assert init(tmp_path, LYING) == 0
    table = written(tmp_path)
    assert table["scenarios"]["success"] == {
        "method": "POST",
        "path": "/jobs",
        "json": {"task": "resize"},
    }
    assert lying_document.SEEN == []  # the document was read; nothing was started


@pytest.mark.parametrize(("options", "said"), BAD)
def test_bad_input_exits_4_saying_what_to_pass_and_writes_nothing(tmp_path, capsys, options, said):
    assert init(tmp_path, LYING, *options) == 4
    assert said in capsys.readouterr().err
    assert not (tmp_path / "target.toml").exists()


def test_an_existing_file_is_kept_and_nothing_is_sent_without_force(tmp_path, capsys):
    (tmp_path / "target.toml").write_text("# mine\n")
    lying_document.SEEN.clear()
    assert init(tmp_path, LYING, "--probe", "--yes") == 4
    assert "exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / "target.toml").read_text() == "# mine\n"
    assert lying_document.SEEN == []
    assert init(tmp_path, LYING, "--force") == 0
    assert "[scenarios.success]" in (tmp_path / "target.toml").read_text()


def test_a_document_without_an_asynchronous_operation_names_the_option_to_use(tmp_path, capsys):
    things = {"get": {"responses": {"200": {"description": "ok"}}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": things},
    }
    (tmp_path / "api.json").write_text(json.dumps(document))
    assert init(tmp_path, LYING, f"--openapi={tmp_path / 'api.json'}") == 4
    assert "--operation 'METHOD /path'" in capsys.readouterr().err


def test_no_document_on_the_target_lists_every_place_tried(tmp_path, capsys):
    assert init(tmp_path, "builtin", "--openapi=/v3/api-docs") == 4
    assert init(tmp_path, "asgi:tests.apps.plain:app") == 4
    err = capsys.readouterr().err
    assert "no OpenAPI document found on the target" in err
    for place in ("/openapi.json", "/openapi?f=json", "/swagger.json", "/v3/api-docs"):
        assert f"http://asgi.app{place} (answered 404)" in err
    assert "http://asgi.app/ (no service-desc link)" in err


def test_without_a_probe_the_documents_signs_name_the_dialect(tmp_path):
    document = DATA / "openapi" / "azure-lro-parameterized-endpoints.json"
    assert init(tmp_path, "builtin", f"--openapi={document}") == 0
    text = (tmp_path / "target.toml").read_text()
    table = tomllib.loads(text)
    assert table["dialect"] == {"name": "azure"}
    assert "x-ms-long-running-operation); unchecked: --probe checks it" in text
    # The file as a description names files: from its own folder.
    assert (tmp_path / table["openapi"]).resolve() == document.resolve()
    parse_text(text, "init's")


def test_a_retry_after_of_zero_is_no_busy_loop(tmp_path):
    options = ["--operation=POST /patient/jobs", "--json={}", "--probe", "--yes"]
    assert init(tmp_path, EDGES, *options, "--interval=0.2") == 0
    text = (tmp_path / "target.toml").read_text()
    assert '"SUCCEEDED"' in text
    # One second of work, read every 0.02 s at the most (a tenth of the interval).
    first, last = re.findall(r"exchanges #(\d+)-#(\d+): the status reads", text)[0]
    assert int(last) - int(first) + 1 <= 55


def test_a_secret_the_server_echoes_is_never_printed_or_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INIT_KEY", "k3y-value-42")
    options = ["--operation=POST /echo/jobs", "--json={}", "--probe", "--yes"]
    assert init(tmp_path, EDGES, *options, "--header=X-Api-Key: ${INIT_KEY}") == 0
    text = (tmp_path / "target.toml").read_text()
    out = capsys.readouterr()
    assert "k3y-value-42" not in text + out.out + out.err
    assert "is on another origin, which init does not follow" in text
    assert "key=[secret]" in text and "key=[secret]" in out.err
    assert tomllib.loads(text)["headers"] == {"X-Api-Key": "${INIT_KEY}"}


def test_control_characters_a_server_sends_are_escaped_in_the_comments(tmp_path):
    options = ["--operation=POST /odd/jobs", "--json={}", "--probe", "--yes"]
    assert init(tmp_path, EDGES, *options, "--interval=0.5") == 0
    text = (tmp_path / "target.toml").read_text()
    assert "\x1b" not in text
    assert "Succeeded\\x1b: exchange #" in text
    assert tomllib.loads(text)["dialect"]["states"]["success"] == ["Succeeded\x1b"]
    parse_text(text, "init's")


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--interval=0"], "--interval 0.0: give a number of seconds greater than 0"),
        (["--budget=nan"], "--budget nan: give a number of seconds greater than 0"),
        (['--json={"n": NaN}'], "--json is not JSON (NaN is not a JSON value)"),
        (['--json={"title": "{name}"}'], "--json holds {name}: a description fills only"),
    ],
)
def test_numbers_and_bodies_that_cannot_be_used_exit_4(tmp_path, capsys, options, said):
    assert init(tmp_path, EDGES, "--operation=POST /odd/jobs", *options) == 4
    assert said in capsys.readouterr().err


def test_a_create_answered_201_with_a_location_is_chosen_last(tmp_path):
    created = {"201": {"description": "Created.", "headers": {"Location": {"schema": {}}}}}
    accepted = {"202": {"description": "Accepted.", "headers": {"Location": {"schema": {}}}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/users": {"post": {"responses": created}},
            "/exports": {"post": {"responses": accepted}},
        },
    }
    (tmp_path / "api.json").write_text(json.dumps(document))
    assert init(tmp_path, LYING, f"--openapi={tmp_path / 'api.json'}") == 0
    table = written(tmp_path)
    assert table["scenarios"]["success"]["path"] == "/exports"
    assert "dialect" not in table  # a 202 with a Location: the default dialect's


def test_a_404_below_the_documents_base_path_says_which_target_to_pass(tmp_path, capsys):
    jobs = {"post": {"responses": {"202": {"description": "ok"}}}}
    info = {"title": "t", "version": "1"}
    document = {"swagger": "2.0", "info": info, "basePath": "/api", "paths": {"/jobs": jobs}}
    (tmp_path / "api.json").write_text(json.dumps(document))
    options = [f"--openapi={tmp_path / 'api.json'}", "--json={}", "--probe", "--yes"]
    assert init(tmp_path, EDGES, *options) == 4
    err = capsys.readouterr().err
    assert "answered 404, not a 2xx acceptance" in err
    assert "the document's paths sit below /api: pass --operation 'POST /api/jobs'" in err


@pytest.mark.slow
def test_the_lying_server_gets_its_doc_verdicts_and_no_false_ones(tmp_path, run_suite):
    assert init(tmp_path, LYING, "--probe", "--yes", "--interval=0.5") == 0
    text = (tmp_path / "target.toml").read_text()
    assert "known = false" in text and "DELETE-GONE = " in text  # no DELETE of the result
    run = run_suite(f"--target={LYING}", f"--target-config={tmp_path / 'target.toml'}")
    verdicts = run.verdicts
    assert verdicts["DOC-ACCEPTED"] == "PASS"
    # It documents Operation-Location; the server names its monitor in Location.
    assert verdicts["DOC-MONITOR"] == "WARN"
    monitor = run.requirement("DOC-MONITOR")["cases"][0]
    assert monitor["observed"] == "/paths/~1jobs/post/responses/202 names no status monitor"
    assert monitor["expected"] == "the answer documents header:Location"
    assert verdicts["DOC-STATES"] == "WARN"  # it lists "done", which the server never says
    assert verdicts["DOC-ERRORS"] == "WARN"  # no error answer documented
    assert verdicts["DOC-JSON"] == "PASS"
    # The live verdicts follow the server: it sends Location, and ends "finished".
    for live in (
        "SUBMIT-202",
        "SUBMIT-LOCATION",
        "STATUS-STATE-NAMES",
        "TRANS-OUTCOME",
        "RESULT-URL",
    ):
        assert verdicts[live] == "PASS", live
    location = run.requirement("SUBMIT-LOCATION")["cases"]
    said = [ev["what"] for case in location for ev in case.get("evidence", [])]
    assert sum("the document names the monitor in Operation-Location" in w for w in said) == 1
    # What init cannot know is not described, never judged against a default.
    for rule in ("RETAIN-COMPLETED", "EXPIRE-COMPLETED", "RETAIN-TIMEOUT"):
        assert verdicts[rule] == "SKIP" and "not described" in run.requirement(rule)["reason"]
    assert run.with_verdict("ERROR") == {}
    assert set(run.with_verdict("FAIL")) == {"ROBUST-SUBMIT"}  # it takes a body in an array
