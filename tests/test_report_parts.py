"""The report's smaller parts: merging workers' records, verdict words and ordering."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.catalogue import CATALOGUE
from conformance.driver import Redactor
from conformance.report import Controller
from conformance.report._parallel import (
    Merged,
    group_of,
    renumbered,
    renumbered_case,
    write_groups,
)
from conformance.report._recorder import Recorder
from conformance.report._results import CaseResult
from conformance.verdicts import (
    Blocked,
    Citation,
    ConformanceFailure,
    Inconclusive,
    NotObserved,
    Verdict,
    cite,
    collecting,
    plain,
    worst,
)

# -- helpers ------------------------------------------------------------------------


class _Marker:
    def __init__(self, *args: Any) -> None:
        self.args = args


class _Item:
    """A collected item with at most one marker, recording which names were asked for."""

    def __init__(self, name: str | None = None, *args: Any) -> None:
        self.marker = None if name is None else (name, _Marker(*args))
        self.asked: list[str] = []

    def get_closest_marker(self, name: str) -> _Marker | None:
        self.asked.append(name)
        if self.marker is not None and self.marker[0] == name:
            return self.marker[1]
        return None


class _Exchange:
    """Just what failure texts read of an exchange."""

    def __init__(self, index: int, text: str = "") -> None:
        self.index = index
        self.text = text or f"#{index} GET /s -> 200"

    def describe(self) -> str:
        return self.text


def _recorder(secret: str = "s3cret") -> Recorder:
    session = SimpleNamespace(
        redactor=Redactor([secret]),
        connected=None,
        transcript=[],
        target=SimpleNamespace(kind=SimpleNamespace(in_process=True)),
    )
    return Recorder(session, Path("unused"), "must", False)  # type: ignore[arg-type]


def _node(worker: str, partial: dict[str, Any] | None = None) -> SimpleNamespace:
    node = SimpleNamespace(gateway=SimpleNamespace(id=worker), workerinput={})
    if partial is not None:
        node.workeroutput = {"async_conformance": partial}
    return node


def _partial(exchanges: int, operations: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "covering": {},
        "selected": [],
        "aborted": None,
        "exchanges": [{"index": i, "url": f"/e{i}"} for i in range(1, exchanges + 1)],
        "operations": [
            {
                "status_url": f"/op{n}",
                "submitted": {"exchange": n, "status": 202},
                "reads": [{"exchange": n + 1, "status": 200}],
            }
            for n in range(1, operations + 1)
        ],
        **extra,
    }


# -- groups ---------------------------------------------------------------------------


def test_a_case_marked_with_a_group_belongs_to_it():
    item = _Item("conformance_group", 7)
    assert group_of(item) == "7"
    assert item.asked == ["conformance_group"]


@pytest.mark.parametrize(
    "item", [_Item(), _Item("conformance_group")], ids=["unmarked", "marker-without-name"]
)
def test_a_case_without_a_group_name_belongs_to_the_lifecycle_group(item):
    assert group_of(item) == "lifecycle"


def test_a_workers_groups_are_written_as_json_under_its_name(tmp_path):
    write_groups(tmp_path, "gw3", {"a::b": "retention", "c::d": "lifecycle"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gw3.json"]
    written = json.loads((tmp_path / "gw3.json").read_text(encoding="utf-8"))
    assert written == {"a::b": "retention", "c::d": "lifecycle"}


def test_a_workers_groups_replace_a_temporary_file_left_behind(tmp_path):
    (tmp_path / "gw0.json.tmp").write_text("half written", encoding="utf-8")
    write_groups(tmp_path, "gw0", {"x": "y"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gw0.json"]


def test_a_folder_the_worker_cannot_reach_is_no_error(tmp_path):
    write_groups(tmp_path / "absent", "gw0", {"x": "y"})
    assert not (tmp_path / "absent").exists()


# -- renumbering ----------------------------------------------------------------------

_CASE = {
    "nodeid": "cases/t.py::x",
    "verdict": "FAIL",
    "message": "Observed: #3 GET /s -> 500",
    "observed": "#1 answered, then #22",
    "expected": "as #4 (not a#5, ##6, &#39; or #7a)",
    "hint": "compare #9.",
    "steps": ["1. #4 GET /s", "2. wait"],
    "evidence": [{"what": "#2 answered", "exchanges": [2, 5]}],
    "exchanges": [{"index": 3, "url": "/s"}, {"index": 4, "url": "/t"}],
    "duration_s": 0.5,
}


def test_a_workers_case_moves_every_exchange_number_by_the_offset():
    moved = renumbered_case(_CASE, 10)
    assert moved == {
        "nodeid": "cases/t.py::x",
        "verdict": "FAIL",
        "message": "Observed: #13 GET /s -> 500",
        "observed": "#11 answered, then #32",
        "expected": "as #14 (not a#5, ##6, &#39; or #7a)",
        "hint": "compare #19.",
        "steps": ["1. #14 GET /s", "2. wait"],
        "evidence": [{"what": "#12 answered", "exchanges": [12, 15]}],
        "exchanges": [{"index": 13, "url": "/s"}, {"index": 14, "url": "/t"}],
        "duration_s": 0.5,
    }
    assert _CASE["message"] == "Observed: #3 GET /s -> 500"  # a copy: the original stays
    assert _CASE["exchanges"][0]["index"] == 3


def test_a_lost_workers_case_keeps_its_words_but_names_no_exchange():
    lost = renumbered_case(_CASE, None)
    assert lost == {
        **_CASE,
        "evidence": [{"what": "#2 answered", "exchanges": []}],
        "exchanges": [],
    }


def test_a_case_without_texts_or_lists_gains_none_when_renumbered():
    case = {"nodeid": "n", "verdict": "PASS", "hint": None}
    assert renumbered_case(case, 5) == {"nodeid": "n", "verdict": "PASS", "hint": None}
    assert renumbered_case(case, None) == {"nodeid": "n", "verdict": "PASS", "hint": None}


def test_a_workers_operations_and_transcript_move_by_the_offset():
    partial = _partial(3, 2, selected=["SUBMIT-202"])
    assert renumbered(partial, 100) == {
        **partial,
        "exchanges": [
            {"index": 101, "url": "/e1"},
            {"index": 102, "url": "/e2"},
            {"index": 103, "url": "/e3"},
        ],
        "operations": [
            {
                "status_url": "/op1",
                "submitted": {"exchange": 101, "status": 202},
                "reads": [{"exchange": 102, "status": 200}],
            },
            {
                "status_url": "/op2",
                "submitted": {"exchange": 102, "status": 202},
                "reads": [{"exchange": 103, "status": 200}],
            },
        ],
    }
    assert partial["exchanges"][0]["index"] == 1  # a copy


def test_workers_are_merged_one_after_the_other_with_operations_numbered_from_one():
    merged = Merged()
    merged.case("gw1", {"nodeid": "b", "exchanges": [{"index": 1}]})
    merged.case("gw0", {"nodeid": "a", "exchanges": [{"index": 2}]})
    merged.case("gw1", {"nodeid": "c", "message": "see #2"})
    assert merged.add("gw0", _partial(2, 1)) == [{"nodeid": "a", "exchanges": [{"index": 2}]}]
    assert merged.add("gw1", _partial(3, 2)) == [
        {"nodeid": "b", "exchanges": [{"index": 3}]},
        {"nodeid": "c", "message": "see #4"},
    ]
    assert [e["index"] for e in merged.exchanges] == [1, 2, 3, 4, 5]
    assert [e["url"] for e in merged.exchanges] == ["/e1", "/e2", "/e1", "/e2", "/e3"]
    assert [(op["number"], op["status_url"]) for op in merged.operations] == [
        (1, "/op1"),
        (2, "/op1"),
        (3, "/op2"),
    ]
    assert [op["submitted"]["exchange"] for op in merged.operations] == [1, 3, 4]
    assert merged.workers == ["gw0", "gw1"]
    assert merged.pending == {}


def test_a_worker_that_finished_twice_adds_nothing_the_second_time():
    merged = Merged()
    merged.add("gw0", _partial(1, 1))
    merged.case("gw0", {"nodeid": "late"})
    assert merged.add("gw0", _partial(1, 1)) == []
    assert (len(merged.exchanges), len(merged.operations)) == (1, 1)
    assert merged.workers == ["gw0"]


def test_a_lost_workers_cases_come_back_once_without_exchanges():
    merged = Merged()
    merged.case("gw2", {"nodeid": "a", "message": "#1", "exchanges": [{"index": 1}]})
    assert merged.lost("gw2") == [{"nodeid": "a", "message": "#1", "exchanges": []}]
    assert merged.lost("gw2") == []
    assert merged.lost("gw9") == []


# -- the controller -------------------------------------------------------------------


def test_the_controller_shares_its_merge_with_the_recorder_and_settings_with_workers():
    recorder = _recorder()
    controller = Controller(recorder, {"seed": 5}, None, each=False)
    assert recorder.merged is controller.merged
    assert controller.only is None
    node = _node("gw0")
    controller.pytest_configure_node(node)
    assert node.workerinput == {"async_conformance": {"seed": 5}}
    assert controller.pytest_xdist_make_scheduler(None, None) is None  # type: ignore[arg-type]


def test_the_controller_schedules_by_group_when_it_has_a_folder(tmp_path):
    controller = Controller(_recorder(), {}, tmp_path, each=False)
    config = SimpleNamespace(getvalue={"tx": ["2*popen"]}.get)
    scheduler = controller.pytest_xdist_make_scheduler(config, None)  # type: ignore[arg-type]
    assert type(scheduler).__name__ == "GroupScheduling"
    assert scheduler.folder == tmp_path


class _Reporter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def _collecting_node(worker: str, reporter: _Reporter | None) -> SimpleNamespace:
    plugins = SimpleNamespace(getplugin={"terminalreporter": reporter}.get)
    return SimpleNamespace(
        gateway=SimpleNamespace(id=worker), config=SimpleNamespace(pluginmanager=plugins)
    )


def test_the_header_is_shown_once_when_a_worker_collected_conformance_cases(tmp_path):
    recorder = _recorder()
    recorder.header = lambda: "HEADER"  # type: ignore[method-assign]
    controller = Controller(recorder, {}, tmp_path, each=False)
    reporter = _Reporter()
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw0", reporter), [])
    assert reporter.lines == [] and not recorder.header_shown  # no groups file yet
    (tmp_path / "gw0.json").write_text("{}", encoding="utf-8")
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw0", reporter), [])
    assert reporter.lines == [] and not recorder.header_shown  # no cases collected
    (tmp_path / "gw1.json").write_text('{"a": "lifecycle"}', encoding="utf-8")
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw1", None), [])
    assert not recorder.header_shown  # no terminal to show it on
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw1", reporter), [])
    assert reporter.lines == ["HEADER"] and recorder.header_shown
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw1", reporter), [])
    assert reporter.lines == ["HEADER"]


def test_under_workers_the_operations_count_follows_the_header_for_a_live_target(tmp_path):
    recorder = _recorder()
    recorder.header = lambda: "HEADER"  # type: ignore[method-assign]
    recorder.session.target.kind.in_process = False
    recorder.session.plan = lambda groups, apart, together: SimpleNamespace(
        line=lambda: f"this run will start {sorted(groups)} apart={apart} together={together}"
    )
    controller = Controller(recorder, {}, tmp_path, each=False)
    reporter = _Reporter()
    (tmp_path / "gw0.json").write_text('{"a": "lifecycle", "b": "model"}', encoding="utf-8")
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw0", reporter), [])
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw0", reporter), [])
    assert reporter.lines == [
        "HEADER",
        "async-conformance: this run will start ['lifecycle', 'model'] apart=False together=False",
    ]


def test_without_a_folder_the_controller_shows_no_header(tmp_path):
    recorder = _recorder()
    controller = Controller(recorder, {}, None, each=False)
    reporter = _Reporter()
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw0", reporter), [])
    assert reporter.lines == [] and not recorder.header_shown


def _report(worker: str | None, nodeid: str = "t::x", case: Any = None, failed: bool = False):
    report = SimpleNamespace(
        nodeid=nodeid, failed=failed, longrepr="line 1\nline 2\nE   worker crashed"
    )
    if worker is not None:
        report.node = SimpleNamespace(gateway=SimpleNamespace(id=worker))
    if case is not None:
        report.conformance_case = case
    return report


def test_the_controller_keeps_cases_per_worker_and_failures_without_a_case():
    recorder = _recorder()
    controller = Controller(recorder, {}, None, each=False)
    controller.pytest_runtest_logreport(_report("gw1", case={"nodeid": "a"}))
    controller.pytest_runtest_logreport(_report(None, case={"nodeid": "b"}))
    controller.pytest_runtest_logreport(_report("gw1", "t::crashed", failed=True))
    controller.pytest_runtest_logreport(_report("gw1", "t::passed", failed=False))
    assert controller.merged.pending == {"gw1": [{"nodeid": "a"}], "?": [{"nodeid": "b"}]}
    assert recorder.unreported == {"t::crashed": ["E   worker crashed"]}


def test_with_dist_each_only_the_first_workers_results_count():
    recorder = _recorder()
    controller = Controller(recorder, {}, None, each=True)
    assert controller.only == "gw0"
    case = {"nodeid": "a", "verdict": "PASS", "requirement": "SUBMIT-202"}
    controller.pytest_runtest_logreport(_report("gw1", case=dict(case)))
    controller.pytest_runtest_logreport(_report("gw1", "t::crashed", failed=True))
    controller.pytest_runtest_logreport(_report("gw0", case=dict(case)))
    assert controller.merged.pending == {"gw0": [case]}
    assert recorder.unreported == {}
    controller.pytest_testnodedown(_node("gw1", _partial(2)), "boom")
    assert controller.merged.workers == [] and recorder.aborted is None
    controller.pytest_testnodedown(_node("gw0", _partial(2)), None)
    assert controller.merged.workers == ["gw0"]
    assert [c.nodeid for c in recorder.results.cases["SUBMIT-202"]] == ["a"]
    assert recorder.notes == []


def test_a_finished_worker_hands_over_its_cases_renumbered():
    recorder = _recorder()
    controller = Controller(recorder, {}, tmp := Path("groups"), each=False)
    assert controller.folder == tmp
    case = {"nodeid": "a", "verdict": "FAIL", "requirement": "SUBMIT-202", "message": "#1 bad"}
    controller.pytest_testnodedown(_node("gw0", _partial(2)), None)
    controller.pytest_runtest_logreport(_report("gw1", case=case))
    controller.pytest_testnodedown(_node("gw1", _partial(1)), None)
    (result,) = recorder.results.cases["SUBMIT-202"]
    assert (result.nodeid, result.verdict, result.message) == ("a", Verdict.FAIL, "#3 bad")
    assert recorder.aborted is None and recorder.notes == []


def test_a_worker_that_stopped_without_its_transcript_aborts_the_run():
    recorder = _recorder()
    controller = Controller(recorder, {}, None, each=False)
    case = {"nodeid": "a", "verdict": "PASS", "requirement": "SUBMIT-202", "message": "#1 ok"}
    controller.pytest_runtest_logreport(_report("gw4", case=case))
    controller.pytest_testnodedown(_node("gw4"), "node down: crashed")
    (result,) = recorder.results.cases["SUBMIT-202"]
    assert (result.message, result.exchanges) == ("#1 ok", [])
    assert recorder.aborted == "worker gw4 stopped: node down: crashed"
    controller.pytest_testnodedown(_node("gw5"), "later")
    assert recorder.aborted == "worker gw4 stopped: node down: crashed"  # the first reason


def test_another_dist_over_two_workers_leaves_a_note_once():
    recorder = _recorder()
    controller = Controller(recorder, {}, None, each=False)
    controller.pytest_testnodedown(_node("gw0", _partial(1)), None)
    assert recorder.notes == []
    controller.pytest_testnodedown(_node("gw1", _partial(1)), None)
    note = (
        "the --dist chosen spread cases that share observations over workers, so "
        "each worker made them again (the target saw each lifecycle more than once); "
        "-n alone keeps each group of cases on one worker"
    )
    assert recorder.notes == [note]
    controller.pytest_testnodedown(_node("gw2", _partial(1)), None)
    assert recorder.notes == [note]


def test_grouped_workers_leave_no_note(tmp_path):
    recorder = _recorder()
    controller = Controller(recorder, {}, tmp_path, each=False)
    controller.pytest_testnodedown(_node("gw0", _partial(1)), None)
    controller.pytest_testnodedown(_node("gw1", _partial(1)), None)
    assert recorder.notes == []


# -- the recorder's part under xdist ------------------------------------------------


def test_a_worker_hands_over_its_collection_and_merged_records():
    recorder = _recorder()
    merged = Merged()
    merged.add("gw0", _partial(2, 1))
    recorder.merged = merged
    recorder.results.collected("SUBMIT-202", "t::a")
    recorder.results.selected = {"STATUS-200-JSON", "SUBMIT-202"}
    recorder.aborted = "stopped"
    assert recorder.partial() == {
        "covering": {"SUBMIT-202": ["t::a"]},
        "selected": ["STATUS-200-JSON", "SUBMIT-202"],
        "operations": merged.operations,
        "exchanges": merged.exchanges,
        "cleanup": None,
        "aborted": "stopped",
        "notes": [],
    }


def test_a_worker_that_selected_nothing_hands_over_an_empty_selection():
    recorder = _recorder()
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
    recorder = _recorder()
    recorder.results.collected("SUBMIT-202", "t::a")
    first = _partial(0, covering={"SUBMIT-202": ["t::b", "t::a"]}, selected=["SUBMIT-202"])
    recorder.take("gw0", first, [])
    second = _partial(0, covering={"DELETE-204": ["t::d"]}, selected=["DELETE-204"])
    recorder.take("gw1", second, [])
    assert dict(recorder.results.covering) == {
        "SUBMIT-202": ["t::a", "t::b"],
        "DELETE-204": ["t::d"],
    }
    assert recorder.results.selected == {"SUBMIT-202", "DELETE-204"}
    assert recorder.aborted is None


def test_the_first_worker_that_aborted_names_the_run_abort():
    recorder = _recorder()
    recorder.take("gw1", _partial(0, aborted="the target went away"), [])
    assert recorder.aborted == "worker gw1: the target went away"
    recorder.take("gw2", _partial(0, aborted="later"), [])
    assert recorder.aborted == "worker gw1: the target went away"


def test_the_controller_takes_a_lost_workers_cases_as_results():
    recorder = _recorder()
    case = {"nodeid": "t::a", "verdict": "WARN", "requirement": "DELETE-204", "message": "m"}
    recorder.take("gw1", None, [case])
    assert recorder.results.selected is None and dict(recorder.results.covering) == {}
    assert recorder.results.cases["DELETE-204"] == [
        CaseResult("t::a", "DELETE-204", Verdict.WARN, message="m")
    ]


def test_a_case_whose_worker_stopped_under_it_is_an_error_with_the_reason():
    recorder = _recorder()
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


# -- verdicts -------------------------------------------------------------------------


def test_verdicts_read_as_the_reports_spell_them():
    assert [v.value for v in Verdict] == [
        "PASS",
        "FAIL",
        "WARN",
        "SKIP",
        "ERROR",
        "BLOCKED",
        "NOT-COVERED",
    ]


def test_no_verdict_at_all_is_not_covered():
    assert worst([]) is Verdict.NOT_COVERED


@pytest.mark.parametrize(
    ("text", "one_line", "with_lines"),
    [
        ("\x00\x08\x09", "\\x00\\x08\t", "\\x00\\x08\t"),
        ("a\nb\rc", "a\\x0ab\\x0dc", "a\nb\rc"),
        ("\x0b\x0c\x0e\x1f \x7e", "\\x0b\\x0c\\x0e\\x1f \x7e", "\\x0b\\x0c\\x0e\\x1f \x7e"),
        ("\x1b[31m\x7f\x9f\xa0\xff", "\\x1b[31m\\x7f\\x9f\xa0\xff", "\\x1b[31m\\x7f\\x9f\xa0\xff"),
        ("\u2029\u202a\u202e\u202f", "\u2029\\u202a\\u202e\u202f", "\u2029\\u202a\\u202e\u202f"),
        ("\u2065\u2066\u2069\u206a", "\u2065\\u2066\\u2069\u206a", "\u2065\\u2066\\u2069\u206a"),
    ],
)
def test_control_characters_are_shown_escaped(text, one_line, with_lines):
    assert plain(text) == one_line
    assert plain(text, lines=True) == with_lines


def test_a_failure_reads_requirement_observation_expectation_hint_and_last_exchanges():
    exchanges = [_Exchange(i) for i in range(1, 11)]
    exchanges[-1].text = "#10 GET /s\x1b -> 200"
    failure = ConformanceFailure(
        "SUBMIT-202", "got\n500", "202\x07", exchanges=tuple(exchanges), hint="look\rhere"
    )
    title = CATALOGUE["SUBMIT-202"].title
    text = "\n".join(
        [
            f"SUBMIT-202 (MUST): {title}",
            "Observed: got\\x0a500",
            "Expected: 202\\x07",
            "Hint: look\\x0dhere",
            *[f"  #{i} GET /s -> 200" for i in range(3, 10)],
            "  #10 GET /s\\x1b -> 200",
        ]
    )
    assert str(failure) == text
    assert failure.args == (text,)
    assert failure.exchanges == exchanges
    assert (failure.observed, failure.expected, failure.hint) == (
        "got\\x0a500",
        "202\\x07",
        "look\\x0dhere",
    )
    assert failure.steps == []


def test_a_failure_with_steps_lists_them_instead_of_exchanges():
    failure = ConformanceFailure(
        "DELETE-204", "o", "e", exchanges=[_Exchange(1)], steps=["1. #1 GET\n", "2. wait"]
    )
    title = CATALOGUE["DELETE-204"].title
    level = CATALOGUE["DELETE-204"].level.value
    assert str(failure) == "\n".join(
        [
            f"DELETE-204 ({level}): {title}",
            "Observed: o",
            "Expected: e",
            "Steps to replay:",
            "  1. #1 GET\\x0a",
            "  2. wait",
        ]
    )
    assert failure.steps == ["1. #1 GET\\x0a", "2. wait"]
    assert failure.hint == ""


def test_a_blocked_case_reads_could_not_run_with_its_last_five_exchanges():
    exchanges = [_Exchange(i) for i in range(1, 8)]
    exchanges[-1].text = "#7 GET /s\x1b -> 200"
    blocked = Blocked("no\nstatus", tuple(exchanges))
    assert str(blocked) == "\n".join(
        [
            "could not run: no\\x0astatus",
            *[f"  #{i} GET /s -> 200" for i in range(3, 7)],
            "  #7 GET /s\\x1b -> 200",
        ]
    )
    assert blocked.args == ("no\\x0astatus",)
    assert (blocked.reason, blocked.exchanges) == ("no\\x0astatus", exchanges)
    assert str(Blocked("x")) == "could not run: x"


def test_an_inconclusive_check_names_its_requirement_reason_and_exchanges():
    exchanges = (_Exchange(1), _Exchange(2))
    found = Inconclusive("DELETE-204", "clock\x1b", exchanges)
    assert str(found) == "DELETE-204 inconclusive: clock\\x1b"
    assert found.args == ("DELETE-204 inconclusive: clock\\x1b",)
    assert (found.reason, found.exchanges) == ("clock\\x1b", list(exchanges))
    assert found.requirement is CATALOGUE["DELETE-204"]
    assert Inconclusive("DELETE-204", "r").exchanges == []


def test_nothing_observed_is_a_skip_that_says_so():
    exchanges = (_Exchange(4),)
    caught = NotObserved("no\tstatus\n", exchanges)
    assert isinstance(caught, pytest.skip.Exception)
    assert isinstance(caught, NotObserved)
    assert caught.msg == "not observed: no\tstatus\\x0a"
    assert (caught.reason, caught.exchanges) == ("no\tstatus\\x0a", list(exchanges))
    assert NotObserved("r").exchanges == []


def test_citations_are_collected_only_while_a_case_runs():
    first, second = _Exchange(1), _Exchange(2)
    cite("outside", [first])  # outside a case: nothing to record it, and no error
    with collecting() as cited:
        cite("the status\nanswered", [first, second])
        with collecting() as inner:
            cite("inner", iter([second]))
        cite("again", (first,))
    cite("after", [first])
    assert cited == [
        Citation("the status\\x0aanswered", (first, second)),
        Citation("again", (first,)),
    ]
    assert inner == [Citation("inner", (second,))]


def test_citing_no_exchange_is_a_mistake_of_the_check():
    with pytest.raises(ValueError) as raised:
        cite("it held", [])
    assert str(raised.value) == "cite('it held') names no exchange; raise NotObserved instead"


def test_the_workers_cleanups_are_merged_with_their_numbers_moved_as_their_transcripts():
    merged = Merged()
    item = {"what": "w", "url": "/r", "removed": True, "how": "deleted", "exchanges": [2]}
    first = {**_partial(3, 2), "cleanup": {"kept": False, "items": [{**item, "operation": 1}]}}
    merged.add("gw0", first)
    second = {**_partial(4, 1), "cleanup": {"kept": False, "items": [{**item, "operation": 1}]}}
    merged.add("gw1", second)
    assert merged.cleanup is not None
    assert [(i["operation"], i["exchanges"]) for i in merged.cleanup["items"]] == [
        (1, [2]),
        (3, [5]),  # after gw0's 2 operations and 3 exchanges
    ]
    merged.add("gw2", _partial(0))  # a worker that made nothing changes nothing
    assert len(merged.cleanup["items"]) == 2


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
    recorder = _recorder()
    report = SimpleNamespace(conformance_verdict="BLOCKED", passed=False, when="call")
    assert recorder.pytest_report_teststatus(report, None) == (  # type: ignore[arg-type]
        "blocked",
        "b",
        ("BLOCKED", {"yellow": True}),
    )


def test_the_cleanup_goes_into_the_report_redacted_and_an_interruption_into_the_notes():
    from conformance.cleanup import Cleaned, CleanupReport

    recorder = _recorder()
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


def test_an_apps_traceback_is_kept_redacted_with_the_exchange():
    from conformance.driver import Exchange

    exchange = Exchange(1, "submit", "POST", "http://a/", [], b"", 0.0, status=500)
    exchange.app_traceback = "Traceback: token s3cret"
    kept = Redactor(["s3cret"]).exchange(exchange)
    assert kept["app_traceback"] == "Traceback: token [secret]"
