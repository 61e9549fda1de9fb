"""mutmut's command line, with its type-check filter made fast: run by bench/mutation.py.

mutmut 3.8.1 tells which mutant a type error belongs to by parsing each mutated file with
libcst and asking it for every function's position: over this project's mutants (30 MB,
270,000 lines) that took 196 of the 200 seconds a run spent before its first test, on every
run, changed or not. The standard library's `ast` gives the same line ranges in about a
second. Everything else is mutmut's own; mutmut is pinned (pyproject.toml), and a version
that no longer has the function replaced here stops this script instead of running slow.
"""

from __future__ import annotations

import ast
import sys
from importlib.metadata import version
from pathlib import Path

# Run as a script, this folder comes first on sys.path; the tests must not import from it.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import mutmut.__main__ as mutmut_main
from mutmut.configuration import config
from mutmut.mutation import file_mutation
from mutmut.mutation.file_mutation import (
    FailedTypeCheckMutant,
    MutatedMethodLocation,
    group_by_path,
)
from mutmut.type_checking import run_type_checker
from mutmut.utils.file_utils import change_cwd
from mutmut.utils.format_utils import get_mutant_name, is_mutated_method_name


def mutated_functions(path: Path, source: str) -> list[MutatedMethodLocation]:
    """Each mutant's function in a mutated file, with its first and last line."""
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_mutated_method_name(
            node.name
        ):
            # From the `def` line, as libcst counts a function: decorators are not in it.
            first = node.lineno
            found.append(MutatedMethodLocation(path, node.name, first, node.end_lineno or first))
    return found


def filter_mutants_with_type_checker() -> dict[str, FailedTypeCheckMutant]:
    """mutmut's filter of the same name, finding functions with `ast` instead of libcst."""
    with change_cwd(Path("mutants")):
        errors = run_type_checker(config().type_check_command)
        caught: dict[str, FailedTypeCheckMutant] = {}
        for path, errors_of_file in group_by_path(errors).items():
            functions = mutated_functions(path, path.read_text(encoding="utf-8"))
            if not functions:
                continue
            for error in errors_of_file:
                function = next(
                    (
                        f
                        for f in functions
                        if f.line_number_start <= error.line_number <= f.line_number_end
                    ),
                    None,
                )
                if function is None:
                    raise SystemExit(
                        f"bench/_mutmut.py: the type error at {error.file_path}:"
                        f"{error.line_number} ({error.error_description}) is in no mutant's "
                        "function: does the project pass its own type check (mypy)? If it "
                        "does, a mutation changed types outside its function."
                    )
                name = get_mutant_name(
                    path.relative_to(Path(".").absolute()), function.function_name
                )
                caught[name] = FailedTypeCheckMutant(function, name, error)
        return caught


#: The mutmut whose filter this replaces (pyproject.toml pins it).
MUTMUT_VERSION = "3.8.1"


def main() -> None:
    installed = version("mutmut")
    if installed != MUTMUT_VERSION or not hasattr(file_mutation, "MutatedMethodsCollector"):
        raise SystemExit(
            f"bench/_mutmut.py replaces a function of mutmut {MUTMUT_VERSION}, and mutmut "
            f"{installed} is installed: install the version pyproject.toml pins "
            "(pip install -e '.[dev]'), or check the replaced function against the new one."
        )
    # mutmut.__main__ imported the original by name: replace it there.
    mutmut_main.filter_mutants_with_type_checker = filter_mutants_with_type_checker  # type: ignore[attr-defined]
    mutmut_main.cli()


if __name__ == "__main__":
    main()
