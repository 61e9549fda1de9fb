"""The report layer in detail: the diff, the results, the operations, the views, path by path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.catalogue import CATALOGUE
from conformance.description import parse
from conformance.description._dialect import Role
from conformance.driver import Exchange, Poll, Reading, Redactor, Submission, Traced
from conformance.report import (
    Change,
    ReportDiff,
    ReportError,
    _html,
    _results,
    diff_reports,
    load_report,
    parse_report,
    render_diff_html,
    render_diff_text,
    render_junit,
)
from conformance.report._diff import Moved, classify
from conformance.report._json import write_atomically, write_json
from conformance.report._operations import operation_records
from conformance.report._results import CaseResult, RequirementResult, Results
from conformance.report._terminal import header
from conformance.session import ConformanceSession
from conformance.target import resolve
from conformance.verdicts import Verdict

WAY_OUT = "give the conformance.json that a run of the suite wrote (see --report-dir)"
T0 = 1_000.0
EXPECTED = 'expected "async-conformance/..."'


def _req(req_id: str, verdict: str, reason: str = "", level: str = "MUST") -> dict[str, Any]:
    return {
        "id": req_id,
        "level": level,
        "title": f"{req_id} holds",
        "verdict": verdict,
        "reason": reason,
    }


def _doc(*requirements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A minimal report as `diff` reads it; `extra` overrides top-level keys (None drops one)."""
    document: dict[str, Any] = {
        "schema": "async-conformance/1",
        "target": {"kind": "url", "url": "https://staging.example.com"},
        "dialect": "cloudcenter",
        "gate": "pass",
        "gate_mode": "must",
        "requirements": list(requirements),
    }
    document.update(extra)
    return {k: v for k, v in document.items() if v is not None}


def _diff(old: dict[str, Any], new: dict[str, Any]) -> ReportDiff:
    return diff_reports(parse_report(old, "old.json"), parse_report(new, "new.json"))


def _text(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return render_diff_text(_diff(old, new)).splitlines()


# -- parse_report: what it reads, and what it refuses in words ------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ([], "array"),
        ("x", "string"),
        (3, "number"),
        (1.5, "number"),
        (True, "boolean"),
        (None, "null"),
        ((1, 2), "value"),
    ],
)
def test_a_document_that_is_not_an_object_is_named_by_its_json_kind(data, kind):
    with pytest.raises(ReportError) as error:
        parse_report(data, "r.json")
    assert str(error.value) == (
        f"r.json: not a conformance report (a JSON {kind}, not an object); {WAY_OUT}"
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"schema": None}, f'not a conformance report (no "schema", {EXPECTED})'),
        ({"schema": 1}, f'not a conformance report ("schema" is 1, {EXPECTED})'),
        ({"requirements": None}, 'a conformance report with no "requirements"'),
        ({"requirements": {"X": "PASS"}}, '"requirements" is not a list'),
        ({"requirements": [_req("A", "PASS"), ["X"]]}, 'requirements[1] has no "id"'),
        ({"requirements": [_req("A", "PASS"), {"id": 7}]}, 'requirements[1] has no "id"'),
        (
            {"requirements": [_req("A", "PASS"), {"id": "B"}]},
            "requirements[1] (B) has verdict null, not one of "
            "PASS, FAIL, WARN, SKIP, ERROR, BLOCKED, NOT-COVERED",
        ),
        (
            {"requirements": [_req("A", "PASS"), _req("B", "MAYBE")]},
            'requirements[1] (B) has verdict "MAYBE", not one of '
            "PASS, FAIL, WARN, SKIP, ERROR, BLOCKED, NOT-COVERED",
        ),
        (
            {"requirements": [_req("A", "PASS"), _req("A", "FAIL")]},
            'A appears twice in "requirements"',
        ),
        ({"gate": "maybe"}, '"gate" is "maybe", not "pass" or "fail"'),
        ({"gate": True}, '"gate" is true, not "pass" or "fail"'),
    ],
)
def test_a_report_that_cannot_be_read_is_refused_with_its_problem(changes, problem):
    document = {**_doc(_req("A", "PASS")), **changes}
    document = {k: v for k, v in document.items() if v is not None}
    with pytest.raises(ReportError) as error:
        parse_report(document, "r.json")
    assert str(error.value) == f"r.json: {problem}; {WAY_OUT}"


