"""The report files every run writes: conformance.html, conformance.junit.xml, and their data."""

from __future__ import annotations

import base64
import copy
import hashlib
import html as html_module
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.clock import spoken as clock_label
from conformance.report import render_html, render_junit
from conformance.report._timeline import draw
from conformance.simulator._hooks import PLANTED_SCRIPT

from .conftest import REPORT_SCHEMA, assert_valid_report, suite_in_subprocess

#: Cheap: the status and retention cases, with what they share.
SOME = ("-k", "status or retention or submission_is_accepted")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A run against a simulator that puts script and markup in its headers and bodies."""
    out = tmp_path_factory.mktemp("planted") / "reports"
    _, document = suite_in_subprocess(out, "--fault=markup-in-text", *SOME)
    assert document is not None
    return document, (out / "conformance.html").read_text(encoding="utf-8")


def _csp_hashes(html: str) -> dict[str, str]:
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None, "the report has no Content-Security-Policy"
    content = html_module.unescape(policy.group(1))
    directives = dict(d.strip().split(" ", 1) for d in content.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    return {k: v.strip("'") for k, v in directives.items() if k in ("script-src", "style-src")}


def _sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_markup_from_the_target_is_text_in_the_report(planted):
    document, html = planted
    # The target's markup reached the report's data...
    bodies = " ".join(e["body"] + str(e["headers"]) for e in document["exchanges"])
    assert PLANTED_SCRIPT in bodies and "onerror" in bodies
    # ...and the page shows it only escaped: the one script element is the report's own.
    assert html.count("<script") == 1
    assert "<img src=x" not in html
    assert "&lt;script&gt;window.__planted" in html
    assert "&lt;img src=x onerror=" in html


def test_the_policy_allows_the_reports_own_script_and_style_only(planted):
    _, html = planted
    hashes = _csp_hashes(html)
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert script is not None and style is not None
    assert hashes["script-src"] == _sha(script.group(1))
    assert hashes["style-src"] == _sha(style.group(1))
    # Nothing is fetched: every link is within the page or a data: URL.
    for attr in re.findall(r'\s(?:src|href)="([^"]*)"', html):
        assert attr.startswith(("#", "data:")), attr


def test_every_requirement_and_case_is_in_the_html(planted):
    document, html = planted
    for req in document["requirements"]:
        assert f'id="req-{req["id"]}"' in html
        assert f'data-verdict="{req["verdict"]}"' in html
    cases = sum(len(r["cases"]) for r in document["requirements"])
    assert html.count('<article class="case"') == cases


def test_a_failure_shows_observed_expected_and_its_exchanges(run_suite):
    run = run_suite("--fault=submit-200", "-k", "submission_is_accepted")
    assert run.verdicts["SUBMIT-202"] == "FAIL"
    html = run.html
    failing = html[html.index('id="req-SUBMIT-202"') : html.index('id="req-SUBMIT-LOCATION"')]
    assert '<span class="verdict v-FAIL">FAIL</span>' in failing
    assert "<dt>Observed</dt><dd>200</dd>" in failing
    assert "Exchanges behind this verdict" in failing
    assert '<div class="gate gate-fail" id="gate">' in html


def test_a_retention_case_draws_its_probes_around_the_window(run_suite):
    run = run_suite("-k", "completed_id_is_kept and success")
    assert run.document is not None
    case = run.requirement("RETAIN-COMPLETED")["cases"][0]
    probe = case["evidence"][0]["exchanges"][0]
    # The operation that carried the probe, with the same window start the verdict used.
    operation = next(
        op for op in run.document["operations"] if probe in [r["exchange"] for r in op["reads"]]
    )
    recorded = case["details"]["retention"]
    assert operation["window"]["starts_between"] == recorded["window_start_between"]
    assert operation["window"]["seconds"] == recorded["window_s"]
    html = run.html
    article = html[html.index('<article class="case" id="case-') :]
    article = article[: article.index("</article>")]
    assert f"<strong>Operation {operation['number']}</strong>" in article
    assert f'<a href="#ex-{probe}"><circle class="probe kept"' in article


# -- the timeline's geometry -------------------------------------------------


def _record(window: float = 300.0, probes: tuple[float, ...] = (299.5, 303.5)) -> dict:
    t0 = 1000.0
    reads = [
        {
            "exchange": 2 + i,
            "label": f"poll {i + 1}",
            "sent_at": t0 + t,
            "received_at": t0 + t,
            "status": 200,
            "error": None,
            "state": state,
            "role": role,
            "available": True,
            "gone": False,
        }
        for i, (t, state, role) in enumerate(
            [(0.0, "RUNNING", "running"), (1.0, "RUNNING", "running"), (2.0, "SUCCESS", "success")]
        )
    ]
    for n, t in enumerate(probes):
        gone = t > 1.0 + window
        reads.append(
            {
                "exchange": 10 + n,
                "label": "probe",
                "sent_at": t0 + t,
                "received_at": t0 + t,
                "status": 404 if gone else 200,
                "error": None,
                "state": None if gone else "SUCCESS",
                "role": None if gone else "success",
                "available": not gone,
                "gone": gone,
            }
        )
    return {
        "number": 1,
        "scenario": "success",
        "origin": "cases",
        "status_url": "/s/1",
        "operation_id": "1",
        "submitted": {"exchange": 1, "sent_at": t0, "received_at": t0, "status": 202},
        "reads": reads,
        "completed_between": [t0 + 1.0, t0 + 2.0],
        "outcome": "success",
        "window": {
            "kind": "completed",
            "seconds": window,
            "tolerance": 1.0,
            "starts_between": [t0 + 1.0, t0 + 2.0],
            "must_answer_until": t0 + 1.0 + window,
            "must_be_gone_after": t0 + 2.0 + window + 1.0,
        },
    }


def test_a_long_window_cuts_the_axis_and_keeps_each_probe_on_its_side():
    record = _record()
    drawing = draw(record)
    assert [p.name for p in drawing.panels] == ["run", "edge"]
    assert len(drawing.breaks) == 1
    zones = {b["cls"]: b for b in drawing.bands if b["cls"] in ("keep", "either", "expire")}
    inside, outside = drawing.probes[-2], drawing.probes[-1]
    assert inside["cls"] == "kept" and outside["cls"] == "gone"
    assert zones["keep"]["x"] <= inside["x"] <= zones["keep"]["x"] + zones["keep"]["w"]
    assert outside["x"] >= zones["expire"]["x"]
    # The edge gets room: the 4 s between the two probes are drawn wider than the 2 s run.
    assert outside["x"] - inside["x"] > 100
    assert all(10 <= a["x"] <= drawing.width - 14 for a in drawing.axis)


def test_a_short_window_is_one_linear_axis():
    drawing = draw(_record(window=3.0, probes=(4.5, 6.5)))
    assert [p.name for p in drawing.panels] == ["run"]
    assert not drawing.breaks
    xs = [t["x"] for t in drawing.ticks]
    assert xs == sorted(xs)


def test_an_operation_without_reads_still_draws():
    record = _record()
    record["reads"], record["completed_between"], record["window"] = [], None, None
    drawing = draw(record)
    assert drawing.bands and not drawing.probes


@pytest.mark.parametrize(
    ("seconds", "step", "label"),
    [
        (0.0, 1.0, "0 s"),
        (300.0, 60.0, "5 min"),
        (303.9, 0.1, "5 min 3.9 s"),
        (3600.0, 600.0, "1 h"),
        (3661.0, 1.0, "1 h 1 min 1 s"),
        (59.9996, 0.001, "1 min"),
        (-2.0, 1.0, "-2 s"),
    ],
)
def test_clock_labels_speak_minutes_and_hours(seconds, step, label):
    assert clock_label(seconds, step) == label


# -- JUnit and the schema ---------------------------------------------------------


def test_junit_is_written_by_default_with_one_testcase_per_case(run_suite):
    run = run_suite("--fault=submit-200", "-k", "submission_is_accepted or status_answers")
    assert run.document is not None
    root = ET.fromstring(run.junit)
    cases = list(root.iter("testcase"))
    assert len(cases) == sum(len(r["cases"]) for r in run.document["requirements"])
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "2"
    failed = [c for c in cases if c.find("failure") is not None]
    props = {p.get("name"): p.get("value") for p in failed[0].iter("property")}
    assert props == {"requirement": "SUBMIT-202", "level": "MUST", "verdict": "FAIL"}


def test_junit_fails_a_warn_only_at_the_should_gate():
    case = {"nodeid": "cases/t.py::test_x", "verdict": "WARN", "duration_s": 0.1, "message": "m"}
    doc = {
        "target": {"url": "u"},
        "requirements": [{"id": "X", "level": "SHOULD", "cases": [case]}],
        "gate_mode": "must",
    }
    assert b"<failure" not in render_junit(doc) and b"<system-out>WARN X" in render_junit(doc)
    doc["gate_mode"] = "should"
    assert b'<failure message="m" type="WARN">' in render_junit(doc)


def test_junit_carries_characters_xml_cannot(run_suite):
    case = {"nodeid": "t.py::x", "verdict": "FAIL", "duration_s": 0.0, "message": "got \x00\x1b"}
    doc = {"target": {"url": "u"}, "requirements": [{"id": "X", "level": "MUST", "cases": [case]}]}
    parsed = ET.fromstring(render_junit(doc))
    failure = next(parsed.iter("failure"))
    assert failure.get("message") == "got \\x00\\x1b"


def test_the_schema_rejects_what_the_readme_does_not_document(planted):
    document, _ = planted
    assert_valid_report(document)
    for broken in (
        {**document, "undocumented": 1},
        {**document, "gate": "maybe"},
        {k: v for k, v in document.items() if k != "operations"},
    ):
        assert not REPORT_SCHEMA.is_valid(broken)
    case = copy.deepcopy(document)
    case["requirements"][0]["cases"][0]["verdict"] = "GOOD"
    assert not REPORT_SCHEMA.is_valid(case)


def test_html_renders_a_report_with_nothing_in_it():
    # A fixed document, not `planted`: this test renders in this process, where the mutation
    # run can see it, and the other run's seconds would be spent on every mutant it reaches.
    document = json.loads(
        (Path(__file__).parent / "data" / "faulty.json").read_text(encoding="utf-8")
    )
    empty = {**document, "operations": [], "exchanges": [], "exchange_count": 0}
    empty["requirements"] = [
        {**r, "cases": [], "verdict": "NOT-COVERED", "reason": ""} for r in document["requirements"]
    ]
    html = render_html(empty)
    assert "No operation was accepted in this run." in html
    for operation in document["operations"]:
        assert operation["status_url"] not in html


def test_a_server_error_in_the_window_is_drawn_as_an_error_not_an_expiry():
    record = _record()
    inside = record["reads"][-2]
    inside.update(status=503, available=False, state="SUCCESS", role="success", gone=False)
    drawing = draw(record)
    assert [p["cls"] for p in drawing.probes[-2:]] == ["error", "gone"]


def test_junit_never_fails_an_info_warn():
    case = {"nodeid": "t.py::x", "verdict": "WARN", "duration_s": 0.0, "message": "m"}
    doc = {
        "target": {"url": "u"},
        "gate_mode": "should",
        "requirements": [{"id": "X", "level": "INFO", "cases": [case]}],
    }
    assert b"<failure" not in render_junit(doc)
