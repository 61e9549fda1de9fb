"""How many planted mistakes in the verdict logic the fast tests catch; prints figures.

    python bench/mutation.py [--sample N] [--seed S] [--children 2] [--minutes 45]

Runs mutmut (configured in pyproject.toml, [tool.mutmut]: what is mutated, and the fast
tests each mutant is tried against) and prints how many mutants were killed, survived,
timed out or reached no test, the score, and each survivor with its file, line and
mutated text. Survivors judged by hand are in bench/mutation_judged.toml: an equivalent
mutant (it changes nothing a user could see) leaves the score; a known gap stays in it
and is listed with its reason.

mutmut tries each mutant only against the tests that ran its function (it records them
in a first, clean run), in forked workers: a run of the whole verdict logic takes
minutes, not hours. `--sample N` runs a seeded sample of N mutants (what CI runs), which a
change to the code alters only where it changed the code;
`--minutes` bounds the run, and what finished is still counted. mutmut keeps its results
in mutants/ between runs, so a second run tries only what changed.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
JUDGED = ROOT / "bench" / "mutation_judged.toml"
#: mutmut's command line, with a faster type-check filter (bench/_mutmut.py).
MUTMUT = [sys.executable, str(ROOT / "bench" / "_mutmut.py")]
#: mutmut's own exit-code statuses (mutmut.stats.status_by_exit_code), by what they mean here.
KILLED = {1, 3}
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {36, 24, -24, 152, 255}
CAUGHT_BY_TYPES = {37}


@dataclass(frozen=True)
class Survivor:
    name: str
    path: str
    line: int
    function: str
    removed: str
    added: str

    def judged(self, judged: list[dict[str, str]]) -> dict[str, str] | None:
        for entry in judged:
            if (
                entry["path"] == self.path
                and entry["function"] == self.function
                and entry["removed"].strip() == self.removed.strip()
                and entry["added"].strip() == self.added.strip()
            ):
                return entry
        return None


def _names() -> dict[str, int | None]:
    """Every mutant mutmut made, with its exit code (None: not tried yet)."""
    found: dict[str, int | None] = {}
    for meta in MUTANTS.rglob("*.py.meta"):
        found.update(json.loads(meta.read_text())["exit_code_by_key"])
    return found


def _run(children: int, names: list[str], minutes: float) -> bool:
    """`mutmut run`; False when the deadline stopped it (what finished is kept)."""
    command = [*MUTMUT, "run", "--max-children", str(children), *names]
    # mutmut runs mypy (type_check_command) by name: this interpreter's, venv or not.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PATH": path},
    )
    try:
        process.wait(timeout=minutes * 60)
        return True
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)  # mutmut saves each result as it finishes
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        return False


def _make_mutants(children: int) -> None:
    """Have mutmut write its mutants into mutants/ and run no test, to sample their names.

    `mutmut run` with a name no mutant has would make them too, but only after a run of
    the whole test selection to trace it and a second, clean one: minutes that the sampled
    run then spends again on its own.
    """
    make = (
        "import os\n"
        "from mutmut.__main__ import copy_also_copy_files, copy_src_dir, create_mutants, "
        "set_mutant_under_test, setup_source_paths\n"
        "set_mutant_under_test('mutant_generation')\n"
        "os.makedirs('mutants', exist_ok=True)\n"
        "copy_src_dir(); copy_also_copy_files(); setup_source_paths()\n"
        f"create_mutants({children})\n"
    )
    subprocess.run([sys.executable, "-c", make], cwd=ROOT, stdout=subprocess.DEVNULL, check=True)


def _function(name: str) -> tuple[str, str]:
    """`conformance.checks.status.x_answers_200_json__mutmut_3` -> (module path, function)."""
    module, _, rest = name.rpartition(".x")
    rest = re.sub(r"__mutmut_\d+$", "", rest)
    # "x_" + a function's name, or "xǁClassǁmethod".
    function = ".".join(p for p in rest.split("ǁ") if p) if "ǁ" in rest else rest[1:]
    path = module.replace(".", "/")
    return (f"{path}/__init__.py" if (ROOT / path).is_dir() else f"{path}.py"), function


def _def_line(path: str, function: str) -> int:
    tree = ast.parse((ROOT / path).read_text())
    parts = function.split(".")
    nodes: list[ast.AST] = list(tree.body)
    for i, part in enumerate(parts):
        node = next(
            n
            for n in nodes
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and n.name == part
        )
        if i == len(parts) - 1:
            return node.lineno
        nodes = list(node.body)  # type: ignore[attr-defined]
    raise LookupError(function)


def _diff(name: str) -> str:
    """`mutmut show NAME`'s diff of the mutant's function, computed in this process.

    mutmut reads its configuration (pyproject.toml) as it is imported: from ROOT.
    """
    os.chdir(ROOT)
    from mutmut.__main__ import find_mutant
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    return str(get_diff_for_mutant(name, path=find_mutant(name).path))


def _survivor(name: str) -> Survivor:
    """Where a mutant is, and what it changed: from the diff of its function."""
    diff = _diff(name)
    path, function = _function(name)
    line, removed, added, old = 0, "", "", 0
    for text in diff.splitlines():
        hunk = re.match(r"@@ -(\d+)", text)
        if hunk:
            old = int(hunk.group(1))
        elif text.startswith("-") and not text.startswith("---"):
            line, removed = line or old, removed or text[1:]
            old += 1
        elif text.startswith("+") and not text.startswith("+++"):
            added = added or text[1:]
        elif old:
            old += 1
    try:
        first = _def_line(path, function)
    except (LookupError, OSError, SyntaxError, StopIteration):
        first = 1
    # The diff numbers the function's lines from its `def` (decorators aside).
    return Survivor(name, path, first + line - 1, function, removed.strip(), added.strip())


def drawn(every: list[str], count: int, seed: int) -> list[str]:
    """The `count` mutants whose names rank first by a hash of the seed and the name.

    A change to the code adds or drops only the mutants of the functions it touches (mutmut
    numbers mutants within a function): the rest of the sample stays what it was, so a
    change is not met by a fresh draw of the whole code.
    """

    def rank(name: str) -> str:
        return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()

    return sorted(sorted(every, key=rank)[:count])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=0, help="run N mutants (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--children", type=int, default=2, help="mutants run at once")
    parser.add_argument("--minutes", type=float, default=45.0, help="stop the run after this")
    parser.add_argument("--min-score", type=float, default=0.0, help="exit 1 below this score")
    args = parser.parse_args()
    if args.sample < 0:
        parser.error(f"--sample must be 0 (every mutant) or more, not {args.sample}")

    started = time.monotonic()
    names: list[str] = []
    every: list[str] = []
    if args.sample:
        _make_mutants(args.children)
        every = sorted(_names())
        if not every:
            sys.exit("bench/mutation.py: mutmut made no mutants; run `mutmut run` to see why")
        names = drawn(every, args.sample, args.seed)
    finished = _run(args.children, names, args.minutes)
    seconds = time.monotonic() - started

    codes = _names()
    chosen = {n: codes[n] for n in names} if names else codes
    counts: Counter[str] = Counter()
    for code in chosen.values():
        counts[
            "killed"
            if code in KILLED
            else "survived"
            if code in SURVIVED
            else "no tests"
            if code in NO_TESTS
            else "timeout"
            if code in TIMEOUT
            else "caught by type check"
            if code in CAUGHT_BY_TYPES
            else "not checked"
            if code is None
            else "other"
        ] += 1
    judged = tomllib.loads(JUDGED.read_text())["survivor"] if JUDGED.exists() else []
    survivors = [_survivor(n) for n, c in sorted(chosen.items()) if c in SURVIVED]
    equivalent = [s for s in survivors if (s.judged(judged) or {}).get("kind") == "equivalent"]
    caught = counts["killed"] + counts["timeout"]
    judged_total = caught + counts["survived"] + counts["no tests"] - len(equivalent)
    score = 100 * caught / judged_total if judged_total else 0.0

    of = f"a sample of {len(every)}" if names else "all"
    stopped = "" if finished else " (stopped at the deadline)"
    print(
        f"mutants: {len(chosen)} ({of}), {seconds / 60:.1f} min, {args.children} workers{stopped}"
    )
    statuses = ("killed", "survived", "timeout", "no tests", "caught by type check", "not checked")
    for status in (*statuses, "other"):
        if counts[status]:
            print(f"  {status}: {counts[status]}")
    print(f"  equivalent (judged, bench/mutation_judged.toml): {len(equivalent)}")
    print(f"score: {score:.1f}% ({caught} of {judged_total} non-equivalent mutants caught)")
    for s in survivors:
        entry = s.judged(judged)
        note = f"  [{entry['kind']}: {entry['reason']}]" if entry else ""
        print(f"{s.path}:{s.line} {s.function}: {s.removed!r} -> {s.added!r}{note}")
    if score < args.min_score:
        sys.exit(1)


if __name__ == "__main__":
    main()
