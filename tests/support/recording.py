"""A recorder with a stand-in session, and what workers hand the controller under xdist."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.driver import Redactor
from conformance.report import Recorder


class DescribedExchange:
    """Just what failure texts read of an exchange."""

    def __init__(self, index: int, text: str = "") -> None:
        self.index = index
        self.text = text or f"#{index} GET /s -> 200"

    def describe(self) -> str:
        return self.text


def make_recorder(secret: str = "s3cret") -> Recorder:
    session = SimpleNamespace(
        redactor=Redactor([secret]),
        connected=None,
        transcript=[],
        target=SimpleNamespace(kind=SimpleNamespace(in_process=True)),
    )
    return Recorder(session, Path("unused"), "must", False)  # type: ignore[arg-type]


def worker_node(worker: str, partial: dict[str, Any] | None = None) -> SimpleNamespace:
    node = SimpleNamespace(gateway=SimpleNamespace(id=worker), workerinput={})
    if partial is not None:
        node.workeroutput = {"async_conformance": partial}
    return node


def worker_partial(exchanges: int, operations: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "covering": {},
        "selected": [],
        "aborted": None,
        "exchanges": [{"index": i, "url": f"/e{i}"} for i in range(1, exchanges + 1)],
        "operations": [
            {
                "status_url": f"/op{n}",
                "submitted": {"exchange": n, "status": 202},
                "reads": [{"exchange": n + 1, "status": 200}],
            }
            for n in range(1, operations + 1)
        ],
        **extra,
    }


def run_user_tests(
    pytester: pytest.Pytester, source: str, *args: str
) -> tuple[pytest.RunResult, Any]:
    pytester.makepyfile(test_user=source)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
    path = pytester.path / "reports" / "conformance.json"
    return result, json.loads(path.read_text()) if path.exists() else None


def case_of(document: Any, req_id: str) -> dict[str, Any]:
    (requirement,) = [r for r in document["requirements"] if r["id"] == req_id]
    (case,) = requirement["cases"]
    return dict(case)


KINDS = """
import pytest
from conformance.verdicts import Blocked, ConformanceFailure, Inconclusive

@pytest.mark.requirement("STATUS-DETAILS")
def test_unsure(conformance):
    run = conformance.run("success")
    raise Inconclusive("STATUS-DETAILS", "the reads came too late", run.exchanges[:1])

@pytest.mark.requirement("SUBMIT-202")
def test_blocked(conformance):
    run = conformance.run("success")
    raise Blocked("nothing to stand on", run.exchanges[:2])

@pytest.mark.requirement("SUBMIT-LOCATION")
def test_crashes(conformance):
    raise ValueError("a bug in the case")

@pytest.mark.requirement("STATUS-RETRY-AFTER")
def test_info_fails(conformance):
    run = conformance.run("success")
    raise ConformanceFailure("STATUS-RETRY-AFTER", "too soon", "later", exchanges=run.exchanges[:1])
"""
