"""The recorder at its edges, as a user's run meets them: what the header, the terminal summary
and conformance.json say about each case, and how a run that stops early is reported."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

from conformance.catalogue import CATALOGUE
from conformance.session import ConformanceSession

from .test_recorder import KINDS, _case, _run

HEADER = (
    "async-conformance: target builtin simulator (in-process), dialect cloudcenter, "
    "clock virtual, description builtin target description"
)


def _ran(result: pytest.RunResult) -> list[str]:
    """The cases in the order they ran (from -v)."""
    outcome = re.compile(r"test_user\.py::(\w+) (?:PASSED|FAILED|ERROR|SKIPPED|WARN)\b")
    return [m[1] for line in result.stdout.lines if (m := outcome.match(line))]


def _retention_starts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each time the run asks for the retention probes to start early (before any case)."""
    started: list[bool] = []
    monkeypatch.setattr(ConformanceSession, "retention_apart", lambda self: True)
    monkeypatch.setattr(ConformanceSession, "start_retention", lambda self: started.append(True))
    return started


EACH_KIND = """
import pytest
from conformance import cite
from conformance.schedule import Slot
from conformance.verdicts import ConformanceFailure, NotObserved

@pytest.mark.conformance_last
@pytest.mark.requirement("SUBMIT-LOCATION")
def test_goes_last(conformance):
    accepted = conformance.run("success").submission.exchange
    cite("the answer named its operation", [accepted])

def test_plain():
    pass

@pytest.mark.conformance_group("retention")
@pytest.mark.requirement("RETAIN-COMPLETED")
def test_kept(conformance):
    raise NotObserved("nothing was kept", [conformance.run("success").submission.exchange])

@pytest.mark.requirement("SUBMIT-202")
def test_accepted(conformance, record_property):
    record_property("attempts", 2)
    accepted = conformance.run("success").submission.exchange
    slot = Slot(0.0, "inside", lambda: None, about="the end of the window")
    conformance._waiting(252.0, slot, 3)
    print("captured output")
    cite("the submission answered 202", [accepted])

@pytest.mark.requirement("STATUS-RETRY-AFTER")
def test_too_soon(conformance):
    run = conformance.run("success")
    raise ConformanceFailure(
        "STATUS-RETRY-AFTER", "no Retry-After", "a Retry-After header",
        exchanges=run.exchanges[:1], hint="send Retry-After with each 202",
    )

@pytest.mark.requirement("STATUS-DETAILS")
def test_nothing_seen(conformance):
    run = conformance.run("success")
    raise NotObserved("no running status was read", run.exchanges[:2])
"""


def test_a_passing_run_records_each_cases_words_details_and_evidence(pytester, monkeypatch):
    started = _retention_starts(monkeypatch)
    result, document = _run(pytester, EACH_KIND, "-v")
    lines = result.stdout.lines
    # No --target: the recorder says what it runs against once it has collected cases.
    assert lines.count(HEADER) == 1
    # The long wait is announced (past the capture); the case's own print stays captured.
    assert (
        "async-conformance: waiting 4 min 12 s for the end of the window (3 more probes after it)"
    ) in lines
    assert "captured output" not in result.stdout.str()
    # A plain test first does not hide the cases after it; the marked case goes last.
    assert _ran(result) == [
        "test_plain",
        "test_kept",
        "test_accepted",
        "test_too_soon",
        "test_nothing_seen",
        "test_goes_last",
    ]
    # Retention cases beside others: their probes start with the run.
    assert started == [True]
    assert result.ret == pytest.ExitCode.OK

    accepted = _case(document, "SUBMIT-202")
    # The case's own properties are its details; requirement and level are said elsewhere.
    assert accepted["details"] == {"attempts": 2}
    assert accepted["message"] == "the submission answered 202"
    assert accepted["evidence"] == [{"what": "the submission answered 202", "exchanges": [1]}]
    assert accepted["duration_s"] > 0
    assert "details" not in _case(document, "SUBMIT-LOCATION")
    too_soon = _case(document, "STATUS-RETRY-AFTER")
    assert too_soon["verdict"] == "WARN"
    assert too_soon["hint"] == "send Retry-After with each 202"
    assert too_soon["message"] == "Observed: no Retry-After; expected: a Retry-After header"
    unseen = _case(document, "STATUS-DETAILS")
    assert (unseen["verdict"], unseen["message"]) == (
        "SKIP",
        "not observed: no running status was read",
    )
    assert [e["index"] for e in unseen["exchanges"]] == [1, 2]

    assert document["gate"] == "pass" and "aborted" not in document
    left = len(CATALOGUE) - 5  # every requirement but the five judged
    assert document["summary"] == {"PASS": 2, "WARN": 1, "SKIP": 2, "NOT-COVERED": left}
    duration = document["duration_s"]
    assert isinstance(duration, float) and 0 < duration < 60
    assert duration == round(duration, 3)  # milliseconds, as the schema documents
    described = document["target"]["description"]
    # The description as the user writes it (aliases, JSON values, lists kept whole).
    assert described["scenarios"]["success"]["json"] == {
        "name": "conformance-success",
        "simulate": "success",
    }
    assert described["dialect"]["accepted_status"] == [202]
    assert described["dialect"]["states"]["running"] == ["RUNNING"]
    assert described["clock"] is None

    assert "async-conformance" in [line.strip("= ") for line in lines]
    reports = pytester.path / "reports"
    assert (
        f"reports written to {reports}{os.sep}: "
        "conformance.json, conformance.html, conformance.junit.xml"
    ) in lines
    assert not [line for line in lines if line.startswith("note:")]


