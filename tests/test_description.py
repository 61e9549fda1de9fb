"""Target descriptions: defaults, bad input of every kind, `${VAR}` expansion, sources."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from conformance.description import DescriptionError, load, parse
from conformance.simulator import serve_in_thread

from .conftest import CASES, write


def test_defaults_are_the_cloudcenter_dialect():
    description = parse({}, "t").effective
    assert description.dialect.name == "cloudcenter"
    assert description.dialect.states.terminal == {"SUCCESS", "FAILED"}
    assert description.scenarios == {} and description.sync is None  # nothing is assumed
    assert description.retention.completed == 300 and description.retention.timed_out == 3600


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"polling": {"intervall": 1}}, "unknown key 'polling.intervall'; allowed here: interval"),
        (
            {"polling": {"interval": "fast"}},
            "polling.interval = 'fast': Input should be a valid number",
        ),
        ({"polling": {"interval": 0}}, "polling.interval = 0: Input should be greater than 0"),
        ({"retention": {"tolerance": 300}}, "tolerance (300 s) must be smaller than the completed"),
        (
            {"retention": {"completed": -5}},
            "retention.completed = -5: Input should be greater than 0",
        ),
        ({"retention": {"timeout_state": "PENDING"}}, "timeout_state 'PENDING' is not a state"),
        ({"retention": {"expired_status": [200]}}, "expired_status may list 404 and 410 only"),
        ({"scenarios": {"success": {"json": {}}}}, "missing key 'scenarios.success.path'"),
        (
            {"scenarios": {"later": {"path": "/x"}}},
            "Input should be 'success', 'failure' or 'timeout'",
        ),
        ({"dialect": {"name": "other"}}, "dialect.name = 'other' is not a known dialect"),
        ({"dialect": {"name": "acme", "extends": "azur"}}, "extends = 'azur' is not a built-in"),
        ({"dialect": {"status_url": "cookie:x"}}, "'cookie:x' is not a source; use one of"),
        ({"dialect": {"status_url": "template:/ops/x"}}, "a template needs a placeholder"),
        ({"dialect": {"result_url": "link:"}}, "'link:' is not a source"),
        ({"dialect": {"not_applicable": {"SUBMIT-220": "x"}}}, "Did you mean SUBMIT-202"),
        ({"dialect": {"not_applicable": {"SUBMIT-202": " "}}}, "needs a reason"),
        ({"dialect": {"status_field": ""}}, "gives no way to tell the state"),
        ({"dialect": {"done": {"field": "done", "when": "yes"}}}, "dialect.done.when = 'yes'"),
        ({"dialect": {"http_states": {"202": "pending"}}}, "dialect.http_states.202 = 'pending'"),
        ({"cookies": "per-run"}, "cookies = 'per-run'"),
        ({"dialect": {"states": {"success": ["RUNNING"]}}}, "'RUNNING' is listed under both"),
        ({"headers": {"X-Name": "caf\u00e9"}}, "header 'X-Name' must have an ASCII name and value"),
        ({"base_url": "ftp://x"}, "must be an absolute http:// or https:// URL"),
        ({"retention": {"completed": float("inf")}}, "retention.completed = inf"),
        ({"test_clock_path": "http://evil.test/clock"}, "must be a path on the target"),
        ({"allowed_origins": ["example.com"]}, "allowed_origins.0: 'example.com' must be"),
        ({"resource": {"read": {"method": "GET", "url": "{id}"}}}, "the placeholders there are"),
        ({"scenarios": {"success": {"path": "/", "method": "P OST"}}}, "is not an HTTP method"),
    ],
)
def test_bad_descriptions_name_the_key_and_the_way_out(raw, message):
    with pytest.raises(DescriptionError) as info:
        parse(raw, "target.toml")
    assert message in str(info.value)
    assert "target.toml" in str(info.value)


def test_env_references_expand_and_are_remembered_as_secrets(monkeypatch):
    monkeypatch.setenv("API_TOKEN", "s3cr3t")
    loaded = parse({"headers": {"Authorization": "Bearer ${API_TOKEN}"}}, "t")
    assert loaded.effective.headers["Authorization"] == "Bearer s3cr3t"
    assert loaded.described.headers["Authorization"] == "Bearer ${API_TOKEN}"
    assert loaded.secrets == {"s3cr3t"}


def test_missing_env_variable_is_named(monkeypatch):
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    with pytest.raises(DescriptionError, match=r"headers.X-Key refers to \$\{NOPE_TOKEN\}"):
        parse({"headers": {"X-Key": "${NOPE_TOKEN}"}}, "t")


def test_pyproject_table_is_read_when_no_file_is_given(tmp_path):
    pyproject = write(
        tmp_path / "pyproject.toml",
        "[tool.async-conformance]\n[tool.async-conformance.polling]\ninterval = 0.5\n",
    )
    loaded = load(None, pyproject, base_url="http://127.0.0.1:1")
    assert loaded.effective.polling.interval == 0.5
    assert "[tool.async-conformance]" in loaded.source


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(DescriptionError, match="does not exist"):
        load(tmp_path / "absent.toml", None)
    with pytest.raises(DescriptionError, match="is not valid TOML"):
        load(write(tmp_path / "bad.toml", "base_url = \n"), None)


def test_broken_description_fails_before_any_request(pytester, tmp_path):
    hits: list[str] = []

    async def anything(request):
        hits.append(request.url.path)
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])
    bad = write(tmp_path / "target.toml", "[polling]\ninterval = -1\n")
    with serve_in_thread(app) as url:
        result = pytester.runpytest_inprocess(
            str(CASES), "--target", url, f"--target-config={bad}", "-p", "no:cacheprovider"
        )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*polling.interval = -1: Input should be greater than 0*"])
    assert "Traceback" not in result.stderr.str()
    assert hits == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "ftp://x"], "*is neither 'builtin', 'asgi:MODULE:APP' nor an http(s) URL*"),
        (
            ["--target", "http://127.0.0.1:9", "--clock", "virtual"],
            "*--clock virtual needs an in-process target*",
        ),
        (
            ["--target", "http://127.0.0.1:9", "--fault", "submit-200"],
            "*--fault applies to --target builtin only*",
        ),
        (["--fault", "no-such-fault"], "*unknown simulator fault or quirk no-such-fault*"),
        (["--target", "http://[::1"], "*is not a usable URL*"),
    ],
)
def test_impossible_target_options_are_usage_errors(pytester, args, message):
    result = pytester.runpytest_inprocess(str(CASES), "-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_unreadable_files_and_bad_pyproject_tables(tmp_path):
    with pytest.raises(DescriptionError, match="cannot be read as UTF-8 text"):
        load(tmp_path, None)  # a directory
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DescriptionError, match="cannot be read as UTF-8 text"):
        load(binary, None)
    pyproject = write(tmp_path / "pyproject.toml", 'tool.async-conformance = "x"\n')
    with pytest.raises(DescriptionError, match="must be a table of settings"):
        load(None, pyproject)


def test_secret_values_are_never_echoed_in_errors(monkeypatch):
    monkeypatch.setenv("BAD_TOKEN", "s\u00e9cret")
    with pytest.raises(DescriptionError) as info:
        parse({"headers": {"Authorization": "${BAD_TOKEN}"}}, "t")
    assert "s\u00e9cret" not in str(info.value)


def test_report_dir_that_is_a_file_is_a_usage_error(pytester, tmp_path):
    blocker = write(tmp_path / "reports", "not a directory")
    result = pytester.runpytest_inprocess(
        str(CASES), f"--report-dir={blocker}", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--report-dir * is a file; name a directory*"])


def test_a_dialect_of_ones_own_extends_a_built_in_one():
    loaded = parse(
        {"dialect": {"name": "acme", "extends": "azure", "status_field": "properties.state"}}, "t"
    )
    dialect = loaded.effective.dialect
    assert dialect.name == "acme" and dialect.status_url_sources[0] == "header:Operation-Location"
    assert dialect.status_field == "properties.state"
    assert loaded.dialect_label == "acme (extends azure), keys overridden: status_field"


def test_the_older_result_url_field_still_reads():
    loaded = parse({"dialect": {"result_url_field": "result"}}, "t")
    assert loaded.effective.dialect.result_url == "body:result"


def test_an_empty_older_result_url_field_means_no_result_url():
    loaded = parse({"dialect": {"result_url_field": ""}}, "t")
    assert loaded.effective.dialect.result_url == "none"


@pytest.mark.parametrize("text", ["tool = 1\n", "[tool]\nother = 1\n", ""])
def test_a_pyproject_without_our_table_gives_the_defaults_for_the_url_given(tmp_path, text):
    pyproject = write(tmp_path / "pyproject.toml", text)
    loaded = load(None, pyproject, "http://staging.example")
    assert loaded.effective.base_url == "http://staging.example"
    assert loaded.source == "(defaults)"


@pytest.mark.parametrize("name", ["cloudcenter", "azure", "ogc-processes", "google-lro"])
def test_every_built_in_dialect_loads_and_cites_its_source(name):
    dialect = parse({"dialect": {"name": name}}, "t").effective.dialect
    assert dialect.source


@pytest.mark.parametrize("path", ["//evil.example/clock", "http://evil.example/clock", "clock"])
def test_a_test_clock_path_must_be_a_path_on_the_target(path):
    with pytest.raises(DescriptionError, match="must be a path on the target"):
        parse({"test_clock_path": path}, "t")
    assert parse({"test_clock_path": "/_clock"}, "t").effective.test_clock_path == "/_clock"


def test_unknown_retention_windows_are_not_judged_and_not_waited_for():
    from conformance.retention import longest_wait

    raw = {"scenarios": {"success": {"path": "/jobs"}, "timeout": {"path": "/slow"}}}
    known = parse(raw, "t").effective
    unknown = parse({**raw, "retention": {"known": False}}, "t").effective
    assert "RETAIN-COMPLETED" not in known.not_judged and longest_wait(known) > 0
    rules = {"RETAIN-COMPLETED", "EXPIRE-COMPLETED", "RETAIN-TIMEOUT"}
    assert rules <= unknown.not_judged.keys() and longest_wait(unknown) == 0
    assert unknown.not_judged["RETAIN-TIMEOUT"].startswith("not described: ")
    # A rule the dialect's contract lacks keeps the dialect's reason.
    ogc = parse({**raw, "retention": {"known": False}, "dialect": {"name": "ogc-processes"}}, "t")
    assert ogc.effective.not_judged["RETAIN-TIMEOUT"].startswith("not in the ogc-processes")
