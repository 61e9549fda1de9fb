"""What the terminal shows (`report/_terminal.py`): the header, each requirement's line, the
summary."""

from __future__ import annotations

import pytest

from conformance.budget import Budget
from conformance.catalogue import CATALOGUE
from conformance.report import (
    RequirementResult,
)
from conformance.report._terminal import header, summary_lines
from conformance.session import ConformanceSession
from conformance.target import resolve
from conformance.verdicts import Verdict
from tests.support.running import write


def _result(req_id: str, verdict: Verdict, reason: str = "why") -> RequirementResult:
    return RequirementResult(CATALOGUE[req_id], verdict, reason, [])


def test_the_header_lists_the_simulator_faults_in_order():
    faults = ["submit-200", "retry-after", "progress-decreases", "failed-no-msg", "delete-204-body"]
    session = ConformanceSession(resolve("builtin", None, None, "virtual", faults))
    try:
        text = header(session)
    finally:
        session.close()
    assert text.endswith(
        ", simulator faults: delete-204-body, failed-no-msg, progress-decreases, retry-after,"
        " submit-200"
    )


def test_each_requirement_gets_a_line_with_its_verdict_colour_and_the_counts_follow():
    lines = summary_lines(
        [
            _result("SUBMIT-202", Verdict.PASS, "answered 202"),
            _result("STATUS-DETAILS", Verdict.WARN, "inconclusive: late"),
            _result("DELETE-204", Verdict.FAIL, "answered 200"),
            _result("RESULT-URL", Verdict.ERROR, "could not run"),
            _result("SYNC-STATE", Verdict.SKIP, "not observed"),
        ],
        "must",
        200,
    )
    assert lines[0] == ("PASS  SUBMIT-202 (MUST): answered 202", {"green": True})
    assert lines[1] == ("WARN  STATUS-DETAILS (SHOULD): inconclusive: late", {"yellow": True})
    assert lines[2] == ("FAIL  DELETE-204 (MUST): answered 200", {"red": True, "bold": True})
    assert lines[3][1] == {"red": True} and lines[4][1] == {}
    assert lines[-1] == ("requirements: 1 PASS, 1 FAIL, 1 WARN, 1 SKIP, 1 ERROR; gate: FAIL", {})


def test_a_long_line_is_cut_unless_it_needs_action():
    reason = "x" * 300
    passing, failing, _ = summary_lines(
        [_result("SUBMIT-202", Verdict.PASS, reason), _result("DELETE-204", Verdict.FAIL, reason)],
        "must",
        80,
    )
    assert len(passing[0]) == 80 and passing[0].endswith("...")
    assert failing[0].endswith(reason)
    # However narrow the terminal, 40 characters are kept.
    narrow = summary_lines([_result("SUBMIT-202", Verdict.PASS, reason)], "must", 10)[0][0]
    assert len(narrow) == 43


@pytest.mark.parametrize(
    ("verdict", "gate_mode", "aborted", "gate"),
    [
        (Verdict.PASS, "must", None, "gate: pass"),
        (Verdict.WARN, "must", None, "gate: pass"),
        (Verdict.WARN, "should", None, "gate: FAIL"),
        (Verdict.FAIL, "none", None, "gate: FAIL (not enforced: --gate=none)"),
        (Verdict.PASS, "must", "the target went away", "gate: FAIL (the run stopped early)"),
    ],
)
def test_the_last_line_says_the_gate(verdict, gate_mode, aborted, gate):
    last = summary_lines([_result("SUBMIT-202", verdict)], gate_mode, 100, aborted)[-1][0]
    assert last.endswith(gate)


