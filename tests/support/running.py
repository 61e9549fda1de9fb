"""Running the conformance suite the way a user does, and reading what it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from conformance.catalogue import cases_dir
from conformance.report import SCHEMA_PATH

CASES = cases_dir()
REPORT_SCHEMA = jsonschema_rs.Draft202012Validator(
    json.loads(SCHEMA_PATH.read_text(encoding="utf-8")), validate_formats=True
)


def assert_valid_report(document: dict[str, Any]) -> None:
    """The document matches the JSON Schema the README documents."""
    errors = [
        f"{list(e.instance_path)}: {e.message[:300]}" for e in REPORT_SCHEMA.iter_errors(document)
    ]
    assert not errors, "conformance.json does not match its schema:\n" + "\n".join(errors[:10])


@dataclass
class Reports:
    """What a run of the suite wrote: conformance.json (parsed) and the files beside it."""

    document: dict[str, Any] | None
    report_dir: Path

    @property
    def html(self) -> str:
        return (self.report_dir / "conformance.html").read_text(encoding="utf-8")

    @property
    def junit(self) -> str:
        return (self.report_dir / "conformance.junit.xml").read_text(encoding="utf-8")

    @property
    def json_text(self) -> str:
        return (self.report_dir / "conformance.json").read_text(encoding="utf-8")

    @property
    def verdicts(self) -> dict[str, str]:
        assert self.document is not None, "the run wrote no conformance.json"
        return {r["id"]: r["verdict"] for r in self.document["requirements"]}

    def with_verdict(self, *verdicts: str) -> dict[str, str]:
        return {k: v for k, v in self.verdicts.items() if v in verdicts}

    def requirement(self, req_id: str) -> dict[str, Any]:
        assert self.document is not None
        return next(r for r in self.document["requirements"] if r["id"] == req_id)

    def assert_every_pass_cites_evidence(self) -> None:
        """Each PASS case names exchanges of the run's transcript that show it."""
        assert self.document is not None
        known = {e["index"] for e in self.document["exchanges"]}
        for requirement in self.document["requirements"]:
            for case in requirement["cases"]:
                if case["verdict"] != "PASS":
                    continue
                cited = [i for c in case.get("evidence", []) for i in c["exchanges"]]
                assert cited, f"{case['nodeid']} passed without evidence"
                assert set(cited) <= known, f"{case['nodeid']} cites unknown exchanges"


@dataclass
class SuiteRun(Reports):
    """A run of the suite in this process (pytester), with its outcome."""

    result: pytest.RunResult


def suite_in_subprocess(
    report_dir: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    """The conformance cases in a new interpreter (for xdist, or a browser); the parsed JSON."""
    command = [sys.executable, "-m", "pytest", str(CASES), f"--report-dir={report_dir}"]
    done = subprocess.run(
        [*command, "-p", "no:cacheprovider", "-q", *args],
        capture_output=True,
        text=True,
        cwd=report_dir.parent,
        check=False,
    )
    path = report_dir / "conformance.json"
    document = json.loads(path.read_text()) if path.exists() else None
    if document is not None:
        assert_valid_report(document)
    return done, document


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
