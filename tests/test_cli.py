"""`async-conformance requirements`: the catalogue with the cases that ship with the suite."""

from __future__ import annotations

import re
import shutil

from conformance import catalogue
from conformance.catalogue import CATALOGUE
from conformance.cli import main
from tests.support.running import CASES

_ID = re.compile(r"^  ([A-Z0-9-]+) +(?:MUST|SHOULD|INFO) ")


def _blocks(text: str) -> dict[str, list[str]]:
    """The lines under each requirement of a listing, keyed by its ID."""
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        found = _ID.match(line)
        if found:
            current = blocks.setdefault(found.group(1), [])
        elif line.startswith("   "):
            current.append(line.strip())
    return blocks


def _cases(block: list[str]) -> list[str]:
    """The listed cases, as file::name (the folder before the file is the listing's own)."""
    return [line.removeprefix("case: ").rsplit("/", 1)[-1] for line in block if "case:" in line]


def test_requirements_lists_the_cases_that_cover_each(pytester, capsys):
    # What a run collects, as `pytest --list-requirements` shows it: the truth to match.
    listed = pytester.runpytest_inprocess(
        str(CASES), "--list-requirements", "-p", "no:cacheprovider"
    )
    assert listed.ret == 0
    collected = {k: _cases(v) for k, v in _blocks(listed.stdout.str()).items()}
    assert sum(map(len, collected.values())) > len(CATALOGUE)  # the model's cases are there
    capsys.readouterr()  # pytester echoes its run's output

    assert main(["requirements"]) == 0
    out = capsys.readouterr().out
    shown = _blocks(out)
    assert list(shown) == list(CATALOGUE)
    for req_id, block in shown.items():
        assert _cases(block) == collected[req_id], req_id
        if collected[req_id]:
            assert "NOT-COVERED" not in block, req_id
    # The lifecycle model's cases, parametrized per requirement, are found too.
    assert "test_model.py::test_lifecycle_model[TRANS-MODEL]" in _cases(shown["TRANS-MODEL"])
    assert out.splitlines()[0].startswith(f"The cases shipped in {CASES}")


def test_requirements_reads_the_cases_inside_an_installed_wheel(tmp_path, monkeypatch, capsys):
    # A wheel: the cases live in conformance/_cases, with no cases/ folder beside the package.
    package = tmp_path / "site-packages" / "conformance"
    shutil.copytree(CASES, package / "_cases", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalogue, "_PACKAGE", package)
    assert main(["requirements"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"The cases shipped in {package / '_cases'}")
    shown = _blocks(out)
    assert "test_submission.py::test_submission_is_accepted_with_202[success]" in _cases(
        shown["SUBMIT-202"]
    )
    assert not [req_id for req_id, block in shown.items() if "NOT-COVERED" in block]


def test_requirements_without_cases_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(catalogue, "_PACKAGE", tmp_path / "conformance")
    assert main(["requirements"]) == 1
    err = capsys.readouterr().err
    assert "the conformance cases are missing from this installation" in err
    assert "reinstall async-conformance" in err
    assert "Traceback" not in err


def test_requirements_markdown_is_the_catalogue_alone(tmp_path, monkeypatch, capsys):
    # The README's table: no cases, and no need of them.
    monkeypatch.setattr(catalogue, "_PACKAGE", tmp_path / "conformance")
    assert main(["requirements", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| ID | Level | Section | Requirement | Source |")
    assert "case:" not in out
