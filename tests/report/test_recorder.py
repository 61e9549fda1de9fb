"""The recorder plugin (`report/_recorder.py`): pytest outcomes turned into verdicts, words,
evidence and the one document every writer reads."""

from __future__ import annotations

import json
import os
import re
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.catalogue import CATALOGUE
from conformance.session import ConformanceSession
from tests.data.make import CASES, RUNS, arguments
from tests.support.paths import DATA
from tests.support.recording import KINDS, case_of, make_recorder, run_user_tests, worker_partial

_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


#: Wall-clock figures: the run's start, end and length, and each case's duration.
_WALL = {"started_at", "finished_at", "duration_s"}


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in _WALL}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return _ID.sub("<id>", value) if isinstance(value, str) else value


def _described(pytester: pytest.Pytester, toml: str) -> tuple[str, Any]:
    """One case run against the simulator under this target description: every output, and
    the description as the document records it."""
    config = pytester.path / "target.toml"
    config.write_text(toml, encoding="utf-8")
    result = pytester.runpytest_inprocess(
        str(CASES),
        "-p",
        "no:cacheprovider",
        "-k",
        "submission_is_accepted",
        "--target",
        "builtin",
        f"--target-config={config}",
    )
    text = (pytester.path / "reports" / "conformance.json").read_text()
    return text + result.stdout.str(), json.loads(text)["target"]["description"]


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


STOPS = """
import pytest

@pytest.mark.requirement("RETAIN-COMPLETED")
def test_stops(conformance):
    pytest.exit("the user had enough")
"""


PLAIN = """
def test_plain():
    pass
"""


CLOCK_404 = (
    "GET http://builtin.simulator/no/clock answered 404; --clock control needs the target to "
    "offer the test-clock endpoint (README, 'The test-clock protocol'), or use --clock real."
)


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


# A whole run each: it reaches nearly every function, so it is slow, not for the fast tier
# (a mutant of any function would wait for it).
@pytest.mark.slow
@pytest.mark.parametrize("name", list(RUNS))
def test_the_run_writes_the_fixed_report(pytester, name):
    report_dir = pytester.path / "reports"
    pytester.runpytest_inprocess(*arguments(name, report_dir))
    written = json.loads((report_dir / "conformance.json").read_text(encoding="utf-8"))
    fixed = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert _comparable(written) == _comparable(fixed), (
        f"conformance.json of the {name!r} run changed: if that is meant, make the fixed "
        "reports again (tests/data/README.md) and review the diff"
    )


def test_a_skip_keeps_the_exchanges_it_looked_at(pytester):
    report_dir = pytester.path / "reports"
    pytester.runpytest_inprocess(
        str(CASES),
        "-p",
        "no:cacheprovider",
        "-k",
        "accepted_body",
        "--fault=submit-200",
        f"--report-dir={report_dir}",
    )
    written = json.loads((report_dir / "conformance.json").read_text(encoding="utf-8"))
    (body,) = [r for r in written["requirements"] if r["id"] == "SUBMIT-BODY"]
    cases = {c["nodeid"].rpartition("[")[2]: c for c in body["cases"]}
    for scenario in ("success]", "failure]"):
        case = cases[scenario]
        assert case["verdict"] == "SKIP"
        assert (
            case["message"] == f"not observed: the {scenario[:-1]} acceptance answered 200, not 202"
        )
        (looked,) = case["exchanges"]
        assert (looked["method"], looked["status"]) == ("POST", 200)
        assert looked["label"] == f"submit {scenario[:-1]}"