def test_a_report_is_read_with_its_target_dialect_start_gate_and_requirements():
    document = _doc(
        _req("A", "FAIL", "Observed: 500", level="SHOULD"),
        {"id": "B", "verdict": "PASS", "level": 3, "title": None},
        started_at="2026-01-02T03:04:05+00:00",
        gate="fail",
        gate_mode="should",
        aborted="the target went away",
    )
    report = parse_report(document, "r.json")
    assert (report.source, report.target, report.dialect, report.started_at) == (
        "r.json",
        "https://staging.example.com",
        "cloudcenter",
        "2026-01-02T03:04:05+00:00",
    )
    assert (report.gate, report.gate_mode, report.aborted) == (
        "fail",
        "should",
        "the target went away",
    )
    assert list(report.requirements) == ["A", "B"]
    a, b = report.requirements.values()
    assert (a.id, a.level, a.title, a.verdict, a.reason) == (
        "A",
        "SHOULD",
        "A holds",
        Verdict.FAIL,
        "Observed: 500",
    )
    # What is missing or not text reads as empty.
    assert (b.level, b.title, b.reason) == ("", "", "")


def test_a_report_without_gate_mode_abort_or_target_reads_them_as_absent():
    document = _doc(_req("A", "PASS"), gate=None, gate_mode="", target="https://x.example")
    report = parse_report(document, "r.json")
    assert (report.target, report.dialect, report.started_at) == ("", "cloudcenter", "")
    assert (report.gate, report.gate_mode, report.aborted) == (None, None, None)
    assert parse_report(_doc(aborted=""), "r.json").aborted is None
    assert parse_report(_doc(gate="pass"), "r.json").gate == "pass"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "is a folder; give the conformance.json inside it"),
        (b"\xff\xfe{}", f"not a text file (not UTF-8); {WAY_OUT}"),
        (
            b'{\n  "schema": }',
            f"not JSON (Expecting value at line 2, column 13); {WAY_OUT}",
        ),
    ],
)
def test_a_file_that_is_no_report_is_refused_naming_it(tmp_path, content, problem):
    path = tmp_path / "r.json"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(ReportError) as error:
        load_report(path)
    assert str(error.value) == f"{path}: {problem}"


def test_a_report_file_is_read_and_named_by_its_path(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_doc(_req("A", "PASS"))), encoding="utf-8")
    report = load_report(path)
    assert (report.source, list(report.requirements)) == (str(path), ["A"])


# -- classify and the moves, in words ---------------------------------------------------------


@pytest.mark.parametrize("verdict", list(Verdict))
def test_a_verdict_that_did_not_move_is_no_move(verdict):
    assert classify(verdict, verdict) is None


def test_a_move_names_both_verdicts_or_the_one_a_report_has():
    def moved(old: Verdict | None, new: Verdict | None, note: str = "", level: str = "MUST"):
        return Moved(Change.CHANGED, "X", level, "t", old, new, "", note)

    assert moved(None, Verdict.FAIL).move == "new, FAIL"
    assert moved(Verdict.WARN, None).move == "was WARN"
    assert moved(None, None).move == "new, -"
    assert moved(Verdict.PASS, Verdict.SKIP).move == "PASS -> SKIP"
    assert moved(Verdict.PASS, Verdict.SKIP, "no longer observed").move == (
        "PASS -> SKIP, no longer observed"
    )
    assert moved(Verdict.PASS, Verdict.SKIP).label == "X (MUST)"
    assert moved(Verdict.PASS, Verdict.SKIP, level="").label == "X"


def test_counts_list_each_verdict_either_report_has_in_verdict_order():
    diff = _diff(
        _doc(_req("A", "PASS"), _req("B", "PASS"), _req("C", "ERROR")),
        _doc(_req("A", "FAIL"), _req("B", "PASS"), _req("C", "ERROR"), _req("D", "NOT-COVERED")),
    )
    assert diff.counts() == [("PASS", 2, 1), ("FAIL", 0, 1), ("ERROR", 1, 1), ("NOT-COVERED", 0, 1)]


def test_the_gate_changes_only_when_both_reports_have_one():
    one_sided = _diff(_doc(_req("A", "PASS"), gate=None), _doc(_req("A", "PASS"), gate="fail"))
    assert (one_sided.gate_changed, one_sided.gate_regressed, one_sided.regressed) == (
        False,
        False,
        False,
    )
    other_side = _diff(_doc(_req("A", "PASS"), gate="pass"), _doc(_req("A", "PASS"), gate=None))
    assert other_side.gate_changed is False
    same = _diff(_doc(gate="fail"), _doc(gate="fail"))
    assert (same.gate_changed, same.gate_regressed) == (False, False)


