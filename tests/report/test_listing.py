"""`async-conformance requirements` and `--list-requirements` (`report/_listing.py`)."""

from __future__ import annotations

import sys

from conformance.catalogue import (
    CATALOGUE,
    DialectSource,
    dialect_source,
)
from conformance.report import render_listing
from tests.support.running import CASES, write

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass


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


def test_an_id_the_catalogue_lacks_is_listed_with_every_case_marked_with_it():
    covering = {req_id: ["cases/t.py::ok"] for req_id in CATALOGUE}
    covering["NO-SUCH"] = ["cases/a.py::one", "cases/b.py::two"]
    assert render_listing(covering)[-1] == (
        f"  {'NO-SUCH':<26} UNKNOWN requirement, marked on: cases/a.py::one, cases/b.py::two"
    )