def test_each_kind_of_outcome_is_recorded_with_its_words_and_exchanges(pytester):
    result, document = run_user_tests(pytester, KINDS, "-v")
    unsure = case_of(document, "STATUS-DETAILS")
    assert (unsure["verdict"], unsure["message"]) == (
        "WARN",
        "inconclusive: the reads came too late",
    )
    assert [e["index"] for e in unsure["exchanges"]] == [1]
    blocked = case_of(document, "SUBMIT-202")
    assert (blocked["verdict"], blocked["message"]) == (
        "ERROR",
        "could not run: nothing to stand on",
    )
    assert len(blocked["exchanges"]) == 2
    crashed = case_of(document, "SUBMIT-LOCATION")
    assert crashed["verdict"] == "ERROR"
    assert crashed["message"] == "the case itself failed (call): ValueError: a bug in the case"
    info = case_of(document, "STATUS-RETRY-AFTER")
    assert (info["verdict"], info["observed"], info["expected"]) == ("WARN", "too soon", "later")
    # In the terminal: a WARN passes, an ERROR is its own outcome, the crash keeps its traceback.
    result.stdout.fnmatch_lines(
        [
            "*::test_unsure WARN*",
            "*::test_blocked ERROR*",
            "*::test_crashes ERROR*",
            "*::test_info_fails WARN*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = result.parseoutcomes()
    assert (outcomes.get("warned"), outcomes.get("errors"), outcomes.get("failed")) == (2, 2, None)


def test_at_the_should_gate_a_warn_fails_but_an_info_one_does_not(pytester):
    result, document = run_user_tests(
        pytester, KINDS, "-k", "unsure or info_fails", "--gate=should"
    )
    outcomes = result.parseoutcomes()
    assert (outcomes.get("failed"), outcomes.get("warned")) == (1, 1)
    assert document["gate"] == "fail" and document["strict"] is True


def test_a_requirement_outside_the_dialect_is_skipped_saying_why(pytester):
    result, document = run_user_tests(
        pytester,
        """
import pytest

@pytest.mark.requirement("STATUS-DETAILS")
def test_details(conformance):
    raise AssertionError("never runs")
""",
        "--target",
        "builtin:azure",
    )
    case = case_of(document, "STATUS-DETAILS")
    assert case["verdict"] == "SKIP"
    assert case["message"] == (
        "not in the azure dialect's contract: the Azure guidelines leave details of a running "
        "operation optional (percentComplete may be given)"
    )
    result.assert_outcomes(skipped=1)


def test_secret_scenario_headers_are_redacted_in_the_document(pytester, monkeypatch):
    monkeypatch.setenv("SCENARIO_KEY", "scenario-secret-77")
    output, described = _described(
        pytester,
        "headers = { Authorization = '${SCENARIO_KEY}' }\n"
        "[scenarios.success]\npath = '/v1/tenants/1/clouds/1/accounts'\n"
        "json = { name = 'x' }\nheaders = { 'Api-Key' = '${SCENARIO_KEY}', 'X-Mode' = 'plain' }\n",
    )
    assert "scenario-secret-77" not in output
    assert described["scenarios"]["success"]["headers"] == {
        "Api-Key": "[redacted]",
        "X-Mode": "plain",
    }
    assert described["headers"] == {"Authorization": "[redacted]"}


def test_a_checked_value_from_the_environment_stays_secret_in_the_document(pytester, monkeypatch):
    monkeypatch.setenv("SIM_URL", "http://builtin.simulator/pathtok-42")
    output, described = _described(pytester, "base_url = '${SIM_URL}'\n")
    assert "pathtok-42" not in output
    assert described["base_url"] == "[secret]"


def test_a_passing_run_records_each_cases_words_details_and_evidence(pytester, monkeypatch):
    started = _retention_starts(monkeypatch)
    result, document = run_user_tests(pytester, EACH_KIND, "-v")
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

    accepted = case_of(document, "SUBMIT-202")
    # The case's own properties are its details; requirement and level are said elsewhere.
    assert accepted["details"] == {"attempts": 2}
    assert accepted["message"] == "the submission answered 202"
    assert accepted["evidence"] == [{"what": "the submission answered 202", "exchanges": [1]}]
    assert accepted["duration_s"] > 0
    assert "details" not in case_of(document, "SUBMIT-LOCATION")
    too_soon = case_of(document, "STATUS-RETRY-AFTER")
    assert too_soon["verdict"] == "WARN"
    assert too_soon["hint"] == "send Retry-After with each 202"
    assert too_soon["message"] == "Observed: no Retry-After; expected: a Retry-After header"
    unseen = case_of(document, "STATUS-DETAILS")
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
    result, document = run_user_tests(pytester, TWO_GROUPS, "--color=yes", "-rs")
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
    assert case_of(document, "DELETE-204")["verdict"] == "SKIP"
    source = (pytester.path / "test_user.py").read_text().splitlines()
    # Where pytest's own skips point: the case's first decorator, counted from 1.
    line = source.index('@pytest.mark.conformance_group("deletion")') + 1
    result.stdout.fnmatch_lines(
        [f"*SKIPPED* [[]1[]] test_user.py:{line}: not observed: the case cited no exchange*"]
    )
    # Two groups, neither of them retention: nothing to start early.
    assert started == []
    assert result.ret == pytest.ExitCode.OK


def test_on_the_wall_clock_retention_cases_wait_for_the_rest_and_gate_none_exits_0(
    pytester, monkeypatch
):
    started = _retention_starts(monkeypatch)
    # Without pytest's capture plugin, a long wait is still announced.
    result, document = run_user_tests(
        pytester, ERRORS, "-v", "--clock=real", "--gate=none", "-p", "no:capture"
    )
    # --clock named: pytest's header hook shows the target, and the recorder not again.
    header = [line for line in result.stdout.lines if line.startswith("async-conformance: target")]
    assert header == [HEADER.replace("clock virtual", "clock real")]
    assert "async-conformance: waiting 4 min 12 s for the window" in result.stdout.lines
    assert case_of(document, "DELETE-204")["message"] == "nothing to delete"
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
    unexpected = case_of(document, "SUBMIT-LOCATION")
    assert (unexpected["verdict"], unexpected["message"]) == (
        "ERROR",
        "the case itself failed (call): [XPASS(strict)] known to break",
    )
    assert case_of(document, "SUBMIT-202")["verdict"] == "FAIL"
    assert document["gate"] == "fail" and document["gate_mode"] == "none"
    assert result.ret == pytest.ExitCode.OK  # --gate=none: the report only


def test_a_run_in_which_no_case_ran_is_never_reported_as_a_pass(pytester):
    result, document = run_user_tests(pytester, STOPS, "-k", "no_such_case")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert document["gate"] == "fail"
    assert document["aborted"] == "pytest stopped with exit status 5"
    # The terminal says so too: not "gate: pass" beside a report that says fail.
    assert f"requirements: {len(CATALOGUE)} NOT-COVERED; gate: FAIL (the run stopped early)" in (
        result.stdout.lines
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
    result, document = run_user_tests(
        pytester, source, "--clock=control", f"--target-config={config}"
    )
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
    result, document = run_user_tests(
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


def test_an_xdist_worker_hands_its_groups_and_results_to_the_controller(pytester):
    folder, handed = pytester.path / "groups", pytester.path / "handed.json"
    folder.mkdir()
    pytester.makeconftest(AS_A_WORKER.format(folder=str(folder), handed=str(handed)))
    result, document = run_user_tests(pytester, TWO_GROUPS)
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
    result, _ = run_user_tests(pytester, KINDS, "--color=yes")
    yellow, red, reset = "\x1b[33m", "\x1b[31m", "\x1b[0m"
    progress = next(line for line in result.stdout.lines if line.startswith("test_user.py "))
    letters = f"{yellow}W{reset}{red}E{reset}{red}E{reset}{yellow}W{reset}"
    assert progress.startswith(f"test_user.py {letters}"), progress


def test_a_worker_that_selected_nothing_hands_over_an_empty_selection():
    recorder = make_recorder()
    assert recorder.partial() == {
        "covering": {},
        "selected": [],
        "operations": [],
        "exchanges": [],
        "cleanup": None,
        "aborted": None,
        "notes": [],
    }


def test_the_controller_takes_in_each_workers_collection_once():
    recorder = make_recorder()
    recorder.results.collected("SUBMIT-202", "t::a")
    first = worker_partial(0, covering={"SUBMIT-202": ["t::b", "t::a"]}, selected=["SUBMIT-202"])
    recorder.take("gw0", first, [])
    second = worker_partial(0, covering={"DELETE-204": ["t::d"]}, selected=["DELETE-204"])
    recorder.take("gw1", second, [])
    assert dict(recorder.results.covering) == {
        "SUBMIT-202": ["t::a", "t::b"],
        "DELETE-204": ["t::d"],
    }
    assert recorder.results.selected == {"SUBMIT-202", "DELETE-204"}
    assert recorder.aborted is None


def test_the_first_worker_that_aborted_names_the_run_abort():
    recorder = make_recorder()
    recorder.take("gw1", worker_partial(0, aborted="the target went away"), [])
    assert recorder.aborted == "worker gw1: the target went away"
    recorder.take("gw2", worker_partial(0, aborted="later"), [])
    assert recorder.aborted == "worker gw1: the target went away"


def test_the_cleanup_lines_name_what_was_left_where_and_why():
    from conformance.report._terminal import cleanup_lines

    left = {"what": "the resource of a success operation", "url": "http://t/r/1", "removed": False}
    gone = {"what": "scenarios.success.teardown (node=7)", "url": None, "removed": False}
    items = [
        {**left, "how": "left: DELETE answered 409"},
        {**gone, "how": "left: step 1 answered 500"},
        {**left, "removed": True, "how": "deleted"},
    ]
    lines = [text for text, _ in cleanup_lines({"kept": False, "items": items})]
    assert lines == [
        "cleanup: 1 of 3 things the run made removed; LEFT:",
        "  the resource of a success operation at http://t/r/1: left: DELETE answered 409",
        "  scenarios.success.teardown (node=7): left: step 1 answered 500",
    ]
    done = [{**left, "removed": True, "how": "deleted"}]
    assert cleanup_lines({"kept": False, "items": done}) == [
        ("cleanup: 1 thing the run made, all removed", {})
    ]
    kept = cleanup_lines({"kept": True, "items": [{**left, "how": "kept (--keep)"}]})
    assert kept[0][0] == "cleanup: --keep, so the run left what it made: 1 thing"
    many = [{**left, "how": "left"}] * 12
    assert cleanup_lines({"kept": False, "items": many})[-1][0] == "  and 2 more (see the report)"
    assert cleanup_lines(None) == [] == cleanup_lines({"kept": False, "items": []})


def test_a_blocked_case_shows_blocked_in_the_terminal():
    recorder = make_recorder()
    report = SimpleNamespace(conformance_verdict="BLOCKED", passed=False, when="call")
    assert recorder.pytest_report_teststatus(report, None) == (  # type: ignore[arg-type]
        "blocked",
        "b",
        ("BLOCKED", {"yellow": True}),
    )


def test_the_cleanup_goes_into_the_report_redacted_and_an_interruption_into_the_notes():
    from conformance.cleanup import Cleaned, CleanupReport

    recorder = make_recorder()
    made = CleanupReport([Cleaned("teardown (token=s3cret)", None, True, "done (1 step)")])
    made.interrupted = True
    recorder.session.clean_up = lambda keep: made
    recorder._clean_up()
    assert recorder.cleanup == {
        "kept": False,
        "items": [
            {
                "what": "teardown (token=[secret])",
                "operation": None,
                "url": None,
                "removed": True,
                "how": "done (1 step)",
                "exchanges": [],
            }
        ],
    }
    assert recorder.notes == ["the cleanup was interrupted: what it had not reached is left"]


@pytest.mark.parametrize("scope", ["function", "module"])
def test_a_conformance_setup_fixture_not_session_scoped_stops_the_run_saying_how_to_declare_it(
    scope,
):
    recorder = make_recorder()
    recorder.session.description = SimpleNamespace(setup_hook=["node"])
    fixtures = SimpleNamespace(getfixturedefs=lambda name, node: [SimpleNamespace(scope=scope)])
    with pytest.raises(pytest.exit.Exception) as stopped:
        recorder._find_setup_hook(SimpleNamespace(_fixturemanager=fixtures), None)  # type: ignore[arg-type]
    said = (
        f"conformance_setup is a {scope}-scoped fixture; the run calls it once per setup for "
        'the whole session: declare it with @pytest.fixture(scope="session")'
    )
    assert (stopped.value.msg, stopped.value.returncode) == (said, pytest.ExitCode.USAGE_ERROR)
    assert recorder.aborted == said
