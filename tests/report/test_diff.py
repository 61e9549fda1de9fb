"""`async-conformance diff`: reports compared requirement by requirement, changes classified,
and the text and HTML written."""

from __future__ import annotations

import itertools
import json
import locale
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.report import (
    Change,
    ReportError,
    diff_reports,
    load_report,
    parse_report,
    render_diff_html,
    render_diff_text,
)
from conformance.report._diff import Moved, classify
from conformance.verdicts import Verdict
from tests.support.reports import WAY_OUT, diff_of, report_document, requirement_entry

R, I, C = Change.REGRESSED, Change.IMPROVED, Change.CHANGED  # noqa: E741

BLOCKS = "no longer judged: another requirement's FAIL blocks it"


#: Every move between two verdicts: how it counts, and what it means in words for a CHANGED.
MOVES = {
    ("PASS", "FAIL"): (R, ""),
    ("PASS", "ERROR"): (R, ""),
    ("PASS", "WARN"): (R, ""),
    ("PASS", "SKIP"): (C, "no longer observed"),
    ("PASS", "NOT-COVERED"): (C, "no longer run"),
    ("SKIP", "FAIL"): (R, ""),
    ("SKIP", "ERROR"): (R, ""),
    ("SKIP", "WARN"): (R, ""),
    ("SKIP", "PASS"): (C, "now observed"),
    ("SKIP", "NOT-COVERED"): (C, "no longer run"),
    ("NOT-COVERED", "FAIL"): (R, ""),
    ("NOT-COVERED", "ERROR"): (R, ""),
    ("NOT-COVERED", "WARN"): (R, ""),
    ("NOT-COVERED", "PASS"): (C, "now observed"),
    ("NOT-COVERED", "SKIP"): (C, "now run, not observed"),
    ("WARN", "FAIL"): (R, ""),
    ("WARN", "ERROR"): (R, ""),
    ("WARN", "PASS"): (I, ""),
    ("WARN", "SKIP"): (C, "no longer observed"),
    ("WARN", "NOT-COVERED"): (C, "no longer run"),
    ("ERROR", "FAIL"): (R, ""),
    ("ERROR", "WARN"): (I, ""),
    ("ERROR", "PASS"): (I, ""),
    ("ERROR", "SKIP"): (C, "no longer observed"),
    ("ERROR", "NOT-COVERED"): (C, "no longer run"),
    ("FAIL", "ERROR"): (I, ""),
    ("FAIL", "WARN"): (I, ""),
    ("FAIL", "PASS"): (I, ""),
    ("FAIL", "SKIP"): (C, "no longer observed"),  # the failure was not seen again: no fix
    ("FAIL", "NOT-COVERED"): (C, "no longer run"),
    # BLOCKED: not judged, because another requirement FAILed; that FAIL is listed itself.
    **{
        (old, "BLOCKED"): (C, BLOCKS)
        for old in ("PASS", "SKIP", "NOT-COVERED", "WARN", "ERROR", "FAIL")
    },
    ("BLOCKED", "FAIL"): (R, ""),
    ("BLOCKED", "ERROR"): (R, ""),
    ("BLOCKED", "WARN"): (R, ""),
    ("BLOCKED", "PASS"): (C, "now observed"),
    ("BLOCKED", "SKIP"): (C, "now judged, not observed"),
    ("BLOCKED", "NOT-COVERED"): (C, "no longer run"),
}


def document(*requirements: tuple[str, str, str], gate: str = "pass", **extra: Any) -> dict:
    """A minimal conformance.json: (id, verdict, reason) per requirement, all MUST."""
    return {
        "schema": "async-conformance/1",
        "target": {"kind": "url", "url": "https://staging.example.com"},
        "dialect": "cloudcenter",
        "gate": gate,
        "gate_mode": "must",
        "requirements": [
            {"id": i, "level": "MUST", "title": f"{i} holds", "verdict": v, "reason": why}
            for i, v, why in requirements
        ],
        **extra,
    }


def compare(old: dict, new: dict):
    return diff_reports(parse_report(old, "old.json"), parse_report(new, "new.json"))


