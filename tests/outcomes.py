"""The hand-written cases called as plain functions on one session: each case's outcome.

What the Recorder concludes from a pytest run, without pytest: the verdict, the words a user
reads and the exchanges cited. It takes milliseconds per case, so the outcome of every case
against every simulator behaviour can be compared with its approved value on each change
(tests/test_case_outcomes.py), and mutation testing can afford it per mutant.
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

#: The case modules whose cases judge the lifecycle and its windows (not the property cases:
#: tests/test_model.py and tests/test_openapi.py judge those).
MODULES = (
    "test_submission",
    "test_status",
    "test_result",
    "test_delete",
    "test_transitions",
    "test_sync",
    "test_retention",
)
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


_EXCHANGE_LINE = re.compile(r"^\s+#(\d+) ")


def _stable(text: str, racy: bool = False) -> str:
    """Fresh ids differ each run, and concurrent submissions finish in any order; everything
    else the suite says is the same every run. Of a `racy` case that did not pass (which
    concurrent submission met the fault first, and how many did, is a race), only the
    verdict and the requirement are."""
    text = _UUID.sub("<uuid>", text)
    if racy and not text.startswith("PASS"):
        return text.split("\n", 1)[0]
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


def _calls(fn: Callable[..., Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """A case function's parametrized calls, with pytest's ids for them."""
    marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
    axes: list[list[tuple[str, dict[str, Any]]]] = []
    for mark in reversed(marks):  # pytest applies the decorator nearest the function first
        names = [n.strip() for n in mark.args[0].split(",")]
        axis = []
        for value in mark.args[1]:
            values = value if len(names) > 1 else (value,)
            axis.append(("-".join(str(v) for v in values), dict(zip(names, values, strict=True))))
        axes.append(axis)
    for combo in itertools.product(*axes):
        ids = "-".join(i for i, _ in combo)
        yield (f"[{ids}]" if ids else ""), {k: v for _, kw in combo for k, v in kw.items()}


def cases() -> Iterator[tuple[str, str, Callable[..., Any], dict[str, Any]]]:
    """(case id, requirement, function, arguments) for each case, in file order."""
    for module_name in MODULES:
        module = importlib.import_module(f"cases.{module_name}")
        functions = [
            f
            for name, f in vars(module).items()
            if name.startswith("test_") and inspect.isfunction(f)
        ]
        for fn in sorted(functions, key=lambda f: f.__code__.co_firstlineno):
            req_id = next(m.args[0] for m in fn.pytestmark if m.name == "requirement")
            for suffix, kwargs in _calls(fn):
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
    stable = functools.partial(_stable, racy="concurrent" in fn.__name__)
    with collecting() as cited:
        try:
            fn(conformance=session, **kw)
        except ConformanceFailure as exc:
            verdict = "FAIL" if get(req_id).level is Level.MUST else "WARN"
            return stable(f"{verdict}: {exc}")
        except Inconclusive as exc:
            return stable(f"WARN {exc}")
        except Blocked as exc:
            return stable(f"ERROR {exc}")
        except NotObserved as exc:
            return stable(f"SKIP {exc.msg}")
        except pytest.skip.Exception as exc:
            return stable(f"SKIP {exc.msg}")
    evidence = "; ".join(f"{c.what} {sorted(e.index for e in c.exchanges)}" for c in cited)
    shown = "".join(f"\n  {k}: {v}" for k, v in properties)
    return stable(f"PASS {evidence or '(cites nothing: SKIP not observed)'}{shown}")


def outcomes(
    dialect: str, behaviours: list[str], clock: str = "virtual"
) -> tuple[dict[str, str], dict[str, str]]:
    """Every case's outcome against the built-in simulator with these behaviours, and the
    requirement each case judges."""
    target = resolve(f"builtin:{dialect}", None, None, clock, behaviours)
    session = ConformanceSession(target, PROFILES["smoke"])
    said: dict[str, str] = {}
    requirement_of: dict[str, str] = {}
    try:
        for case, req_id, fn, kw in cases():
            said[case] = outcome(session, req_id, fn, kw)
            requirement_of[case] = req_id
    finally:
        session.close()
    return said, requirement_of