@pytest.mark.parametrize(
    ("old", "new", "differ"),
    [
        (("https://a", "x"), ("https://a", "x"), False),
        (("https://a", "x"), ("https://b", "x"), True),
        (("https://a", "x"), ("https://a", "y"), True),
    ],
)
def test_targets_differ_by_url_or_dialect(old, new, differ):
    diff = _diff(
        _doc(target={"url": old[0]}, dialect=old[1]), _doc(target={"url": new[0]}, dialect=new[1])
    )
    assert diff.targets_differ is differ


# -- the text of a diff, line by line ---------------------------------------------------------


def test_a_gate_only_one_report_has_is_not_shown():
    lines = _text(_doc(_req("A", "PASS"), gate=None), _doc(_req("A", "PASS"), gate="fail"))
    assert lines == [
        "verdicts: PASS 1",
        "no change: no verdict moved (1 requirement in both reports), and the gate stayed fail",
    ]
    lines = _text(_doc(_req("A", "PASS")), _doc(_req("A", "PASS"), gate=None))
    assert lines == [
        "verdicts: PASS 1",
        "no change: no verdict moved (1 requirement in both reports)",
    ]


def test_an_unchanged_gate_is_shown_with_a_change_of_mode_and_an_early_stop():
    old = _doc(_req("A", "PASS"), gate_mode=None)
    new = _doc(_req("A", "PASS"), gate_mode="should", aborted="the target\nwent away")
    assert _text(old, new) == [
        "gate: pass (gate mode ? -> should) (the new run stopped early: the target went away)",
        "verdicts: PASS 1",
        "no change: no verdict moved (1 requirement in both reports), and the gate stayed pass",
    ]
    assert _text(new, old)[0] == "gate: pass (gate mode should -> ?)"
    assert _text(old, old)[0] == "gate: pass"


def test_every_kind_of_move_is_listed_in_its_group_and_counted_in_the_summary():
    old = _doc(_req("GONE", "SKIP"), _req("C", "PASS"), _req("I", "FAIL"), _req("R", "PASS"))
    new = _doc(
        _req("NEW", "PASS"), _req("C", "NOT-COVERED"), _req("I", "PASS"), _req("R", "WARN", "slow")
    )
    assert _text(old, new) == [
        "REGRESSED  R (MUST): PASS -> WARN  — slow",
        "IMPROVED   I (MUST): FAIL -> PASS",
        "CHANGED    C (MUST): PASS -> NOT-COVERED, no longer run",
        "ADDED      NEW (MUST): new, PASS",
        "REMOVED    GONE (MUST): was SKIP",
        "gate: pass",
        "verdicts: PASS 2, FAIL 1 -> 0, WARN 0 -> 1, SKIP 1 -> 0, NOT-COVERED 0 -> 1",
        "1 regressed, 1 improved, 1 changed, 1 added, 1 removed (3 requirements in both reports)",
    ]


def test_two_reports_without_requirements_or_gates_say_so():
    assert _text(_doc(gate=None), _doc(gate=None)) == [
        "verdicts: ",
        "no change: no verdict moved (0 requirements in both reports)",
    ]


def test_the_note_names_an_unnamed_target_and_a_missing_dialect():
    old = _doc(target=None, dialect=None)
    new = _doc(target={"url": "https://b"}, dialect="mine")
    assert _text(old, new)[0] == (
        "note: the reports are of different targets: an unnamed target (no dialect)"
        " and https://b (mine)"
    )


def test_a_reason_with_tabs_and_controls_stays_one_printable_line():
    new = _doc(_req("A", "FAIL", "a\tb\x00c\u2028d"))
    assert _text(_doc(_req("A", "PASS")), new)[0] == "REGRESSED  A (MUST): PASS -> FAIL  — a b c d"


# -- the HTML of a diff -----------------------------------------------------------------------


def test_the_html_marks_an_improved_gate_and_lists_only_the_groups_with_moves():
    old = _doc(_req("A", "FAIL", "broke"), _req("B", "PASS"), gate="fail", started_at="then")
    new = _doc(_req("A", "PASS", "fixed"), _req("B", "PASS"), target={"url": "https://b"})
    html = render_diff_html(_diff(old, new))
    assert "<title>async-conformance diff: old.json -&gt; new.json</title>" in html
    assert '<p class="IMPROVED">gate: fail -&gt; pass</p>' in html
    assert (
        '<p class="note">note: the reports are of different targets: '
        "https://staging.example.com (cloudcenter) and https://b (cloudcenter)</p>"
    ) in html
    assert '<h2 class="IMPROVED">IMPROVED (1)</h2>' in html
    assert "REGRESSED (" not in html and "CHANGED (" not in html
    assert '<td class="reason">fixed</td>' in html
    assert "<tr><td>PASS</td><td>1</td><td>2</td></tr>" in html
    assert "<tr><td>FAIL</td><td>1</td><td>0</td></tr>" in html
    assert (
        "<tr><th>old</th><td><code>old.json</code></td><td>https://staging.example.com</td>"
        "<td>cloudcenter</td><td>then</td><td>fail</td></tr>"
    ) in html
    assert (
        "<p><strong>0 regressed, 1 improved, 0 changed, 0 added, 0 removed "
        "(2 requirements in both reports); gate fail -&gt; pass</strong></p>"
    ) in html