def write_report(path: Path, data: Any) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


EXPECTED = 'expected "async-conformance/..."'


def _text(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return render_diff_text(diff_of(old, new)).splitlines()


def test_a_requirement_newly_blocked_has_changed_not_regressed():
    moved = classify(Verdict.PASS, Verdict.BLOCKED)
    assert moved is not None
    change, note = moved
    assert change is Change.CHANGED and "blocks it" in note


def test_the_table_names_every_move():
    verdicts = [v.value for v in Verdict]
    assert set(MOVES) == set(itertools.permutations(verdicts, 2))


@pytest.mark.parametrize(("old", "new"), sorted(MOVES))
def test_each_move_is_classified(old, new):
    diff = compare(document(("X", old, "before")), document(("X", new, "after")))
    [moved] = diff.moved
    assert (moved.change, moved.note) == MOVES[old, new]
    assert (moved.old, moved.new, moved.reason) == (Verdict(old), Verdict(new), "after")
    assert diff.regressed is (moved.change is R)


def test_a_new_reason_with_the_same_verdict_is_not_listed():
    diff = compare(document(("X", "FAIL", "took 4.0 s")), document(("X", "FAIL", "took 5.0 s")))
    assert diff.moved == ()
    assert not diff.regressed
    assert render_diff_text(diff).splitlines()[-1] == (
        "no change: no verdict moved (1 requirement in both reports), and the gate stayed pass"
    )


def test_added_and_removed_are_listed_but_fail_nothing():
    diff = compare(
        document(("KEPT", "PASS", ""), ("GONE", "FAIL", "old reason")),
        document(("KEPT", "PASS", ""), ("NEW", "FAIL", "new reason")),
    )
    assert [(m.change, m.id) for m in diff.moved] == [
        (Change.ADDED, "NEW"),
        (Change.REMOVED, "GONE"),
    ]
    assert not diff.regressed
    assert diff.compared == 1
    lines = render_diff_text(diff).splitlines()
    assert "ADDED      NEW (MUST): new, FAIL  — new reason" in lines
    assert "REMOVED    GONE (MUST): was FAIL  — old reason" in lines


def test_groups_come_in_order_and_keep_the_report_order_within():
    old = document(("A", "PASS", ""), ("B", "FAIL", ""), ("C", "PASS", ""), ("D", "PASS", ""))
    new = document(("A", "SKIP", ""), ("B", "PASS", ""), ("C", "FAIL", ""), ("D", "WARN", ""))
    diff = compare(old, new)
    assert [(m.change, m.id) for m in diff.moved] == [(R, "C"), (R, "D"), (I, "B"), (C, "A")]


def test_the_gate_going_from_pass_to_fail_is_a_regression_by_itself():
    # The same verdicts under a stricter gate: no requirement moved, the gate did.
    old = document(("X", "WARN", "slow"), gate="pass")
    new = document(("X", "WARN", "slow"), gate="fail", gate_mode="should")
    diff = compare(old, new)
    assert diff.moved == ()
    assert diff.regressed
    lines = render_diff_text(diff).splitlines()
    assert "gate: pass -> fail (gate mode must -> should)" in lines
    assert lines[-1].endswith("; gate pass -> fail")


def test_the_gate_going_from_fail_to_pass_is_no_regression():
    diff = compare(document(("X", "FAIL", "")), document(("X", "PASS", ""), gate="fail"))
    reverse = compare(document(("X", "PASS", ""), gate="fail"), document(("X", "PASS", "")))
    assert (diff.gate_regressed, reverse.gate_regressed) == (True, False)
    assert reverse.gate_changed
    assert not reverse.regressed


def test_text_has_one_line_per_requirement_then_gate_counts_and_summary():
    old = document(("TRANS-MODEL", "PASS", ""), ("SUBMIT-202", "PASS", ""), ("S", "SKIP", ""))
    new = document(
        ("TRANS-MODEL", "FAIL", "Observed: RUNNING after SUCCESS"),
        ("SUBMIT-202", "PASS", ""),
        ("S", "SKIP", ""),
        gate="fail",
    )
    assert render_diff_text(compare(old, new)).splitlines() == [
        "REGRESSED  TRANS-MODEL (MUST): PASS -> FAIL  — Observed: RUNNING after SUCCESS",
        "gate: pass -> fail",
        "verdicts: PASS 2 -> 1, FAIL 0 -> 1, SKIP 1",
        "1 regressed, 0 improved, 0 changed, 0 added, 0 removed (3 requirements in both reports);"
        " gate pass -> fail",
    ]


def test_text_keeps_a_reason_on_one_line_without_terminal_escapes():
    reason = "Observed: 'line one\nline two\x1b[2J'"
    text = render_diff_text(compare(document(("X", "PASS", "")), document(("X", "FAIL", reason))))
    assert (
        text.splitlines()[0]
        == "REGRESSED  X (MUST): PASS -> FAIL  — Observed: 'line one line two [2J'"
    )


def test_text_says_when_the_reports_are_of_different_targets():
    new = document(("X", "PASS", ""))
    new["target"]["url"] = "https://other.example.com"
    first = render_diff_text(compare(document(("X", "PASS", "")), new)).splitlines()[0]
    assert first == (
        "note: the reports are of different targets: https://staging.example.com (cloudcenter)"
        " and https://other.example.com (cloudcenter)"
    )


def test_cli_exits_1_on_a_regression(tmp_path, capsys):
    old = write_report(tmp_path / "old.json", document(("X", "PASS", ""), ("Y", "PASS", "")))
    new = write_report(tmp_path / "new.json", document(("X", "WARN", "slow"), ("Y", "PASS", "")))
    assert main(["diff", old, new]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "REGRESSED  X (MUST): PASS -> WARN  — slow"
    assert out[-1].startswith("1 regressed, 0 improved")


def test_cli_exits_0_when_only_improved_or_changed(tmp_path, capsys):
    old = write_report(tmp_path / "old.json", document(("X", "FAIL", ""), ("Y", "PASS", "")))
    new = write_report(tmp_path / "new.json", document(("X", "PASS", "fixed"), ("Y", "SKIP", "")))
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert "IMPROVED   X (MUST): FAIL -> PASS  — fixed" in out
    assert "CHANGED    Y (MUST): PASS -> SKIP, no longer observed" in out


def test_cli_exits_0_when_nothing_changed(tmp_path, capsys):
    same = write_report(tmp_path / "r.json", document(("X", "PASS", "")))
    assert main(["diff", same, same]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("no change: ")


def test_cli_exits_1_when_only_the_gate_regressed(tmp_path, capsys):
    old = write_report(tmp_path / "old.json", document(("X", "WARN", "")))
    new = write_report(tmp_path / "new.json", document(("X", "WARN", ""), gate="fail"))
    assert main(["diff", old, new]) == 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "bad.json: no such file; give the conformance.json"),
        ("{not json", "bad.json: not JSON (Expecting property name enclosed in double quotes"),
        ("[]", "bad.json: not a conformance report (a JSON array, not an object)"),
        ({"requirements": []}, 'bad.json: not a conformance report (no "schema", expected'),
        ({"schema": "other/1"}, 'not a conformance report ("schema" is "other/1", expected'),
        (
            {"schema": "async-conformance/1"},
            'bad.json: a conformance report with no "requirements"',
        ),
        (document(("X", "MAYBE", "")), 'bad.json: requirements[0] (X) has verdict "MAYBE"'),
        (document(("X", "PASS", ""), ("X", "FAIL", "")), 'X appears twice in "requirements"'),
    ],
)
@pytest.mark.parametrize("side", ["old", "new"])
def test_cli_exits_2_on_bad_input_with_one_clear_line(tmp_path, capsys, content, problem, side):
    good = write_report(tmp_path / "good.json", document(("X", "PASS", "")))
    bad = tmp_path / "bad.json"
    if content is not None:
        write_report(bad, content)
    args = [good, str(bad)] if side == "new" else [str(bad), good]
    assert main(["diff", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"async-conformance diff: {bad}: ")
    assert problem in line
    assert line.endswith(
        "give the conformance.json that a run of the suite wrote (see --report-dir)"
    )


def test_cli_help_says_what_is_not_listed(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["diff", "--help"])
    assert exit_.value.code == 0
    help_ = " ".join(capsys.readouterr().out.split())
    assert "A requirement that kept its verdict with another reason is not listed." in help_


def test_html_escapes_everything_from_the_reports(tmp_path, capsys):
    planted = "<script>alert(1)</script>"
    old = document(("X", "PASS", ""), ("Y", "PASS", ""))
    new = document(("X", "FAIL", f"body was {planted}"), ("Y", "PASS", ""), gate="fail")
    new["requirements"][0]["title"] = planted
    old["target"]["url"] = new["target"]["url"] = f"https://x.example/{planted}"
    page = tmp_path / "out" / "diff.html"
    code = main(
        [
            "diff",
            write_report(tmp_path / "o.json", old),
            write_report(tmp_path / "n.json", new),
            "--html",
            str(page),
        ]
    )
    assert code == 1
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "body was &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") == 4  # the reason, the title, the two targets
    assert "default-src 'none'" in html
    assert "src=" not in html and "href=" not in html  # nothing loaded from anywhere
    assert "REGRESSED (1)" in html
    assert "gate: pass -&gt; fail" in html
    assert capsys.readouterr().out.startswith("REGRESSED  X (MUST): PASS -> FAIL")


