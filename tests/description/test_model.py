"""Target descriptions: which URL sources a dialect accepts, secrets in errors, file encoding."""

from __future__ import annotations

import io

import pytest

from conformance.description import load, parse
from tests.support.descriptions import STATUS_FORMS, error_of, unusable
from tests.support.running import write

RESULT_FORMS = f"{STATUS_FORMS}, 'none', 'request'"
PLACEHOLDER_NEEDED = (
    "a template needs a placeholder: {id} for the operation id, "
    "or {field.path} for a value of the body"
)
CLOCK_PATH_REFUSED = (
    "test_clock_path: '[secret]' must be a path on the target (such as /_test/clock), not a URL"
)


# --- where the status URL and the result come from ------------------------------------------


@pytest.mark.parametrize(
    ("key", "source"),
    [
        ("status_url", "header:Operation-Location"),
        ("status_url", "body:statusUrl"),
        ("status_url", "link:monitor"),
        ("status_url", "template:/v1/operations/{id}"),
        ("status_url", "template:/v1/{metadata.name}/status"),
        ("result_url", "body:resourceUrl"),
        ("result_url", "template:/v1/results/{id}"),
        # The bare forms: the result is the submission's own answer, or there is none.
        ("result_url", "request"),
        ("result_url", "none"),
    ],
)
def test_every_source_form_a_dialect_documents_is_accepted(key, source):
    loaded = parse({"dialect": {key: source}}, "t")
    assert getattr(loaded.effective.dialect, key) == source


@pytest.mark.parametrize(
    ("key", "source", "forms"),
    [
        ("status_url", "header:", STATUS_FORMS),
        ("status_url", "body", STATUS_FORMS),
        ("result_url", "link: ", RESULT_FORMS),
        # A bare source takes no argument: "request:x" is a typo, not the request.
        ("result_url", "request:x", RESULT_FORMS),
        ("result_url", "none:x", RESULT_FORMS),
    ],
)
def test_a_source_without_its_argument_or_a_bare_one_with_an_argument_is_refused(
    key, source, forms
):
    assert error_of({"dialect": {key: source}}) == unusable(
        f"dialect.{key}: {source!r} is not a source; use one of {forms}"
    )


@pytest.mark.parametrize("key", ["status_url", "result_url"])
def test_a_template_without_a_placeholder_is_refused_with_the_placeholders_named(key):
    assert error_of({"dialect": {key: "template:/v1/operations/latest"}}) == unusable(
        f"dialect.{key}: 'template:/v1/operations/latest': {PLACEHOLDER_NEEDED}"
    )


@pytest.mark.parametrize("key", ["status_url", "result_url"])
def test_a_template_that_is_not_a_path_on_the_target_is_refused(key):
    # A relative template would be joined to whatever URL the run is at; a path is unambiguous.
    assert error_of({"dialect": {key: "template:v1/operations/{id}"}}) == unusable(
        f"dialect.{key}: 'template:v1/operations/{{id}}': a template is a path on the target, "
        "starting with /"
    )


# --- ${NAME} values are secrets, also in the words of an error ------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://staging.example.test/_test/clock",
        # repr() doubles a backslash: the secret must be hidden in its quoted form too.
        "C:\\conformance\\clock",
    ],
    ids=["url", "windows-path"],  # a backslash in a node id cannot be named on the command line
)
def test_a_refused_value_from_the_environment_is_shown_as_secret_and_the_rest_is_intact(
    monkeypatch, value
):
    monkeypatch.setenv("CLOCK_PATH", value)
    assert error_of({"test_clock_path": "${CLOCK_PATH}"}) == unusable(CLOCK_PATH_REFUSED)


def test_a_secret_that_contains_a_shorter_secret_is_hidden_whole(monkeypatch):
    # Hiding "staging" first would leave 'api.[secret].example.test/clock': most of the
    # longer secret shown. The longest secret is hidden first.
    monkeypatch.setenv("STAGE", "staging")
    monkeypatch.setenv("CLOCK_PATH", "api.staging.example.test/clock")
    raw = {"headers": {"X-Stage": "${STAGE}"}, "test_clock_path": "${CLOCK_PATH}"}
    assert error_of(raw) == unusable(CLOCK_PATH_REFUSED)


def test_a_secret_with_an_apostrophe_and_a_backslash_is_hidden_in_its_double_quoted_repr(
    monkeypatch,
):
    # repr() quotes a value holding ' (and no ") with ", and doubles each backslash.
    monkeypatch.setenv("CLOCK_PATH", "C:\\it's\\clock")
    error = error_of({"test_clock_path": "${CLOCK_PATH}"})
    assert error == unusable(CLOCK_PATH_REFUSED.replace("'[secret]'", '"[secret]"'))


def test_a_secret_with_an_apostrophe_beside_a_double_quote_is_hidden_too(monkeypatch):
    # The value holds both quotes, so repr() quotes it with ' and escapes the apostrophe:
    # the secret appears as it\'s-me, a form neither it nor its own repr() has.
    monkeypatch.setenv("CLOCK_USER", 'o"neil')
    monkeypatch.setenv("CLOCK_PASS", "it's-me")
    error = error_of({"test_clock_path": "${CLOCK_USER}:${CLOCK_PASS}"})
    assert error == unusable(CLOCK_PATH_REFUSED.replace("'[secret]'", "'[secret]:[secret]'"))


# --- files are UTF-8 on every platform ------------------------------------------------------


@pytest.fixture
def cp1252_locale(monkeypatch):
    """Text files opened without an encoding read as Windows' cp1252, as on a Windows CI."""
    original = io.text_encoding
    monkeypatch.setattr(
        io,
        "text_encoding",
        lambda encoding, stacklevel=2: "cp1252" if encoding is None else original(encoding),
    )


SCENARIO = '[{table}scenarios.success]\npath = "/v1/orders"\njson = {{ city = "Zürich" }}\n'


def test_a_description_file_is_read_as_utf8_whatever_the_platform_encoding(tmp_path, cp1252_locale):
    target = write(tmp_path / "target.toml", SCENARIO.format(table=""))
    loaded = load(target, None)
    assert loaded.effective.scenarios["success"].json_body == {"city": "Zürich"}


def test_a_pyproject_table_is_read_as_utf8_whatever_the_platform_encoding(tmp_path, cp1252_locale):
    pyproject = write(tmp_path / "pyproject.toml", SCENARIO.format(table="tool.async-conformance."))
    loaded = load(None, pyproject)
    assert loaded.effective.scenarios["success"].json_body == {"city": "Zürich"}
