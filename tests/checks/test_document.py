"""The DOC-* rules: the published contract judged from the document alone, each rule both ways."""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonpointer
import pytest
import schemathesis

from conformance.checks import document
from conformance.description import parse
from conformance.driver import Exchange
from conformance.openapi import Published
from conformance.verdicts import (
    ConformanceFailure,
    Inconclusive,
    NotDescribed,
    NotObserved,
    collecting,
)

STATUS = {
    "type": "object",
    "properties": {
        "operationId": {"type": "string"},
        "status": {"type": "string", "enum": ["RUNNING", "SUCCESS", "FAILED"]},
    },
}
STATUS_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}
ERROR = {"description": "Bad.", "content": {"application/json": {"schema": {"type": "object"}}}}
GOOD: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "jobs", "version": "1"},
    "paths": {
        "/jobs": {
            "post": {
                "responses": {
                    "202": {
                        "description": "Accepted.",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                        "content": STATUS_JSON,
                    },
                    "400": ERROR,
                }
            }
        },
        "/jobs/{id}": {
            "delete": {"responses": {"204": {"description": "Deleting."}, "404": ERROR}},
        },
        "/operations/{id}": {
            "get": {
                "responses": {
                    "200": {"description": "The status.", "content": STATUS_JSON},
                    "404": ERROR,
                }
            }
        },
    },
    "components": {"schemas": {"Status": STATUS}},
}
FETCH = Exchange(1, "OpenAPI document", "GET", "http://t/openapi.json", [], b"", 0.0, status=200)


def _description(**dialect: Any) -> Any:
    raw = {"openapi": "/openapi.json", "scenarios": {"success": {"path": "/jobs"}}}
    return parse({**raw, "dialect": {"name": "cloudcenter", **dialect}}, "t").effective


def _contract(doc: dict[str, Any], description: Any = None) -> document.Contract:
    published = Published(schemathesis.openapi.from_dict(doc), "/openapi.json", FETCH)
    return document.Contract.of(published, description or _description())


def _judge(check: Any, doc: dict[str, Any], description: Any = None) -> list[str]:
    """The check's PASS citations; its failure or SKIP is raised."""
    description = description or _description()
    with collecting() as cited:
        try:
            check(_contract(doc, description), description)
        except NotObserved as exc:  # a SKIP would pass this test unseen: it is a failure here
            pytest.fail(f"not judged: {exc}")
    assert cited and all(c.exchanges == (FETCH,) for c in cited)
    return [c.what for c in cited]


def _changed(path: list[str], value: Any = None, delete: bool = False) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    node = doc
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


POST = ["paths", "/jobs", "post", "responses"]
GET = ["paths", "/operations/{id}", "get", "responses"]
ENUM = ["components", "schemas", "Status", "properties", "status", "enum"]
CHECKS = [
    ("DOC-ACCEPTED", document.acceptance_documented, _changed([*POST, "202"], delete=True)),
    ("DOC-MONITOR", document.monitor_documented, _changed([*POST, "202", "headers"], {})),
    ("DOC-STATES", document.states_documented, _changed(ENUM, ["RUNNING", "SUCCESS", "DONE"])),
    ("DOC-DELETE-204", document.delete_documented,
     _changed(["paths", "/jobs/{id}", "delete", "responses"], {"200": {"description": "ok"}})),
    ("DOC-JSON", document.json_documented,
     _changed([*POST, "202", "content"], {"text/plain": {"schema": {"type": "string"}}})),
    ("DOC-ERRORS", document.errors_documented, _changed([*GET, "404"], delete=True)),
]  # fmt: skip