def test_the_html_shows_an_unchanged_gate_plainly_and_no_note_for_one_target():
    html = render_diff_html(_diff(_doc(_req("A", "PASS")), _doc(_req("A", "SKIP"))))
    assert "<p>gate: pass</p>" in html
    assert 'class="note">note:' not in html
    assert '<td>SKIP <span class="note">(no longer observed)</span></td>' in html
    assert "<h2 class=" in html and '<h2 class="CHANGED">CHANGED (1)</h2>' in html
    no_gate = render_diff_html(_diff(_doc(gate=None), _doc(gate=None)))
    assert "gate: " not in no_gate
    assert (
        "<p><strong>no change: no verdict moved (0 requirements in both reports)</strong></p>"
        in (no_gate)
    )


# -- case results and requirement verdicts ----------------------------------------------------


def test_a_case_result_keeps_only_what_it_has_and_its_duration_to_a_ten_thousandth():
    bare = CaseResult("c", "SUBMIT-202", Verdict.PASS, duration=0.123456)
    assert bare.as_dict() == {"nodeid": "c", "verdict": "PASS", "duration_s": 0.1235}
    full = CaseResult(
        "c",
        "SUBMIT-202",
        Verdict.FAIL,
        message="Observed: 200",
        observed="200",
        expected="202",
        hint="answer 202",
        exchanges=[{"index": 1}],
        steps=["submit"],
        duration=2.0,
        details={"k": 1},
        evidence=[{"what": "w", "exchanges": [1]}],
    )
    assert full.as_dict() == {
        "nodeid": "c",
        "verdict": "FAIL",
        "duration_s": 2.0,
        "message": "Observed: 200",
        "observed": "200",
        "expected": "202",
        "hint": "answer 202",
        "details": {"k": 1},
        "steps": ["submit"],
        "evidence": [{"what": "w", "exchanges": [1]}],
        "exchanges": [{"index": 1}],
    }
    assert CaseResult.from_dict("SUBMIT-202", full.as_dict()) == full


def test_a_case_result_read_back_from_its_least_has_the_defaults():
    read = CaseResult.from_dict("SUBMIT-202", {"nodeid": "c", "verdict": "SKIP"})
    assert read == CaseResult("c", "SUBMIT-202", Verdict.SKIP)
    assert (read.message, read.observed, read.expected, read.hint) == ("", None, None, None)
    assert (read.exchanges, read.steps, read.duration, read.details, read.evidence) == (
        [],
        [],
        0.0,
        {},
        [],
    )


def test_a_requirement_result_as_data():
    case = CaseResult("c", "SUBMIT-202", Verdict.PASS, duration=0.5)
    result = RequirementResult(CATALOGUE["SUBMIT-202"], Verdict.PASS, "answered 202", [case])
    req = CATALOGUE["SUBMIT-202"]
    assert result.as_dict() == {
        "id": "SUBMIT-202",
        "level": "MUST",
        "section": req.section,
        "title": req.title,
        "source": req.source,
        "verdict": "PASS",
        "reason": "answered 202",
        "cases": [{"nodeid": "c", "verdict": "PASS", "duration_s": 0.5}],
    }


def _found(results: Results, req_id: str) -> RequirementResult:
    return next(r for r in results.requirements() if r.requirement.id == req_id)


def test_results_list_every_requirement_of_the_catalogue_in_its_order():
    assert [r.requirement.id for r in Results().requirements()] == list(CATALOGUE)


def test_a_requirement_whose_cases_did_not_run_says_so_unless_none_was_selected():
    results = Results()
    assert results.selected is None
    results.collected("SUBMIT-202", "case")
    for req_id in ("SUBMIT-202", "DELETE-204"):  # collected, or shipped and not collected
        found = _found(results, req_id)
        assert (found.verdict, found.reason, found.cases) == (
            Verdict.NOT_COVERED,
            "its cases did not run",
            [],
        )
    results.selected = {"DELETE-204"}
    assert _found(results, "SUBMIT-202").reason == "not selected in this run"
    assert _found(results, "DELETE-204").reason == "its cases did not run"


