"""What the suite says is true: reasons, headers and the real-clock wait it announces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.checks import status
from conformance.description import parse
from conformance.driver import Exchange, Poll, read_state
from conformance.observations import SafetyTrial
from conformance.verdicts import ConformanceFailure, Inconclusive

from .conftest import write

ROOT = Path(__file__).resolve().parent.parent


def test_a_run_of_one_case_file_says_the_rest_was_not_selected(run_suite):
    run = run_suite("-k", "test_delete")
    assert run.requirement("SUBMIT-202")["reason"] == "not selected in this run"
    assert run.requirement("SUBMIT-202")["verdict"] == "NOT-COVERED"


def test_a_requirement_no_shipped_case_covers_says_so(monkeypatch):
    from conformance.report import Results, _results

    monkeypatch.setattr(_results, "shipped_requirements", lambda: frozenset({"SUBMIT-202"}))
    results = Results()
    results.selected = set()
    reasons = {r.requirement.id: r.reason for r in results.requirements()}
    assert reasons["SUBMIT-202"] == "not selected in this run"
    assert reasons["ROBUST-IDS"] == "no case covers this requirement yet"


def test_the_header_names_the_dialect_as_described(run_suite, tmp_path):
    config = write(
        tmp_path / "t.toml",
        '[dialect]\nname = "acme"\nextends = "azure"\nstatus_field = "state"\n',
    )
    run = run_suite("--target=builtin", f"--target-config={config}", "-k", "nothing-matches")
    run.result.stdout.fnmatch_lines(
        ["*dialect acme (extends azure), keys overridden: status_field,*"]
    )


def test_the_announced_wall_clock_wait_counts_only_declared_scenarios(run_suite, tmp_path):
    config = write(
        tmp_path / "t.toml",
        '[scenarios.success]\npath = "/x"\n[retention]\ncompleted = 20\ntimed_out = 3600\n',
    )
    run = run_suite(
        "--target=http://127.0.0.1:9", f"--target-config={config}", "--collect-only", "-q"
    )
    # No timeout scenario: the hour-long window is never waited for.
    run.result.stdout.fnmatch_lines(["*the retention cases wait about 25 s*"])


def test_no_message_points_to_another_requirement():
    # "(see X)" sent readers to a requirement that may well have passed.
    for path in ROOT.joinpath("conformance").rglob("*.py"):
        assert not re.search(r"\(see [A-Z]+-", path.read_text(encoding="utf-8")), path


def _poll(state: str | None, at: float = 0.0) -> Poll:
    body = {"status": state, "progress": 100 if state == "SUCCESS" else 10}
    dialect = parse({}, "t").effective.dialect
    exchange = Exchange(0, "poll", "GET", "http://t/op", [], b"", at, at, 200)
    return Poll(exchange, body, read_state(dialect, 200, body), 0.0, None)


def _trial(later: str | None) -> SafetyTrial:
    often = [_poll("RUNNING"), _poll("SUCCESS")]
    return SafetyTrial(often, _poll("RUNNING"), _poll(later) if later else None, 0.02)


@pytest.mark.parametrize(
    ("trials", "outcome"),
    [
        # The twin lagged, but one left unread caught up: the server's own timing.
        ([_trial("SUCCESS")], None),
        # Both trials: a third, left unread twice as long, still running.
        ([_trial("RUNNING"), _trial("RUNNING")], ConformanceFailure),
        # Once of two: doubt.
        ([_trial("RUNNING"), _trial("SUCCESS")], Inconclusive),
    ],
)
def test_on_the_wall_clock_only_a_repeated_lag_fails_status_safe(trials, outcome):
    made = iter(trials)
    description = parse({}, "t").effective
    if outcome is None:
        status.reads_are_safe(lambda: next(made), description, exact=False)
    else:
        with pytest.raises(outcome):
            status.reads_are_safe(lambda: next(made), description, exact=False)