def test_html_that_cannot_be_written_exits_2(tmp_path, capsys):
    report = write_report(tmp_path / "r.json", document(("X", "PASS", "")))
    assert main(["diff", report, report, "--html", str(tmp_path)]) == 2  # a folder
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"async-conformance diff: --html {tmp_path}: cannot be written")


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
        ({"requirements": [requirement_entry("A", "PASS"), ["X"]]}, 'requirements[1] has no "id"'),
        (
            {"requirements": [requirement_entry("A", "PASS"), {"id": 7}]},
            'requirements[1] has no "id"',
        ),
        (
            {"requirements": [requirement_entry("A", "PASS"), {"id": "B"}]},
            "requirements[1] (B) has verdict null, not one of "
            "PASS, FAIL, WARN, SKIP, ERROR, BLOCKED, NOT-COVERED",
        ),
        (
            {"requirements": [requirement_entry("A", "PASS"), requirement_entry("B", "MAYBE")]},
            'requirements[1] (B) has verdict "MAYBE", not one of '
            "PASS, FAIL, WARN, SKIP, ERROR, BLOCKED, NOT-COVERED",
        ),
        (
            {"requirements": [requirement_entry("A", "PASS"), requirement_entry("A", "FAIL")]},
            'A appears twice in "requirements"',
        ),
        ({"gate": "maybe"}, '"gate" is "maybe", not "pass" or "fail"'),
        ({"gate": True}, '"gate" is true, not "pass" or "fail"'),
    ],
)
def test_a_report_that_cannot_be_read_is_refused_with_its_problem(changes, problem):
    document = {**report_document(requirement_entry("A", "PASS")), **changes}
    document = {k: v for k, v in document.items() if v is not None}
    with pytest.raises(ReportError) as error:
        parse_report(document, "r.json")
    assert str(error.value) == f"r.json: {problem}; {WAY_OUT}"