def test_a_requirement_no_case_covers_says_so(monkeypatch):
    monkeypatch.setattr(_results, "shipped_requirements", frozenset)
    results = Results()
    results.collected("SUBMIT-202", "case")
    results.selected = set()
    assert _found(results, "DELETE-204").reason == "no case covers this requirement yet"
    assert _found(results, "SUBMIT-202").reason == "not selected in this run"


def test_the_first_worst_case_in_collection_order_gives_the_reason_first_line():
    results = Results()
    for nodeid in ("a", "b", "c"):
        results.collected("STATUS-DETAILS", nodeid)
    # They arrive out of order, with one the collection never listed.
    results.add(CaseResult("stray", "STATUS-DETAILS", Verdict.WARN, "stray\nmore"))
    results.add(CaseResult("c", "STATUS-DETAILS", Verdict.WARN, "third\nmore"))
    results.add(CaseResult("a", "STATUS-DETAILS", Verdict.PASS, "first"))
    results.add(CaseResult("b", "STATUS-DETAILS", Verdict.WARN, "second line one\nline two"))
    found = _found(results, "STATUS-DETAILS")
    assert [c.nodeid for c in found.cases] == ["a", "b", "c", "stray"]
    assert (found.verdict, found.reason) == (Verdict.WARN, "second line one")


def test_a_decisive_case_without_a_message_gives_no_reason():
    results = Results()
    results.add(CaseResult("a", "SUBMIT-202", Verdict.FAIL))
    results.add(CaseResult("b", "SUBMIT-202", Verdict.PASS, "fine"))
    assert (_found(results, "SUBMIT-202").verdict, _found(results, "SUBMIT-202").reason) == (
        Verdict.FAIL,
        "",
    )


# -- operation records: reads, completion, window ---------------------------------------------

SECRET = "s3cr3t"


def _exchange(index: int, at: float, status: int | None = 200, error: str | None = None):
    return Exchange(
        index,
        f"poll {index} {SECRET}",
        "GET",
        "http://t.example/op",
        [],
        b"",
        sent_at=T0 + at,
        received_at=T0 + at + 0.5,
        status=status,
        error=error,
    )


def _poll(index: int, at: float, state: str | None, role: Role | None, **exchange: Any) -> Poll:
    reading = Reading(state, role, "field" if state is not None else "nothing")
    return Poll(_exchange(index, at, **exchange), None, reading, 0.0, None)


def _traced(scenario: str, reads: list[Poll], origin: str = "cases") -> Traced:
    submission = Submission(
        scenario,  # type: ignore[arg-type]
        _exchange(1, 0.0, status=202),
        status_url=httpx.URL(f"http://t.example/op/{SECRET}"),
        operation_id=f"id-{SECRET}",
    )
    return Traced(7, submission, origin, reads)


def _description(**raw: Any):
    return parse(raw, "t").effective


def _records(traced: Traced, **raw: Any) -> list[dict[str, Any]]:
    return operation_records([traced], _description(**raw), Redactor([SECRET]))


RUNNING, SUCCESS = (Role.RUNNING, Role.SUCCESS)


def test_an_operation_record_has_its_reads_completion_and_window_redacted():
    reads = [
        _poll(2, 2.0, "RUNNING", RUNNING),
        _poll(3, 4.0, f"SUCCESS{SECRET}", SUCCESS),
        _poll(4, 6.0, "SUCCESS", SUCCESS),
        _poll(5, 400.0, None, None, status=404),
        _poll(6, 401.0, None, None, status=None, error=f"timed out {SECRET}"),
    ]
    [record] = _records(_traced("success", reads, origin="model"))
    assert record == {
        "number": 7,
        "scenario": "success",
        "origin": "model",
        "status_url": "http://t.example/op/[secret]",
        "operation_id": "id-[secret]",
        "submitted": {"exchange": 1, "sent_at": T0, "received_at": T0 + 0.5, "status": 202},
        "reads": [
            {
                "exchange": 2,
                "label": "poll 2 [secret]",
                "sent_at": T0 + 2,
                "received_at": T0 + 2.5,
                "status": 200,
                "error": None,
                "state": "RUNNING",
                "role": "running",
                "available": True,
                "gone": False,
            },
            {
                "exchange": 3,
                "label": "poll 3 [secret]",
                "sent_at": T0 + 4,
                "received_at": T0 + 4.5,
                "status": 200,
                "error": None,
                "state": "SUCCESS[secret]",
                "role": "success",
                "available": True,
                "gone": False,
            },
            {
                "exchange": 4,
                "label": "poll 4 [secret]",
                "sent_at": T0 + 6,
                "received_at": T0 + 6.5,
                "status": 200,
                "error": None,
                "state": "SUCCESS",
                "role": "success",
                "available": True,
                "gone": False,
            },
            {
                "exchange": 5,
                "label": "poll 5 [secret]",
                "sent_at": T0 + 400,
                "received_at": T0 + 400.5,
                "status": 404,
                "error": None,
                "state": None,
                "role": None,
                "available": False,
                "gone": True,
            },
            {
                "exchange": 6,
                "label": "poll 6 [secret]",
                "sent_at": T0 + 401,
                "received_at": T0 + 401.5,
                "status": None,
                "error": "timed out [secret]",
                "state": None,
                "role": None,
                "available": False,
                "gone": False,
            },
        ],
        # From the last read that still ran to the first that had completed.
        "completed_between": [T0 + 2, T0 + 4.5],
        "outcome": "success",
        "window": {
            "kind": "completed",
            "seconds": 300.0,
            "tolerance": 5.0,
            "starts_between": [T0 + 2, T0 + 4.5],
            "must_answer_until": T0 + 302,
            "must_be_gone_after": T0 + 309.5,
        },
    }


