"""The xdist controller (`report/_controller.py`): settings handed to workers, what they send
back merged, the header and the count shown once."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from xdist.remote import Producer

from conformance.report import (
    Controller,
)
from conformance.verdicts import (
    Verdict,
)
from tests.support.recording import make_recorder, worker_node, worker_partial


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


def _report(worker: str | None, nodeid: str = "t::x", case: Any = None, failed: bool = False):
    report = SimpleNamespace(
        nodeid=nodeid, failed=failed, longrepr="line 1\nline 2\nE   worker crashed"
    )
    if worker is not None:
        report.node = SimpleNamespace(gateway=SimpleNamespace(id=worker))
    if case is not None:
        report.conformance_case = case
    return report


def test_a_finished_workers_collection_and_its_abort_reach_the_recorder():
    recorder = make_recorder()
    controller = Controller(recorder, {}, None, each=False)
    partial = worker_partial(
        1,
        covering={"SUBMIT-202": ["cases/t.py::accepted"]},
        selected=["SUBMIT-202"],
        aborted="the target went away",
    )
    controller.pytest_testnodedown(worker_node("gw0", partial), None)
    assert recorder.results.covering["SUBMIT-202"] == ["cases/t.py::accepted"]
    assert recorder.results.selected == {"SUBMIT-202"}
    assert recorder.aborted == "worker gw0: the target went away"


@pytest.mark.parametrize("debug", [False, True])
def test_the_group_scheduler_logs_only_when_xdists_debug_log_is_on(tmp_path, capsys, debug):
    controller = Controller(make_recorder(), {}, tmp_path, each=False)
    config = type("Config", (), {"getvalue": staticmethod({"tx": ["2*popen"]}.get)})()
    scheduler = controller.pytest_xdist_make_scheduler(config, Producer("dsession", enabled=debug))
    scheduler.log("scheduling")
    assert capsys.readouterr().err == ("[loadscopesched] scheduling\n" if debug else "")


def test_the_controller_shares_its_merge_with_the_recorder_and_settings_with_workers():
    recorder = make_recorder()
    controller = Controller(recorder, {"seed": 5}, None, each=False)
    assert recorder.merged is controller.merged
    assert controller.only is None
    node = worker_node("gw0")
    controller.pytest_configure_node(node)
    assert node.workerinput == {"async_conformance": {"seed": 5}}
    assert controller.pytest_xdist_make_scheduler(None, None) is None  # type: ignore[arg-type]


def test_the_controller_schedules_by_group_when_it_has_a_folder(tmp_path):
    controller = Controller(make_recorder(), {}, tmp_path, each=False)
    config = SimpleNamespace(getvalue={"tx": ["2*popen"]}.get)
    scheduler = controller.pytest_xdist_make_scheduler(config, None)  # type: ignore[arg-type]
    assert type(scheduler).__name__ == "GroupScheduling"
    assert scheduler.folder == tmp_path


def test_the_header_is_shown_once_when_a_worker_collected_conformance_cases(tmp_path):
    recorder = make_recorder()
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
    recorder = make_recorder()
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
    recorder = make_recorder()
    controller = Controller(recorder, {}, None, each=False)
    reporter = _Reporter()
    controller.pytest_xdist_node_collection_finished(_collecting_node("gw0", reporter), [])
    assert reporter.lines == [] and not recorder.header_shown


def test_the_controller_keeps_cases_per_worker_and_failures_without_a_case():
    recorder = make_recorder()
    controller = Controller(recorder, {}, None, each=False)
    controller.pytest_runtest_logreport(_report("gw1", case={"nodeid": "a"}))
    controller.pytest_runtest_logreport(_report(None, case={"nodeid": "b"}))
    controller.pytest_runtest_logreport(_report("gw1", "t::crashed", failed=True))
    controller.pytest_runtest_logreport(_report("gw1", "t::passed", failed=False))
    assert controller.merged.pending == {"gw1": [{"nodeid": "a"}], "?": [{"nodeid": "b"}]}
    assert recorder.unreported == {"t::crashed": ["E   worker crashed"]}


def test_with_dist_each_only_the_first_workers_results_count():
    recorder = make_recorder()
    controller = Controller(recorder, {}, None, each=True)
    assert controller.only == "gw0"
    case = {"nodeid": "a", "verdict": "PASS", "requirement": "SUBMIT-202"}
    controller.pytest_runtest_logreport(_report("gw1", case=dict(case)))
    controller.pytest_runtest_logreport(_report("gw1", "t::crashed", failed=True))
    controller.pytest_runtest_logreport(_report("gw0", case=dict(case)))
    assert controller.merged.pending == {"gw0": [case]}
    assert recorder.unreported == {}
    controller.pytest_testnodedown(worker_node("gw1", worker_partial(2)), "boom")
    assert controller.merged.workers == [] and recorder.aborted is None
    controller.pytest_testnodedown(worker_node("gw0", worker_partial(2)), None)
    assert controller.merged.workers == ["gw0"]
    assert [c.nodeid for c in recorder.results.cases["SUBMIT-202"]] == ["a"]
    assert recorder.notes == []


def test_a_finished_worker_hands_over_its_cases_renumbered():
    recorder = make_recorder()
    controller = Controller(recorder, {}, tmp := Path("groups"), each=False)
    assert controller.folder == tmp
    case = {"nodeid": "a", "verdict": "FAIL", "requirement": "SUBMIT-202", "message": "#1 bad"}
    controller.pytest_testnodedown(worker_node("gw0", worker_partial(2)), None)
    controller.pytest_runtest_logreport(_report("gw1", case=case))
    controller.pytest_testnodedown(worker_node("gw1", worker_partial(1)), None)
    (result,) = recorder.results.cases["SUBMIT-202"]
    assert (result.nodeid, result.verdict, result.message) == ("a", Verdict.FAIL, "#3 bad")
    assert recorder.aborted is None and recorder.notes == []


def test_a_worker_that_stopped_without_its_transcript_aborts_the_run():
    recorder = make_recorder()
    controller = Controller(recorder, {}, None, each=False)
    case = {"nodeid": "a", "verdict": "PASS", "requirement": "SUBMIT-202", "message": "#1 ok"}
    controller.pytest_runtest_logreport(_report("gw4", case=case))
    controller.pytest_testnodedown(worker_node("gw4"), "node down: crashed")
    (result,) = recorder.results.cases["SUBMIT-202"]
    assert (result.message, result.exchanges) == ("#1 ok", [])
    assert recorder.aborted == "worker gw4 stopped: node down: crashed"
    controller.pytest_testnodedown(worker_node("gw5"), "later")
    assert recorder.aborted == "worker gw4 stopped: node down: crashed"  # the first reason


def test_another_dist_over_two_workers_leaves_a_note_once():
    recorder = make_recorder()
    controller = Controller(recorder, {}, None, each=False)
    controller.pytest_testnodedown(worker_node("gw0", worker_partial(1)), None)
    assert recorder.notes == []
    controller.pytest_testnodedown(worker_node("gw1", worker_partial(1)), None)
    note = (
        "the --dist chosen spread cases that share observations over workers, so "
        "each worker made them again (the target saw each lifecycle more than once); "
        "-n alone keeps each group of cases on one worker"
    )
    assert recorder.notes == [note]
    controller.pytest_testnodedown(worker_node("gw2", worker_partial(1)), None)
    assert recorder.notes == [note]


def test_grouped_workers_leave_no_note(tmp_path):
    recorder = make_recorder()
    controller = Controller(recorder, {}, tmp_path, each=False)
    controller.pytest_testnodedown(worker_node("gw0", worker_partial(1)), None)
    controller.pytest_testnodedown(worker_node("gw1", worker_partial(1)), None)
    assert recorder.notes == []
