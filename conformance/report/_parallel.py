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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "DEFAULT_GROUP",
    "GROUP_MARKER",
    "OUTPUT_KEY",
    "Merged",
    "apart",
    "group_of",
    "renumbered",
    "renumbered_case",
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
    """A worker's `{node id: group}`, for the controller's scheduler.

    A worker on another host (`--tx ssh=...`) cannot reach the folder: its cases are then
    scheduled one by one, as with `--dist=load`.
    """
    try:
        tmp = folder / f"{worker}.json.tmp"
        tmp.write_text(json.dumps(groups), encoding="utf-8")
        tmp.replace(folder / f"{worker}.json")
    except OSError:
        pass


#: An exchange named in words ("#12 GET ..."), as failure messages quote them.
_CITED = re.compile(r"(?<![\w#&])#(\d+)\b")
#: The case texts that may name exchanges by number.
_TEXTS = ("message", "observed", "expected", "hint")


def renumbered_case(case: dict[str, Any], offset: int | None) -> dict[str, Any]:
    """A worker's case with its exchange numbers moved up by `offset` (a copy).

    `offset` None: the worker's transcript was lost (it crashed); the case keeps its
    words but names no exchange.
    """
    case = dict(case)

    def moved(text: str) -> str:
        if offset is None:
            return text
        return _CITED.sub(lambda m: f"#{int(m.group(1)) + offset}", text)

    for key in _TEXTS:
        if isinstance(case.get(key), str):
            case[key] = moved(case[key])
    if "steps" in case:
        case["steps"] = [moved(step) for step in case["steps"]]
    if "evidence" in case:
        case["evidence"] = [
            {
                "what": moved(ev["what"]),
                "exchanges": [] if offset is None else [i + offset for i in ev["exchanges"]],
            }
            for ev in case["evidence"]
        ]
    if "exchanges" in case:
        case["exchanges"] = (
            []
            if offset is None
            else [{**e, "index": e["index"] + offset} for e in case["exchanges"]]
        )
    return case


def renumbered(partial: dict[str, Any], offset: int) -> dict[str, Any]:
    """A worker's transcript and operations with exchange numbers moved up by `offset`."""
    operations = []
    for op in partial["operations"]:
        operations.append(
            {
                **op,
                "submitted": {**op["submitted"], "exchange": op["submitted"]["exchange"] + offset},
                "reads": [{**r, "exchange": r["exchange"] + offset} for r in op["reads"]],
            }
        )
    exchanges = [{**e, "index": e["index"] + offset} for e in partial["exchanges"]]
    return {**partial, "operations": operations, "exchanges": exchanges}


def merge_cleanup(
    merged: dict[str, Any] | None, partial: dict[str, Any] | None, offset: int, first: int
) -> dict[str, Any] | None:
    """One worker's cleanup added to the others', its numbers moved up as its transcript's
    (exchanges by `offset`, operations by `first`)."""
    if partial is None:
        return merged
    items = [
        {
            **item,
            "exchanges": [i + offset for i in item["exchanges"]],
            "operation": None if item["operation"] is None else item["operation"] + first,
        }
        for item in partial["items"]
    ]
    if merged is None:
        return {"kept": partial["kept"], "items": items}
    return {"kept": merged["kept"] or partial["kept"], "items": merged["items"] + items}


def apart(cleanup: dict[str, Any] | None, worker: str) -> dict[str, Any] | None:
    """A worker's cleanup whose transcript is not in the report: its items, named by worker."""
    if cleanup is None:
        return None
    items = [
        {**item, "what": f"{item['what']} (worker {worker})", "exchanges": [], "operation": None}
        for item in cleanup["items"]
    ]
    return {**cleanup, "items": items}


@dataclass
class Merged:
    """The workers' cases, transcripts and operations, as one run's.

    Cases arrive one by one with each test report (so a worker that crashes later
    loses none); a worker's transcript and operations arrive when it finishes, and
    only then are its cases' exchange numbers known in the merged transcript.
    """

    exchanges: list[dict[str, Any]] = field(default_factory=list)
    operations: list[dict[str, Any]] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cleanup: dict[str, Any] | None = None

    def case(self, worker: str, case: dict[str, Any]) -> None:
        self.pending.setdefault(worker, []).append(case)

    def add(self, worker: str, partial: dict[str, Any]) -> list[dict[str, Any]]:
        """Take in one worker's transcript and operations; returns its cases, renumbered."""
        if worker in self.workers:  # xdist may report a worker down twice (Ctrl-C)
            return []
        offset = len(self.exchanges)
        first = len(self.operations)
        self.cleanup = merge_cleanup(self.cleanup, partial.get("cleanup"), offset, first)
        partial = renumbered(partial, offset)
        for n, op in enumerate(partial["operations"], start=first + 1):
            self.operations.append({**op, "number": n})
        self.exchanges += partial["exchanges"]
        self.workers.append(worker)
        return [renumbered_case(c, offset) for c in self.pending.pop(worker, [])]

    def lost(self, worker: str) -> list[dict[str, Any]]:
        """The cases of a worker that stopped without handing over its transcript."""
        return [renumbered_case(c, None) for c in self.pending.pop(worker, [])]