@pytest.mark.parametrize(
    ("status", "error", "expired", "gone"),
    [
        (404, None, [404], True),
        (410, None, [404, 410], True),
        (410, None, [404], False),  # not an answer the description lists as expired
        (404, "reset", [404], False),  # a transport error is no answer at all
        (200, None, [404], False),
    ],
)
def test_a_read_is_gone_when_it_answers_an_expired_status(status, error, expired, gone):
    reads = [_poll(2, 2.0, None, None, status=status, error=error)]
    [record] = _records(_traced("success", reads), retention={"expired_status": expired})
    assert record["reads"][0]["gone"] is gone
    assert record["reads"][0]["error"] == error


def test_an_operation_without_a_terminal_read_has_no_completion_or_window():
    [record] = _records(_traced("success", [_poll(2, 2.0, "RUNNING", RUNNING)]))
    assert (record["completed_between"], record["outcome"], record["window"]) == (None, None, None)
    [bare] = _records(_traced("success", []))
    assert (bare["reads"], bare["completed_between"], bare["outcome"]) == ([], None, None)


def test_an_operation_without_an_id_records_none():
    traced = _traced("success", [])
    traced.submission.operation_id = ""
    [record] = _records(traced)
    assert record["operation_id"] is None


def test_a_terminal_read_first_bounds_completion_from_the_submission():
    [record] = _records(_traced("failure", [_poll(2, 3.0, "FAILED", Role.FAILURE)]))
    assert record["completed_between"] == [T0, T0 + 3.5]
    assert record["outcome"] == "failure"
    assert record["window"]["kind"] == "completed"
    assert record["window"]["starts_between"] == [T0, T0 + 3.5]


def test_a_cancelled_operation_has_no_window():
    [record] = _records(_traced("success", [_poll(2, 3.0, "CANCELLED", Role.CANCELLED)]))
    assert (record["outcome"], record["window"]) == ("cancelled", None)
    assert record["completed_between"] == [T0, T0 + 3.5]


@pytest.mark.parametrize(
    ("skipped", "drawn"),
    [
        ({}, True),
        ({"RETAIN-COMPLETED": "no window"}, True),
        ({"EXPIRE-COMPLETED": "no window"}, True),
        ({"RETAIN-COMPLETED": "no window", "EXPIRE-COMPLETED": "no window"}, False),
        (
            {"RETAIN-COMPLETED": "a", "EXPIRE-COMPLETED": "b", "RETAIN-TIMEOUT": "c"},
            False,
        ),
    ],
)
def test_a_completed_window_is_drawn_unless_the_dialect_has_neither_of_its_checks(skipped, drawn):
    reads = [_poll(2, 3.0, "SUCCESS", SUCCESS)]
    [record] = _records(_traced("success", reads), dialect={"not_applicable": skipped})
    assert (record["window"] is not None) is drawn


