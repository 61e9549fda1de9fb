"""The target's published OpenAPI document, as the suite uses it through Schemathesis."""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from conformance.openapi import NOT_FETCHED
from conformance.simulator._openapi import OPENAPI
from tests.support.running import write

DESCRIPTION = """
openapi = "{openapi}"

[scenarios.success]
path = "/v1/tenants/1/clouds/1/accounts"
json = {{ name = "doc-success", simulate = "success" }}

[retention]
tolerance = 1.0
"""
APP = "--target=asgi:tests.apps.asgi_target:app"
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


def test_without_a_document_the_schema_cases_are_not_described(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", DESCRIPTION.format(openapi="").split("\n", 2)[2])
    run = run_suite(APP, f"--target-config={config}", "-k", "schema")
    assert run.verdicts["SCHEMA-RESPONSES"] == "SKIP"
    reason = run.requirement("SCHEMA-RESPONSES")["reason"]
    assert reason.startswith("not described: ") and "names no OpenAPI document" in reason


# -- a document that refers to other documents ---------------------------------------------

STATUS_PATH = "/v1/operationStatus/{operation}"
SUBMIT_PATH = "/v1/tenants/{tenant}/clouds/{cloud}/accounts"
ACCOUNT_PATH = "/v1/tenants/{tenant}/clouds/{cloud}/accounts/{account}"


@pytest.fixture
def elsewhere():
    """A server on loopback holding a schema another document may refer to; it counts the
    requests it gets (the suite must send none: it fetches no document but the one named)."""
    asked: list[str] = []

    class Schema(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = b'{"Any": {"type": "object"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Schema)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/schemas.json", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _referring(where: str, ref: str) -> dict:
    """The simulator's document, with one part replaced by a reference into another one."""
    document = json.loads(json.dumps(OPENAPI))
    paths = document["paths"]
    status = paths[STATUS_PATH]["get"]["responses"]
    body = paths[SUBMIT_PATH]["post"]["requestBody"]["content"]["application/json"]
    if where == "another answer":  # an answer the lifecycle never meets
        answer = paths[ACCOUNT_PATH]["get"]["responses"]["200"]
        answer["content"]["application/json"]["schema"] = {"$ref": f"{ref}#/Any"}
    elif where == "a status field":  # Schemathesis loads the operation, not this schema
        status["200"]["content"]["application/json"]["schema"]["properties"]["msg"] = {
            "$ref": f"{ref}#/Any"
        }
    elif where == "the status answer":  # Schemathesis cannot load the status operation
        status["200"] = {"$ref": f"{ref}#/Answer"}
    elif where == "the submission body":  # nor requests drawn for the submission
        body["schema"] = {"$ref": f"{ref}#/Any"}
    else:  # the submission's whole path: Schemathesis loads none of its operations
        paths[SUBMIT_PATH] = {"$ref": f"{ref}#/Accounts"}
    return document


def _case(run, requirement: str, name: str) -> dict:
    return next(c for c in run.requirement(requirement)["cases"] if name in c["nodeid"])


#: Where the reference is, and what each case then says: its verdict and where its words
#: name the part left out.
REFERRING = {
    "another answer": (
        "PASS",
        "8 answers matched the published OpenAPI document (left out of the document: "
        f"GET {ACCOUNT_PATH}, answer 200: refers to {{ref}}; {NOT_FETCHED})",
        "PASS",
        "25 requests generated from the document's schema got no server error",
    ),
    "a status field": (
        "PASS",
        "1 answer matched the published OpenAPI document (7 answers not judged, of "
        f"GET {STATUS_PATH}, answer 200; left out of the document: GET {STATUS_PATH}, "
        f"answer 200: refers to {{ref}}; {NOT_FETCHED})",
        "PASS",
        "25 requests generated from the document's schema got no server error",
    ),
    "the status answer": (
        "PASS",
        "1 answer matched the published OpenAPI document (7 answers not judged, of "
        f"GET {STATUS_PATH}; left out of the document: GET {STATUS_PATH}: refers to {{ref}}; "
        f"{NOT_FETCHED})",
        "PASS",
        "25 requests generated from the document's schema got no server error",
    ),
    "the submission body": (
        "PASS",
        "8 answers matched the published OpenAPI document (left out of the document: "
        f"POST {SUBMIT_PATH}, its request: refers to {{ref}}; {NOT_FETCHED})",
        "SKIP",
        "not observed: the submission's requests cannot be drawn from the document: "
        f"POST {SUBMIT_PATH}, its request: refers to {{ref}} ({NOT_FETCHED})",
    ),
    "the submission's path": (
        "PASS",
        "7 answers matched the published OpenAPI document (1 answer not judged, of "
        f"{SUBMIT_PATH}; left out of the document: {SUBMIT_PATH}: refers to {{ref}}; "
        f"{NOT_FETCHED})",
        "SKIP",
        "not observed: the submission's operation could not be loaded from the document: "
        f"{SUBMIT_PATH}: refers to {{ref}} ({NOT_FETCHED})",
    ),
}


@pytest.mark.parametrize("where", REFERRING)
def test_a_reference_to_another_host_is_not_fetched_and_the_rest_is_used(
    run_suite, tmp_path, elsewhere, where
):
    """Issue 21, defect 6: an operation Schemathesis could not load was an ERROR
    ('Err' object has no attribute 'ok'), and Schemathesis fetched the other host itself."""
    ref, asked = elsewhere
    write(tmp_path / "api.json", json.dumps(_referring(where, ref)))
    run = _run(run_suite, tmp_path, "api.json")
    assert asked == []  # nothing went to the other host
    assert not run.with_verdict("ERROR"), run.result.stdout.str()[-3000:]
    run.assert_every_pass_cites_evidence()
    schema_verdict, schema_words, generated_verdict, generated_words = REFERRING[where]
    cases = [_case(run, "SCHEMA-RESPONSES", "published"), _case(run, "ROBUST-SUBMIT", "schema")]
    seen = [(c["verdict"], c.get("message") or c.get("reason")) for c in cases]
    assert seen == [
        (schema_verdict, schema_words.replace("{ref}", ref)),
        (generated_verdict, generated_words.replace("{ref}", ref)),
    ]


def test_a_reference_to_a_closed_port_is_said_once_and_the_run_goes_on(run_suite, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends
    ref = f"http://127.0.0.1:{port}/x.json"
    write(tmp_path / "api.json", json.dumps(_referring("the submission's path", ref)))
    run = _run(run_suite, tmp_path, "api.json")
    assert not run.with_verdict("ERROR"), run.result.stdout.str()[-3000:]
    schema_case = _case(run, "SCHEMA-RESPONSES", "published")
    assert schema_case["verdict"] == "PASS"
    assert schema_case["message"].count(ref) == 1
    assert _case(run, "ROBUST-SUBMIT", "schema")["verdict"] == "SKIP"


def test_a_request_the_document_does_not_constrain_is_skipped_not_an_error(run_suite, tmp_path):
    # Its POST /jobs documents an example body and no schema: no request breaks the document.
    config = write(
        tmp_path / "target.toml",
        'openapi = "/openapi.json"\n[scenarios.success]\npath = "/jobs"\njson = { task = "x" }\n',
    )
    run = run_suite(
        "--target=asgi:tests.servers.lying_document:app",
        f"--target-config={config}",
        "-k",
        "schema",
    )
    case = _case(run, "ROBUST-SUBMIT", "schema")
    assert case["verdict"] == "SKIP", case
    assert "forbids nothing in POST /jobs's request" in case["message"]
