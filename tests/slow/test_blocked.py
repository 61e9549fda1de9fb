"""One broken thing is one FAIL: the cases it keeps from being judged are BLOCKED by it.

A case that cannot be judged because another requirement FAILed on the same observation is
BLOCKED (named, grouped under that failure in the terminal, the HTML and the JSON); ERROR is
left for the suite's own failures and the environment, and for a case no FAIL explains.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.servers import ogc_processes
from tests.support.dialects import OGC
from tests.support.running import write

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
