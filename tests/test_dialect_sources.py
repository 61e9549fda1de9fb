"""A requirement's source names the run's dialect's document where the dialect defines the rule:
an Azure or OGC report does not cite only the vendor page of another product (issue 21, 8)."""

from __future__ import annotations

import html
import re
import sys
from importlib import resources

import pytest

from conformance.catalogue import (
    CATALOGUE,
    DIALECT_DEFINES,
    VENDOR_PAGE,
    DialectSource,
    cited,
    dialect_source,
)
from conformance.report import render_listing

from .conftest import CASES, write

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _document(dialect: str) -> str:
    """The `source` a built-in dialect's own file names."""
    text = resources.files("conformance.dialects").joinpath(f"{dialect}.toml").read_text()
    return str(tomllib.loads(text)["source"])


AZURE = _document("azure")
STATE_NAMES = CATALOGUE["STATUS-STATE-NAMES"]


def _html_sources(page: str) -> list[str]:
    """The source lines of the page: in the table and in each requirement's details."""
    found = re.findall(r'<span class="source">([^<]*)</span>', page)
    found += re.findall(r'<p class="source">Source: ([^<]*)</p>', page)
    return [html.unescape(s) for s in found]


def test_the_dialects_rules_are_catalogue_rules_the_vendor_page_states():
    assert set(DIALECT_DEFINES) <= set(CATALOGUE)
    for req_id in DIALECT_DEFINES:
        assert VENDOR_PAGE in CATALOGUE[req_id].source, req_id


def test_the_default_dialect_is_the_vendor_page_and_keeps_the_catalogues_source():
    assert _document("cloudcenter") == VENDOR_PAGE
    for req in CATALOGUE.values():
        assert dialect_source(req.id, "cloudcenter", VENDOR_PAGE) is None
        assert dialect_source(req.id, "mine", "") is None  # a dialect that names no document


@pytest.mark.parametrize("dialect", ["azure", "ogc-processes", "google-lro"])
def test_another_dialects_document_comes_first_for_the_rules_it_defines(dialect):
    document = _document(dialect)
    found = dialect_source("STATUS-STATE-NAMES", dialect, document)
    assert found == DialectSource(dialect, document, "its state names")
    line = cited(STATE_NAMES.source, found)
    assert line == (
        f"{document}, for its state names (dialect {dialect}); as the vendor page "
        "'Synchronous and Asynchronous Calls' states it for its own product: Call States"
    )
    # A rule no dialect defines keeps the catalogue's source alone.
    assert dialect_source("STATUS-SAFE", dialect, document) is None
    # The other standards a rule cites stay, after the vendor page.
    accepted = cited(
        CATALOGUE["SUBMIT-202"].source, dialect_source("SUBMIT-202", dialect, document)
    )
    assert accepted.startswith(f"{document}, for its acceptance codes (dialect {dialect}); ")
    assert accepted.endswith(": Asynchronous; RFC 9110 §15.3.3")


def test_the_listing_shows_the_dialects_document():
    def acme(req_id: str) -> DialectSource | None:
        return dialect_source(req_id, "acme", "Acme Jobs API, 'Operations'")

    lines = render_listing({}, acme)
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("STATUS-STATE-NAMES"))
    assert (
        lines[at + 1]
        .strip()
        .startswith(
            "source: Acme Jobs API, 'Operations', for its state names (dialect acme); as the vendor"
        )
    )
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("STATUS-SAFE"))
    assert lines[at + 1].strip() == "source: RFC 9110 §9.2.1"


def test_an_azure_report_names_the_azure_document_in_json_html_and_terminal(run_suite):
    run = run_suite("--target=builtin:azure", "--fault=unknown-state", "-k", "state_names")
    assert run.verdicts["STATUS-STATE-NAMES"] == "FAIL"
    names = run.requirement("STATUS-STATE-NAMES")
    assert names["source"] == STATE_NAMES.source  # the catalogue's, as documented
    assert names["dialect_source"] == {
        "dialect": "azure",
        "document": AZURE,
        "defines": "its state names",
    }
    assert "dialect_source" not in run.requirement("STATUS-SAFE")
    expected = cited(STATE_NAMES.source, DialectSource("azure", AZURE, "its state names"))
    assert expected.startswith(AZURE)
    assert _html_sources(run.html).count(expected) == 2
    assert f"Source: {expected}" in run.result.stdout.lines
    run.result.stdout.fnmatch_lines(
        ["STATUS-STATE-NAMES (MUST): *", f"Source: {AZURE}, for its state names (dialect azure);*"]
    )


def test_a_cloudcenter_report_keeps_the_vendor_page(run_suite):
    run = run_suite("--fault=unknown-state", "-k", "state_names")
    assert run.verdicts["STATUS-STATE-NAMES"] == "FAIL"
    assert run.document is not None
    assert not [r["id"] for r in run.document["requirements"] if "dialect_source" in r]
    sources = _html_sources(run.html)
    assert STATE_NAMES.source in sources
    assert not [line for line in sources if "(dialect" in line]
    assert f"Source: {STATE_NAMES.source}" in run.result.stdout.lines


def test_listing_requirements_of_a_users_dialect_names_its_document(pytester, tmp_path):
    config = write(
        tmp_path / "target.toml",
        '[dialect]\nname = "acme"\nextends = "azure"\nsource = "Acme Jobs API, Operations"\n',
    )
    result = pytester.runpytest_inprocess(
        str(CASES), f"--target-config={config}", "--list-requirements", "-p", "no:cacheprovider"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "  STATUS-STATE-NAMES *",
            "* source: Acme Jobs API, Operations, for its state names (dialect acme); as the *",
            "  STATUS-ID-MATCH *",
            "* source: Acme Jobs API, Operations, for its operation id field (dialect acme);*",
            "  STATUS-SAFE *",
            "* source: RFC 9110 §9.2.1",
        ]
    )
