"""The reports a whole run writes: JSON against its schema, HTML, JUnit, and nothing secret."""

from __future__ import annotations

import base64
import copy
import hashlib
import html as html_module
import re
import xml.etree.ElementTree as ET

import pytest

from conformance.report import render_junit
from conformance.simulator._hooks import PLANTED_SCRIPT
from tests.support.running import REPORT_SCHEMA, assert_valid_report, suite_in_subprocess, write

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


def test_a_secret_in_a_failures_observed_text_is_redacted(run_suite, tmp_path, monkeypatch):
    secret = "tok-5e1d2c9a7b"
    monkeypatch.setenv("SECRET_HOST", f"{secret}.example")
    config = write(tmp_path / "target.toml", 'base_url = "http://${SECRET_HOST}"\n')
    run = run_suite(
        "--target=builtin", f"--target-config={config}", "--fault", "location-404", "-k", "location"
    )
    failure = next(c for c in run.requirement("SUBMIT-LOCATION")["cases"] if c["verdict"] == "FAIL")
    assert "[secret]" in failure["observed"] + failure["message"]
    assert secret not in run.result.stdout.str()
    assert secret not in run.json_text
