"""How the plugin records each kind of outcome: small user cases, run in this process."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .data.make import CASES


def _run(pytester: pytest.Pytester, source: str, *args: str) -> tuple[pytest.RunResult, Any]:
    pytester.makepyfile(test_user=source)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
    path = pytester.path / "reports" / "conformance.json"
    return result, json.loads(path.read_text()) if path.exists() else None


def _case(document: Any, req_id: str) -> dict[str, Any]:
    (requirement,) = [r for r in document["requirements"] if r["id"] == req_id]
    (case,) = requirement["cases"]
    return dict(case)


KINDS = """
import pytest
from conformance.verdicts import Blocked, ConformanceFailure, Inconclusive

@pytest.mark.requirement("STATUS-DETAILS")
def test_unsure(conformance):
    run = conformance.run("success")
    raise Inconclusive("STATUS-DETAILS", "the reads came too late", run.exchanges[:1])

@pytest.mark.requirement("SUBMIT-202")
def test_blocked(conformance):
    run = conformance.run("success")
    raise Blocked("nothing to stand on", run.exchanges[:2])

@pytest.mark.requirement("SUBMIT-LOCATION")
def test_crashes(conformance):
    raise ValueError("a bug in the case")

@pytest.mark.requirement("STATUS-RETRY-AFTER")
def test_info_fails(conformance):
    run = conformance.run("success")
    raise ConformanceFailure("STATUS-RETRY-AFTER", "too soon", "later", exchanges=run.exchanges[:1])
"""


def test_each_kind_of_outcome_is_recorded_with_its_words_and_exchanges(pytester):
    result, document = _run(pytester, KINDS, "-v")
    unsure = _case(document, "STATUS-DETAILS")
    assert (unsure["verdict"], unsure["message"]) == (
        "WARN",
        "inconclusive: the reads came too late",
    )
    assert [e["index"] for e in unsure["exchanges"]] == [1]
    blocked = _case(document, "SUBMIT-202")
    assert (blocked["verdict"], blocked["message"]) == (
        "ERROR",
        "could not run: nothing to stand on",
    )
    assert len(blocked["exchanges"]) == 2
    crashed = _case(document, "SUBMIT-LOCATION")
    assert crashed["verdict"] == "ERROR"
    assert crashed["message"] == "the case itself failed (call): ValueError: a bug in the case"
    info = _case(document, "STATUS-RETRY-AFTER")
    assert (info["verdict"], info["observed"], info["expected"]) == ("WARN", "too soon", "later")
    # In the terminal: a WARN passes, an ERROR is its own outcome, the crash keeps its traceback.
    result.stdout.fnmatch_lines(
        [
            "*::test_unsure WARN*",
            "*::test_blocked ERROR*",
            "*::test_crashes ERROR*",
            "*::test_info_fails WARN*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = result.parseoutcomes()
    assert (outcomes.get("warned"), outcomes.get("errors"), outcomes.get("failed")) == (2, 2, None)


def test_at_the_should_gate_a_warn_fails_but_an_info_one_does_not(pytester):
    result, document = _run(pytester, KINDS, "-k", "unsure or info_fails", "--gate=should")
    outcomes = result.parseoutcomes()
    assert (outcomes.get("failed"), outcomes.get("warned")) == (1, 1)
    assert document["gate"] == "fail" and document["strict"] is True


def test_a_requirement_outside_the_dialect_is_skipped_saying_why(pytester):
    result, document = _run(
        pytester,
        """
import pytest

@pytest.mark.requirement("STATUS-DETAILS")
def test_details(conformance):
    raise AssertionError("never runs")
""",
        "--target",
        "builtin:azure",
    )
    case = _case(document, "STATUS-DETAILS")
    assert case["verdict"] == "SKIP"
    assert case["message"] == (
        "not in the azure dialect's contract: the Azure guidelines leave details of a running "
        "operation optional (percentComplete may be given)"
    )
    result.assert_outcomes(skipped=1)


def _described(pytester: pytest.Pytester, toml: str) -> tuple[str, Any]:
    """One case run against the simulator under this target description: every output, and
    the description as the document records it."""
    config = pytester.path / "target.toml"
    config.write_text(toml, encoding="utf-8")
    result = pytester.runpytest_inprocess(
        str(CASES),
        "-p",
        "no:cacheprovider",
        "-k",
        "submission_is_accepted",
        "--target",
        "builtin",
        f"--target-config={config}",
    )
    text = (pytester.path / "reports" / "conformance.json").read_text()
    return text + result.stdout.str(), json.loads(text)["target"]["description"]


def test_secret_scenario_headers_are_redacted_in_the_document(pytester, monkeypatch):
    monkeypatch.setenv("SCENARIO_KEY", "scenario-secret-77")
    output, described = _described(
        pytester,
        "headers = { Authorization = '${SCENARIO_KEY}' }\n"
        "[scenarios.success]\npath = '/v1/tenants/1/clouds/1/accounts'\n"
        "json = { name = 'x' }\nheaders = { 'Api-Key' = '${SCENARIO_KEY}', 'X-Mode' = 'plain' }\n",
    )
    assert "scenario-secret-77" not in output
    assert described["scenarios"]["success"]["headers"] == {
        "Api-Key": "[redacted]",
        "X-Mode": "plain",
    }
    assert described["headers"] == {"Authorization": "[redacted]"}


def test_a_checked_value_from_the_environment_stays_secret_in_the_document(pytester, monkeypatch):
    monkeypatch.setenv("SIM_URL", "http://builtin.simulator/pathtok-42")
    output, described = _described(pytester, "base_url = '${SIM_URL}'\n")
    assert "pathtok-42" not in output
    assert described["base_url"] == "[secret]"