@pytest.mark.parametrize(("requirement", "check", "broken"), CHECKS)
def test_each_rule_holds_on_a_good_document_and_fails_on_its_breach(requirement, check, broken):
    cited = _judge(check, GOOD)
    assert all("(/paths/" in what or "(/components/" in what for what in cited), cited
    with pytest.raises(ConformanceFailure) as failure:
        try:
            check(_contract(broken), _description())
        except NotObserved as exc:
            pytest.fail(f"not judged: {exc}")
    assert failure.value.requirement.id == requirement
    assert "/paths/" in failure.value.observed or "/components/" in failure.value.observed
    assert failure.value.exchanges == [FETCH]
    # Every pointer named resolves in the document it names.
    for text, doc in [*((what, GOOD) for what in cited), (failure.value.observed, broken)]:
        for found in re.findall(r"\((/[^ ,()]+)", text):
            jsonpointer.resolve_pointer(doc, found)  # raises where it names nothing


def test_the_failures_name_the_pointer_and_what_is_missing():
    with pytest.raises(ConformanceFailure) as failure:
        document.states_documented(_contract(CHECKS[2][2]), _description())
    assert failure.value.observed == (
        "GET /operations/{id} lists DONE (/components/schemas/Status/properties/status/enum)"
    )
    with pytest.raises(ConformanceFailure) as failure:
        document.monitor_documented(_contract(CHECKS[1][2]), _description())
    assert failure.value.observed == "/paths/~1jobs/post/responses/202 names no status monitor"
    assert failure.value.expected == "the answer documents header:Location"


def test_a_state_field_without_an_enum_fails_and_one_in_another_dialects_names_too():
    no_enum = _changed(ENUM, delete=True)
    with pytest.raises(ConformanceFailure, match="gives `status` no enum"):
        document.states_documented(_contract(no_enum), _description())
    # The status read (it has the dialect's id field) listing another dialect's names.
    azure = _description(name="azure", id_field="operationId")
    with pytest.raises(ConformanceFailure, match="lists RUNNING, SUCCESS, FAILED"):
        document.states_documented(_contract(GOOD, azure), azure)


def test_only_the_status_read_is_judged_by_the_dialects_names():
    # A resource's own status (no operation id, no state of the dialect) is not the status read.
    resource = copy.deepcopy(GOOD)
    resource["paths"]["/accounts/{id}"] = {"get": {"responses": {"200": {
        "description": "An account.",
        "content": {"application/json": {"schema": {"type": "object", "properties": {
            "status": {"type": "string", "enum": ["ACTIVE", "DISABLED"]}}}}}}}}}  # fmt: skip
    assert _judge(document.states_documented, resource) == [
        "the status read's states are listed, each one the dialect's "
        "(/components/schemas/Status/properties/status/enum)"
    ]
    # An optional enum as generators write it (anyOf with null), and a nullable one.
    generated = _changed(
        ["components", "schemas", "Status", "properties", "status"],
        {"anyOf": [{"type": "string", "enum": ["RUNNING", "SUCCESS", None]}, {"type": "null"}]},
    )
    assert _judge(document.states_documented, generated) == [
        "the status read's states are listed, each one the dialect's "
        "(/components/schemas/Status/properties/status)"
    ]
    # Only a GET that may be the status read and lists nothing: doubt, not a failure.
    unlisted = _changed(["components", "schemas", "Status", "properties"],
                        {"status": {"type": "string"}})  # fmt: skip
    other = _description(id_field="jobId")
    with pytest.raises(Inconclusive, match="give `status` no enum; if one is the status read"):
        document.states_documented(_contract(unlisted, other), other)


def test_what_the_document_cannot_show_is_skipped_saying_why():
    undocumented = _changed(
        ["paths", "/jobs"], {"get": {"responses": {"200": {"description": "x"}}}}
    )
    with pytest.raises(NotObserved, match=r"the document has no POST /jobs"):
        document.acceptance_documented(_contract(undocumented), _description())
    done = _description(status_field="", done={"field": "done"})
    with pytest.raises(NotObserved, match="by its done field"):
        document.states_documented(_contract(GOOD, done), done)
    template = _description(status_url="template:/operations/{id}")
    with pytest.raises(NotObserved, match="from a template"):
        document.monitor_documented(_contract(GOOD, template), template)
    no_delete = _changed(
        ["paths", "/jobs/{id}"], {"get": {"responses": {"200": {"description": "x"}}}}
    )
    with pytest.raises(NotObserved, match="no DELETE of what the submission makes"):
        document.delete_documented(_contract(no_delete), _description())
    with pytest.raises(NotDescribed):
        document.usable(None)


