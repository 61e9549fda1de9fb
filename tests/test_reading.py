"""Reading answers as a dialect says: field paths, the state by field, `done` or code, links."""

from __future__ import annotations

import pytest

from conformance.description import Role, parse
from conformance.driver import MISSING, field, link, read_state


def _dialect(**keys):
    return parse({"dialect": keys}, "t").effective.dialect


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("error.message", "boom"),
        ("/error/message", "boom"),
        ("links.0.rel", "self"),
        ("a~b/c", 1),  # a key with the characters JSON Pointer escapes, by dotted path
        ("error.missing", MISSING),
        ("", MISSING),
    ],
)
def test_fields_by_dotted_path_or_json_pointer(path, expected):
    body = {"error": {"message": "boom"}, "links": [{"rel": "self"}], "a~b/c": 1}
    assert field(body, path) == expected


@pytest.mark.parametrize(
    ("body", "role", "name"),
    [
        ({"name": "operations/1"}, Role.RUNNING, "running"),  # proto3 JSON leaves done out
        ({"done": False}, Role.RUNNING, "running"),
        ({"done": True, "response": {}}, Role.SUCCESS, "succeeded"),
        ({"done": True, "error": {"code": 3, "message": "bad"}}, Role.FAILURE, "failed"),
        ({"done": "yes"}, None, None),
    ],
)
def test_done_tells_the_state_where_there_is_no_state_name(body, role, name):
    reading = read_state(_dialect(name="google-lro"), 200, body)
    assert (reading.role, reading.name, reading.told_by) == (role, name, "done")


def test_a_field_that_becomes_null_tells_done():
    dialect = _dialect(status_field="", done={"field": "pendingTask", "when": "null"})
    assert read_state(dialect, 200, {"pendingTask": {"id": 1}}).role is Role.RUNNING
    assert read_state(dialect, 200, {"pendingTask": None}).role is Role.SUCCESS


def test_the_http_code_tells_the_state_when_the_body_names_none():
    dialect = _dialect(http_states={"202": "running", "200": "success"})
    assert read_state(dialect, 202, None).role is Role.RUNNING
    assert read_state(dialect, 200, {}).role is Role.SUCCESS
    # A state the body names wins over the code.
    assert read_state(dialect, 202, {"status": "SUCCESS"}).role is Role.SUCCESS
    assert read_state(dialect, 404, None).told_by == "nothing"


def test_unknown_names_and_non_strings_have_no_role():
    dialect = _dialect()
    assert read_state(dialect, 200, {"status": "running"}).role is None  # case counts
    assert read_state(dialect, 200, {"status": 3}).raw == 3
    assert read_state(dialect, 200, {}).told_by == "nothing"


def test_links_from_the_body_or_a_link_header():
    rel = "http://www.opengis.net/def/rel/ogc/1.0/results"
    body = {"links": [{"rel": "self", "href": "/a"}, {"rel": rel, "href": "/jobs/1/results"}]}
    assert link(body, [], rel) == "/jobs/1/results"
    header = [("Link", '</x>; rel="self", </jobs/2/results>; rel="alternate results"')]
    assert link({}, header, "results") == "/jobs/2/results"
    assert link({}, header, "monitor") is None


def test_of_several_links_with_one_relation_the_json_one_is_taken():
    rel = "http://www.opengis.net/def/rel/ogc/1.0/results"
    body = {
        "links": [
            {"rel": rel, "href": "/r?f=html", "type": "text/html"},
            {"rel": rel, "href": "/r?f=json", "type": "application/json"},
        ]
    }
    assert link(body, [], rel) == "/r?f=json"