def test_the_header_names_target_dialect_clock_and_on_a_live_target_the_budget(
    tmp_path, monkeypatch
):
    config = write(
        tmp_path / "t.toml",
        '[headers]\nAuthorization = "Bearer ${HEADER_SECRET}"\n[tls]\nverify = false\n'
        '[scenarios.success]\npath = "/x"\n'
        "[retention]\ncompleted = 20\ntimed_out = 60\ntolerance = 1\n",
    )
    monkeypatch.setenv("HEADER_SECRET", "s3cr3t-value")
    target = resolve("https://api.example.test/s3cr3t-value", config, None, "real", [])
    session = ConformanceSession(target)
    text = header(session)
    session.close()
    assert "target https://api.example.test/[secret]" in text
    assert "clock real" in text and "dialect cloudcenter" in text
    # Only the scenarios declared are waited for: no timeout scenario, no 60 s window.
    assert "the retention cases wait about 21 s" in text
    assert "TLS certificates are NOT verified" in text
    assert "run budget" in text and "s3cr3t" not in text


def test_the_header_of_the_builtin_simulator_says_no_budget_and_no_wait(tmp_path):
    target = resolve("builtin", None, None, "virtual", ["submit-200", "retry-after"])
    session = ConformanceSession(target, Budget(seed=7))
    text = header(session)
    session.close()
    assert text == (
        "async-conformance: target builtin simulator (in-process), dialect cloudcenter, "
        "clock virtual, description builtin target description, simulator faults: "
        "retry-after, submit-200, property inputs from seed 7"
    )
    # In-process, TLS is not the suite's to verify: nothing said of it.
    config = write(tmp_path / "t.toml", "[tls]\nverify = false\n")
    session = ConformanceSession(resolve("builtin", config, None, "virtual", []))
    assert header(session) == (
        "async-conformance: target builtin simulator (in-process), dialect cloudcenter, "
        f"clock virtual, description {config}"
    )
    session.close()


def test_the_header_of_a_live_target_on_the_wall_clock_line_by_line(tmp_path):
    config = write(
        tmp_path / "t.toml",
        '[scenarios.success]\npath = "/x"\n[polling]\nrun_budget = 90\n'
        "[tls]\nverify = false\n[retention]\ncompleted = 20\ntolerance = 1\n",
    )
    session = ConformanceSession(resolve("https://api.example.test", config, None, "real", []))
    lines = header(session).splitlines()
    session.close()
    assert lines[1:] == [
        "async-conformance: not described, so not sent (their cases SKIP): [scenarios.failure], "
        "[scenarios.timeout], [sync], openapi",
        "async-conformance: wall clock; the retention cases wait about 21 s (the longest "
        "window); `-k 'not retention'` leaves them out",
        "async-conformance: TLS certificates are NOT verified (tls.verify = false)",
        "async-conformance: run budget 90 s (polling.run_budget); nothing is sent after it",
    ]


def test_a_line_as_long_as_the_terminal_is_not_cut():
    results = [_result("SUBMIT-202", Verdict.PASS, "r")]
    line = summary_lines(results, "must", 200)[0][0]
    assert summary_lines(results, "must", len(line))[0][0] == line


def test_blocked_requirements_are_listed_under_the_fail_that_blocked_them():
    from conformance.report._results import CaseResult

    def blocked(req_id: str) -> RequirementResult:
        case = CaseResult(f"cases/x.py::{req_id}", req_id, Verdict.BLOCKED, blocked_by="SUBMIT-202")
        return RequirementResult(CATALOGUE[req_id], Verdict.BLOCKED, "blocked", [case])

    lines = summary_lines(
        [
            _result("SUBMIT-202", Verdict.FAIL, "answered 200"),
            blocked("STATUS-200-JSON"),
            blocked("STATUS-DETAILS"),
            _result("DELETE-204", Verdict.PASS, "answered 204"),
        ],
        "must",
        200,
    )
    assert lines[:3] == [
        ("FAIL  SUBMIT-202 (MUST): answered 200", {"red": True, "bold": True}),
        (
            "      BLOCKED by it, so not judged: STATUS-200-JSON (MUST), STATUS-DETAILS (SHOULD)",
            {"yellow": True},
        ),
        ("PASS  DELETE-204 (MUST): answered 204", {"green": True}),
    ]