# 25 characters of "PASS  SUBMIT-202 (MUST): " and 96 of reason: one over the default width.
LONG_REASON = "the submission answered 202 " + "x" * 68

TWO_GROUPS = f"""
import pytest
from conformance import cite
from conformance.schedule import Slot

@pytest.mark.requirement("SUBMIT-202")
def test_accepted(conformance):
    accepted = conformance.run("success").submission.exchange
    conformance._waiting(252.0, Slot(0.0, "inside", lambda: None, about="the window"), 0)
    cite("{LONG_REASON}", [accepted])

@pytest.mark.conformance_group("deletion")
@pytest.mark.requirement("DELETE-204")
def test_deleted(conformance):
    pass
"""


def test_when_the_html_cannot_be_rendered_the_json_is_still_written_and_a_note_says_why(
    pytester, monkeypatch
):
    started = _retention_starts(monkeypatch)

    def broken(document: Any) -> str:
        raise RuntimeError("a bug in the page")

    monkeypatch.setattr("conformance.report._recorder.render_html", broken)
    # The terminal's size unknown (no COLUMNS, not a terminal): lines are cut to 120 columns.
    monkeypatch.delenv("COLUMNS", raising=False)

    def no_terminal(*args: Any) -> os.terminal_size:
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    reports = pytester.path / "reports"
    reports.mkdir()
    (reports / "conformance.html").write_text("from an earlier run")  # stale: must not stay
    result, document = _run(pytester, TWO_GROUPS, "--color=yes", "-rs")
    lines = result.stdout.lines

    assert document["gate"] == "pass"
    assert not (reports / "conformance.html").exists()
    assert not (reports / "conformance.junit.xml").exists()
    assert f"reports written to {reports}{os.sep}: conformance.json" in lines
    # The note, in yellow.
    assert (
        "\x1b[33mnote: the HTML and JUnit reports could not be written: "
        "RuntimeError('a bug in the page')\x1b[0m"
    ) in lines
    # A PASS line in green, cut to the 120 columns.
    passed = f"PASS  SUBMIT-202 (MUST): {LONG_REASON}"
    assert len(passed) == 121
    assert f"\x1b[32m{passed[:117]}...\x1b[0m" in lines
    assert "async-conformance" in [line.strip("= ") for line in lines]
    # A case that passes citing nothing is not observed; the skip names where the case is.
    assert _case(document, "DELETE-204")["verdict"] == "SKIP"
    source = (pytester.path / "test_user.py").read_text().splitlines()
    # Where pytest's own skips point: the case's first decorator, counted from 1.
    line = source.index('@pytest.mark.conformance_group("deletion")') + 1
    result.stdout.fnmatch_lines(
        [f"*SKIPPED* [[]1[]] test_user.py:{line}: not observed: the case cited no exchange*"]
    )
    # Two groups, neither of them retention: nothing to start early.
    assert started == []
    assert result.ret == pytest.ExitCode.OK