def test_a_monitor_in_a_body_field_or_a_range_code_is_documented():
    body = _description(status_url="body:operationId", accepted_status=[202])
    assert _judge(document.monitor_documented, GOOD, body) == [
        "the acceptance documents where its status monitor is named "
        "(/components/schemas/Status/properties/operationId)"
    ]
    ranged = copy.deepcopy(GOOD)
    ranged["paths"]["/jobs"]["post"]["responses"]["2XX"] = ranged["paths"]["/jobs"]["post"][
        "responses"
    ].pop("202")
    assert _judge(document.acceptance_documented, ranged) == [
        "POST /jobs documents 202 (/paths/~1jobs/post/responses/2XX)"
    ]


def test_the_live_evidence_says_where_the_document_disagrees():
    published = Published(schemathesis.openapi.from_dict(GOOD), "/openapi.json", FETCH)
    description = _description()
    assert document.disagreement(published, description, 202) == ""
    assert document.disagreement(published, description, 201) == (
        "; the document gives POST /jobs 202 (/paths/~1jobs/post/responses), not 201"
    )
    answer = Exchange(2, "submission", "POST", "http://t/jobs", [], b"", 0.0, status=202)
    answer.headers = [("Operation-Location", "/operations/1")]
    assert document.monitor_disagreement(published, description, answer) == (
        "; the document names the monitor in Location "
        "(/paths/~1jobs/post/responses/202/headers/Location), which the answer lacked"
    )
    answer.headers = [("Location", "/operations/1")]
    assert document.monitor_disagreement(published, description, answer) == ""
    assert document.disagreement(None, description, 201) == ""


def test_a_monitor_in_links_an_error_range_and_the_json_bodies_are_cited_where_they_are():
    linked = _description(status_url="link:monitor")
    links = copy.deepcopy(GOOD)
    links["components"]["schemas"]["Status"]["properties"]["links"] = {"type": "array"}
    assert _judge(document.monitor_documented, links, linked) == [
        "the acceptance documents where its status monitor is named "
        "(/components/schemas/Status/properties/links)"
    ]
    with pytest.raises(ConformanceFailure, match="names no status monitor"):
        document.monitor_documented(_contract(GOOD, linked), linked)
    # Only server errors documented: an error answer all the same.
    five = _changed([*POST, "400"], delete=True)
    five["paths"]["/jobs"]["post"]["responses"]["5XX"] = ERROR
    assert _judge(document.errors_documented, five) == [
        "the submission and status read document their errors "
        "(/paths/~1jobs/post/responses/5XX, /paths/~1operations~1{id}/get/responses/404)"
    ]
    assert _judge(document.json_documented, GOOD) == [
        "the acceptance and status bodies are documented as JSON "
        "(/paths/~1jobs/post/responses/202 (application/json), "
        "/paths/~1operations~1{id}/get/responses/200 (application/json))"
    ]


def test_without_a_document_the_rules_are_not_described():
    with pytest.raises(NotDescribed, match=r"names no OpenAPI document \(openapi = "):
        document.usable(None)


def test_a_read_without_an_error_answer_fails_saying_what_to_document():
    with pytest.raises(ConformanceFailure) as failure:
        document.errors_documented(_contract(CHECKS[5][2]), _description())
    assert failure.value.observed == (
        "GET /operations/{id} documents 200 (/paths/~1operations~1{id}/get/responses)"
    )
    assert failure.value.expected == "an error answer (4XX, 5XX or default) for each"
    assert failure.value.hint == (
        "Document what your server answers to a bad request and an unknown id."
    )
