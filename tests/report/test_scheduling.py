"""The controller's scheduler under xdist (`report/_scheduling.py`): a conformance group's cases
go to one worker together, every other test on its own."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from conformance.report._parallel import write_groups
from conformance.report._scheduling import GroupScheduling

#: One worker's collection, the same on every worker.
_COLLECTION = [
    "cases/a.py::one",
    "cases/a.py::two",
    "cases/b.py::three",
    "tests/t.py::x",
]


class _Node:
    """A worker as the scheduler drives it: the batches of test indexes it is sent."""

    def __init__(self, worker: str) -> None:
        self.gateway = SimpleNamespace(id=worker)
        self.shutting_down = False
        self.batches: list[list[int]] = []

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.batches.append(list(indexes))

    def shutdown(self) -> None:
        self.shutting_down = True


def _scheduled(folder: Path) -> list[list[int]]:
    """Every batch the two workers were sent, once both had collected."""
    config = SimpleNamespace(
        getvalue={"tx": ["2*popen"]}.get, option=SimpleNamespace(loadscopereorder=False)
    )
    scheduler = GroupScheduling(config, None, folder)  # type: ignore[arg-type]
    nodes = [_Node("gw0"), _Node("gw1")]
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        scheduler.add_node_collection(node, _COLLECTION)
    scheduler.schedule()
    return [batch for node in nodes for batch in node.batches]


def test_a_groups_cases_are_sent_to_one_worker_in_one_batch_across_files(tmp_path):
    groups = {"cases/a.py::one": "retention", "cases/b.py::three": "retention"}
    write_groups(tmp_path, "gw0", groups)  # each worker writes what it collected
    write_groups(tmp_path, "gw1", groups)
    batches = _scheduled(tmp_path)
    assert [0, 2] in batches  # a.py::one and b.py::three, though in two files
    # a.py::two is in no group: it is its own scope, not its module's
    assert [1] in batches and [3] in batches
    assert sorted(i for batch in batches for i in batch) == [0, 1, 2, 3]


def test_without_a_groups_file_every_test_is_scheduled_on_its_own(tmp_path):
    # A worker on another host cannot write the file: its tests are spread one by one.
    batches = _scheduled(tmp_path)
    assert sorted(batches) == [[0], [1], [2], [3]]
