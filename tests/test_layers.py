"""The package's doors: one package imports another only through its `__init__`.

A lint rule of the project's own (ruff's import-private-name does not look inside one
top-level package): every `from X._module import ...` that crosses into another
package of `conformance`, from the package or from the shipped cases, is refused.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
