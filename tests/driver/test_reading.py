"""Reading a state (`driver/_reading.py`): field paths, `done` flags, HTTP codes and links."""

from __future__ import annotations

import pickle

import pytest

from conformance.description import Role, parse
from conformance.driver import (
    MISSING,
    Reading,
    field,
    link,
    read_state,
)
from tests.support.records import make_dialect


def _dialect(**keys):
    return parse({"dialect": keys}, "t").effective.dialect


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"": 1}, ""),  # no path names nothing, not the empty key
        (None, "a"),
        ({"a": [1]}, "a.-"),  # the place after a list's end
        ({"a": [1]}, "a.x"),
        ({"a": 1}, "a.b"),
        ({"a": [1]}, "/a/~2"),  # not a JSON Pointer at all
    ],
)
def test_a_path_that_reaches_nothing_is_missing(body, path):
    assert field(body, path) is MISSING


def test_a_dotted_path_escapes_what_json_pointer_reads_as_syntax():
    assert field({"a~b/c": {"d": 1}}, "a~b/c.d") == 1
    assert field({"a~1b": 2, "a/b": 3}, "a~1b") == 2


def test_missing_shows_and_pickles_as_itself():

    assert repr(MISSING) == "MISSING"
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


@pytest.mark.parametrize("status", [400, 404, 500])
def test_an_error_answer_tells_no_state_whatever_its_body(status):
    assert read_state(make_dialect(), status, {"status": "SUCCESS"}) == Reading(
        None, None, "nothing"
    )


def test_links_in_the_body_skip_entries_that_are_not_usable():
    body = {
        "links": [
            "not a link",
            {"rel": "other", "href": "/other"},
            {"rel": "results", "href": 3},
            {"rel": "results", "href": ""},
            {"rel": "results", "href": "/html", "type": "text/html"},
            {"rel": "results", "href": "/json", "type": "application/json"},
        ]
    }
    assert link(body, [], "results") == "/json"
    assert link({"links": [{"rel": "results", "href": "/only"}]}, [], "results") == "/only"
    assert link([{"rel": "results", "href": "/x"}], [], "results") is None


def test_a_link_header_is_found_among_other_headers_in_any_case():
    headers = [
        ("Content-Type", "application/json"),
        ("LINK", '</a>; title="x=y"; REL="self",  < /b/c > ; type=json; rel="next results"'),
    ]
    assert link(None, headers, "results") == " /b/c "
    assert link(None, headers, "self") == "/a"
    assert link(None, headers, "next") == " /b/c "
    assert link(None, headers, "nex") is None
    odd = [("Link", '</op/X>; rel="x=y Xray"')]
    assert link(None, odd, "Xray") == "/op/X"
    assert link(None, [("Link", '</y>; rel="Xs"')], "Xs") == "/y"
    # An extension relation is a URI (RFC 8288), and a URI may hold "=" in its query.
    status_rel = "https://rels.example/status?v=2"
    assert link(None, [("Link", f'</op/7>; rel="{status_rel}"')], status_rel) == "/op/7"


def test_a_body_link_wins_over_a_link_header():
    headers = [("Link", '</header>; rel="results"')]
    assert link({"links": [{"rel": "results", "href": "/body"}]}, headers, "results") == "/body"
    assert link({"links": []}, headers, "results") == "/header"


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


def test_a_state_name_is_read_whole_with_its_raw_value():
    reading = read_state(make_dialect(), None, {"status": "SUCCESS"})
    assert reading == Reading("SUCCESS", Role.SUCCESS, "field", "SUCCESS")
    assert read_state(make_dialect(), 399, {"status": "FAILED"}).role is Role.FAILURE


def test_a_null_status_field_leaves_the_state_to_the_code():
    dialect = make_dialect(http_states={"200": "success"})
    assert read_state(dialect, 200, {"status": None}) == Reading("SUCCESS", Role.SUCCESS, "http")
    assert read_state(dialect, 200, {"status": 7}) == Reading(None, None, "field", 7)


def test_a_done_dialect_without_a_body_falls_back_to_the_code():
    dialect = make_dialect(name="google-lro", http_states={"200": "running"})
    assert read_state(dialect, 200, None) == Reading("running", Role.RUNNING, "http")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"done": "yes"}, Reading(None, None, "done", "yes")),
        ({"name": "op/1"}, Reading("running", Role.RUNNING, "done", MISSING)),
        ({"done": True}, Reading("succeeded", Role.SUCCESS, "done", True)),
        ({"done": True, "error": None}, Reading("succeeded", Role.SUCCESS, "done", True)),
        ({"done": True, "error": {}}, Reading("failed", Role.FAILURE, "done", True)),
        ({"done": False, "error": {}}, Reading("running", Role.RUNNING, "done", False)),
        ({"other": 1}, Reading(None, None, "nothing")),
    ],
)
def test_the_done_field_tells_the_state_exactly(body, expected):
    assert read_state(make_dialect(name="google-lro"), 200, body) == expected


@pytest.mark.parametrize(
    ("when", "value", "role"),
    [
        ("set", {"r": 1}, Role.SUCCESS),
        ("set", None, Role.RUNNING),
        ("null", None, Role.SUCCESS),
        ("null", 0, Role.RUNNING),
        ("true", 1, None),
    ],
)
def test_done_when_set_or_null(when, value, role):
    dialect = make_dialect(status_field="", done={"field": "d", "when": when})
    assert read_state(dialect, 200, {"operationId": "1", "d": value}).role is role


def test_done_when_set_and_the_field_absent_is_running():
    dialect = make_dialect(status_field="", done={"field": "d", "when": "set"})
    assert read_state(dialect, 200, {"operationId": "1"}).role is Role.RUNNING


def test_a_code_whose_role_has_no_state_names_shows_the_role():
    dialect = make_dialect(http_states={"200": "cancelled", "201": "failure"})
    assert read_state(dialect, 200, None) == Reading("cancelled", Role.CANCELLED, "http")
    assert read_state(dialect, 201, None) == Reading("FAILED", Role.FAILURE, "http")
    assert read_state(dialect, 202, None) == Reading(None, None, "nothing")


def test_an_error_answer_tells_no_state_whatever_json_it_carries():
    from conformance.driver import read_state

    dialect = parse({"dialect": {"name": "google-lro"}}, "t").effective.dialect
    assert read_state(dialect, 404, {"error": {"code": 5}}).told_by == "nothing"
    # With `done`, a body that is no operation at all (neither done nor a name) tells none.
    assert read_state(dialect, 200, {"error": {"code": 5}}).told_by == "nothing"
    assert read_state(dialect, 200, {"name": "operations/1"}).told_by == "done"
