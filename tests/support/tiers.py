"""Which tests are slow, read from their code: the fast tier keeps itself honest.

A test is slow when it starts a process or a server, drives a browser, waits on the
wall clock, or runs the suite end to end. That is read at collection from what the
test's code names (its fixtures, and the functions, modules and attributes its body
and the tests' own helpers it calls refer to), never timed. A slow test must say so:
it lives in `tests/slow/` or `tests/real/`, or carries `@pytest.mark.slow`.
"""

from __future__ import annotations

import dis
import inspect
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["SLOW_FOLDERS", "refuse_unmarked_slow", "slow_reasons"]

#: Folders whose tests are slow by where they are.
SLOW_FOLDERS = ("slow", "real")
TESTS = Path(__file__).resolve().parent.parent

#: Fixtures that make a test slow, with why.
SLOW_FIXTURES = {
    "run_suite": "runs the conformance suite end to end (the run_suite fixture)",
}
#: Names whose use makes a test slow, with why: helpers, modules and calls.
SLOW_NAMES = {
    "serve_in_thread": "starts a server (serve_in_thread)",
    "simulator_process": "starts a server process (simulator_process)",
    "suite_in_subprocess": "runs the suite in a new interpreter (suite_in_subprocess)",
    "subprocess": "starts a process (subprocess)",
    "runpytest_subprocess": "starts a process (pytester.runpytest_subprocess)",
    "multiprocessing": "starts a process (multiprocessing)",
    "Background": "starts the retention process (Background)",
    "socketserver": "starts a server (socketserver)",
    "uvicorn": "starts a server (uvicorn)",
    "serve_forever": "starts a server (serve_forever)",
    "sync_playwright": "drives a browser (playwright)",
    "RealClock": "waits on the wall clock (RealClock)",
    "outcomes": "runs every case against the simulator (outcomes)",
}
#: Attribute uses that make a test slow: (module name, attribute).
SLOW_ATTRIBUTES = {
    ("time", "sleep"): "waits on the wall clock (time.sleep)",
    ("asyncio", "sleep"): "waits on the wall clock (asyncio.sleep)",
    ("anyio", "sleep"): "waits on the wall clock (anyio.sleep)",
}


def refuse_unmarked_slow(items: list[pytest.Item]) -> None:
    """Mark the tests of the slow folders slow; stop the collection, naming each and why,
    if a test elsewhere is slow by its code but not marked so."""
    unmarked = []
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        if (
            item.path.is_relative_to(TESTS)
            and item.path.relative_to(TESTS).parts[0] in SLOW_FOLDERS
        ):
            item.add_marker(pytest.mark.slow)
        elif item.get_closest_marker("slow") is None:
            reasons = slow_reasons(item.function, _fixture_functions(item))
            if reasons:
                unmarked.append(f"  {item.nodeid}: {'; '.join(reasons)}")
    if unmarked:
        listed = "\n".join(dict.fromkeys(unmarked))
        raise pytest.UsageError(
            "these tests are slow but not marked so, and the fast tier "
            '(pytest tests -m "not slow") would run them:\n'
            f"{listed}\n"
            "Move each to tests/slow/ (tests/real/ for a third-party server), or mark it "
            "@pytest.mark.slow."
        )


def _fixture_functions(item: pytest.Function) -> dict[str, Callable[..., Any] | None]:
    """Each fixture the test uses, with the function that makes it."""
    defs = item._fixtureinfo.name2fixturedefs
    return {name: defs[name][-1].func if defs.get(name) else None for name in item.fixturenames}


def slow_reasons(
    function: Callable[..., Any], fixtures: dict[str, Callable[..., Any] | None]
) -> list[str]:
    """Why `function` (a test) is slow, from its code and its fixtures' (`fixtures`: each
    name the test uses, with the function that makes it where the tests define it);
    empty when nothing says so."""
    reasons = [SLOW_FIXTURES[name] for name in fixtures if name in SLOW_FIXTURES]
    seen: set[int] = set()
    codes = list(_codes(function, getattr(function, "__globals__", {}), seen))
    for fixture in fixtures.values():
        if fixture is not None and _is_tests_helper(fixture):
            codes += _codes(fixture, getattr(fixture, "__globals__", {}), seen)
    for code in codes:
        names = set(code.co_names)
        reasons += [why for name, why in SLOW_NAMES.items() if name in names]
        reasons += [SLOW_ATTRIBUTES[use] for use in _attribute_uses(code) if use in SLOW_ATTRIBUTES]
    return sorted(set(reasons))


def _attribute_uses(code: types.CodeType) -> Iterator[tuple[str, str]]:
    """Each `name.attribute` the code reads (`time.sleep`, not `time` and `sleep` apart)."""
    previous = None
    for instruction in dis.get_instructions(code):
        if (
            previous is not None
            and instruction.opname in ("LOAD_ATTR", "LOAD_METHOD")
            and previous.opname in ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_FAST", "LOAD_DEREF")
        ):
            yield str(previous.argval), str(instruction.argval)
        previous = instruction


def _local_imports(code: types.CodeType) -> Iterator[object]:
    """What a function imports in its body (`from tests.servers._loopback import serve`)."""
    module = None
    for instruction in dis.get_instructions(code):
        if instruction.opname == "IMPORT_NAME":
            module = sys.modules.get(str(instruction.argval))
        elif instruction.opname == "IMPORT_FROM" and module is not None:
            yield getattr(module, str(instruction.argval), None)


def _codes(
    function: Callable[..., Any], globals_: dict[str, Any], seen: set[int]
) -> Iterator[types.CodeType]:
    """The code of `function`, of the functions defined in it, and of the tests' own
    helpers it names (followed through them in turn)."""
    code = getattr(inspect.unwrap(function), "__code__", None)
    if code is None or id(code) in seen:
        return
    seen.add(id(code))
    stack = [code]
    while stack:
        current = stack.pop()
        yield current
        stack += [c for c in current.co_consts if isinstance(c, types.CodeType)]
        helpers = [globals_.get(name) for name in current.co_names]
        for helper in [*helpers, *_local_imports(current)]:
            if _is_tests_helper(helper):
                yield from _codes(helper, getattr(helper, "__globals__", globals_), seen)


def _is_tests_helper(value: object) -> bool:
    """A function (or a context manager made of one) defined in the tests' own code."""
    function = getattr(value, "__wrapped__", value)
    if not isinstance(function, types.FunctionType):
        return False
    try:
        path = Path(inspect.getfile(function)).resolve()
    except (TypeError, OSError):
        return False
    return TESTS in path.parents
