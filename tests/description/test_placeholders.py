"""Which `{name}` placeholders a description's keys may hold (`description/_placeholders.py`),
and the words a refusal lists them with."""

from __future__ import annotations

from conformance.description import parse
from tests.support.descriptions import error_of


def test_a_refused_placeholder_lists_what_setup_hook_gives_as_from_conformance_setup():
    said = error_of(
        {"setup_hook": ["token"], "scenarios": {"success": {"path": "/jobs/{setup.other}"}}}
    )
    assert (
        "the placeholders there are {uuid} (fresh in every submission), {n} (the submission's "
        "number), {setup.token} (from conformance_setup). Capture 'other' in a setup step"
    ) in said


def test_a_scenarios_request_may_name_what_its_own_setup_captured():
    capture = {"method": "POST", "path": "/nodes", "capture": {"node": "/id"}}
    raw = {"scenarios": {"success": {"path": "/jobs/{setup.node}", "setup": [capture]}}}
    assert parse(raw, "t").effective.scenarios["success"].path == "/jobs/{setup.node}"


def test_a_scenarios_request_may_not_name_what_another_scenarios_setup_captured():
    capture = {"method": "POST", "path": "/nodes", "capture": {"node": "/id"}}
    raw = {
        "scenarios": {
            "success": {"path": "/jobs", "setup": [capture]},
            "failure": {"path": "/jobs/{setup.node}"},
        }
    }
    assert (
        "scenarios.failure.path = '/jobs/{setup.node}' holds {setup.node}, which the suite "
        "would send as it is; the placeholders there are {uuid} (fresh in every submission), "
        "{n} (the submission's number). Capture 'node' in a setup step"
    ) in error_of(raw)


def test_a_refusal_in_a_scenarios_request_names_the_setup_step_that_captures_each_value():
    capture = {"method": "POST", "path": "/nodes", "capture": {"node": "/id"}}
    raw = {"scenarios": {"success": {"path": "/jobs/{setup.other}", "setup": [capture]}}}
    assert (
        "the placeholders there are {uuid} (fresh in every submission), {n} (the submission's "
        "number), {setup.node} (captured by scenarios.success.setup step 1). Capture 'other'"
    ) in error_of(raw)
