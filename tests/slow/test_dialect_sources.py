"""A requirement's source names the run's dialect's document where the dialect defines the rule:
an Azure or OGC report does not cite only the vendor page of another product (issue 21, 8)."""

from __future__ import annotations

import html
import re
import sys
from importlib import resources

from conformance.catalogue import (
    CATALOGUE,
    DialectSource,
    cited,
)

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
