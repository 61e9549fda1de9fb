"""Under pytest-xdist: workers record, the controller merges and writes one report.

Cases share observations (one run of each scenario, the retention schedule, the
lifecycle model's exploration), made once per session. Each worker has a session
of its own, so the cases that share an observation must run on one worker, or a
live server would see each lifecycle once per worker. Each case belongs to a
group (`conformance_group` marker; "lifecycle" when unmarked); with `-n` the
controller schedules by group (`_scheduling.GroupScheduling`), so every group runs on one
worker and groups run side by side. Other tests are spread one by one, as with
xdist's `load`.

The groups travel from the workers, which collect, to the controller, which
schedules, in a file per worker: xdist's own `loadgroup` carries them in the node
ids, which pytest 9.2 no longer lets a plugin change (pytest-xdist issue 1386).

A worker sends its results, its transcript and its operations to the controller
when it finishes; the controller numbers the exchanges of all workers as one
transcript and writes the reports as a serial run would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._recorder import Recorder

__all__ = [
    "DEFAULT_GROUP",
    "GROUP_MARKER",
    "OUTPUT_KEY",
    "Controller",
    "Merged",
    "group_of",
    "renumbered",
    "write_groups",
]

GROUP_MARKER = "conformance_group"
DEFAULT_GROUP = "lifecycle"
#: The key of a worker's results in `workeroutput`, and of the controller's settings in
#: `workerinput`.
OUTPUT_KEY = "async_conformance"


def group_of(item: pytest.Item) -> str:
    marker = item.get_closest_marker(GROUP_MARKER)
    return str(marker.args[0]) if marker is not None and marker.args else DEFAULT_GROUP


def write_groups(folder: Path, worker: str, groups: dict[str, str]) -> None:
    """A worker's `{node id: group}`, for the controller's scheduler."""
    tmp = folder / f"{worker}.json.tmp"
    tmp.write_text(json.dumps(groups), encoding="utf-8")
    tmp.replace(folder / f"{worker}.json")


def renumbered(partial: dict[str, Any], offset: int) -> dict[str, Any]:
    """A worker's results with its exchange numbers moved up by `offset` (a copy)."""

    def moved(exchange: dict[str, Any]) -> dict[str, Any]:
        return {**exchange, "index": exchange["index"] + offset}

    cases = []
    for case in partial["cases"]:
        case = dict(case)
        if "evidence" in case:
            case["evidence"] = [
                {**ev, "exchanges": [i + offset for i in ev["exchanges"]]}
                for ev in case["evidence"]
            ]
        if "exchanges" in case:
            case["exchanges"] = [moved(e) for e in case["exchanges"]]
        cases.append(case)
    operations = []
    for op in partial["operations"]:
        operations.append(
            {
                **op,
                "submitted": {**op["submitted"], "exchange": op["submitted"]["exchange"] + offset},
                "reads": [{**r, "exchange": r["exchange"] + offset} for r in op["reads"]],
            }
        )
    return {
        **partial,
        "cases": cases,
        "operations": operations,
        "exchanges": [moved(e) for e in partial["exchanges"]],
    }


@dataclass
class Merged:
    """The workers' transcripts and operations, as one."""

    exchanges: list[dict[str, Any]] = field(default_factory=list)
    operations: list[dict[str, Any]] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)

    def add(self, worker: str, partial: dict[str, Any]) -> dict[str, Any]:
        """Take in one worker's partial; returns it renumbered, for its cases."""
        partial = renumbered(partial, len(self.exchanges))
        first = len(self.operations)
        for n, op in enumerate(partial["operations"], start=first + 1):
            self.operations.append({**op, "number": n})
        self.exchanges += partial["exchanges"]
        self.workers.append(worker)
        return partial


class Controller:
    """The controller's xdist hooks: registered only when xdist distributes, as its hooks
    exist only then."""

    def __init__(self, recorder: Recorder, settings: dict[str, Any], folder: Path | None) -> None:
        self.recorder = recorder
        self.settings = settings  # what every worker must agree on: the seed, the groups' folder
        self.folder = folder  # None: the user chose another --dist; groups are not kept together

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[OUTPUT_KEY] = self.settings

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if self.folder is None:
            return None
        from ._scheduling import GroupScheduling  # xdist is there: it calls this hook

        return GroupScheduling(config, log, self.folder)

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        worker = str(node.gateway.id)
        partial = getattr(node, "workeroutput", {}).get(OUTPUT_KEY)
        if partial is not None:
            self.recorder.take(worker, partial)
            merged = self.recorder.merged
            if self.folder is None and merged is not None and len(merged.workers) == 2:
                self.recorder.notes.append(
                    "the --dist chosen spread cases that share observations over workers, so "
                    "each worker made them again (the target saw each lifecycle more than once); "
                    "-n alone keeps each group of cases on one worker"
                )
        if error is not None and not self.recorder.aborted:
            self.recorder.aborted = f"worker {worker} stopped: {error}"
