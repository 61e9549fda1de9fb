"""The suite's async checks run from the Schemathesis CLI against the live simulator."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from conformance.cli import main
from conformance.openapi import SCHEMATHESIS_CONFIG, checks
from conformance.simulator import Settings, create_app, serve_in_thread
from tests.servers import azure_autorest_lro

FAST = Settings(duration=0.3, delete_delay=0.2)


def _schemathesis(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert executable is not None, "schemathesis is a dependency: its CLI must be installed"
    return subprocess.run(
        [
            executable,
            "--config-file",
            str(SCHEMATHESIS_CONFIG),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "5",
            "--phases",
            "examples,fuzzing",
            "--seed",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=tmp_path,
    )


def _run_against(tmp_path: Path, *faults: str) -> subprocess.CompletedProcess[str]:
    with serve_in_thread(create_app(settings=FAST, behaviours=faults)) as url:
        return _schemathesis(url, tmp_path)


AZURE_RM = """
[dialect]
name = "azure-resource-manager"
extends = "azure"

[dialect.states]                # Resource Manager's in-progress values, with the guidelines'
running = ["NotStarted", "Running", "Accepted", "InProgress"]
success = ["Succeeded"]
failure = ["Failed"]
cancelled = ["Canceled"]

[polling]
interval = 0.05
budget = 5.0
"""


def _vendor_run(tmp_path: Path, options: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    (tmp_path / "azure-rm.toml").write_text(AZURE_RM)
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f'hooks = "conformance.openapi.checks"\n\n[checks.async_lifecycle]\n{options}'
    )
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert executable is not None
    reads: dict[str, list[str]] = {}
    with azure_autorest_lro.running(reads) as url:
        command = [
            executable, "--config-file", str(config), "run", str(azure_autorest_lro.DOCUMENT),
            "--url", url, "--checks", "async_accepted_location,async_lifecycle,async_no_content",
            "--phases", "examples,fuzzing", "--max-examples", "2", "--seed", "1",
        ]  # fmt: skip
        for operation_id in azure_autorest_lro.CORRECT_IDS + azure_autorest_lro.BROKEN_IDS:
            command += ["--include-operation-id", operation_id]
        result = subprocess.run(command, capture_output=True, text=True, timeout=200, cwd=tmp_path)
    return result, reads


class _Request:
    def __init__(self, url: str) -> None:
        self.url, self.headers, self.method, self.body = url, {"Accept": "*/*"}, "GET", b""


class _Response:
    def __init__(self, url: str) -> None:
        self.request, self.status_code = _Request(url), 200


def _still_there(*args: Any) -> None:
    raise AssertionError("The API did not return a `HTTP 404 Not Found` response")


URL = "http://api.test/v1/accounts/a1"


class _Ctx:
    def __init__(self, **options: object) -> None:
        self.config = type("Config", (), {"custom_kwargs": {"async_lifecycle": options}})()


class _Case:
    def __init__(self, long_running: bool) -> None:
        raw = {"x-ms-long-running-operation": True} if long_running else {}
        self.operation = type("Op", (), {"definition": type("Def", (), {"raw": raw})()})()


class _Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.status_code, self.content, self.elapsed = status, body, 0.0
        self.headers = {k: [v] for k, v in headers.items()}
        self.request = type(
            "Req",
            (),
            {"url": "http://api.test/things", "method": "PUT", "headers": {}, "body": b""},
        )()


AZURE = _Ctx(dialect="azure")


def test_the_cli_prints_the_config_path(capsys):
    assert main(["schemathesis-config"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == SCHEMATHESIS_CONFIG and path.is_file()
    assert 'hooks = "conformance.openapi.checks"' in path.read_text()


@respx.mock
def test_a_resource_deleted_in_the_background_is_no_use_after_free(monkeypatch):
    monkeypatch.setattr(checks, "_original_use_after_free", _still_there)
    monkeypatch.setattr(checks, "DELETE_POLL", 0.01)
    route = respx.get(URL).mock(side_effect=[httpx.Response(200), httpx.Response(404)])
    assert checks.use_after_free(None, _Response(URL), None) is None
    assert route.call_count == 2


@respx.mock
def test_a_resource_never_deleted_is_still_a_use_after_free(monkeypatch):
    monkeypatch.setattr(checks, "_original_use_after_free", _still_there)
    monkeypatch.setattr(checks, "DELETE_BUDGET", 0.05)
    monkeypatch.setattr(checks, "DELETE_POLL", 0.01)
    respx.get(URL).mock(return_value=httpx.Response(200))
    with pytest.raises(AssertionError, match="404 Not Found"):
        checks.use_after_free(None, _Response(URL), None)


def test_checks_that_do_not_apply_say_so():
    class Plain:
        status_code, headers, content = 200, {}, b"{}"

    assert checks.async_accepted_location(None, Plain(), None) is None
    assert checks.async_no_content(None, Plain(), None) is None


def test_a_202_with_its_monitor_in_azure_asyncoperation_has_one():
    answer = _Answer(202, {"Azure-AsyncOperation": "http://api.test/operations/1"})
    assert checks.async_accepted_location(AZURE, answer, None) is True
    # The default dialect looks in Location alone.
    with pytest.raises(AssertionError, match="202 Accepted, but gave no Location header"):
        checks.async_accepted_location(_Ctx(), answer, None)


def test_a_long_running_operation_that_says_it_runs_names_its_monitor():
    running = _Answer(201, {}, b'{"status": "Running"}')
    with pytest.raises(AssertionError) as caught:
        checks.async_accepted_location(AZURE, running, _Case(long_running=True))
    assert str(caught.value) == (
        "an operation the document marks x-ms-long-running-operation answered 201 saying it "
        "is 'Running', but gave none of the headers Operation-Location, Azure-AsyncOperation "
        "or Location (looked for in that order): the client has no status monitor to poll"
    )
    # Not marked long-running: a 201 is not the check's business.
    assert checks.async_accepted_location(AZURE, running, _Case(long_running=False)) is None


def test_a_long_running_operation_done_at_once_needs_no_monitor():
    done = _Answer(200, {}, b'{"properties": {"provisioningState": "Succeeded"}}')
    assert checks.async_accepted_location(AZURE, done, _Case(long_running=True)) is None


def test_a_long_running_operations_monitor_header_must_be_one_to_follow():
    bad = _Answer(200, {"Azure-AsyncOperation": "ftp://api.test/op"}, b"{}")
    with pytest.raises(AssertionError, match=r"the status URL 'ftp://api.test/op' \(from "):
        checks.async_accepted_location(AZURE, bad, _Case(long_running=True))


@pytest.mark.parametrize(
    ("options", "shown"),
    [
        (
            {"dialect": "azure", "description": "t.toml"},
            "[checks.async_lifecycle] names both dialect = 'azure' and description = 't.toml'",
        ),
        ({"description": "absent.toml"}, "description = 'absent.toml': there is no such file"),
        ({"description": "bad.toml"}, "[checks.async_lifecycle] description = "),
        ({"dialect": "acme"}, "dialect.name = 'acme' is not a known dialect"),
    ],
)
def test_bad_options_are_named(tmp_path, monkeypatch, options, shown):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text("")
    (tmp_path / "bad.toml").write_text('[dialect]\nstatus_url = "nowhere"\n')
    with pytest.raises(ValueError, match=re.escape(shown)):
        checks.async_lifecycle(**options)  # type: ignore[arg-type]


def test_the_description_gives_the_dialect_and_the_timings_and_options_override_them(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text(
        '[dialect]\nname = "azure"\n[polling]\ninterval = 0.2\nbudget = 9.0\n'
    )
    check = checks.async_lifecycle(description="t.toml", budget=4.0)
    description = checks._description(check.settings, "http://api.test/")
    assert description.dialect.status_url_sources[1] == "header:Azure-AsyncOperation"
    assert (description.polling.interval, description.polling.budget) == (0.2, 4.0)
    assert str(description.base_url) == "http://api.test/"


def test_an_unknown_state_in_the_acceptance_is_named_before_any_read():
    # An operation may end before its first read: its running state shows only here.
    answer = _Answer(202, {"Location": "/operations/1"}, b'{"status": "IN_PROGRESS"}')
    with pytest.raises(AssertionError, match="STATUS-STATE-NAMES: the state 'IN_PROGRESS' in the"):
        checks.async_lifecycle().after_response(None, answer, None)


@pytest.mark.slow
def test_the_correct_simulator_passes_every_check_with_the_async_ones(tmp_path):
    result = _run_against(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "failed" not in result.stdout.split("SUMMARY")[-1]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "shown"),
    [
        ("no-location", "`async_accepted_location`"),
        ("unknown-state", "STATUS-STATE-NAMES: the state 'IN_PROGRESS'"),
        ("terminal-flips", "TRANS-MODEL: SUCCESS, then FAILED"),
        ("flips-after-reads", "TRANS-MODEL: SUCCESS, then FAILED"),
    ],
)
def test_the_async_checks_catch_lifecycle_faults_schemathesis_alone_misses(tmp_path, fault, shown):
    result = _run_against(tmp_path, fault)
    assert result.returncode == 1, result.stdout[-3000:]
    assert shown in result.stdout, result.stdout[-3000:]


@pytest.mark.slow
def test_the_async_checks_judge_a_vendors_lro_document_through_its_azure_asyncoperation_monitors(
    tmp_path,
):
    result, reads = _vendor_run(tmp_path, 'description = "azure-rm.toml"\nfollow = 100\n')
    out = result.stdout
    assert result.returncode == 1, out[-4000:]
    assert "11 selected / 81 total" in out
    # The five broken operations, each found, each naming where its monitor was looked for.
    failures = out.split("FAILURES")[-1].split("SUMMARY")[0]
    for path, shown in [
        (
            "POST /lro/error/post/202/nolocation",
            "202 Accepted, but gave none of the headers Operation-Location, "
            "Azure-AsyncOperation or Location (looked for in that order)",
        ),
        (
            "PUT /lro/error/putasync/retry/invalidheader",
            "the monitor '/foo' named in header:Azure-AsyncOperation answered 404 when first read",
        ),
        ("PUT /lro/error/putasync/retry/nostatus", "answered 200 with a body with no state in"),
        ("PUT /lro/error/putasync/retry/invalidjsonpolling", "answered 200 with no JSON object"),
        ("PUT /lro/nonretryerror/putasync/retry/400", "answered 400 when first read"),
    ]:
        assert path in failures and shown in " ".join(failures.split()), (path, out[-4000:])
    assert failures.count("Custom check failed") == 5, out[-4000:]
    # The correct ones pass, and not for want of looking: each monitor was read to its end.
    assert "6 passed" in out, out[-4000:]
    for path, final in [
        ("/lro/putasync/retry/succeeded", "Succeeded"),
        ("/lro/putasync/retry/failed", "Failed"),
        ("/lro/postasync/retry/succeeded", "Succeeded"),
        ("/lro/deleteasync/retry/succeeded", "Succeeded"),
        ("/lro/patch/201/retry/onlyAsyncHeader", "Succeeded"),
    ]:
        assert reads.get(path, [])[:2] == ["InProgress", final], (path, reads)


@pytest.mark.slow
def test_a_description_that_cannot_be_loaded_names_the_option(tmp_path):
    result, _ = _vendor_run(tmp_path, 'description = "missing.toml"\n')
    shown = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "[checks.async_lifecycle] description = 'missing.toml': there is no such file" in shown
