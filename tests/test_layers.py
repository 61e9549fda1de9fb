"""The package's doors: one package imports another only through its `__init__`.

A lint rule of the project's own (ruff's import-private-name does not look inside one
top-level package): every `from X._module import ...` that crosses into another
package of `conformance`, from the package or from the shipped cases, is refused.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import ROOT

#: These read the package's files as text; the mutation run, whose copies are rewritten many
#: times over, leaves them out (pyproject.toml).
pytestmark = pytest.mark.source_tree


def _crossings(path: Path, text: str | None = None) -> list[str]:
    parts = path.relative_to(ROOT).with_suffix("").parts
    here = parts[:-1] if parts[0] == "conformance" else ("cases",)
    found = []
    source = path.read_text(encoding="utf-8") if text is None else text
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if node.level:
            base = list(parts[: len(parts) - node.level])
            target = (*base, *node.module.split("."))
        else:
            target = tuple(node.module.split("."))
        private = next((i for i, p in enumerate(target) if p.startswith("_")), None)
        if private is None or target[0] != "conformance":
            continue
        package = target[:private]
        if tuple(here[: len(package)]) != package:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {'.'.join(target)}")
    return found


def test_no_package_reaches_into_another_ones_private_modules():
    files = [*ROOT.joinpath("conformance").rglob("*.py"), *ROOT.joinpath("cases").glob("*.py")]
    crossings = [c for f in files for c in _crossings(f)]
    assert crossings == []


def test_the_rule_sees_a_crossing_and_lets_a_package_use_its_own():
    module = ROOT / "conformance" / "report" / "_probe.py"  # never written: the text is given
    source = "from ..driver._lifecycle import Driver\nfrom ._json import x\n"
    assert _crossings(module, source) == [
        "conformance/report/_probe.py:1 imports conformance.driver._lifecycle"
    ]


def _imports(path: Path, modules: set[str], text: str | None = None) -> set[str]:
    """The package's modules `path` imports: anywhere in it, lazily or for types alone."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts[:-1]
    name = ".".join(package if parts[-1] == "__init__" else parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8") if text is None else text)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            # `from . import x` names a module where x is one, else the package.
            targets = [
                f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module
                for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The graph's strongly connected parts of more than one module (Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = []
            while True:
                other = stack.pop()
                part.append(other)
                if other == node:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def test_no_modules_import_each_other_even_lazily_or_for_types():
    files = list(ROOT.joinpath("conformance").rglob("*.py"))
    modules = {_module_name(f) for f in files}
    graph = {_module_name(f): _imports(f, modules) for f in files}
    assert _circles(graph) == []


def test_the_circle_rule_sees_a_lazy_import_back():
    modules = {"conformance.a", "conformance.b", "conformance.c"}
    back = "def f():\n    from .a import x\n"
    graph = {
        "conformance.a": _imports(ROOT / "conformance" / "a.py", modules, "from . import b\n"),
        "conformance.b": _imports(ROOT / "conformance" / "b.py", modules, back),
        "conformance.c": _imports(ROOT / "conformance" / "c.py", modules, "import conformance.a\n"),
    }
    assert graph["conformance.b"] == {"conformance.a"}
    assert _circles(graph) == [["conformance.a", "conformance.b"]]
