"""The target's published OpenAPI document, as the suite uses it through Schemathesis."""

from __future__ import annotations

import json

from conformance.simulator._openapi import OPENAPI

from .conftest import write

DESCRIPTION = """
openapi = "{openapi}"

[scenarios.success]
path = "/v1/tenants/1/clouds/1/accounts"
json = {{ name = "doc-success", simulate = "success" }}

[retention]
tolerance = 1.0
"""
APP = "--target=asgi:tests.asgi_target:app"
CASES = "SCHEMA or schema or malformed"


def _run(run_suite, tmp_path, openapi: str):
    config = write(tmp_path / "target.toml", DESCRIPTION.format(openapi=openapi))
    return run_suite(APP, f"--target-config={config}", "-k", CASES)


def test_the_document_on_the_target_validates_its_answers(run_suite, tmp_path):
    run = _run(run_suite, tmp_path, "/openapi.json")
    assert run.verdicts["SCHEMA-RESPONSES"] == "PASS"
    cases = run.requirement("ROBUST-SUBMIT")["cases"]
    generated = next(c for c in cases if "schema_forbids" in c["nodeid"])
    assert generated["verdict"] == "PASS"
    assert generated["message"].startswith("25 requests generated from the document's schema")
    run.assert_every_pass_cites_evidence()


def test_a_document_in_a_file_beside_the_description(run_suite, tmp_path):
    write(tmp_path / "api.json", json.dumps(OPENAPI))
    run = _run(run_suite, tmp_path, "api.json")
    assert run.verdicts["SCHEMA-RESPONSES"] == "PASS"


def test_an_operation_missing_from_the_document_is_a_warning(run_suite, tmp_path):
    document = json.loads(json.dumps(OPENAPI))
    del document["paths"]["/v1/operationStatus/{operation}"]
    write(tmp_path / "api.json", json.dumps(document))
    run = _run(run_suite, tmp_path, "api.json")
    assert run.verdicts["SCHEMA-RESPONSES"] == "WARN"
    case = run.requirement("SCHEMA-RESPONSES")["cases"][0]
    assert case["observed"].startswith("GET /v1/operationStatus/")
    assert case["observed"].endswith("is not in the published document")
    assert run.result.ret == 0  # a SHOULD


def test_an_answer_the_document_forbids_is_a_warning(run_suite, tmp_path):
    document = json.loads(json.dumps(OPENAPI))
    status = document["paths"]["/v1/operationStatus/{operation}"]["get"]["responses"]["200"]
    status["content"]["application/json"]["schema"]["properties"]["status"]["enum"] = ["DONE"]
    write(tmp_path / "api.json", json.dumps(document))
    run = _run(run_suite, tmp_path, "api.json")
    case = run.requirement("SCHEMA-RESPONSES")["cases"][0]
    assert case["verdict"] == "WARN"
    assert "Response violates schema" in case["observed"]


def test_a_missing_document_is_an_error_that_says_why(run_suite, tmp_path):
    run = _run(run_suite, tmp_path, "nowhere.json")
    case = run.requirement("SCHEMA-RESPONSES")["cases"][0]
    assert case["verdict"] == "ERROR"
    assert "openapi = 'nowhere.json'" in case["message"]
    assert "No such file" in case["message"]


def test_a_document_that_is_no_openapi_is_an_error(run_suite, tmp_path):
    write(tmp_path / "api.json", '{"hello": "world"}')
    run = _run(run_suite, tmp_path, "api.json")
    case = run.requirement("SCHEMA-RESPONSES")["cases"][0]
    assert case["verdict"] == "ERROR"
    assert "could not be loaded as OpenAPI" in case["message"]


def test_without_a_document_the_schema_cases_are_not_observed(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", DESCRIPTION.format(openapi="").split("\n", 2)[2])
    run = run_suite(APP, f"--target-config={config}", "-k", "schema")
    assert run.verdicts["SCHEMA-RESPONSES"] == "SKIP"
    reason = run.requirement("SCHEMA-RESPONSES")["reason"]
    assert "names no OpenAPI document" in reason
