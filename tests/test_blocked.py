"""One broken thing is one FAIL: the cases it keeps from being judged are BLOCKED by it.

A case that cannot be judged because another requirement FAILed on the same observation is
BLOCKED (named, grouped under that failure in the terminal, the HTML and the JSON); ERROR is
left for the suite's own failures and the environment, and for a case no FAIL explains.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from conformance.report import CaseResult, Results
from conformance.report._diff import Change, classify
from conformance.verdicts import Verdict

from .conftest import write
from .servers import ogc_processes
from .test_dialects import OGC

# The job status lives at /jobs/{jobID}; this description names a path the server never serves.
WRONG_STATUS_PATH = OGC.replace(
    'name = "ogc-processes"', 'name = "ogc-processes"\nstatus_url = "template:/jobz/{id}"'
)


def test_a_status_url_that_answers_404_is_one_fail_and_its_blocked_cases(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", WRONG_STATUS_PATH)
    with ogc_processes.running() as url:
        run = run_suite(f"--target={url}", f"--target-config={config}")
    out = run.result.stdout.str()
    assert run.result.ret == 1, out[-3000:]
    assert run.with_verdict("FAIL") == {"SUBMIT-LOCATION": "FAIL"}, out[-3000:]
    assert run.with_verdict("ERROR") == {}, out[-3000:]
    blocked = run.with_verdict("BLOCKED")
    for held in ("STATUS-200-JSON", "STATUS-ID-MATCH", "TRANS-OUTCOME", "RESULT-URL"):
        assert blocked.get(held) == "BLOCKED", (held, out[-3000:])
    # Where the operation's own id answers 404, another id's 404 shows nothing: no PASS.
    assert blocked.get("ROBUST-IDS") == "BLOCKED", out[-3000:]
    assert run.verdicts["EXPIRED-404"] != "PASS", run.requirement("EXPIRED-404")
    # The JSON names the blocker, per requirement and per case, and cites the failed read.
    for req_id in blocked:
        requirement = run.requirement(req_id)
        assert requirement["blocked_by"] == "SUBMIT-LOCATION"
        assert requirement["reason"].startswith("blocked by SUBMIT-LOCATION")
    (case,) = [
        c for c in run.requirement("STATUS-ID-MATCH")["cases"] if c["nodeid"].endswith("[success]")
    ]
    assert case["blocked_by"] == "SUBMIT-LOCATION" and "blockers" not in case
    assert re.match(r"blocked by SUBMIT-LOCATION \(see #\d+\): the success run", case["message"])
    # The terminal lists them once, under the failure, not as a wall of lines.
    lines = run.result.stdout.lines
    at = next(i for i, line in enumerate(lines) if line.startswith("FAIL  SUBMIT-LOCATION"))
    assert lines[at + 1].startswith("      BLOCKED by it, so not judged: ")
    assert "STATUS-ID-MATCH (MUST)" in lines[at + 1]
    assert not any(line.startswith(("BLOCKED ", "ERROR ")) for line in lines)
    assert re.search(r"requirements: .*\d+ BLOCKED; gate: FAIL", out)
    # JUnit: skipped, with the blocker in the message; HTML: linked both ways.
    junit = ET.fromstring(run.junit)
    blocked_cases = [
        tc
        for tc in junit.iter("testcase")
        if "test_status_names_its_own_operation" in tc.get("name", "")
    ]
    assert blocked_cases and all(tc.find("skipped") is not None for tc in blocked_cases)
    html = (run.report_dir / "conformance.html").read_text(encoding="utf-8")
    assert 'Not judged: blocked by <a href="#req-SUBMIT-LOCATION">' in html
    assert "This failure kept" in html


def _case(verdict: Verdict, requirement: str, *indexes: int, **kw: object) -> CaseResult:
    exchanges = [{"index": i} for i in indexes]
    return CaseResult(f"t::{requirement}", requirement, verdict, exchanges=exchanges, **kw)


def _settled(*cases: CaseResult) -> dict[str, CaseResult]:
    results = Results()
    for case in cases:
        results.add(case)
    return {r.requirement.id: r for r in results.requirements() if r.cases}


def test_a_blocked_case_names_the_fail_that_shares_its_exchange():
    results = _settled(
        _case(Verdict.FAIL, "SUBMIT-LOCATION", 3, 4),
        _case(
            Verdict.BLOCKED,
            "RESULT-URL",
            3,
            4,
            5,
            message="no status",
            blockers=["SUBMIT-LOCATION"],
        ),
    )
    held = results["RESULT-URL"]
    assert held.verdict is Verdict.BLOCKED and held.blocked_by == "SUBMIT-LOCATION"
    assert held.reason == "blocked by SUBMIT-LOCATION (see #3): no status"
    assert not Results.gate(list(results.values()), strict=False)  # the FAIL fails it


def test_a_blocked_case_that_no_fail_explains_is_an_error():
    results = _settled(
        _case(Verdict.PASS, "SUBMIT-LOCATION", 3),
        _case(Verdict.BLOCKED, "RESULT-URL", 3, message="no status", blockers=["SUBMIT-LOCATION"]),
    )
    held = results["RESULT-URL"]
    assert held.verdict is Verdict.ERROR and held.blocked_by is None
    assert held.reason == "could not run: no status"
    assert not Results.gate(list(results.values()), strict=False)


def test_the_first_blocker_that_failed_is_named():
    results = _settled(
        _case(Verdict.FAIL, "STATUS-STATE-NAMES", 9),
        _case(
            Verdict.BLOCKED,
            "TRANS-OUTCOME",
            3,
            message="x",
            blockers=["STATUS-200-JSON", "STATUS-STATE-NAMES"],
        ),
    )
    assert results["TRANS-OUTCOME"].blocked_by == "STATUS-STATE-NAMES"
    assert results["TRANS-OUTCOME"].reason == "blocked by STATUS-STATE-NAMES: x"


def test_a_blocked_case_travels_from_a_worker_unsettled():
    case = _case(Verdict.BLOCKED, "RESULT-URL", 3, message="x", blockers=["SUBMIT-LOCATION"])
    again = CaseResult.from_dict("RESULT-URL", case.as_dict())
    assert again.blockers == ["SUBMIT-LOCATION"] and again.verdict is Verdict.BLOCKED
    settled = _settled(_case(Verdict.FAIL, "SUBMIT-LOCATION", 3), case)["RESULT-URL"].cases[0]
    back = CaseResult.from_dict("RESULT-URL", settled.as_dict())
    assert (back.blocked_by, back.blockers) == ("SUBMIT-LOCATION", [])


def test_a_requirement_newly_blocked_has_changed_not_regressed():
    moved = classify(Verdict.PASS, Verdict.BLOCKED)
    assert moved is not None
    change, note = moved
    assert change is Change.CHANGED and "blocks it" in note
