"""moto's Amazon S3 Glacier, a real server from PyPI, judged from AWS's API reference.

Every verdict asserted here was checked by hand against the server's answers
(README, "A worked example: moto's Amazon S3 Glacier"). moto's Initiate Job answers 202 with
`Location: //vaults/...`, a reference to another host: nothing after the submission can be
read, and the tests assert that the suite says so once instead of judging what it never saw.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.real import moto
from tests.real._servers import RealRun, judged_once
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
_EXAMPLE = re.search(
    r"### A worked example: moto's Amazon S3 Glacier\n.*?```toml\n(.*?)```", README, re.S
)
assert _EXAMPLE, "README.md lost its moto Glacier example"
# The README's description, word for word, with polling fit for a fast local server.
DESCRIPTION = _EXAMPLE.group(1) + "\n[polling]\ninterval = 0.2\nbudget = 15\n"

#: What moto's behaviour warrants, where it is a verdict the suite gives today.
EXPECTED = {
    "SUBMIT-202": "PASS",  # 202 Accepted
    # '//vaults/...' resolves to http://vaults: another origin, which the suite follows only
    # when allowed_origins lists it, so whether it names the job is not known: inconclusive.
    "SUBMIT-LOCATION": "WARN",
    "SUBMIT-UNIQUE": "SKIP",  # no status URL on its origin: nothing to compare
    "SUBMIT-BODY": "SKIP",  # the 202 has no body
    "STATUS-MEDIA-TYPE": "SKIP",  # no body was read
    "STATUS-RETRY-AFTER": "SKIP",
    "RESULT-FAILED-MSG": "SKIP",  # no failure scenario: moto fails no job
    "DELETE-204": "SKIP",  # not in the description's contract
    "DELETE-NO-CONTENT-LENGTH": "SKIP",
    "DELETE-GONE": "SKIP",
    "RETAIN-COMPLETED": "SKIP",
    "EXPIRE-COMPLETED": "SKIP",
    "RETAIN-TIMEOUT": "SKIP",
    "EXPIRED-404": "SKIP",  # no status URL to put a never-issued id in
    "ROBUST-SUBMIT": "FAIL",  # '{' answers 500
    "SCHEMA-RESPONSES": "SKIP",  # no OpenAPI document
    "DOC-ACCEPTED": "SKIP",  # not described: no OpenAPI document
    "DOC-MONITOR": "SKIP",  # not described: no OpenAPI document
    "DOC-STATES": "SKIP",  # not described: no OpenAPI document
    "DOC-DELETE-204": "SKIP",  # not described: no OpenAPI document
    "DOC-JSON": "SKIP",  # not described: no OpenAPI document
    "DOC-ERRORS": "SKIP",  # not described: no OpenAPI document
}
#: Not judged: every one of them needs the status the off-origin Location keeps from view.
UNREADABLE = [
    "SUBMIT-NONBLOCKING",
    "STATUS-200-JSON",
    "STATUS-STATE-NAMES",
    "STATUS-ID-MATCH",
    "STATUS-SAFE",
    "STATUS-DETAILS",
    "TRANS-MODEL",
    "TRANS-OUTCOME",
    "RESULT-URL",
    "SYNC-STATE",  # its call PASSes; the read of a created resource needs a finished job
    "ROBUST-IDS",  # another id's answer shows nothing where the job's own was never read
]


MotoRun = RealRun


@pytest.fixture(scope="module")
def moto_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoRun]:
    python = moto.interpreter()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("MOTO_PYTHON is not set: .ci/run installs moto and sets it")
        pytest.skip(f"MOTO_PYTHON is not set; see tests/real/moto/__init__.py ({moto.VERSION})")

    yield judged_once(
        tmp_path_factory, "moto", lambda work: moto.running(python, work), DESCRIPTION
    )


def _case(run: MotoRun, requirement: str, name: str) -> dict[str, Any]:
    return next(c for c in run.requirement(requirement)["cases"] if name in c["nodeid"])


@pytest.mark.parametrize("requirement", list(EXPECTED))
def test_moto_gets_the_verdict_its_behaviour_warrants(moto_run: MotoRun, requirement: str):
    assert moto_run.document is not None, moto_run.output
    assert moto_run.verdicts[requirement] == EXPECTED[requirement], moto_run.output


def test_every_requirement_is_asserted_and_the_gate_fails(moto_run: MotoRun):
    assert moto_run.document is not None, moto_run.output
    assert set(moto_run.verdicts) == {*EXPECTED, *UNREADABLE}
    assert moto_run.returncode == 1, moto_run.output  # ROBUST-SUBMIT
    moto_run.assert_every_pass_cites_evidence()


def test_the_verdicts_say_what_moto_answered(moto_run: MotoRun):
    observed = _case(moto_run, "ROBUST-SUBMIT", "malformed_submissions")["observed"]
    assert observed == "500 to the scenario's body wrapped in an array"
    assert _case(moto_run, "SYNC-STATE", "synchronous_call")["verdict"] == "PASS"
    location = _case(moto_run, "SUBMIT-LOCATION", "[success]")
    # Whatever its verdict, it names the reference and the origin it resolves to.
    words = location.get("observed") or location.get("message") or ""
    assert "'//vaults/conformance/jobs/" in words
    assert "http://vaults" in words
    no_failure = moto_run.requirement("RESULT-FAILED-MSG")["reason"]
    assert no_failure.startswith("not described: the target description has no [scenarios.failure]")


@pytest.mark.parametrize("requirement", UNREADABLE)
def test_what_the_location_keeps_from_view_could_not_run_and_says_how_to_allow_it(
    moto_run: MotoRun, requirement: str
):
    # Not BLOCKED: no FAIL explains it (SUBMIT-LOCATION is only inconclusive), and a run that
    # judged none of these must not pass its gate. The way out is the user's to take.
    judged = moto_run.requirement(requirement)
    assert judged["verdict"] == "ERROR", judged
    assert judged["reason"].startswith("could not run"), judged["reason"]
    assert "allowed_origins" in judged["reason"], judged["reason"]
