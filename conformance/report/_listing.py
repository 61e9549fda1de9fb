"""The catalogue with the cases that cover each requirement: `--list-requirements` lists what a
run collects, `async-conformance requirements` the cases that ship with the suite."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from ..catalogue import CATALOGUE, DialectSource, cited

__all__ = [
    "CasesError",
    "render_listing",
    "render_markdown",
    "requirement_of",
    "runs_last",
    "shipped_cases",
]


def requirement_of(item: pytest.Item) -> str | None:
    """The requirement a case is marked with (`""` for a marker without one), None if unmarked."""
    marker = item.get_closest_marker("requirement")
    if marker is None:
        return None
    return str(marker.args[0]) if marker.args else ""


def runs_last(item: pytest.Item) -> bool:
    """A case marked `conformance_last` (the lifecycle model) runs, and is listed, last."""
    return item.get_closest_marker("conformance_last") is not None


class CasesError(RuntimeError):
    """The shipped cases could not be collected (a broken installation)."""


class _Collector:
    """Reads the requirement of each collected case; nothing is set up, nothing is run."""

    def __init__(self) -> None:
        self.covering: dict[str, list[str]] = defaultdict(list)

    def pytest_configure(self, config: pytest.Config) -> None:
        # The suite's plugin is left out (it would resolve a target): its markers are named here.
        for marker in ("requirement(id)", "conformance_last", "conformance_group(name)"):
            config.addinivalue_line("markers", marker)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in sorted(session.items, key=runs_last):
            req_id = requirement_of(item)
            if req_id is not None:
                self.covering[req_id].append(item.nodeid)


def _inside(module: ModuleType, folder: Path) -> bool:
    where = getattr(module, "__file__", None)
    return where is not None and Path(where).resolve().is_relative_to(folder.resolve())


def shipped_cases(folder: Path) -> dict[str, list[str]]:
    """The cases in `folder` by requirement, as pytest collects them (node ids relative to it).

    Collection only: no target is resolved, no session made, no request sent. Neither the
    configuration nor the conftest files around the folder take part, so a user's project
    (its pyproject.toml, its warnings filters) cannot change what is listed.
    """
    collector = _Collector()
    output = io.StringIO()
    args = [
        str(folder),
        "--collect-only",
        "-q",
        "-c",
        os.devnull,
        "--rootdir",
        str(folder),
        "--noconftest",
        "--import-mode=importlib",
        "--assert=plain",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:async_conformance",
    ]
    before = set(sys.modules)
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = pytest.main(args, plugins=[collector])
    finally:
        # The case modules were imported only to be read: a run imports them afresh.
        for name in set(sys.modules) - before:
            if _inside(sys.modules[name], folder):
                del sys.modules[name]
    if code != pytest.ExitCode.OK:
        said = output.getvalue().strip() or f"pytest exit code {int(code)}"
        raise CasesError(f"the cases in {folder} could not be collected:\n{said}")
    return dict(collector.covering)


def render_listing(
    covering: Mapping[str, Sequence[str]],
    dialect: Callable[[str], DialectSource | None] = lambda requirement_id: None,
) -> list[str]:
    """The catalogue with the cases that cover each requirement; `dialect` gives the run's
    dialect's document for a requirement, where that dialect defines part of the rule."""
    lines: list[str] = []
    section = ""
    for req in CATALOGUE.values():
        if req.section != section:
            section = req.section
            lines += ["", f"{section}"]
        cases = covering.get(req.id, [])
        lines.append(f"  {req.id:<26} {req.level.value:<6} {req.title}")
        lines.append(f"  {'':<26} {'':<6} source: {cited(req.source, dialect(req.id))}")
        if cases:
            lines += [f"  {'':<26} {'':<6} case: {nodeid}" for nodeid in cases]
        else:
            lines.append(f"  {'':<26} {'':<6} NOT-COVERED")
    unknown = sorted(set(covering) - CATALOGUE.keys())
    for req_id in unknown:
        where = ", ".join(covering[req_id])
        lines.append(f"  {req_id:<26} UNKNOWN requirement, marked on: {where}")
    return lines


def render_markdown() -> str:
    """The catalogue as the Markdown table in README.md (a test keeps the two equal)."""
    rows = ["| ID | Level | Section | Requirement | Source |", "|---|---|---|---|---|"]
    for req in CATALOGUE.values():
        rows.append(
            f"| `{req.id}` | {req.level.value} | {req.section} | {req.title} | {req.source} |"
        )
    return "\n".join(rows)
