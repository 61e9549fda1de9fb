"""Each report file rendered from three fixed reports, compared with the approved rendering.

`tests/data/` holds three real runs' conformance.json against the simulator: correct, with
faults that FAIL and WARN, and with a fault that leaves most cases unable to run (ERROR); how
they were made is in tests/data/README.md. The HTML page (with its timelines), the JUnit file,
the diff of the correct and faulty runs in text and HTML, and the requirement listing are
compared with
`__snapshots__/test_rendering.ambr`. After a deliberate change:

    pytest tests/report/test_rendering.py --snapshot-update    # then review the diff
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from conformance.catalogue import CATALOGUE
from conformance.report import (
    diff_reports,
    parse_report,
    render_diff_html,
    render_diff_text,
    render_html,
    render_junit,
    render_listing,
    render_markdown,
)
from conformance.verdicts import Verdict
from tests.support.paths import DATA
from tests.support.running import assert_valid_report


def _report(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    assert_valid_report(document)  # still a report the writers must accept
    return document


@pytest.fixture(scope="module")
def faulty() -> dict[str, Any]:
    return _report("faulty.json")


@pytest.fixture(scope="module")
def correct() -> dict[str, Any]:
    return _report("correct.json")


@pytest.fixture(scope="module")
def blocked() -> dict[str, Any]:
    return _report("blocked.json")


def _page(html: str) -> str:
    """The page without its stylesheet and script (their hashes in the policy stay)."""
    html = re.sub(r"<style>.*?</style>", "<style>…</style>", html, flags=re.S)
    return re.sub(r"<script>.*?</script>", "<script>…</script>", html, flags=re.S)


@pytest.fixture(scope="module")
def cascade() -> dict[str, Any]:
    return _report("cascade.json")


def test_the_fixed_reports_hold_every_verdict(faulty, blocked, cascade):
    # What makes them worth rendering: each verdict, and operations with windows to draw.
    verdicts = {r["verdict"] for d in (faulty, blocked, cascade) for r in d["requirements"]}
    assert verdicts == {v.value for v in Verdict}
    assert any(op["window"] for op in faulty["operations"])


def test_the_html_page(snapshot, faulty):
    assert _page(render_html(faulty)) == snapshot


def test_the_html_page_of_a_run_that_could_not_judge(snapshot, blocked):
    assert _page(render_html(blocked)) == snapshot


def test_the_html_page_of_one_failure_and_what_it_blocked(snapshot, cascade):
    page = render_html(cascade)
    assert 'Not judged: blocked by <a href="#req-SUBMIT-LOCATION">' in page
    assert _page(page) == snapshot


def test_the_junit_file(snapshot, faulty, blocked, cascade):
    assert render_junit(faulty).decode("utf-8") == snapshot
    assert render_junit(blocked).decode("utf-8") == snapshot
    assert render_junit(cascade).decode("utf-8") == snapshot


def test_the_junit_file_at_the_should_gate(snapshot, faulty):
    assert render_junit({**faulty, "gate_mode": "should"}).decode("utf-8") == snapshot


def test_the_diff_both_ways(snapshot, faulty, correct):
    old, new = parse_report(correct, "correct.json"), parse_report(faulty, "faulty.json")
    for diff in (diff_reports(old, new), diff_reports(new, old)):
        assert render_diff_text(diff) == snapshot
        assert _page(render_diff_html(diff)) == snapshot


def test_the_requirement_listing(snapshot):
    covering = {req_id: [f"cases/test_x.py::test_{req_id.lower()}"] for req_id in CATALOGUE}
    covering.pop(next(iter(CATALOGUE)))  # one requirement no case covers
    assert render_listing(covering) == snapshot
    assert render_markdown() == snapshot


#: A hand-made document with what no fixed run has: a case with replay steps, a case with no
#: message or duration, a NOT-COVERED requirement, a WARN at INFO, a class in a node id, and an
#: aborted run with no start time.
HAND_MADE: dict[str, Any] = {
    "target": {"url": "http://staging.example"},
    "aborted": True,
    "gate": "fail",
    "requirements": [
        {
            "id": "TRANS-MODEL",
            "level": "MUST",
            "verdict": "FAIL",
            "cases": [
                {
                    "nodeid": "cases/test_model.py::TestModel::TestInner::test_lifecycle[a::b]",
                    "verdict": "FAIL",
                    "message": "Observed: flipped\nsecond line",
                    "observed": "flipped",
                    "expected": "held",
                    "steps": ["state = machine.submit('success')", "machine.read(state)"],
                    "duration_s": 1.25,
                }
            ],
        },
        {
            "id": "STATUS-RETRY-AFTER",
            "level": "INFO",
            "verdict": "WARN",
            "cases": [{"nodeid": "cases/test_status.py::test_retry", "verdict": "WARN"}],
        },
        {
            "id": "STATUS-DETAILS",
            "level": "SHOULD",
            "verdict": "NOT-COVERED",
            "cases": [{"nodeid": "test_gone", "verdict": "NOT-COVERED", "message": ""}],
        },
    ],
}


@pytest.mark.parametrize("gate_mode", [None, "should"])
def test_the_junit_file_of_a_hand_made_document(snapshot, gate_mode):
    document = HAND_MADE if gate_mode is None else {**HAND_MADE, "gate_mode": gate_mode}
    assert render_junit(document).decode("utf-8") == snapshot


def _article(html: str, nodeid: str) -> str:
    """The one case article of the page that shows `nodeid`."""
    (found,) = [
        part.partition("</article>")[0]
        for part in html.split('<article class="case"')[1:]
        if f"<code>{nodeid}</code>" in part.partition("</article>")[0]
    ]
    return found


def test_a_skip_shows_the_exchanges_it_looked_at_folded(faulty):
    document = json.loads(json.dumps(faulty))
    cases = [c for r in document["requirements"] for c in r["cases"]]
    skipped = next(c for c in cases if c["verdict"] == "SKIP")
    failed = next(c for c in cases if c["verdict"] == "FAIL" and c.get("exchanges"))
    skipped["exchanges"] = [document["exchanges"][0]]
    html = render_html(document)
    looked = _article(html, skipped["nodeid"])
    assert "<h5>Exchanges it looked at</h5>" in looked
    assert '<details class="exchange"><summary><code>#1 ' in looked  # folded
    behind = _article(html, failed["nodeid"])
    assert "<h5>Exchanges behind this verdict</h5>" in behind
    assert '<details class="exchange" open>' in behind


def test_a_requirement_the_dialect_defines_cites_the_dialects_document_first(faulty):
    document = json.loads(json.dumps(faulty))
    names = next(r for r in document["requirements"] if r["id"] == "STATUS-STATE-NAMES")
    names["dialect_source"] = {
        "dialect": "acme",
        "document": "Acme Jobs API, 'Job states'",
        "defines": "its state names",
    }
    page = render_html(document)
    assert "Acme Jobs API, &#39;Job states&#39;, for its state names (dialect acme)" in page
