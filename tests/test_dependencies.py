"""The runtime dependencies declared are the ones the installed package imports: none
imported but undeclared (an install would break on first use), none declared but unused
(every user would install it for nothing; the tests' own belong in the `dev` extra)."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.support.paths import ROOT

#: These read the package's files as text; the mutation run, whose copies are rewritten many
#: times over, leaves them out (pyproject.toml).
pytestmark = pytest.mark.source_tree

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: What the wheel ships: the package, and the cases inside it.
SHIPPED = (ROOT / "conformance", ROOT / "cases")
#: Declared for what the package does with another's objects, not for an import of its own.
#: Each names the import that needs it.
INDIRECT = {
    # Schemathesis 4 hands the suite's checks a response as a requests.Response
    # (checks/schema.py builds one), and does not declare requests itself.
    "requests": "conformance/checks/schema.py",
}


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _declared(extras: bool = False) -> dict[str, Requirement]:
    """[project].dependencies; with `extras`, also the users' extras (not `dev`)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    if extras:
        for name, more in project["optional-dependencies"].items():
            specs += more if name != "dev" else []
    requirements = [Requirement(spec) for spec in specs]
    return {_normal(r.name): r for r in requirements}


def _imported_modules(roots: tuple[Path, ...]) -> dict[str, str]:
    """Top-level module names imported anywhere under `roots`, each with a file importing it."""
    found: dict[str, str] = {}
    for root in roots:
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], path.name)
    return found


def _distributions(modules: dict[str, str]) -> dict[str, str]:
    """The installed distribution each imported module comes from (the standard library's
    and the project's own have none), with a file that imports it."""
    owners = packages_distributions()
    found: dict[str, str] = {}
    for module, where in modules.items():
        if module in sys.stdlib_module_names or module == "conformance":
            continue
        for distribution in owners.get(module, [module]):
            found.setdefault(_normal(distribution), where)
    return found


def test_every_distribution_the_package_imports_is_declared():
    # pytest-xdist is imported only under `pytest -n`: the `parallel` extra declares it.
    declared = _declared(extras=True)
    undeclared = {
        name: where
        for name, where in _distributions(_imported_modules(SHIPPED)).items()
        if name not in declared
    }
    assert undeclared == {}, "imported by the package but not in [project].dependencies"


def test_every_declared_dependency_is_imported_by_the_package():
    imported = _distributions(_imported_modules(SHIPPED))
    unused = {
        name
        for name, requirement in _declared().items()
        if name not in imported
        and name not in INDIRECT
        and (requirement.marker is None or requirement.marker.evaluate())
    }
    assert unused == set(), "declared in [project].dependencies but never imported: move to dev"


def test_each_indirect_dependency_is_used_where_it_says():
    declared = _declared()
    for name, where in INDIRECT.items():
        assert name in declared
        assert name in _imported_modules((ROOT / where,)), f"{where} no longer imports {name}"


def test_the_check_sees_an_import_no_one_declared(tmp_path):
    # The check can fail: a module importing something not declared is reported by name.
    (tmp_path / "extra.py").write_text("import respx\nimport json\nfrom . import sibling\n")
    distributions = _distributions(_imported_modules((tmp_path,)))
    assert distributions == {"respx": "extra.py"}
