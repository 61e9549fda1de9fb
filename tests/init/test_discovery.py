"""`init` finds the asynchronous operations of a published document by the signs it really uses."""

from __future__ import annotations

import json
from typing import Any

import yaml

from conformance.init import async_operations, pointer
from tests.support.paths import DATA

DOCUMENTS = DATA / "openapi"


def _load(name: str) -> dict[str, Any]:
    text = (DOCUMENTS / name).read_text()
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


def _signs(found: Any) -> dict[str, list[str]]:
    return {op.label: [sign.what for sign in op.signs] for op in found}


def test_azures_long_running_operations_are_found_by_their_extension_and_202():
    found = async_operations(_load("azure-lro-parameterized-endpoints.json"))
    signs = ["x-ms-long-running-operation", "202 response", "Location header"]
    assert _signs(found) == {
        "POST /lroParameterizedEndpoints": signs,
        "POST /lroConstantParameterizedEndpoints/{constantParameter}": signs,
    }
    first = found[0]
    assert first.at == "/paths/~1lroParameterizedEndpoints/post"
    assert first.signs[1].at == "/paths/~1lroParameterizedEndpoints/post/responses/202"


def test_azures_test_document_has_a_long_running_operation_on_every_lro_path():
    document = _load("azure-lro.json")
    found = async_operations(document)
    flagged = {
        f"{m.upper()} {p}"
        for p, item in document["paths"].items()
        for m, op in item.items()
        if isinstance(op, dict) and op.get("x-ms-long-running-operation")
    }
    assert flagged and flagged <= {op.label for op in found}
    headers = {s.what for op in found for s in op.signs if s.what.endswith("header")}
    assert headers >= {"Azure-AsyncOperation header", "Location header"}


def test_an_ogc_execution_is_found_by_prefer_respond_async():
    found = async_operations(_load("pygeoapi-0.21.0.openapi.json"))
    assert _signs(found) == {"POST /processes/hello-world/execution": ["Prefer: respond-async"]}
    # Its 201 lives in another document, never fetched: no sign read from it.
    assert found[0].status == ()


def test_an_api_whose_document_shows_no_asynchronous_sign_gives_none():
    # GA4GH WES starts a run with 200 and a run_id: asynchronous, but its document says not.
    assert async_operations(_load("ga4gh-wes.swagger.yaml")) == []


OPERATION = "#/components/schemas/google.longrunning.Operation"
DOCUMENT = {
    "openapi": "3.1.0",
    "paths": {
        "/jobs": {
            "post": {
                "operationId": "submit",
                "responses": {
                    "202": {"$ref": "#/components/responses/Accepted"},
                    "400": {"description": "bad"},
                },
            },
            "get": {"responses": {"200": {"description": "all jobs"}}},
        },
        "/jobs/{id}": {
            "get": {"operationId": "status", "responses": {"200": {"description": "one"}}},
            "delete": {"operationId": "dismiss", "responses": {"204": {"description": "gone"}}},
        },
        "/v1/{name}:export": {
            "post": {
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "$ref": "#/components/schemas/google.longrunning.Operation"
                                }
                            }
                        }
                    }
                }
            }
        },
        "/things": {
            "put": {
                "responses": {
                    "201": {"headers": {"Location": {"schema": {"type": "string"}}}},
                    "200": {"headers": {"Operation-Location": {"schema": {"type": "string"}}}},
                }
            }
        },
        "/plain": {"post": {"responses": {"200": {"description": "done at once"}}}},
        "/moved": {"get": {"responses": {"302": {"headers": {"Location": {}}}}}},
    },
    "components": {
        "responses": {
            "Accepted": {
                "description": "accepted",
                "headers": {"Location": {"schema": {"type": "string"}}},
                "links": {"Status": {"operationId": "status"}},
            }
        },
        "schemas": {"google.longrunning.Operation": {"type": "object"}},
    },
}


def test_each_sign_is_read_where_the_document_puts_it():
    found = {op.label: op for op in async_operations(DOCUMENT)}
    assert set(found) == {"POST /jobs", "POST /v1/{name}:export", "PUT /things"}
    jobs = found["POST /jobs"]
    assert [s.what for s in jobs.signs] == ["202 response", "Location header"]
    assert jobs.signs[1].at == "/paths/~1jobs/post/responses/202/headers/Location"
    # The link names the status operation; the DELETE one level below is its dismissal.
    assert jobs.status == (("GET", "/jobs/{id}", "/paths/~1jobs/post/responses/202/links/Status"),)
    assert jobs.dismiss == (("DELETE", "/jobs/{id}", "/paths/~1jobs~1{id}/delete"),)
    assert [s.what for s in found["POST /v1/{name}:export"].signs] == ["AIP-151 Operation response"]
    assert [s.what for s in found["PUT /things"].signs] == [
        "201 response with a Location",
        "Operation-Location header",
    ]


def test_pointers_escape_as_rfc_6901_says():
    assert pointer("paths", "/a~b/{c}", "get") == "/paths/~1a~0b~1{c}/get"


def test_a_reference_cycle_or_a_reference_elsewhere_is_not_followed():
    document = {
        "paths": {
            "/a": {"post": {"responses": {"202": {"$ref": "#/components/responses/A"}}}},
            "/b": {"post": {"responses": {"202": {"$ref": "https://elsewhere/x.yaml"}}}},
        },
        "components": {"responses": {"A": {"$ref": "#/components/responses/A"}}},
    }
    assert [op.label for op in async_operations(document)] == ["POST /a", "POST /b"]
