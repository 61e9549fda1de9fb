"""Loading a target description: every key checked, each refusal naming the key and the way
out, placeholders, and what is accepted."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from conformance.description import (
    SCENARIOS,
    ClockMode,
    DescriptionError,
    Dialect,
    Role,
    States,
    available_dialects,
    fill_template,
    load,
    parse,
    parse_source,
    parse_text,
)
from conformance.description._dialect import _source
from conformance.simulator import serve_in_thread
from tests.support.descriptions import STATUS_FORMS, error_of, unusable
from tests.support.running import CASES, write

BUILT_IN = "['azure', 'cloudcenter', 'google-lro', 'ogc-processes']"


TOP_LEVEL_KEYS = (
    "base_url, clock, test_clock_path, openapi, allowed_origins, headers, cookies, scenarios, "
    "sync, setup, teardown, setup_hook, cleanup, resource, dialect, polling, retention, tls"
)


RESOURCE_PLACES = (
    "the placeholders there are {operation_id} (the operation's id), {resource_url} (the "
    "resource the operation made), {uuid} (its submission's {uuid}), {n} (its submission's {n})"
)


class Reversed(frozenset):
    """A set that iterates in reverse order, to show the message sorts the bare sources."""

    def __iter__(self):
        return iter(sorted(super().__iter__(), reverse=True))


def lookup(path: str) -> object:
    return {"name": "op-1", "n": 7, "flag": True, "empty": "", "none": None}.get(path)


def _exchange():
    from conformance.driver import Exchange

    return Exchange(
        1, "submit success", "POST", "http://api.test/jobs", [], b"", 0, 0, 202, [], b""
    )


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


def test_an_unset_variable_under_a_top_level_key_is_named_by_that_key_exactly(monkeypatch):
    # A header written at the top level by mistake: the unset variable is reported before the
    # unknown key, and the key must read as written, its leading "X" and all.
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    with pytest.raises(DescriptionError) as info:
        parse({"X-Api-Key": "${NOPE_TOKEN}"}, "t")
    assert str(info.value) == (
        "t: X-Api-Key refers to ${NOPE_TOKEN}, but the environment variable NOPE_TOKEN "
        "is not set. Export it before the run, or remove the reference."
    )


def test_the_dialect_label_keeps_plain_keys_written_before_a_nested_table():
    # The nested table's keys join the ones already seen; they do not replace them.
    dialect = {"status_field": "phase", "error_field": "why", "states": {"running": ["R"]}}
    assert parse({"dialect": dialect}, "t").dialect_label == (
        "cloudcenter, keys overridden: error_field, states.running, status_field"
    )


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ({"foo": 1}, f"unknown key 'foo'; allowed here: {TOP_LEVEL_KEYS}"),
        # An empty TOML key ("" = 1) is named as the top level, not as ''.
        ({"": 1}, f"unknown key '(top level)'; allowed here: {TOP_LEVEL_KEYS}"),
        (
            {"scenarios": {"success": {"path": "/", "foo": 1}}},
            "unknown key 'scenarios.success.foo'; allowed here: method, path, json, headers, "
            "setup, teardown",
        ),
        (
            {"dialect": {"states": {"runing": ["R"]}}},
            "unknown key 'dialect.states.runing'; allowed here: running, success, failure, "
            "cancelled",
        ),
        ({"sync": {"method": "GET"}}, "missing key 'sync.path'"),
        (
            {"dialect": {"http_states": {"abc": "running"}}},
            "dialect.http_states.abc = 'abc': Input should be a valid integer, "
            "unable to parse string as an integer",
        ),
        (
            {"dialect": {"http_states": {"199": "running"}}},
            "dialect.http_states.199 = '199': Input should be greater than or equal to 200",
        ),
        (
            {"dialect": {"http_states": {"400": "running"}}},
            "dialect.http_states.400 = '400': Input should be less than or equal to 399",
        ),
        (
            {"retention": {"timeout_state": "PENDING"}},
            "retention.timeout_state 'PENDING' is not a state of the dialect; "
            "use one of ['FAILED', 'RUNNING', 'SUCCESS']",
        ),
        (
            {"base_url": "http:///x"},
            "base_url: 'http:///x' must be an absolute http:// or https:// URL",
        ),
        (
            {"base_url": "ftp://x.test"},
            "base_url: 'ftp://x.test' must be an absolute http:// or https:// URL",
        ),
        (
            {"resource": {"delete": {"method": "DELETE", "url": "/x/{id}/{operation_id}/{x}"}}},
            "resource.delete.url = '/x/{id}/{operation_id}/{x}' holds {id}, which the suite "
            "would send as it is; " + RESOURCE_PLACES + ". Write the value itself instead\n"
            "  - resource.delete.url = '/x/{id}/{operation_id}/{x}' holds {x}, which the suite "
            "would send as it is; " + RESOURCE_PLACES + ". Write the value itself instead",
        ),
        (
            {"dialect": {"accepted_status": []}},
            "dialect: accepted_status must name at least one code",
        ),
        ({"dialect": {"status_codes": []}}, "dialect: status_codes must name at least one code"),
        (
            {"dialect": {"status_field": ""}},
            "dialect: the dialect gives no way to tell the state: "
            "set status_field, done, or http_states",
        ),
        (
            {"dialect": {"states": {"running": []}}},
            "dialect.states: states.running must name at least one state",
        ),
        (
            {"dialect": {"states": {"success": []}}},
            "dialect.states: states.success must name at least one state",
        ),
        (
            {"dialect": {"states": {"failure": []}}},
            "dialect.states: states.failure must name at least one state",
        ),
        (
            {"dialect": {"states": {"cancelled": ["FAILED"]}}},
            "dialect.states: state 'FAILED' is listed under both failure and cancelled",
        ),
        (
            {"dialect": {"not_applicable": {"SUBMIT-202": " "}}},
            "dialect.not_applicable: not_applicable.SUBMIT-202 needs a reason, shown with SKIP",
        ),
        (
            {"dialect": {"status_url": "none"}},
            f"dialect.status_url: 'none' is not a source; use one of {STATUS_FORMS}",
        ),
        (
            {"dialect": {"result_url": "none:x"}},
            f"dialect.result_url: 'none:x' is not a source; use one of {STATUS_FORMS}, "
            "'none', 'request'",
        ),
        (
            {"dialect": {"result_url": "template:/ops/x"}},
            "dialect.result_url: 'template:/ops/x': a template needs a placeholder: "
            "{id} for the operation id, or {field.path} for a value of the body",
        ),
        (
            {"dialect": {"status_url": "template:/ops/{}"}},
            "dialect.status_url: 'template:/ops/{}': a template needs a placeholder: "
            "{id} for the operation id, or {field.path} for a value of the body",
        ),
        (
            {"dialect": {"status_url": "template:v1/{id}"}},
            "dialect.status_url: 'template:v1/{id}': a template is a path on the target, "
            "starting with /",
        ),
        (
            {"dialect": {"status_url_moves": 1}},
            "dialect.status_url_moves = 1: Input should be a valid boolean",
        ),
        (
            {"scenarios": {"success": {"path": "/", "method": "G\u00c9T"}}},
            "scenarios.success.method: 'G\u00c9T' is not an HTTP method "
            "such as GET, POST or DELETE",
        ),
        (
            {"scenarios": {"success": {"path": "/", "method": "P OST"}}},
            "scenarios.success.method: 'P OST' is not an HTTP method such as GET, POST or DELETE",
        ),
        (
            {"headers": {"caf\u00e9": "x"}},
            "headers: header 'caf\u00e9' must have an ASCII name and value",
        ),
        (
            {"headers": {"X-Name": "caf\u00e9"}},
            "headers: header 'X-Name' must have an ASCII name and value",
        ),
        (
            {"test_clock_path": "//evil.example/clock"},
            "test_clock_path: '//evil.example/clock' must be a path on the target "
            "(such as /_test/clock), not a URL",
        ),
        (
            {"test_clock_path": "/go?to=http://evil.example"},
            "test_clock_path: '/go?to=http://evil.example' must be a path on the target "
            "(such as /_test/clock), not a URL",
        ),
        (
            {"test_clock_path": "clock"},
            "test_clock_path: 'clock' must be a path on the target "
            "(such as /_test/clock), not a URL",
        ),
        (
            {"retention": {"tolerance": 10, "timed_out": 5}},
            "retention: tolerance (10 s) must be smaller than the timed_out window (5 s)",
        ),
        (
            {"retention": {"tolerance": 0.5, "completed": 0.5}},
            "retention: tolerance (0.5 s) must be smaller than the completed window (0.5 s)",
        ),
        (
            {"retention": {"timeout_anchor": "timeout"}},
            "retention: timeout_anchor = 'timeout' needs operation_timeout, the seconds after "
            "which the target times an operation out",
        ),
        (
            {"retention": {"expired_status": [404, 200, 410, 500]}},
            "retention: expired_status may list 404 and 410 only, not [200, 500]",
        ),
        (
            {"tls": {"client_key": "key.pem"}},
            "tls: client_key needs client_cert, the certificate it belongs to",
        ),
        (
            {"tls": {"verify": False, "ca_bundle": "ca.pem"}},
            "tls: ca_bundle is for verifying; with verify = false it would be unused",
        ),
    ],
)
def test_each_unusable_value_is_named_with_its_key_in_exact_words(raw, line):
    assert error_of(raw) == unusable(line)


def test_an_unknown_key_under_an_optional_table_lists_what_is_allowed_there():
    assert "\n  - unknown key 'sync.foo'; allowed here: method, path, json, headers\n" in (
        error_of({"sync": {"path": "/", "foo": 1}})
    )
    assert "\n  - unknown key 'dialect.done.bar'; allowed here: field, when\n" in error_of(
        {"dialect": {"done": {"field": "d", "bar": 1}}}
    )


def test_an_unknown_requirement_is_named_with_the_nearest_ids():
    assert (
        "\n  - dialect.not_applicable: unknown requirement id 'SUBMIT-220'. Did you mean SUBMIT-202"
    ) in error_of({"dialect": {"not_applicable": {"SUBMIT-220": "x"}}})


def test_the_bare_sources_are_offered_in_alphabetical_order():
    check = _source({"body": "a field"}, Reversed({"none", "request", "auto"})).func
    with pytest.raises(ValueError) as info:
        check("cookie:x")
    assert str(info.value) == (
        "'cookie:x' is not a source; use one of 'body:<a field>', 'auto', 'none', 'request'"
    )


def test_a_checked_description_cannot_be_changed_afterwards():
    description = parse({}, "t").effective
    with pytest.raises(ValidationError):
        description.dialect.name = "other"
    with pytest.raises(ValidationError):
        description.dialect.states.running = []
    with pytest.raises(ValidationError):
        description.polling = None


def test_a_url_httpx_cannot_read_is_named_with_httpx_s_reason():
    assert error_of({"base_url": "http://[::1"}) == unusable(
        "base_url: 'http://[::1' is not a URL: Invalid port: ':1'"
    )


def test_every_problem_is_listed_in_one_message_under_its_source():
    raw = {"polling": {"interval": 0}, "foo": 1, "sync": {"method": "GET"}}
    assert error_of(raw, "my target.toml") == unusable(
        "missing key 'sync.path'",
        "polling.interval = 0: Input should be greater than 0",
        f"unknown key 'foo'; allowed here: {TOP_LEVEL_KEYS}",
        source="my target.toml",
    )


@pytest.mark.parametrize(
    ("section", "key", "lowest", "bound"),
    [
        ("polling", "concurrency", 2, "greater than or equal to 2"),
        ("polling", "max_body_bytes", 1024, "greater than or equal to 1024"),
        ("polling", "unanswered_limit", 1, "greater than or equal to 1"),
        ("polling", "run_budget", 0, "greater than or equal to 0"),
        ("polling", "max_headers", 10, "greater than or equal to 10"),
        ("polling", "max_header_bytes", 1024, "greater than or equal to 1024"),
        ("polling", "keep_polls", 1, "greater than or equal to 1"),
        ("retention", "tolerance", 0, "greater than or equal to 0"),
        ("retention", "operation_timeout", 0, "greater than or equal to 0"),
    ],
)
def test_a_setting_takes_its_lowest_value_and_nothing_below(section, key, lowest, bound):
    loaded = parse({section: {key: lowest}}, "t").effective
    assert getattr(getattr(loaded, section), key) == lowest
    below = lowest - 1 if isinstance(lowest, int) and lowest > 0 else -0.5
    assert error_of({section: {key: below}}) == unusable(
        f"{section}.{key} = {below!r}: Input should be {bound}"
    )


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [("accepted_status", 200, 299), ("status_codes", 200, 399)],
)
def test_dialect_codes_are_taken_within_their_range_only(key, low, high):
    dialect = parse({"dialect": {key: [low, high]}}, "t").effective.dialect
    assert getattr(dialect, key) == [low, high]
    assert error_of({"dialect": {key: [low - 1]}}) == unusable(
        f"dialect.{key}.0 = {low - 1}: Input should be greater than or equal to {low}"
    )
    assert error_of({"dialect": {key: [high + 1]}}) == unusable(
        f"dialect.{key}.0 = {high + 1}: Input should be less than or equal to {high}"
    )


def test_concurrency_has_an_upper_bound():
    assert parse({"polling": {"concurrency": 1000}}, "t").effective.polling.concurrency == 1000
    assert error_of({"polling": {"concurrency": 1001}}) == unusable(
        "polling.concurrency = 1001: Input should be less than or equal to 1000"
    )


def test_http_states_take_codes_from_200_to_399():
    dialect = parse({"dialect": {"http_states": {"200": "success", "399": "running"}}}, "t")
    assert dialect.effective.dialect.http_states == {200: Role.SUCCESS, 399: Role.RUNNING}


def test_nothing_described_gives_every_documented_default():
    described = parse({}, "t").effective.model_dump(mode="json", by_alias=True)
    assert described == {
        "base_url": None,
        "clock": None,
        "test_clock_path": "/_test/clock",
        "openapi": None,
        "allowed_origins": [],
        "headers": {},
        "cookies": "per-operation",
        # Nothing is sent that the user did not describe: no request is assumed.
        "scenarios": {},
        "sync": None,
        # Nothing is made before the run, so nothing is taken apart after it but what the
        # operations made, within two minutes.
        "setup": [],
        "teardown": [],
        "setup_hook": [],
        "cleanup": {"budget": 120.0, "delete_resources": True},
        "resource": {
            "read": {"method": "GET", "url": "{resource_url}"},
            "delete": {"method": "DELETE", "url": "{resource_url}"},
        },
        "dialect": {
            "name": "cloudcenter",
            "extends": None,
            "source": "Vendor page 'Synchronous and Asynchronous Calls'",
            "accepted_status": [202],
            "status_url": "header:Location",
            "status_url_moves": False,
            "status_codes": [200],
            "status_field": "status",
            "done": None,
            "error_field": "",
            "http_states": {},
            "id_field": "operationId",
            "result_url": "body:resourceUrl",
            "message_field": "msg",
            "progress_field": "progress",
            "states": {
                "running": ["RUNNING"],
                "success": ["SUCCESS"],
                "failure": ["FAILED"],
                "cancelled": [],
            },
            "not_applicable": {},
        },
        "polling": {
            "interval": 1.0,
            "request_timeout": 10.0,
            "budget": 300.0,
            "delete_budget": 60.0,
            "concurrency": 5,
            "max_body_bytes": 1048576,
            "unanswered_limit": 2,
            "run_budget": 0.0,
            "max_headers": 100,
            "max_header_bytes": 16384,
            "keep_polls": 10,
        },
        "retention": {
            "known": True,
            "completed": 300.0,
            "timed_out": 3600.0,
            "tolerance": 5.0,
            "timeout_anchor": "submission",
            "operation_timeout": 0.0,
            "timeout_state": None,
            "expired_status": [404],
        },
        "tls": {"verify": True, "ca_bundle": None, "client_cert": None, "client_key": None},
    }


def test_a_dialect_made_in_code_has_a_default_for_every_key_left_out():
    states = States(running=["R"], success=["S"], failure=["F"])
    assert Dialect(name="mine", states=states).model_dump(mode="json") == {
        "name": "mine",
        "extends": None,
        "source": "",
        "accepted_status": [202],
        "status_url": "header:Location",
        "status_url_moves": False,
        "status_codes": [200],
        "status_field": "status",
        "done": None,
        "error_field": "",
        "http_states": {},
        "id_field": "operationId",
        "result_url": "body:resourceUrl",
        "message_field": "msg",
        "progress_field": "progress",
        "states": {"running": ["R"], "success": ["S"], "failure": ["F"], "cancelled": []},
        "not_applicable": {},
    }


def test_a_done_field_or_http_states_can_tell_the_state_without_a_status_field():
    told_by_done = parse({"dialect": {"status_field": "", "done": {"field": "done"}}}, "t")
    assert told_by_done.effective.dialect.done.when == "true"
    told_by_code = parse({"dialect": {"status_field": "", "http_states": {"202": "running"}}}, "t")
    assert told_by_code.effective.dialect.http_states == {202: Role.RUNNING}


@pytest.mark.parametrize(
    ("raw", "field", "value"),
    [
        ({"scenarios": {"success": {"path": "/", "method": "get"}}}, "method", "GET"),
        ({"dialect": {"result_url": "none"}}, "result_url", "none"),
        ({"dialect": {"result_url": "request"}}, "result_url", "request"),
        ({"dialect": {"result_url": "template:/r/{id}"}}, "result_url", "template:/r/{id}"),
        ({"dialect": {"status_url": "template:/v1/{name}"}}, "status_url", "template:/v1/{name}"),
        ({"dialect": {"status_url": "link:monitor"}}, "status_url", "link:monitor"),
        ({"retention": {"expired_status": [404, 410]}}, "expired_status", [404, 410]),
        ({"retention": {"timeout_state": "RUNNING"}}, "timeout_states", ["RUNNING"]),
        ({}, "timeout_states", ["RUNNING"]),
        ({"dialect": {"states": {"running": ["A", "B"]}}}, "timeout_states", ["A", "B"]),
        (
            {"retention": {"timeout_anchor": "timeout", "operation_timeout": 0.5}},
            "operation_timeout",
            0.5,
        ),
        ({"retention": {"tolerance": 299.5}}, "tolerance", 299.5),
        ({"tls": {"client_cert": "c.pem", "client_key": "k.pem"}}, "client_key", "k.pem"),
        ({"tls": {"verify": False}}, "verify", False),
        ({"base_url": "https://x.test"}, "base_url", "https://x.test"),
        ({"retention": {"timeout_anchor": "submission"}}, "timeout_anchor", "submission"),
        ({"cookies": "shared"}, "cookies", "shared"),
        ({"cookies": "off"}, "cookies", "off"),
        ({"dialect": {"done": {"field": "d", "when": "null"}}}, "done", "null"),
        ({"dialect": {"done": {"field": "d", "when": "set"}}}, "done", "set"),
        # The field's own name is taken as well as the documented key, json.
        ({"scenarios": {"success": {"path": "/", "json_body": [1]}}}, "json", [1]),
        ({"tls": {"ca_bundle": "ca.pem"}}, "ca_bundle", "ca.pem"),
        (
            {"resource": {"read": {"method": "GET", "url": "{resource_url}/{operation_id}"}}},
            "url",
            "{resource_url}/{operation_id}",
        ),
        ({"resource": {"read": {"method": "GET", "url": "/things/1"}}}, "url", "/things/1"),
    ],
)
def test_good_values_are_taken(raw, field, value):
    description = parse(raw, "t").effective
    places = {
        "method": lambda d: d.scenarios["success"].method,
        "result_url": lambda d: d.dialect.result_url,
        "status_url": lambda d: d.dialect.status_url,
        "expired_status": lambda d: d.retention.expired_status,
        "timeout_states": lambda d: d.timeout_states,
        "operation_timeout": lambda d: d.retention.operation_timeout,
        "tolerance": lambda d: d.retention.tolerance,
        "client_key": lambda d: d.tls.client_key,
        "verify": lambda d: d.tls.verify,
        "ca_bundle": lambda d: d.tls.ca_bundle,
        "url": lambda d: d.resource.read.url,
        "base_url": lambda d: d.base_url,
        "timeout_anchor": lambda d: d.retention.timeout_anchor,
        "cookies": lambda d: d.cookies,
        "done": lambda d: d.dialect.done.when,
        "json": lambda d: d.scenarios["success"].json_body,
    }
    assert places[field](description) == value


def test_the_scenario_list_names_every_scenario_a_description_may_have():
    scenarios = {name: {"path": f"/{name}"} for name in SCENARIOS}
    assert list(parse({"scenarios": scenarios}, "t").effective.scenarios) == list(SCENARIOS)
    assert SCENARIOS == ("success", "failure", "timeout")


def test_a_base_url_given_on_the_command_line_wins_over_the_description():
    loaded = parse({"base_url": "http://file.example"}, "t", "http://flag.example")
    assert loaded.effective.base_url == "http://flag.example"
    assert parse({"base_url": "http://file.example"}, "t").effective.base_url == (
        "http://file.example"
    )


def test_the_built_in_dialects_are_listed_by_name():
    assert available_dialects() == ["azure", "cloudcenter", "google-lro", "ogc-processes"]


@pytest.mark.parametrize(
    ("dialect", "message"),
    [
        ("x", "t: dialect must be a table, not 'x'"),
        (
            {"result_url_field": 3},
            "t: dialect.result_url_field = 3 must be a field name; "
            'or write result_url = "body:<field>"',
        ),
        (
            {"extends": 3},
            f"t: dialect.extends = 3 is not a built-in dialect; use one of {BUILT_IN}.",
        ),
        (
            {"name": "acme", "extends": "azur"},
            f"t: dialect.extends = 'azur' is not a built-in dialect; use one of {BUILT_IN}.",
        ),
        (
            {"name": 3},
            f"t: dialect.name = 3 is not a known dialect; use one of {BUILT_IN}, "
            "or keep your name and add extends = one of them to start from its keys.",
        ),
        (
            {"name": "acme"},
            f"t: dialect.name = 'acme' is not a known dialect; use one of {BUILT_IN}, "
            "or keep your name and add extends = one of them to start from its keys.",
        ),
    ],
)
def test_a_dialect_that_names_nothing_known_is_refused_in_exact_words(dialect, message):
    assert error_of({"dialect": dialect}) == message


@pytest.mark.parametrize(("field", "result_url"), [("", "none"), ("data.href", "body:data.href")])
def test_the_older_result_url_field_reads_as_a_body_source_or_none(field, result_url):
    loaded = parse({"dialect": {"result_url_field": field}}, "t")
    assert loaded.effective.dialect.result_url == result_url


def test_an_explicit_result_url_wins_over_the_older_result_url_field():
    loaded = parse({"dialect": {"result_url_field": "x", "result_url": "request"}}, "t")
    assert loaded.effective.dialect.result_url == "request"


def test_a_partial_table_is_merged_into_the_built_in_one_key_by_key():
    dialect = parse(
        {"dialect": {"states": {"cancelled": ["GONE"]}, "done": {"field": "done"}}}, "t"
    ).effective.dialect
    assert dialect.states.model_dump() == {
        "running": ["RUNNING"],
        "success": ["SUCCESS"],
        "failure": ["FAILED"],
        "cancelled": ["GONE"],
    }
    assert dialect.done.field == "done"


def test_a_value_that_is_not_a_table_where_the_built_in_has_one_is_refused():
    assert error_of({"dialect": {"states": "x"}}) == unusable(
        "dialect.states = 'x': Input should be a valid dictionary or instance of States"
    )


def test_extending_without_a_name_keeps_the_default_name_and_the_built_in_keys():
    dialect = parse({"dialect": {"extends": "azure"}}, "t").effective.dialect
    assert (dialect.name, dialect.extends) == ("cloudcenter", "azure")
    assert dialect.status_url_sources[0] == "header:Operation-Location"


@pytest.mark.parametrize(
    ("dialect", "label"),
    [
        ({}, "cloudcenter"),
        ({"name": "azure"}, "azure"),
        ({"name": "acme", "extends": "azure"}, "acme (extends azure)"),
        ({"result_url_field": "r"}, "cloudcenter, keys overridden: result_url_field"),
        (
            {
                "name": "azure",
                "states": {"running": ["R"], "cancelled": ["C"]},
                "http_states": {"202": "running"},
                "not_applicable": {},
            },
            "azure, keys overridden: http_states, not_applicable, states.cancelled, states.running",
        ),
        (
            {k: "x" for k in ("error_field", "id_field", "message_field", "progress_field")}
            | {"source": "s", "status_field": "s"},
            "cloudcenter, keys overridden: error_field, id_field, message_field, "
            "progress_field, source, status_field",
        ),
        (
            {k: "x" for k in ("error_field", "id_field", "message_field", "progress_field")}
            | {"source": "s", "status_field": "s", "status_url": "body:u"},
            "cloudcenter, keys overridden: error_field, id_field, message_field, "
            "progress_field, source, status_field, ...",
        ),
    ],
)
def test_the_dialect_label_names_the_dialect_and_at_most_six_overridden_keys(dialect, label):
    assert parse({"dialect": dialect}, "t").dialect_label == label


def test_a_missing_variable_is_named_with_the_dotted_key_and_the_way_out(monkeypatch):
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    raw = {"scenarios": {"success": {"path": "/", "json": {"items": [1, "a ${NOPE_TOKEN}"]}}}}
    assert error_of(raw) == (
        "t: scenarios.success.json.items[1] refers to ${NOPE_TOKEN}, but the environment "
        "variable NOPE_TOKEN is not set. Export it before the run, or remove the reference."
    )


def test_references_expand_anywhere_in_strings_and_leave_other_values_alone(monkeypatch):
    monkeypatch.setenv("low_er1", "one")
    monkeypatch.setenv("_TWO", "two")
    monkeypatch.setenv("EMPTY", "")
    body = {"a": "${low_er1}-${_TWO}", "b": ["$_TWO", "${1X}", 7, True], "c": "${EMPTY}"}
    loaded = parse({"scenarios": {"success": {"path": "/", "json": body}}}, "t")
    assert loaded.effective.scenarios["success"].json_body == {
        "a": "one-two",
        "b": ["$_TWO", "${1X}", 7, True],
        "c": "",
    }
    assert loaded.described.scenarios["success"].json_body == body
    assert loaded.secrets == {"one", "two"}


def test_a_description_file_is_read_with_its_path_as_source_and_the_url_given(tmp_path):
    target = write(tmp_path / "target.toml", "[polling]\ninterval = 2\n")
    loaded = load(target, None, "http://flag.example")
    assert loaded.source == str(target)
    assert loaded.effective.base_url == "http://flag.example"
    assert loaded.effective.polling.interval == 2


def test_an_unusable_file_is_named_with_its_path(tmp_path):
    target = write(tmp_path / "target.toml", "[polling]\ninterval = 0\n")
    with pytest.raises(DescriptionError) as info:
        load(target, None)
    assert str(info.value) == unusable(
        "polling.interval = 0: Input should be greater than 0", source=str(target)
    )


def test_files_that_cannot_be_read_are_named_with_the_way_out(tmp_path):
    absent = tmp_path / "absent.toml"
    with pytest.raises(DescriptionError) as info:
        load(absent, None)
    assert str(info.value) == (
        f"target description {absent} does not exist; check the --target-config path."
    )
    with pytest.raises(DescriptionError) as info:
        load(tmp_path, None)
    assert str(info.value).startswith(f"target description {tmp_path} cannot be read as UTF-8 ")
    bad = write(tmp_path / "bad.toml", "base_url = \n")
    with pytest.raises(DescriptionError) as info:
        load(bad, None)
    assert str(info.value).startswith(
        f"target description {bad} is not valid TOML: Invalid value (at line 1, column 12)"
    )


def test_toml_text_is_checked_with_its_source_and_the_url_given():
    loaded = parse_text('base_url = "http://file.example"\n', "here", "http://flag.example")
    assert loaded.effective.base_url == "http://flag.example"
    assert loaded.source == "here"
    with pytest.raises(DescriptionError) as info:
        parse_text("x = \n", "here")
    assert str(info.value).startswith("target description here is not valid TOML: Invalid value")


def test_the_pyproject_table_is_named_as_the_source(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", "[tool.async-conformance.polling]\nfoo = 1\n")
    with pytest.raises(DescriptionError) as info:
        load(None, pyproject)
    assert str(info.value) == unusable(
        "unknown key 'polling.foo'; allowed here: interval, request_timeout, budget, "
        "delete_budget, concurrency, max_body_bytes, unanswered_limit, run_budget, "
        "max_headers, max_header_bytes, keep_polls",
        source=f"{pyproject} [tool.async-conformance]",
    )


def test_the_pyproject_table_is_checked_for_the_url_given(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", '[tool.async-conformance]\nclock = "real"\n')
    loaded = load(None, pyproject, "http://flag.example")
    assert loaded.effective.base_url == "http://flag.example"
    assert loaded.effective.clock == "real"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'tool.async-conformance = "x"\n',
            "{p}: [tool.async-conformance] must be a table of settings, not 'x'",
        ),
        ("[tool\n", "{p} is not valid TOML: Expected ']' at the end of a table declaration"),
        (b"\xff\xfe", "{p} is not valid TOML: 'utf-8' codec can't decode byte 0xff"),
    ],
)
def test_a_broken_pyproject_is_named(tmp_path, content, message):
    pyproject = tmp_path / "pyproject.toml"
    if isinstance(content, bytes):
        pyproject.write_bytes(content)
    else:
        write(pyproject, content)
    with pytest.raises(DescriptionError) as info:
        load(None, pyproject)
    assert str(info.value).startswith(message.format(p=pyproject))


@pytest.mark.parametrize("text", ["tool = 1\n", 'tool = "async-conformance"\n', "tool = []\n"])
def test_a_pyproject_whose_tool_is_not_a_table_gives_the_defaults(tmp_path, text):
    loaded = load(None, write(tmp_path / "pyproject.toml", text), "http://flag.example")
    assert (loaded.source, loaded.effective.base_url) == ("(defaults)", "http://flag.example")


@pytest.mark.parametrize("pyproject", [None, "absent.toml", "."])
def test_no_description_and_no_pyproject_give_the_defaults_for_the_url_given(tmp_path, pyproject):
    path = None if pyproject is None else tmp_path / pyproject
    loaded = load(None, path, "http://flag.example")
    assert (loaded.source, loaded.effective.base_url) == ("(defaults)", "http://flag.example")
    assert loaded.dialect_label == "cloudcenter"
    assert load(None, path).effective.base_url is None


@pytest.mark.parametrize(
    ("source", "parts"),
    [
        ("header:Location", ("header", "Location")),
        (" header : Operation-Location ", ("header", "Operation-Location")),
        ("link:http://www.opengis.net/def/rel", ("link", "http://www.opengis.net/def/rel")),
        ("request", ("request", "")),
        ("", ("", "")),
    ],
)
def test_a_source_splits_at_its_first_colon(source, parts):
    assert parse_source(source) == parts


@pytest.mark.parametrize(
    ("template", "operation_id", "filled"),
    [
        ("/v1/{id}", "abc", "/v1/abc"),
        ("/v1/{name}/x/{n}", None, "/v1/op-1/x/7"),
        ("/v1/plain", None, "/v1/plain"),
        ("/v1/{}", "abc", "/v1/{}"),
        ("/v1/{{id}", "abc", "/v1/{abc"),
        ("/v1/{id}", None, None),
        ("/v1/{id}", "", None),
        ("/v1/{flag}", "abc", None),
        ("/v1/{empty}", "abc", None),
        ("/v1/{none}/{id}", "abc", None),
        ("/v1/{id}/{absent}", "abc", None),
    ],
)
def test_a_template_is_filled_only_when_every_placeholder_has_a_value(
    template, operation_id, filled
):
    assert fill_template(template, operation_id, lookup) == filled


def test_roles_and_clock_modes_read_as_their_values_and_only_running_is_not_terminal():
    assert [str(role) for role in Role] == ["running", "success", "failure", "cancelled"]
    assert [role.terminal for role in Role] == [False, True, True, True]
    assert [str(mode) for mode in ClockMode] == ["virtual", "control", "real"]


def test_states_tell_the_role_of_a_name_and_the_names_of_a_role():
    states = States(running=["A", "B"], success=["S"], failure=["F"], cancelled=["C"])
    assert [states.role(n) for n in ("A", "S", "F", "C", "a", None)] == [
        Role.RUNNING,
        Role.SUCCESS,
        Role.FAILURE,
        Role.CANCELLED,
        None,
        None,
    ]
    assert [states.names(role) for role in Role] == [["A", "B"], ["S"], ["F"], ["C"]]
    assert states.all == {"A", "B", "S", "F", "C"}
    assert states.terminal == {"S", "F", "C"}


def test_a_checked_value_may_come_from_the_environment(monkeypatch):
    # README: any value may be ${NAME}; a URL or a path is checked once it is expanded.
    monkeypatch.setenv("STAGING_URL", "https://staging.example.test")
    monkeypatch.setenv("CLOCK_PATH", "/_clock")
    loaded = parse(
        {
            "base_url": "${STAGING_URL}",
            "allowed_origins": ["${STAGING_URL}"],
            "test_clock_path": "${CLOCK_PATH}",
        },
        "t",
    )
    assert loaded.effective.base_url == "https://staging.example.test"
    assert loaded.effective.allowed_origins == ["https://staging.example.test"]
    assert loaded.effective.test_clock_path == "/_clock"
    assert loaded.secrets == {"https://staging.example.test", "/_clock"}


def test_an_unset_variable_in_a_checked_value_is_named_as_unset(monkeypatch):
    monkeypatch.delenv("STAGING_URL", raising=False)
    with pytest.raises(DescriptionError) as info:
        parse({"base_url": "${STAGING_URL}"}, "t")
    assert str(info.value) == (
        "t: base_url refers to ${STAGING_URL}, but the environment variable STAGING_URL is not "
        "set. Export it before the run, or remove the reference."
    )


def test_a_bad_value_from_the_environment_is_refused_without_showing_it(monkeypatch):
    monkeypatch.setenv("STAGING_URL", "staging.example.test/with'quote")
    with pytest.raises(DescriptionError) as info:
        parse({"base_url": "${STAGING_URL}"}, "t")
    message = str(info.value)
    assert "staging.example" not in message
    assert 'base_url: "[secret]" must be an absolute http:// or https:// URL' in message


def test_a_status_url_that_is_neither_a_source_nor_a_list_shows_both_forms():
    with pytest.raises(DescriptionError) as error:
        parse({"dialect": {"status_url": 5}}, "t")
    assert (
        '5 is neither a source ("header:Location") nor a list of sources in order of '
        'preference (["header:Operation-Location", "header:Location"])'
    ) in str(error.value)


def test_an_empty_list_of_status_url_sources_shows_one_to_write():
    with pytest.raises(DescriptionError) as error:
        parse({"dialect": {"status_url": []}}, "t")
    assert (
        'an empty list names no source; give at least one, e.g. ["header:Operation-Location", '
        '"header:Location"]'
    ) in str(error.value)


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


@pytest.mark.slow
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