def test_a_report_is_read_with_its_target_dialect_start_gate_and_requirements():
    document = report_document(
        requirement_entry("A", "FAIL", "Observed: 500", level="SHOULD"),
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
    document = report_document(
        requirement_entry("A", "PASS"), gate=None, gate_mode="", target="https://x.example"
    )
    report = parse_report(document, "r.json")
    assert (report.target, report.dialect, report.started_at) == ("", "cloudcenter", "")
    assert (report.gate, report.gate_mode, report.aborted) == (None, None, None)
    assert parse_report(report_document(aborted=""), "r.json").aborted is None
    assert parse_report(report_document(gate="pass"), "r.json").gate == "pass"


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
    path.write_text(json.dumps(report_document(requirement_entry("A", "PASS"))), encoding="utf-8")
    report = load_report(path)
    assert (report.source, list(report.requirements)) == (str(path), ["A"])


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


def test_a_gate_only_one_report_has_is_not_shown():
    lines = _text(
        report_document(requirement_entry("A", "PASS"), gate=None),
        report_document(requirement_entry("A", "PASS"), gate="fail"),
    )
    assert lines == [
        "verdicts: PASS 1",
        "no change: no verdict moved (1 requirement in both reports), and the gate stayed fail",
    ]
    lines = _text(
        report_document(requirement_entry("A", "PASS")),
        report_document(requirement_entry("A", "PASS"), gate=None),
    )
    assert lines == [
        "verdicts: PASS 1",
        "no change: no verdict moved (1 requirement in both reports)",
    ]


def test_an_unchanged_gate_is_shown_with_a_change_of_mode_and_an_early_stop():
    old = report_document(requirement_entry("A", "PASS"), gate_mode=None)
    new = report_document(
        requirement_entry("A", "PASS"), gate_mode="should", aborted="the target\nwent away"
    )
    assert _text(old, new) == [
        "gate: pass (gate mode ? -> should) (the new run stopped early: the target went away)",
        "verdicts: PASS 1",
        "no change: no verdict moved (1 requirement in both reports), and the gate stayed pass",
    ]
    assert _text(new, old)[0] == "gate: pass (gate mode should -> ?)"
    assert _text(old, old)[0] == "gate: pass"


def test_every_kind_of_move_is_listed_in_its_group_and_counted_in_the_summary():
    old = report_document(
        requirement_entry("GONE", "SKIP"),
        requirement_entry("C", "PASS"),
        requirement_entry("I", "FAIL"),
        requirement_entry("R", "PASS"),
    )
    new = report_document(
        requirement_entry("NEW", "PASS"),
        requirement_entry("C", "NOT-COVERED"),
        requirement_entry("I", "PASS"),
        requirement_entry("R", "WARN", "slow"),
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
    assert _text(report_document(gate=None), report_document(gate=None)) == [
        "verdicts: ",
        "no change: no verdict moved (0 requirements in both reports)",
    ]


def test_the_note_names_an_unnamed_target_and_a_missing_dialect():
    old = report_document(target=None, dialect=None)
    new = report_document(target={"url": "https://b"}, dialect="mine")
    assert _text(old, new)[0] == (
        "note: the reports are of different targets: an unnamed target (no dialect)"
        " and https://b (mine)"
    )


def test_a_reason_with_tabs_and_controls_stays_one_printable_line():
    new = report_document(requirement_entry("A", "FAIL", "a\tb\x00c\u2028d"))
    assert (
        _text(report_document(requirement_entry("A", "PASS")), new)[0]
        == "REGRESSED  A (MUST): PASS -> FAIL  — a b c d"
    )


def test_the_html_marks_an_improved_gate_and_lists_only_the_groups_with_moves():
    old = report_document(
        requirement_entry("A", "FAIL", "broke"),
        requirement_entry("B", "PASS"),
        gate="fail",
        started_at="then",
    )
    new = report_document(
        requirement_entry("A", "PASS", "fixed"),
        requirement_entry("B", "PASS"),
        target={"url": "https://b"},
    )
    html = render_diff_html(diff_of(old, new))
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
    html = render_diff_html(
        diff_of(
            report_document(requirement_entry("A", "PASS")),
            report_document(requirement_entry("A", "SKIP")),
        )
    )
    assert "<p>gate: pass</p>" in html
    assert 'class="note">note:' not in html
    assert '<td>SKIP <span class="note">(no longer observed)</span></td>' in html
    assert "<h2 class=" in html and '<h2 class="CHANGED">CHANGED (1)</h2>' in html
    no_gate = render_diff_html(diff_of(report_document(gate=None), report_document(gate=None)))
    assert "gate: " not in no_gate
    assert (
        "<p><strong>no change: no verdict moved (0 requirements in both reports)</strong></p>"
        in (no_gate)
    )


def test_an_added_or_removed_requirement_has_no_note_in_the_html():
    html = render_diff_html(
        diff_of(
            report_document(requirement_entry("GONE", "FAIL")),
            report_document(requirement_entry("NEW", "PASS")),
        )
    )
    assert '<h2 class="ADDED">ADDED (1)</h2>' in html
    assert '<h2 class="REMOVED">REMOVED (1)</h2>' in html
    assert "<td></td>\n<td>PASS</td>" in html  # added: no old verdict, the new one plainly
    assert "<td>FAIL</td>\n<td></td>" in html  # removed: the old verdict, no new one
    assert 'class="note">(' not in html


def test_a_report_that_cannot_be_read_says_why_in_the_systems_words(tmp_path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    path = tmp_path / "file" / "conformance.json"
    with pytest.raises(ReportError) as error:
        load_report(path)
    assert str(error.value) == f"{path}: cannot be read (Not a directory); {WAY_OUT}"


def test_a_report_is_read_as_utf8_whatever_the_locale(tmp_path):
    # conformance.json is written as UTF-8 with its text as is; a user whose locale is not
    # UTF-8 (an ASCII "C" locale here, cp1252 on Windows) must read the same report.
    path = tmp_path / "conformance.json"
    reason = "Observed: the state “DONE” — naïve"
    path.write_text(
        json.dumps(report_document(requirement_entry("A", "FAIL", reason)), ensure_ascii=False),
        "utf-8",
    )
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        report = load_report(path)
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)
    assert report.requirements["A"].reason == reason


def test_counts_list_each_verdict_either_report_has_in_verdict_order():
    diff = diff_of(
        report_document(
            requirement_entry("A", "PASS"),
            requirement_entry("B", "PASS"),
            requirement_entry("C", "ERROR"),
        ),
        report_document(
            requirement_entry("A", "FAIL"),
            requirement_entry("B", "PASS"),
            requirement_entry("C", "ERROR"),
            requirement_entry("D", "NOT-COVERED"),
        ),
    )
    assert diff.counts() == [("PASS", 2, 1), ("FAIL", 0, 1), ("ERROR", 1, 1), ("NOT-COVERED", 0, 1)]


def test_the_gate_changes_only_when_both_reports_have_one():
    one_sided = diff_of(
        report_document(requirement_entry("A", "PASS"), gate=None),
        report_document(requirement_entry("A", "PASS"), gate="fail"),
    )
    assert (one_sided.gate_changed, one_sided.gate_regressed, one_sided.regressed) == (
        False,
        False,
        False,
    )
    other_side = diff_of(
        report_document(requirement_entry("A", "PASS"), gate="pass"),
        report_document(requirement_entry("A", "PASS"), gate=None),
    )
    assert other_side.gate_changed is False
    same = diff_of(report_document(gate="fail"), report_document(gate="fail"))
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
    diff = diff_of(
        report_document(target={"url": old[0]}, dialect=old[1]),
        report_document(target={"url": new[0]}, dialect=new[1]),
    )
    assert diff.targets_differ is differ


@pytest.mark.slow
def test_two_real_runs(run_suite, tmp_path, capsys):
    """Reports written by the suite itself: a fault that breaks SUBMIT-202 is a regression."""
    reports = {}
    for name, faults in (("good", []), ("faulty", ["--fault=submit-200"])):
        run = run_suite("-k", "test_submission_is_accepted_with_202", *faults)
        assert run.document is not None
        reports[name] = write_report(tmp_path / f"{name}.json", run.document)
    capsys.readouterr()  # the runs' own output
    assert main(["diff", reports["good"], reports["faulty"]]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("REGRESSED  SUBMIT-202 (MUST): PASS -> FAIL  — Observed: 200")
    assert "gate: pass -> fail" in out
    assert main(["diff", reports["faulty"], reports["good"]]) == 0
    assert capsys.readouterr().out.startswith("IMPROVED   SUBMIT-202 (MUST): FAIL -> PASS")
