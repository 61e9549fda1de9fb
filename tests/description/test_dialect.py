"""Dialects (`description/_dialect.py`): their keys, sources of the status URL and result, and
what they say of states."""

from __future__ import annotations

import pytest

from conformance.description._dialect import _BARE, RESULT_URL_KINDS, _source

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