@pytest.mark.parametrize(
    ("retention", "offset"),
    [
        ({}, 0.0),
        ({"timeout_anchor": "submission", "operation_timeout": 30}, 0.0),
        ({"timeout_anchor": "timeout", "operation_timeout": 30}, 30.0),
    ],
)
def test_a_timed_out_window_starts_at_the_submission_or_the_timeout(retention, offset):
    skipped = {"RETAIN-COMPLETED": "a", "EXPIRE-COMPLETED": "b"}  # not the timed-out window's
    reads = [_poll(2, 3.0, "RUNNING", RUNNING)]
    [record] = _records(
        _traced("timeout", reads),
        retention={"timed_out": 600, "tolerance": 2, **retention},
        dialect={"not_applicable": skipped},
    )
    assert record["window"] == {
        "kind": "timed-out",
        "seconds": 600.0,
        "tolerance": 2.0,
        "starts_between": [T0 + offset, T0 + offset + 0.5],
        "must_answer_until": T0 + offset + 600,
        "must_be_gone_after": T0 + offset + 0.5 + 600 + 2,
    }


def test_a_timed_out_window_the_dialect_does_not_judge_is_not_drawn():
    reads = [_poll(2, 3.0, "SUCCESS", SUCCESS)]
    traced = _traced("timeout", reads)
    [record] = _records(traced, dialect={"not_applicable": {"RETAIN-TIMEOUT": "none"}})
    assert record["window"] is None
    assert record["completed_between"] == [T0, T0 + 3.5]


# -- the HTML report's view -------------------------------------------------------------------


def _exchange_record(index: int, sent: float, received: float) -> dict[str, Any]:
    return {"index": index, "sent_at": sent, "received_at": received}


def _operation(number: int, origin: str, submitted: int, reads: list[int]) -> dict[str, Any]:
    return {
        "number": number,
        "origin": origin,
        "submitted": {"exchange": submitted, "sent_at": T0, "received_at": T0},
        "reads": [
            {
                "exchange": i,
                "label": f"poll {i}",
                "sent_at": T0 + i,
                "received_at": T0 + i,
                "status": 200,
                "error": None,
                "state": "RUNNING",
                "role": "running",
                "gone": False,
            }
            for i in reads
        ],
        "completed_between": None,
        "window": None,
    }


def _case(
    nodeid: str, cited: tuple[list[int], ...] = (), looked: tuple[int, ...] = ()
) -> dict[str, Any]:
    return {
        "nodeid": nodeid,
        "verdict": "PASS",
        "evidence": [{"what": "w", "exchanges": list(e)} for e in cited],
        "exchanges": [{"index": i} for i in looked],
    }


VIEW_DOCUMENT: dict[str, Any] = {
    "duration_s": 2,
    "exchanges": [
        *(_exchange_record(i, T0 + i, T0 + i + 0.5) for i in range(1, 9)),
        _exchange_record(9, T0 + 20, 0.0),  # no answer: its time is no time
        _exchange_record(40, T0 + 10, T0 + 10.5),
    ],
    "operations": [
        _operation(1, "cases", 1, [2]),
        _operation(2, "model", 3, [4]),
        *(_operation(n, "model", n + 2, []) for n in range(3, 7)),
    ],
    "requirements": [
        {
            "id": "A",
            "level": "SHOULD",
            "verdict": "WARN",
            "cases": [_case("a1", ([4, 2], [40, 9, 42]), (5, 6, 7, 8))],
        },
        {"id": "B", "level": "INFO", "verdict": "PASS", "cases": [_case("b1"), _case("b2")]},
        {"id": "C", "level": "SHOULD", "verdict": "WARN", "cases": []},
    ],
}


def test_the_view_of_a_report_works_out_cases_operations_and_exchanges_once():
    view = _html._view(VIEW_DOCUMENT)
    ops = VIEW_DOCUMENT["operations"]
    a1, b1, b2 = (c for r in VIEW_DOCUMENT["requirements"] for c in r["cases"])
    assert view["origin"] == T0 + 1
    assert view["contract_seconds"] == 19.0
    assert view["counts"] == [("WARN", 2), ("PASS", 1)]
    assert view["levels"] == ["SHOULD", "INFO"]
    assert view["wall_seconds"] == 2.0 and isinstance(view["wall_seconds"], float)
    assert view["cases"] == {
        id(a1): {"number": 1, "cited": [2, 4, 9, 40, 42], "operations": ops},
        id(b1): {"number": 2, "cited": [], "operations": []},
        id(b2): {"number": 3, "cited": [], "operations": []},
    }
    # Cited, and every exchange of a drawn operation: the case's first three operations.
    assert [e["index"] for e in view["exchanges"]] == [1, 2, 3, 4, 5, 9, 40]
    assert view["exchange_total"] == 10
    assert sorted(view["drawings"]) == [1, 2, 3]
    assert view["anchored"] == {1, 2}
    assert view["per_case"] == 3
    assert view["case_operations"] == [ops[0]]
    assert view["model_operations"] == [ops[1]]
    assert view["model_total"] == 5


