"""Under xdist (`report/_parallel.py`): workers' transcripts renumbered as one, groups kept
together, partial results merged."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.report import Controller
from conformance.report._parallel import (
    Merged,
    group_of,
    renumbered,
    renumbered_case,
    write_groups,
)
from conformance.report._terminal import cleanup_lines
from tests.support.paths import DATA
from tests.support.recording import make_recorder, worker_partial


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


def test_exchange_numbers_in_words_move_with_the_transcript():
    case = {
        "nodeid": "x",
        "verdict": "FAIL",
        "message": "Observed: #3 GET /s -> 500; expected: 200 (see #12, not &#39;)",
        "steps": ["1. #4 GET /s"],
        "evidence": [{"what": "#2 answered", "exchanges": [2]}],
        "exchanges": [{"index": 3}],
    }
    moved = renumbered_case(case, 100)
    assert moved["message"] == "Observed: #103 GET /s -> 500; expected: 200 (see #112, not &#39;)"
    assert moved["steps"] == ["1. #104 GET /s"]
    assert moved["evidence"] == [{"what": "#102 answered", "exchanges": [102]}]
    assert moved["exchanges"] == [{"index": 103}]
    lost = renumbered_case(case, None)
    assert lost["evidence"][0]["exchanges"] == [] and lost["exchanges"] == []


def test_a_worker_reported_down_twice_is_merged_once():
    merged = Merged()
    partial = {"operations": [], "exchanges": [{"index": 1}]}
    merged.case("gw0", {"nodeid": "a", "verdict": "PASS"})
    assert len(merged.add("gw0", partial)) == 1
    assert merged.add("gw0", partial) == []
    assert len(merged.exchanges) == 1


def test_two_workers_transcripts_become_one_numbered_after_the_other():
    data = DATA
    first, second = (json.loads((data / f"{n}.json").read_text()) for n in ("correct", "faulty"))
    merged = Merged()
    failed = next(c for r in second["requirements"] for c in r["cases"] if c["verdict"] == "FAIL")
    merged.case("gw1", failed)
    passed = next(c for r in second["requirements"] for c in r["cases"] if c.get("evidence"))
    merged.case("gw2", passed)
    assert merged.add("gw0", first) == []
    (moved,) = merged.add("gw1", second)
    offset = len(first["exchanges"])
    assert [e["index"] for e in merged.exchanges] == list(range(1, len(merged.exchanges) + 1))
    assert [op["number"] for op in merged.operations] == list(range(1, len(merged.operations) + 1))
    by_index = {e["index"]: e for e in merged.exchanges}
    for op in merged.operations[len(first["operations"]) :]:
        submitted = by_index[op["submitted"]["exchange"]]
        assert submitted["method"] == "POST" and submitted["status"] == op["submitted"]["status"]
        for read in op["reads"]:
            assert by_index[read["exchange"]]["url"] == op["status_url"]
    assert [e["index"] for e in moved["exchanges"]] == [
        e["index"] + offset for e in failed["exchanges"]
    ]
    (lost,) = merged.lost("gw2")
    assert lost["evidence"][0]["exchanges"] == [] and lost["evidence"][0]["what"]
    assert merged.lost("gw2") == []


def test_with_dist_each_every_workers_cleanup_and_notes_reach_the_report():

    from conformance.report import OUTPUT_KEY

    recorder = SimpleNamespace(notes=[], aborted=None, merged=None, taken=[])
    recorder.take = lambda worker, partial, cases: recorder.taken.append(worker)
    controller = Controller(recorder, {}, None, each=True)  # type: ignore[arg-type]
    left = {
        "what": "the resource of a success operation",
        "operation": 3,
        "url": "http://t/r",
        "removed": False,
        "how": "left: DELETE answered 500",
        "exchanges": [7],
    }
    partial = {
        "covering": {},
        "selected": [],
        "operations": [],
        "exchanges": [],
        "cleanup": {"kept": False, "items": [left]},
        "aborted": None,
        "notes": ["the cleanup stopped"],
    }

    def down(worker: str) -> None:
        node = SimpleNamespace(
            gateway=SimpleNamespace(id=worker), workeroutput={OUTPUT_KEY: partial}
        )
        controller.pytest_testnodedown(node, None)

    down("gw1")  # its cases are gw0's too; what it made on the target is its own
    down("gw0")
    items = controller.merged.cleanup["items"]
    assert [i["what"] for i in items] == [
        "the resource of a success operation (worker gw1)",
        "the resource of a success operation",
    ]
    assert items[0]["exchanges"] == [] and items[0]["operation"] is None
    assert items[1]["exchanges"] == [7] and items[1]["operation"] == 3
    assert recorder.notes == ["the cleanup stopped"] and recorder.taken == ["gw0"]


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
    partial = worker_partial(3, 2, selected=["SUBMIT-202"])
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
    assert merged.add("gw0", worker_partial(2, 1)) == [{"nodeid": "a", "exchanges": [{"index": 2}]}]
    assert merged.add("gw1", worker_partial(3, 2)) == [
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
    merged.add("gw0", worker_partial(1, 1))
    merged.case("gw0", {"nodeid": "late"})
    assert merged.add("gw0", worker_partial(1, 1)) == []
    assert (len(merged.exchanges), len(merged.operations)) == (1, 1)
    assert merged.workers == ["gw0"]


def test_a_lost_workers_cases_come_back_once_without_exchanges():
    merged = Merged()
    merged.case("gw2", {"nodeid": "a", "message": "#1", "exchanges": [{"index": 1}]})
    assert merged.lost("gw2") == [{"nodeid": "a", "message": "#1", "exchanges": []}]
    assert merged.lost("gw2") == []
    assert merged.lost("gw9") == []


def test_a_worker_hands_over_its_collection_and_merged_records():
    recorder = make_recorder()
    merged = Merged()
    merged.add("gw0", worker_partial(2, 1))
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


def test_the_workers_cleanups_are_merged_with_their_numbers_moved_as_their_transcripts():
    merged = Merged()
    item = {"what": "w", "url": "/r", "removed": True, "how": "deleted", "exchanges": [2]}
    first = {
        **worker_partial(3, 2),
        "cleanup": {"kept": False, "items": [{**item, "operation": 1}]},
    }
    merged.add("gw0", first)
    second = {
        **worker_partial(4, 1),
        "cleanup": {"kept": False, "items": [{**item, "operation": 1}]},
    }
    merged.add("gw1", second)
    assert merged.cleanup is not None
    assert [(i["operation"], i["exchanges"]) for i in merged.cleanup["items"]] == [
        (1, [2]),
        (3, [5]),  # after gw0's 2 operations and 3 exchanges
    ]
    merged.add("gw2", worker_partial(0))  # a worker that made nothing changes nothing
    assert len(merged.cleanup["items"]) == 2


def test_the_merged_cleanup_says_kept_when_a_later_worker_ran_with_keep():
    merged = Merged()
    item = {
        "what": "w",
        "url": "/r",
        "removed": False,
        "how": "kept",
        "exchanges": [],
        "operation": None,
    }
    merged.add("gw0", {**worker_partial(0), "cleanup": {"kept": False, "items": []}})
    merged.add("gw1", {**worker_partial(0), "cleanup": {"kept": True, "items": [item]}})
    # The terminal then says the run left what it made on purpose, not that removing failed.
    assert cleanup_lines(merged.cleanup)[0][0] == (
        "cleanup: --keep, so the run left what it made: 1 thing"
    )
