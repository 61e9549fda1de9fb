"""Description edges: how a dialect's URL sources are checked, in the user's words; which key
an unset ${VAR} is named by; which dialect keys the run's label says were overridden. Report
edge: what an interrupted write leaves in the reports folder.

The Dialect model builds its source validators once, when the module is imported; the tests
here build them afresh with `_source`, so they judge the checking itself, not a copy made
before the test ran.
"""

from __future__ import annotations

import pytest

from conformance.description import DescriptionError, parse
from conformance.description._dialect import _BARE, RESULT_URL_KINDS, _source
from conformance.report._json import write_json

STATUS_FORMS = (
    "'header:<a header name>', 'body:<a field>', 'link:<a link relation>', "
    "'template:<a path with {id}>'"
)
RESULT_FORMS = STATUS_FORMS + ", 'none', 'request'"
PLACEHOLDER_NEEDED = (
    "a template needs a placeholder: {id} for the operation id, "
    "or {field.path} for a value of the body"
)
NOT_A_PATH = "a template is a path on the target, starting with /"


def status_url_check():
    """The check a dialect's status_url passes: every URL kind, no bare form."""
    return _source(RESULT_URL_KINDS).func


def result_url_check():
    """The check a dialect's result_url passes: every URL kind, and 'request' or 'none'."""
    return _source(RESULT_URL_KINDS, frozenset(_BARE)).func


CHECKS = {"status_url": status_url_check, "result_url": result_url_check}


def refusal(key: str, source: str) -> str:
    with pytest.raises(ValueError) as info:
        CHECKS[key]()(source)
    return str(info.value)


# --- the URL sources a dialect may name -------------------------------------------------------


@pytest.mark.parametrize("key", ["status_url", "result_url"])
@pytest.mark.parametrize(
    "source",
    [
        "header:Operation-Location",
        "body:statusUrl",
        "link:monitor",
        "template:/v1/operations/{id}",
        "template:/v1/{metadata.name}/status",
    ],
)
def test_every_url_source_with_its_argument_is_accepted_as_written(key, source):
    assert CHECKS[key]()(source) == source


@pytest.mark.parametrize("source", ["request", "none"])
def test_a_bare_result_source_is_accepted_as_written(source):
    assert result_url_check()(source) == source


@pytest.mark.parametrize(
    ("key", "source", "forms"),
    [
        ("status_url", "header:", STATUS_FORMS),
        ("status_url", "body: ", STATUS_FORMS),
        ("status_url", "template:", STATUS_FORMS),
        ("result_url", "link:", RESULT_FORMS),
        ("result_url", "header:", RESULT_FORMS),
        # The bare forms are result sources only; a status URL must come from somewhere.
        ("status_url", "request", STATUS_FORMS),
        ("status_url", "none", STATUS_FORMS),
        # A bare source takes no argument: "request:x" is a typo, not the request.
        ("result_url", "request:x", RESULT_FORMS),
        ("result_url", "none:x", RESULT_FORMS),
        ("result_url", "cookie:x", RESULT_FORMS),
    ],
)
def test_a_source_without_its_argument_or_a_bare_one_with_an_argument_is_refused_with_the_forms(
    key, source, forms
):
    assert refusal(key, source) == f"{source!r} is not a source; use one of {forms}"


@pytest.mark.parametrize("key", ["status_url", "result_url"])
@pytest.mark.parametrize(
    "source",
    [
        "template:/v1/operations/latest",
        "template:/v1/operations/{}",
        # Neither a placeholder nor a path: the placeholder is what is asked for first.
        "template:operations",
    ],
)
def test_a_template_without_a_placeholder_is_refused_naming_both_placeholders(key, source):
    assert refusal(key, source) == f"{source!r}: {PLACEHOLDER_NEEDED}"


@pytest.mark.parametrize("key", ["status_url", "result_url"])
@pytest.mark.parametrize(
    "source", ["template:v1/operations/{id}", "template:https://other.example/{id}"]
)
def test_a_template_that_is_not_a_path_on_the_target_is_refused(key, source):
    # A relative template would be joined to whatever URL the run is at; a path is unambiguous.
    assert refusal(key, source) == f"{source!r}: {NOT_A_PATH}"


# --- ${VAR} references --------------------------------------------------------------------------


def test_an_unset_variable_under_a_top_level_key_is_named_by_that_key_exactly(monkeypatch):
    # A header written at the top level by mistake: the unset variable is reported before the
    # unknown key, and the key must read as written, its leading "X" and all.
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    with pytest.raises(DescriptionError) as info:
        parse({"X-Api-Key": "${NOPE_TOKEN}"}, "t")
    assert str(info.value) == (
        "t: X-Api-Key refers to ${NOPE_TOKEN}, but the environment variable NOPE_TOKEN "
        "is not set. Export it before the run, or remove the reference."
    )


# --- the dialect's label --------------------------------------------------------------------------


def test_the_dialect_label_keeps_plain_keys_written_before_a_nested_table():
    # The nested table's keys join the ones already seen; they do not replace them.
    dialect = {"status_field": "phase", "error_field": "why", "states": {"running": ["R"]}}
    assert parse({"dialect": dialect}, "t").dialect_label == (
        "cloudcenter, keys overridden: error_field, states.running, status_field"
    )


# --- the reports folder ---------------------------------------------------------------------------


def test_a_half_written_report_left_by_an_interrupted_run_is_gone_after_the_next_write(tmp_path):
    # A run killed between writing and renaming leaves conformance.json.tmp behind; the next
    # report is written through that same name, so the folder holds the report and nothing else.
    (tmp_path / "conformance.json.tmp").write_bytes(b'{"half": ')
    path = write_json(tmp_path / "conformance.json", {"verdict": "PASS"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conformance.json"]
    assert path.read_text(encoding="utf-8") == '{\n  "verdict": "PASS"\n}\n'
