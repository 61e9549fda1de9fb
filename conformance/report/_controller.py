"""The controller's side under pytest-xdist: its hooks hand each worker the run's
settings, schedule the cases by group, merge what the workers send back, and show the
header and the operations' count once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ._parallel import OUTPUT_KEY, Merged, apart, merge_cleanup
from ._recorder import Recorder

__all__ = ["Controller"]


class Controller:
    """The controller's xdist hooks: registered only when xdist distributes, as its hooks
    exist only then."""

    def __init__(
        self, recorder: Recorder, settings: dict[str, Any], folder: Path | None, each: bool
    ) -> None:
        self.recorder = recorder
        self.settings = settings  # what every worker must agree on: the seed, the groups' folder
        self.folder = folder  # None: the user chose another --dist; groups are not kept together
        self.only = "gw0" if each else None  # --dist=each: every worker runs every case
        self.merged = Merged()
        recorder.merged = self.merged
        self.planned = False  # the header and the operations' count are shown once

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[OUTPUT_KEY] = self.settings

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if self.folder is None:
            return None
        from ._scheduling import GroupScheduling  # xdist is there: it calls this hook

        return GroupScheduling(config, log, self.folder)

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # The controller collects nothing itself: the first worker's groups file tells
        # whether conformance cases were collected, and so whether to show the header, and
        # which groups will run (each on a worker of its own: no scenario run is shared).
        if self.planned or self.folder is None:
            return
        path = self.folder / f"{node.gateway.id}.json"
        groups = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        reporter = node.config.pluginmanager.getplugin("terminalreporter")
        if not groups or reporter is None:
            return
        self.planned = True
        if not self.recorder.header_shown:
            reporter.write_line(self.recorder.header())
            self.recorder.header_shown = True
        session = self.recorder.session
        if not session.target.kind.in_process:
            planned = session.plan(set(groups.values()), apart=False, together=False)
            reporter.write_line(f"async-conformance: {planned.line()}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        node = getattr(report, "node", None)  # xdist puts the worker's controller there
        worker = str(node.gateway.id) if node is not None else "?"
        if self.only is not None and worker != self.only:
            return  # --dist=each: every worker ran every case; one worker's results serve
        case = getattr(report, "conformance_case", None)
        if case is not None:
            self.merged.case(worker, case)
        elif report.failed:
            # Not a case's verdict: a worker that crashed under it, say. Judged at the end.
            self.recorder.unreported[report.nodeid] = str(report.longrepr).splitlines()[-1:]

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        worker = str(node.gateway.id)
        partial = getattr(node, "workeroutput", {}).get(OUTPUT_KEY)
        for note in (partial or {}).get("notes", []):
            if note not in self.recorder.notes:
                self.recorder.notes.append(note)
        if self.only is not None and worker != self.only:
            # --dist=each: its cases are gw0's too, but what it made on the target is its own.
            self.merged.cleanup = merge_cleanup(
                self.merged.cleanup, apart((partial or {}).get("cleanup"), worker), 0, 0
            )
            return
        if partial is not None:
            self.recorder.take(worker, partial, self.merged.add(worker, partial))
            if self.folder is None and self.only is None and len(self.merged.workers) == 2:
                self.recorder.notes.append(
                    "the --dist chosen spread cases that share observations over workers, so "
                    "each worker made them again (the target saw each lifecycle more than once); "
                    "-n alone keeps each group of cases on one worker"
                )
        else:
            self.recorder.take(worker, None, self.merged.lost(worker))
        if error is not None and not self.recorder.aborted:
            self.recorder.aborted = f"worker {worker} stopped: {error}"
