"""The requirement catalogue (`catalogue.py`): ids, sources, each dialect's document, and
the messages the shipped cases give."""

from __future__ import annotations

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

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib
from conformance.verdicts import (
    ConformanceFailure,
)
from tests.support.paths import ROOT
from tests.support.recording import DescribedExchange


def _document(dialect: str) -> str:
    """The `source` a built-in dialect's own file names."""
    text = resources.files("conformance.dialects").joinpath(f"{dialect}.toml").read_text()
    return str(tomllib.loads(text)["source"])


STATE_NAMES = CATALOGUE["STATUS-STATE-NAMES"]


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


def test_a_requirement_no_shipped_case_covers_says_so(monkeypatch):
    from conformance.report import Results, _results

    monkeypatch.setattr(_results, "shipped_requirements", lambda: frozenset({"SUBMIT-202"}))
    results = Results()
    results.selected = set()
    reasons = {r.requirement.id: r.reason for r in results.requirements()}
    assert reasons["SUBMIT-202"] == "not selected in this run"
    assert reasons["ROBUST-IDS"] == "no case covers this requirement yet"


@pytest.mark.source_tree  # reads the package's files as text
def test_no_message_points_to_another_requirement():
    # "(see X)" sent readers to a requirement that may well have passed.
    for path in ROOT.joinpath("conformance").rglob("*.py"):
        assert not re.search(r"\(see [A-Z]+-", path.read_text(encoding="utf-8")), path


def test_a_failure_with_steps_lists_them_instead_of_exchanges():
    failure = ConformanceFailure(
        "DELETE-204", "o", "e", exchanges=[DescribedExchange(1)], steps=["1. #1 GET\n", "2. wait"]
    )
    title = CATALOGUE["DELETE-204"].title
    level = CATALOGUE["DELETE-204"].level.value
    assert str(failure) == "\n".join(
        [
            f"DELETE-204 ({level}): {title}",
            "Observed: o",
            "Expected: e",
            "Steps to replay:",
            "  1. #1 GET\\x0a",
            "  2. wait",
        ]
    )
    assert failure.steps == ["1. #1 GET\\x0a", "2. wait"]
    assert failure.hint == ""
