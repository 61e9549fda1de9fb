"""Verdicts folded per requirement (`report/_results.py`): the worst case wins, blocked cases
settled, and the gate."""

from __future__ import annotations

import pytest

from conformance.catalogue import CATALOGUE, Level, dialect_source
from conformance.report import (
    CaseResult,
    RequirementResult,
    Results,
    _results,
)
from conformance.verdicts import (
    Verdict,
)
from tests.support.recording import make_recorder


def _case(verdict: Verdict, requirement: str, *indexes: int, **kw: object) -> CaseResult:
    exchanges = [{"index": i} for i in indexes]
    return CaseResult(f"t::{requirement}", requirement, verdict, exchanges=exchanges, **kw)


def _settled(*cases: CaseResult) -> dict[str, CaseResult]:
    results = Results()
    for case in cases:
        results.add(case)
    return {r.requirement.id: r for r in results.requirements() if r.cases}


def _found(results: Results, req_id: str) -> RequirementResult:
    return next(r for r in results.requirements() if r.requirement.id == req_id)


def _one(level: Level) -> str:
    return next(r.id for r in CATALOGUE.values() if r.level is level)


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


def test_the_controller_takes_a_lost_workers_cases_as_results():
    recorder = make_recorder()
    case = {"nodeid": "t::a", "verdict": "WARN", "requirement": "DELETE-204", "message": "m"}
    recorder.take("gw1", None, [case])
    assert recorder.results.selected is None and dict(recorder.results.covering) == {}
    assert recorder.results.cases["DELETE-204"] == [
        CaseResult("t::a", "DELETE-204", Verdict.WARN, message="m")
    ]


def test_a_case_whose_worker_stopped_under_it_is_an_error_with_the_reason():
    recorder = make_recorder()
    recorder.results.collected("SUBMIT-202", "t::a")
    recorder.results.collected("SUBMIT-202", "t::b")
    recorder.results.collected("SUBMIT-202", "t::c")
    recorder.results.collected("DELETE-204", "t::d")
    recorder.results.add(CaseResult("t::b", "SUBMIT-202", Verdict.PASS))
    recorder.unreported = {
        "t::a": ["worker 'gw0' crashed", "with s3cret"],
        "t::b": ["decided anyway"],
        "t::d": [],
    }
    recorder._unreported()
    assert recorder.results.cases["SUBMIT-202"] == [
        CaseResult("t::b", "SUBMIT-202", Verdict.PASS),
        CaseResult(
            "t::a",
            "SUBMIT-202",
            Verdict.ERROR,
            message="the case could not finish: worker 'gw0' crashed with [secret]",
        ),
    ]
    assert recorder.results.cases["DELETE-204"] == [
        CaseResult(
            "t::d",
            "DELETE-204",
            Verdict.ERROR,
            message="the case could not finish: no verdict came back",
        )
    ]


def test_a_requirement_takes_its_worst_case_and_that_cases_reason():
    results = Results()
    for n, (verdict, message) in enumerate(
        [(Verdict.PASS, "seen"), (Verdict.WARN, "inconclusive: late"), (Verdict.PASS, "again")]
    ):
        results.collected("STATUS-DETAILS", f"case{n}")
        results.add(CaseResult(f"case{n}", "STATUS-DETAILS", verdict, message))
    found = next(r for r in results.requirements() if r.requirement.id == "STATUS-DETAILS")
    assert (found.verdict, found.reason) == (Verdict.WARN, "inconclusive: late")


@pytest.mark.parametrize(
    ("verdict", "level", "strict", "passes"),
    [
        (Verdict.FAIL, Level.MUST, False, False),
        (Verdict.FAIL, Level.SHOULD, False, False),
        (Verdict.ERROR, Level.MUST, False, False),
        (Verdict.ERROR, Level.SHOULD, False, False),
        (Verdict.WARN, Level.MUST, False, True),
        (Verdict.WARN, Level.MUST, True, False),
        (Verdict.WARN, Level.SHOULD, True, False),
        (Verdict.WARN, Level.INFO, True, True),
        (Verdict.PASS, Level.MUST, True, True),
        (Verdict.SKIP, Level.MUST, True, True),
        (Verdict.NOT_COVERED, Level.MUST, True, True),
    ],
)
def test_the_gate(verdict, level, strict, passes):
    judged = RequirementResult(CATALOGUE[_one(level)], verdict, "", [])
    fine = RequirementResult(CATALOGUE["SUBMIT-202"], Verdict.PASS, "", [])
    assert Results.gate([fine, judged], strict) is passes
    assert Results.gate([judged, fine], strict) is passes


def test_a_requirement_its_dialect_defines_names_the_dialects_document():
    dialect = dialect_source("SUBMIT-202", "google-lro", "https://example.test/lro")
    result = RequirementResult(CATALOGUE["SUBMIT-202"], Verdict.PASS, "answered 202", [])
    assert result.as_dict(dialect)["dialect_source"] == {
        "dialect": "google-lro",
        "document": "https://example.test/lro",
        "defines": "its acceptance codes",
    }
