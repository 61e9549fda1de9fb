"""Each built-in dialect against a server written from its public document, not from the suite.

The descriptions use only the keys README.md documents. A conforming server gets
no FAIL, WARN or ERROR; each named fault of the server is caught by the
requirement it breaks, and by nothing else that the fault does not touch.
"""

from __future__ import annotations

import re

import pytest

from tests.servers import azure_lro, google_lro, ogc_processes
from tests.support.dialects import AZURE, GOOGLE, OGC, RETENTION, TIMING, readme_example
from tests.support.running import write

# A second of tolerance: under CI's load on two cores a probe landed 0.77 s late, and the
# suite rightly said it could not tell a window off by less (WARN inconclusive).


SERVERS = {
    "azure": (azure_lro.running, AZURE),
    "google-lro": (google_lro.running, GOOGLE),
    "ogc-processes": (ogc_processes.running, OGC),
}


def _run(run_suite, tmp_path, dialect, faults=frozenset(), *extra, **options):
    running, toml = SERVERS[dialect]
    config = write(tmp_path / "target.toml", toml)
    with running(faults, **options) as url:
        return run_suite(f"--target={url}", f"--target-config={config}", *extra)


@pytest.mark.parametrize("dialect", sorted(SERVERS))
def test_a_conforming_server_of_each_dialect_passes(run_suite, tmp_path, dialect):
    run = _run(run_suite, tmp_path, dialect)
    out = run.result.stdout.str()[-4000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}, out
    assert run.result.ret == 0, out
    assert run.document is not None and run.document["dialect"] == dialect
    for must in ("SUBMIT-202", "SUBMIT-LOCATION", "STATUS-200-JSON", "TRANS-OUTCOME"):
        assert run.verdicts[must] == "PASS", (must, out)
    run.assert_every_pass_cites_evidence()


def test_dialects_skip_the_rules_their_contract_does_not_have(run_suite, tmp_path):
    run = _run(run_suite, tmp_path, "ogc-processes", frozenset(), "-k", "retention or delete")
    for requirement in ("RETAIN-COMPLETED", "EXPIRE-COMPLETED", "DELETE-204"):
        assert run.verdicts[requirement] == "SKIP"
        assert "contract" in run.requirement(requirement)["reason"]
    # Jobs never expire, yet a never-issued id is still judged.
    assert run.verdicts["EXPIRED-404"] == "PASS"


FAULTS = [
    ("azure", "no-operation-location", "SUBMIT-LOCATION"),
    ("azure", "terminal-flips", "TRANS-MODEL"),
    ("azure", "unknown-id-200", "EXPIRED-404"),
    ("azure", "reads-advance", "STATUS-SAFE"),
    ("google-lro", "no-name", "SUBMIT-LOCATION"),
    ("google-lro", "terminal-flips", "TRANS-MODEL"),
    ("google-lro", "unknown-id-200", "EXPIRED-404"),
    ("ogc-processes", "no-location", "SUBMIT-LOCATION"),
    ("ogc-processes", "async-202", "SUBMIT-202"),
    ("ogc-processes", "status-flips", "TRANS-MODEL"),
    ("ogc-processes", "results-404", "RESULT-URL"),
    ("ogc-processes", "unknown-job-200", "EXPIRED-404"),
    ("ogc-processes", "dismiss-keeps", "DELETE-GONE"),
]


@pytest.mark.parametrize(("dialect", "fault", "requirement"), FAULTS)
def test_each_dialects_faults_are_caught(run_suite, tmp_path, dialect, fault, requirement):
    run = _run(run_suite, tmp_path, dialect, frozenset({fault}))
    assert run.verdicts[requirement] == "FAIL", run.result.stdout.str()[-4000:]
    assert run.result.ret == 1


# Azure's older Location pattern (the ARM and HDInsight pages): the poll's HTTP code alone
# tells the state, 202 while the work runs and 200 with the widget once it succeeded; the
# PUT's 202 carries the widget, which names no state. A failure answers 400 with an error,
# which no state can be read from: the description has no failure scenario.
LOCATION = readme_example("azure-location") + TIMING + RETENTION


def test_a_state_told_by_the_http_code_alone_passes_and_says_what_it_could_not_see(
    run_suite, tmp_path
):
    config = write(tmp_path / "target.toml", LOCATION)
    # Polls at the Retry-After (1 s) see the work running (1.5 s) before it succeeds.
    with azure_lro.running(location_polling=True, work_for=1.5) as url:
        run = run_suite(f"--target={url}", f"--target-config={config}")
    out = run.result.stdout.str()[-4000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}, out
    assert run.result.ret == 0, out
    for must in ("SUBMIT-202", "SUBMIT-LOCATION", "TRANS-OUTCOME", "RESULT-URL", "EXPIRED-404"):
        assert run.verdicts[must] == "PASS", (must, out)
    run.assert_every_pass_cites_evidence()
    # The 202 polls had no body, and needed none; the evidence says so, not "JSON".
    (answered,) = [
        c for c in run.requirement("STATUS-200-JSON")["cases"] if c["nodeid"].endswith("[success]")
    ]
    assert answered["verdict"] == "PASS"
    assert re.fullmatch(
        r"\d+ status reads answered 200 or 202; \d+ had a JSON object, "
        r"[1-9]\d* told the state by the code alone",
        answered["message"],
    ), answered["message"]
    # No body names a state or the id, and the PUT's widget is no status: nothing to judge.
    names = run.requirement("STATUS-STATE-NAMES")
    assert names["verdict"] == "SKIP", names
    assert all(c["verdict"] == "SKIP" for c in names["cases"]), names["cases"]
    # The final 200 is the widget, which names itself by its own resource id: that is the
    # result, not a status naming another operation, and the acceptance's widget gives no
    # operation id either.
    assert run.verdicts["STATUS-ID-MATCH"] == "SKIP"
    (own_id,) = [
        c for c in run.requirement("STATUS-ID-MATCH")["cases"] if c["nodeid"].endswith("[success]")
    ]
    assert re.fullmatch(
        r"not observed: no status body of the success run named an id in 'id'; [1-9]\d* final "
        r"answers? told the outcome by its code alone and carried the result, not a status, "
        r"so its body was not judged",
        own_id["message"],
    ), own_id["message"]
    (body,) = [
        c for c in run.requirement("SUBMIT-BODY")["cases"] if c["nodeid"].endswith("[success]")
    ]
    assert (body["verdict"], body["message"]) == (
        "SKIP",
        "not observed: the dialect tells the state by the HTTP code alone, so an acceptance "
        "body has no status field to show",
    )


@pytest.mark.parametrize(
    ("fault", "requirement", "cases"),
    [
        ("status-500-after-done", "STATUS-200-JSON", "status_answers_200"),
        # The status URL hides the id from the suite (no body names it), so no never-issued
        # id is probed; an expired id that still answers is caught by its window.
        ("unknown-id-200", "EXPIRE-COMPLETED", "retention"),
    ],
)
def test_a_state_told_by_the_http_code_alone_still_fails_a_broken_server(
    run_suite, tmp_path, fault, requirement, cases
):
    config = write(tmp_path / "target.toml", LOCATION)
    with azure_lro.running({fault}, location_polling=True) as url:
        run = run_suite(f"--target={url}", f"--target-config={config}", "-k", cases)
    assert run.verdicts[requirement] == "FAIL", run.result.stdout.str()[-4000:]