def test_the_view_of_a_report_without_exchanges_starts_at_zero():
    view = _html._view(
        {"requirements": [{"id": "A", "level": "MUST", "verdict": "FAIL", "cases": []}]}
    )
    assert (view["origin"], view["contract_seconds"], view["wall_seconds"]) == (0.0, 0.0, None)
    assert (view["counts"], view["levels"], view["exchanges"], view["drawings"]) == (
        [("FAIL", 1)],
        ["MUST"],
        [],
        {},
    )
    assert (view["model_total"], view["case_operations"], view["model_operations"]) == (0, [], [])


def test_the_view_draws_only_the_first_model_operations():
    operations = [_operation(n, "model", 2 * n, [2 * n + 1]) for n in range(1, 27)]
    view = _html._view({"requirements": [], "operations": operations})
    assert [op["number"] for op in view["model_operations"]] == list(range(1, 25))
    assert view["anchored"] == set(range(1, 25))
    assert view["model_total"] == 26


@pytest.mark.parametrize(
    ("times", "seconds"),
    [
        ({"duration_s": 1.5, "started_at": "2026-01-01T00:00:00"}, 1.5),
        ({"started_at": "2026-01-01T00:00:00", "finished_at": "2026-01-01T00:01:02.5"}, 62.5),
        (
            {
                "duration_s": "2",
                "started_at": "2026-01-01T00:00:00",
                "finished_at": "2026-01-01T00:00:03",
            },
            3.0,
        ),
        ({"started_at": "2026-01-01T00:00:00"}, None),
        ({"started_at": "then", "finished_at": "now"}, None),
        ({"started_at": None, "finished_at": "2026-01-01T00:00:03"}, None),
        ({}, None),
    ],
)
def test_the_wall_time_is_the_duration_or_from_start_to_finish(times, seconds):
    assert _html._seconds(times) == seconds


def test_an_asset_is_the_template_folders_file():
    folder = Path(_html.__file__).parent / "templates"
    assert _html._asset("report.css") == (folder / "report.css").read_text(encoding="utf-8")


# -- the JSON writer --------------------------------------------------------------------------


def test_a_report_is_written_whole_into_folders_that_do_not_exist_yet(tmp_path):
    path = tmp_path / "reports" / "nightly" / "conformance.json"
    assert write_json(path, {"reason": "naïve ✓", "n": [1]}) == path
    assert path.read_bytes() == '{\n  "reason": "naïve ✓",\n  "n": [\n    1\n  ]\n}\n'.encode()
    assert write_atomically(path, b"again") == path  # the folder is there now: no error
    assert path.read_bytes() == b"again"
    assert sorted(p.name for p in path.parent.iterdir()) == ["conformance.json"]
    assert json.loads(write_json(tmp_path / "r.json", {}).read_text(encoding="utf-8")) == {}


def test_a_reader_of_the_old_report_keeps_reading_it_whole_while_a_new_one_is_written(tmp_path):
    path = write_atomically(tmp_path / "conformance.json", b"old report")
    with path.open("rb") as reader:
        write_atomically(path, b"new")
        assert reader.read() == b"old report"
    assert path.read_bytes() == b"new"


# -- the JUnit file and the terminal header ---------------------------------------------------


def test_junit_keeps_characters_beyond_the_basic_plane_and_escapes_what_xml_cannot_carry():
    document = {
        "target": {"url": "http://t.example"},
        "requirements": [
            {
                "id": "SUBMIT-202",
                "level": "MUST",
                "verdict": "FAIL",
                "cases": [{"nodeid": "t.py::test_x", "verdict": "FAIL", "message": "got 😀\ufffe"}],
            }
        ],
    }
    xml = render_junit(document).decode("utf-8")
    assert '<failure message="got 😀\\xfffe" type="FAIL">SUBMIT-202 (MUST): got 😀\\xfffe' in xml


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


def test_the_page_carries_its_style_and_script_verbatim_and_details_as_written():
    document = json.loads((Path(__file__).parent / "data" / "correct.json").read_text("utf-8"))
    case = document["requirements"][0]["cases"][0]
    case["details"] = {"note": "naïve ✓"}
    html = _html.render_html(document)
    css, js = _html._asset("report.css"), _html._asset("report.js")
    assert f"<style>{css}</style>" in html and f"<script>{js}</script>" in html
    # The policy allows those two by their hashes (its quotes escaped in the attribute).
    policy = f"style-src '{_html._hash(css)}'; script-src '{_html._hash(js)}'"
    assert policy.replace("'", "&#39;") in html
    assert "<pre>{\n  &#34;note&#34;: &#34;naïve ✓&#34;\n}</pre>" in html