ERRORS = """
import pytest
from conformance.schedule import Slot
from conformance.verdicts import ConformanceFailure

pytestmark = pytest.mark.conformance_group("retention")

@pytest.mark.requirement("RETAIN-COMPLETED")
def test_kept(conformance):
    pass

@pytest.mark.requirement
def test_no_id(conformance):
    pass

@pytest.mark.requirement("DELETE-204")
def test_waits(conformance):
    conformance._waiting(252.0, Slot(0.0, "inside", lambda: None, about="the window"), 0)
    pytest.skip("nothing to delete")

@pytest.mark.xfail(strict=True, reason="known to break")
@pytest.mark.requirement("SUBMIT-LOCATION")
def test_passes_unexpectedly(conformance):
    pass

@pytest.mark.requirement("SUBMIT-202")
def test_refused(conformance):
    raise ConformanceFailure("SUBMIT-202", "200", "202")

def test_plain():
    pass
"""


def test_on_the_wall_clock_retention_cases_wait_for_the_rest_and_gate_none_exits_0(
    pytester, monkeypatch
):
    started = _retention_starts(monkeypatch)
    # Without pytest's capture plugin, a long wait is still announced.
    result, document = _run(
        pytester, ERRORS, "-v", "--clock=real", "--gate=none", "-p", "no:capture"
    )
    # --clock named: pytest's header hook shows the target, and the recorder not again.
    header = [line for line in result.stdout.lines if line.startswith("async-conformance: target")]
    assert header == [HEADER.replace("clock virtual", "clock real")]
    assert "async-conformance: waiting 4 min 12 s for the window" in result.stdout.lines
    assert _case(document, "DELETE-204")["message"] == "nothing to delete"
    # Their windows pass while the others run; alone, they gain nothing from an early start.
    assert _ran(result) == [
        "test_plain",
        "test_kept",
        "test_no_id",
        "test_waits",
        "test_passes_unexpectedly",
        "test_refused",
    ]
    assert started == []
    # A marker without an id is that case's error, said in one line without a traceback.
    assert (
        "@pytest.mark.requirement: unknown requirement id ''. "
        "`pytest --list-requirements` prints the catalogue."
    ) in result.stdout.lines
    assert "_recorder.py" not in result.stdout.str()
    # A strict xfail that passes failed with no exception: pytest's words are the message.
    unexpected = _case(document, "SUBMIT-LOCATION")
    assert (unexpected["verdict"], unexpected["message"]) == (
        "ERROR",
        "the case itself failed (call): [XPASS(strict)] known to break",
    )
    assert _case(document, "SUBMIT-202")["verdict"] == "FAIL"
    assert document["gate"] == "fail" and document["gate_mode"] == "none"
    assert result.ret == pytest.ExitCode.OK  # --gate=none: the report only


STOPS = """
import pytest

@pytest.mark.requirement("RETAIN-COMPLETED")
def test_stops(conformance):
    pytest.exit("the user had enough")
"""


def test_a_run_in_which_no_case_ran_is_never_reported_as_a_pass(pytester):
    result, document = _run(pytester, STOPS, "-k", "no_such_case")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert document["gate"] == "fail"
    assert document["aborted"] == "pytest stopped with exit status 5"
    # The terminal says so too: not "gate: pass" beside a report that says fail.
    assert f"requirements: {len(CATALOGUE)} NOT-COVERED; gate: FAIL (the run stopped early)" in (
        result.stdout.lines
    )


PLAIN = """
def test_plain():
    pass
"""

CLOCK_404 = (
    "GET http://builtin.simulator/no/clock answered 404; --clock control needs the target to "
    "offer the test-clock endpoint (README, 'The test-clock protocol'), or use --clock real."
)


