"""`async-conformance diff`: the classification of moves, the text and HTML, the exit codes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.report import Change, diff_reports, parse_report, render_diff_text
from conformance.verdicts import Verdict

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


def write(path: Path, data: Any) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


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


# The command, as a user runs it.


def test_cli_exits_1_on_a_regression(tmp_path, capsys):
    old = write(tmp_path / "old.json", document(("X", "PASS", ""), ("Y", "PASS", "")))
    new = write(tmp_path / "new.json", document(("X", "WARN", "slow"), ("Y", "PASS", "")))
    assert main(["diff", old, new]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "REGRESSED  X (MUST): PASS -> WARN  — slow"
    assert out[-1].startswith("1 regressed, 0 improved")


def test_cli_exits_0_when_only_improved_or_changed(tmp_path, capsys):
    old = write(tmp_path / "old.json", document(("X", "FAIL", ""), ("Y", "PASS", "")))
    new = write(tmp_path / "new.json", document(("X", "PASS", "fixed"), ("Y", "SKIP", "")))
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert "IMPROVED   X (MUST): FAIL -> PASS  — fixed" in out
    assert "CHANGED    Y (MUST): PASS -> SKIP, no longer observed" in out


def test_cli_exits_0_when_nothing_changed(tmp_path, capsys):
    same = write(tmp_path / "r.json", document(("X", "PASS", "")))
    assert main(["diff", same, same]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("no change: ")


def test_cli_exits_1_when_only_the_gate_regressed(tmp_path, capsys):
    old = write(tmp_path / "old.json", document(("X", "WARN", "")))
    new = write(tmp_path / "new.json", document(("X", "WARN", ""), gate="fail"))
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
    good = write(tmp_path / "good.json", document(("X", "PASS", "")))
    bad = tmp_path / "bad.json"
    if content is not None:
        write(bad, content)
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
            write(tmp_path / "o.json", old),
            write(tmp_path / "n.json", new),
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
    report = write(tmp_path / "r.json", document(("X", "PASS", "")))
    assert main(["diff", report, report, "--html", str(tmp_path)]) == 2  # a folder
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"async-conformance diff: --html {tmp_path}: cannot be written")


def test_two_real_runs(run_suite, tmp_path, capsys):
    """Reports written by the suite itself: a fault that breaks SUBMIT-202 is a regression."""
    reports = {}
    for name, faults in (("good", []), ("faulty", ["--fault=submit-200"])):
        run = run_suite("-k", "test_submission_is_accepted_with_202", *faults)
        assert run.document is not None
        reports[name] = write(tmp_path / f"{name}.json", run.document)
    capsys.readouterr()  # the runs' own output
    assert main(["diff", reports["good"], reports["faulty"]]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("REGRESSED  SUBMIT-202 (MUST): PASS -> FAIL  — Observed: 200")
    assert "gate: pass -> fail" in out
    assert main(["diff", reports["faulty"], reports["good"]]) == 0
    assert capsys.readouterr().out.startswith("IMPROVED   SUBMIT-202 (MUST): FAIL -> PASS")
