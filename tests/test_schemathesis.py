"""The suite's async checks run from the Schemathesis CLI against the live simulator."""

from __future__ import annotations

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


def test_the_correct_simulator_passes_every_check_with_the_async_ones(tmp_path):
    result = _run_against(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "failed" not in result.stdout.split("SUMMARY")[-1]


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


def test_the_cli_prints_the_config_path(capsys):
    assert main(["schemathesis-config"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == SCHEMATHESIS_CONFIG and path.is_file()
    assert 'hooks = "conformance.openapi.checks"' in path.read_text()


# -- the background-deletion filter on Schemathesis's use_after_free ----------------


class _Request:
    def __init__(self, url: str) -> None:
        self.url, self.headers, self.method, self.body = url, {"Accept": "*/*"}, "GET", b""


class _Response:
    def __init__(self, url: str) -> None:
        self.request, self.status_code = _Request(url), 200


def _still_there(*args: Any) -> None:
    raise AssertionError("The API did not return a `HTTP 404 Not Found` response")


URL = "http://api.test/v1/accounts/a1"


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