@pytest.mark.parametrize(
    ("source", "stops"),
    [(STOPS, True), (PLAIN, False)],  # a project without conformance cases sends nothing
    ids=["cases", "no-cases"],
)
def test_a_test_clock_that_does_not_answer_stops_the_run_before_any_case(pytester, source, stops):
    config = pytester.path / "target.toml"
    # A TOML date in a scenario's body reaches the document as JSON (its ISO form).
    config.write_text(
        "test_clock_path = '/no/clock'\n[scenarios.success]\n"
        "path = '/v1/tenants/1/clouds/1/accounts'\njson = { name = 'x', since = 2024-01-02 }\n"
    )
    result, document = _run(pytester, source, "--clock=control", f"--target-config={config}")
    if not stops:
        assert result.ret == pytest.ExitCode.OK
        assert CLOCK_404 not in result.stdout.str()
        assert document is None
        return
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # The header once (pytest's header hook showed it: a description was named).
    header = [line for line in result.stdout.lines if line.startswith("async-conformance: target")]
    assert len(header) == 1
    result.stdout.fnmatch_lines([f"*Exit: {CLOCK_404}*"])
    assert (
        f"requirements: {len(CATALOGUE)} NOT-COVERED; gate: FAIL (the run stopped early)"
        in result.stdout.lines
    )
    assert (document["gate"], document["aborted"]) == ("fail", CLOCK_404)
    described = document["target"]["description"]
    assert described["scenarios"]["success"]["json"] == {"name": "x", "since": "2024-01-02"}
    result.assert_outcomes()  # no case ran


def test_a_target_that_is_not_there_is_one_message_and_exit_1(pytester):
    pytester.makefile(".toml", target='[scenarios.success]\npath = "/jobs"\n')
    result, document = _run(
        pytester, STOPS, "--target=http://127.0.0.1:9", "--target-config=target.toml"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    said = document["aborted"]
    assert said.startswith("the target http://127.0.0.1:9 cannot be reached: ConnectError: ")
    assert said.endswith("Is it running, and is --target the right address? Nothing else was sent.")
    # Said once, as the reason the run stopped.
    assert [line for line in result.stdout.lines if said in line] == [
        f"! _pytest.outcomes.Exit: {said} !"
    ]
    assert document["gate"] == "fail"
    assert document["exchange_count"] == 1  # the one look, nothing after it
    (kept,) = [r for r in document["requirements"] if r["id"] == "RETAIN-COMPLETED"]
    assert (kept["verdict"], kept["cases"]) == ("NOT-COVERED", [])


# What pytest-xdist gives a worker process: its id and the controller's settings in
# `workerinput`, and `workeroutput` to hand results back in (read here at the end).
AS_A_WORKER = """
import json
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.workerinput = {{
        "workerid": "gw3",
        "async_conformance": {{"seed": None, "groups": {folder!r}}},
    }}
    config.workeroutput = {{}}

def pytest_unconfigure(config):
    # Only the suite's own key: other plugins that see a worker (syrupy, under an outer
    # xdist run) hand over objects JSON cannot hold.
    with open({handed!r}, "w") as out:
        json.dump({{"async_conformance": config.workeroutput.get("async_conformance")}}, out)
"""


def test_an_xdist_worker_hands_its_groups_and_results_to_the_controller(pytester):
    folder, handed = pytester.path / "groups", pytester.path / "handed.json"
    folder.mkdir()
    pytester.makeconftest(AS_A_WORKER.format(folder=str(folder), handed=str(handed)))
    result, document = _run(pytester, TWO_GROUPS)
    assert document is None  # the controller writes the report
    assert json.loads((folder / "gw3.json").read_text()) == {
        "test_user.py::test_accepted": "lifecycle",
        "test_user.py::test_deleted": "deletion",
    }
    partial = json.loads(handed.read_text())["async_conformance"]
    assert partial["covering"] == {
        "SUBMIT-202": ["test_user.py::test_accepted"],
        "DELETE-204": ["test_user.py::test_deleted"],
    }
    assert partial["aborted"] is None
    assert partial["exchanges"][0]["label"] == "submit success"
    # The controller speaks to the terminal; a worker announces no wait of its own.
    assert "async-conformance: waiting 4 min 12 s for the window" not in result.stdout.lines
    assert result.ret == pytest.ExitCode.OK


def test_the_progress_line_marks_a_warn_in_yellow_and_an_error_in_red(pytester):
    # pytest's own letters for these would be "." (a WARN passes) and "F"/"E" in plain red.
    result, _ = _run(pytester, KINDS, "--color=yes")
    yellow, red, reset = "\x1b[33m", "\x1b[31m", "\x1b[0m"
    progress = next(line for line in result.stdout.lines if line.startswith("test_user.py "))
    letters = f"{yellow}W{reset}{red}E{reset}{red}E{reset}{yellow}W{reset}"
    assert progress.startswith(f"test_user.py {letters}"), progress
