"""The hand-written cases called as plain functions on one session: each case's outcome.

What the Recorder concludes from a pytest run, without pytest: the verdict, the words a user
reads and the exchanges cited. It takes milliseconds per case, so the outcome of every case
against every simulator behaviour can be compared with its approved value on each change
(tests/slow/test_outcomes.py), and mutation testing can afford it per mutant.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.budget import PROFILES
from conformance.catalogue import Level, get
from conformance.session import ConformanceSession
from conformance.target import resolve
from conformance.verdicts import (
    Blocked,
    ConformanceFailure,
    Inconclusive,
    NotObserved,
    collecting,
)

#: The case modules whose cases judge the lifecycle and its windows, and the document.
MODULES = (
    "test_submission",
    "test_status",
    "test_result",
    "test_delete",
    "test_transitions",
    "test_sync",
    "test_retention",
    "test_document",
)
#: The property and schema-driven cases (the smoke profile: they draw the same every run).
PROPERTY_MODULES = ("test_robustness", "test_schema", "test_model")
#: Fresh ids: UUIDs, long hex runs, and the hex tail of an id the suite made up ("robust-1f0a...").
_UUID = re.compile(
    r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|[0-9a-f]{12,}|(?<=-)[0-9a-f]{8}\b"
)


_EXCHANGE_LINE = re.compile(r"^\s+#(\d+) ")


def _stable(text: str, racy: bool = False) -> str:
    """Fresh ids differ each run, and concurrent submissions finish in any order; everything
    else the suite says is the same every run. Of a `racy` case (it submits concurrently),
    which exchanges it cites is a race too, and so is more than the verdict and requirement
    of one that did not pass."""
    text = _UUID.sub("<uuid>", text)
    if racy and not text.startswith("PASS"):
        return text.split("\n", 1)[0]
    if racy:
        text = re.sub(r" \[[0-9, ]+\]", " [...]", text)
    lines = text.split("\n")
    out: list[str] = []
    for listed, group in itertools.groupby(
        lines, key=lambda line: bool(_EXCHANGE_LINE.match(line))
    ):
        block = list(group)
        out += (
            sorted(block, key=lambda line: int(_EXCHANGE_LINE.match(line)[1])) if listed else block
        )  # type: ignore[index]
    return "\n".join(out)


_Call = tuple[str, dict[str, Any], list[Any]]  # pytest's id suffix, arguments, marks


def _calls(fn: Callable[..., Any]) -> Iterator[_Call]:
    """A case function's parametrized calls, with pytest's ids for them and their marks."""
    marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
    axes: list[list[_Call]] = []
    for mark in reversed(marks):  # pytest applies the decorator nearest the function first
        names = [n.strip() for n in mark.args[0].split(",")]
        axis: list[_Call] = []
        for value in mark.args[1]:
            param = value if hasattr(value, "values") and hasattr(value, "marks") else None
            values = param.values if param else value if len(names) > 1 else (value,)
            shown = param.id if param and param.id else "-".join(str(v) for v in values)
            arguments = dict(zip(names, values, strict=True))
            axis.append((shown, arguments, list(param.marks) if param else []))
        axes.append(axis)
    for combo in itertools.product(*axes):
        ids = "-".join(shown for shown, _, _ in combo)
        arguments = {k: v for _, kw, _ in combo for k, v in kw.items()}
        yield (f"[{ids}]" if ids else ""), arguments, [m for _, _, ms in combo for m in ms]


def cases(
    modules: tuple[str, ...] = MODULES,
) -> Iterator[tuple[str, str, Callable[..., Any], dict[str, Any]]]:
    """(case id, requirement, function, arguments) for each case, in file order."""
    for module_name in modules:
        module = importlib.import_module(f"cases.{module_name}")
        functions = [
            f
            for name, f in vars(module).items()
            if name.startswith("test_") and inspect.isfunction(f)
        ]
        for fn in sorted(functions, key=lambda f: f.__code__.co_firstlineno):
            for suffix, kwargs, marks in _calls(fn):
                req_id = next(
                    m.args[0] for m in [*fn.pytestmark, *marks] if m.name == "requirement"
                )
                yield f"{module_name}::{fn.__name__}{suffix}", req_id, fn, kwargs


def outcome(
    session: ConformanceSession, req_id: str, fn: Callable[..., Any], kw: dict[str, Any]
) -> str:
    """One case's verdict and what the report says of it, as text."""
    dialect = session.description.dialect
    if req_id in dialect.not_applicable:  # as the Recorder skips it
        return f"SKIP not in the {dialect.name} dialect's contract"
    properties: list[tuple[str, object]] = []
    if "record_property" in inspect.signature(fn).parameters:
        kw = {**kw, "record_property": lambda k, v: properties.append((k, v))}
    racy = "concurrent" in fn.__name__ or req_id == "SUBMIT-UNIQUE"
    stable = functools.partial(_stable, racy=racy)
    with collecting() as cited:
        try:
            fn(conformance=session, **kw)
        except ConformanceFailure as exc:
            verdict = "FAIL" if get(req_id).level is Level.MUST else "WARN"
            return stable(f"{verdict}: {exc}")
        except Inconclusive as exc:
            return stable(f"WARN {exc}")
        except Blocked as exc:
            # Settled in `outcomes` once every case is known, as the recorder's Results do.
            return stable(f"BLOCKED by {'|'.join(exc.by)} {exc}" if exc.by else f"ERROR {exc}")
        except NotObserved as exc:
            looked = (
                f" (looked at {sorted(e.index for e in exc.exchanges)})" if exc.exchanges else ""
            )
            return stable(f"SKIP {exc.msg}{looked}")
        except pytest.skip.Exception as exc:
            return stable(f"SKIP {exc.msg}")
    evidence = "; ".join(f"{c.what} {sorted(e.index for e in c.exchanges)}" for c in cited)
    shown = "".join(f"\n  {k}: {v}" for k, v in properties)
    return stable(f"PASS {evidence or '(cites nothing: SKIP not observed)'}{shown}")


def outcomes(
    dialect: str, behaviours: list[str], modules: tuple[str, ...] = MODULES
) -> tuple[dict[str, str], dict[str, str]]:
    """Every case's outcome against the built-in simulator with these behaviours, and the
    requirement each case judges."""
    target = resolve(f"builtin:{dialect}", None, None, "virtual", behaviours)
    session = ConformanceSession(target, PROFILES["smoke"])
    said: dict[str, str] = {}
    requirement_of: dict[str, str] = {}
    try:
        for case, req_id, fn, kw in cases(modules):
            said[case] = outcome(session, req_id, fn, kw)
            requirement_of[case] = req_id
    finally:
        session.close()
    failed = {requirement_of[case] for case, text in said.items() if text.startswith("FAIL")}
    for case, text in said.items():
        if text.startswith("BLOCKED by "):
            blockers, rest = text.removeprefix("BLOCKED by ").split(" ", 1)
            named = next((b for b in blockers.split("|") if b in failed), None)
            if named is not None:
                said[case] = f"BLOCKED by {named}: {rest}"
            elif modules != MODULES:  # the cases of those requirements were not run here
                said[case] = f"BLOCKED by one of {blockers}, if it FAILs: {rest}"
            else:
                said[case] = f"ERROR {rest}"
    return said, requirement_of
