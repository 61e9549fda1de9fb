"""Celery's Flower, a real task-queue REST API from PyPI, judged from its own documentation.

Every verdict asserted here was checked by hand against the server's answers
(README, "A worked example: Celery and Flower"): what Flower does is what the verdict says.
The suite runs once against one Flower and its worker; each requirement is a test of its own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.real import flower
from tests.real._servers import RealRun, judged_once
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
_EXAMPLE = re.search(r"### A worked example: Celery and Flower\n.*?```toml\n(.*?)```", README, re.S)
assert _EXAMPLE, "README.md lost its Flower example"
# The README's description, word for word, with polling fit for a fast local server.
DESCRIPTION = _EXAMPLE.group(1) + "\n[polling]\ninterval = 0.1\nbudget = 20\n"

#: What Flower's behaviour warrants, requirement by requirement: every one of the catalogue.
EXPECTED = {
    "SUBMIT-202": "PASS",  # 200 with task-id and state, as Flower documents
    "SUBMIT-LOCATION": "PASS",  # the task-id fills the status URL template
    "SUBMIT-UNIQUE": "PASS",  # uuid4 task ids
    "SUBMIT-NONBLOCKING": "PASS",  # the first read says PENDING
    "SUBMIT-BODY": "SKIP",  # a 200: the rule is about 202 bodies
    "STATUS-200-JSON": "PASS",
    "STATUS-STATE-NAMES": "PASS",  # PENDING, STARTED, SUCCESS, FAILURE
    "STATUS-ID-MATCH": "PASS",  # task-id is the status URL's last segment
    "STATUS-SAFE": "PASS",  # eight worker threads: the twins run side by side
    "STATUS-DETAILS": "WARN",  # nothing but the state while PENDING or STARTED
    "STATUS-MEDIA-TYPE": "PASS",
    "STATUS-RETRY-AFTER": "SKIP",  # no Retry-After
    "TRANS-MODEL": "PASS",
    "TRANS-OUTCOME": "PASS",
    "RESULT-URL": "SKIP",  # the result is in the status body (result_url = "none")
    "RESULT-FAILED-MSG": "PASS",  # the TypeError, as the failed task's result
    "SYNC-STATE": "PASS",  # POST /api/task/apply answers 200 with the state
    "DELETE-204": "SKIP",  # Flower's API deletes nothing
    "DELETE-NO-CONTENT-LENGTH": "SKIP",
    "DELETE-GONE": "SKIP",
    "RETAIN-COMPLETED": "SKIP",  # results are kept a day
    "EXPIRE-COMPLETED": "SKIP",
    "RETAIN-TIMEOUT": "SKIP",
    "EXPIRED-404": "FAIL",  # a never-issued task id answers 200 PENDING
    "ROBUST-SUBMIT": "FAIL",  # {"kwargs": 1}: 500
    "SCHEMA-RESPONSES": "SKIP",  # Flower publishes no OpenAPI document
    "DOC-ACCEPTED": "SKIP",  # not described: no OpenAPI document
    "DOC-MONITOR": "SKIP",  # not described: no OpenAPI document
    "DOC-STATES": "SKIP",  # not described: no OpenAPI document
    "DOC-DELETE-204": "SKIP",  # not described: no OpenAPI document
    "DOC-JSON": "SKIP",  # not described: no OpenAPI document
    "DOC-ERRORS": "SKIP",  # not described: no OpenAPI document
    "ROBUST-IDS": "FAIL",  # any id answers 200 PENDING
}


FlowerRun = RealRun


@pytest.fixture(scope="module")
def flower_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlowerRun]:
    python = flower.interpreter()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("FLOWER_PYTHON is not set: .ci/run installs Flower and Celery and sets it")
        pytest.skip(
            f"FLOWER_PYTHON is not set; see tests/real/flower/__init__.py ({flower.VERSION})"
        )

    yield judged_once(
        tmp_path_factory, "flower", lambda work: flower.running(python, work), DESCRIPTION
    )


def _verdict(run: FlowerRun, requirement: str) -> str:
    assert run.document is not None, run.output
    return str(run.verdicts[requirement])


@pytest.mark.parametrize(
    "requirement",
    list(EXPECTED),
)
def test_flower_gets_the_verdict_its_behaviour_warrants(flower_run: FlowerRun, requirement: str):
    assert _verdict(flower_run, requirement) == EXPECTED[requirement], flower_run.output


def test_every_requirement_is_asserted_and_the_gate_fails(flower_run: FlowerRun):
    assert flower_run.document is not None, flower_run.output
    assert set(flower_run.verdicts) == set(EXPECTED)
    assert flower_run.returncode == 1, flower_run.output  # EXPIRED-404 and ROBUST-IDS
    flower_run.assert_every_pass_cites_evidence()


def _case(run: FlowerRun, requirement: str, name: str) -> dict[str, Any]:
    cases = run.requirement(requirement)["cases"]
    return next(c for c in cases if name in c["nodeid"])


def test_the_verdicts_say_what_flower_answered(flower_run: FlowerRun):
    never_issued = _case(flower_run, "EXPIRED-404", "test_expired_and_unknown_ids")
    assert never_issued["observed"] == "a never-issued id answered 200"
    assert "answered 200" in _case(flower_run, "ROBUST-IDS", "ids_are_refused")["observed"]
    # From the coverage set that comes before any random draw: Flower answers an empty body
    # (and, by hand, {"kwargs": 1}) with 500.
    bad = _case(flower_run, "ROBUST-SUBMIT", "malformed_submissions")["observed"]
    assert bad == "500 to an empty body instead of the scenario's object", bad
    reason = flower_run.requirement("DELETE-204")["reason"]
    assert "Flower's API deletes nothing" in reason
    assert "result_url = 'none'" in flower_run.requirement("RESULT-URL")["reason"]
    text = flower_run.requirement("RESULT-FAILED-MSG")["cases"][0]["evidence"][0]["what"]
    assert "TypeError" in text
    # The status URL is the template filled with Flower's own task-id.
    assert flower_run.document is not None
    jobs = flower_run.document["operations"]
    assert jobs and all("/api/task/result/" in op["status_url"] for op in jobs)


def test_the_details_warning_names_no_empty_field(flower_run: FlowerRun):
    observed = _case(flower_run, "STATUS-DETAILS", "[success]")["observed"]
    assert observed == "no 'result' (the dialect names no progress field)"
