"""The suite catches every named fault of the simulator, and passes the correct one."""

from __future__ import annotations

import pytest

from conformance.catalogue import CATALOGUE
from conformance.description import parse
from conformance.simulator import DIALECTS, FAULTS, QUIRKS

# Every section of the catalogue has its cases now.
CORE = set(CATALOGUE)


IN_PROCESS_CLOCKS = ["virtual", "control"]


#: Every fault in every mode is a whole run: the property cases try less and do not shrink
#: (the correct simulator, and tests/slow/test_model.py, run the default profile).
SMOKE = ("--conformance-profile=smoke",)


#: Every dialect runs with the virtual clock; the default one with the test clock too.
MODES = [("cloudcenter", c) for c in IN_PROCESS_CLOCKS] + [(d, "virtual") for d in DIALECTS[1:]]


def _target(dialect: str) -> str:
    return "--target=builtin" if dialect == "cloudcenter" else f"--target=builtin:{dialect}"


def _not_applicable(dialect: str) -> set[str]:
    return set(parse({"dialect": {"name": dialect}}, "t").effective.dialect.not_applicable)


@pytest.mark.parametrize("dialect", DIALECTS[1:])
def test_the_simulator_passes_in_every_dialect(run_suite, dialect):
    run = run_suite(_target(dialect))
    assert run.result.ret == 0, run.result.stdout.str()[-2000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    assert run.document is not None and run.document["dialect"] == dialect
    skipped = {k for k, v in run.verdicts.items() if v == "SKIP"}
    # Only what the dialect's contract lacks, and what there was nothing to see of.
    assert skipped <= _not_applicable(dialect) | {"STATUS-RETRY-AFTER", "SUBMIT-BODY"}
    run.assert_every_pass_cites_evidence()


@pytest.mark.parametrize("clock", IN_PROCESS_CLOCKS)
def test_correct_simulator_passes_every_core_requirement(run_suite, clock):
    run = run_suite("--target=builtin", f"--clock={clock}")
    assert run.result.ret == 0
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    core = {k: v for k, v in run.verdicts.items() if k in CORE}
    # Retry-After is INFO: without the header there is nothing to honour.
    assert core.pop("STATUS-RETRY-AFTER") == "SKIP"
    assert set(core.values()) == {"PASS"}
    assert run.document is not None and run.document["gate"] == "pass"
    run.assert_every_pass_cites_evidence()


@pytest.mark.parametrize(
    ("name", "dialect", "clock"),
    [
        (n, d, c)
        for n in sorted(FAULTS)
        for d, c in MODES
        if c in FAULTS[n].clocks and d in FAULTS[n].dialects
    ],
)
def test_suite_catches_fault(run_suite, name, dialect, clock):
    fault = FAULTS[name]
    run = run_suite(_target(dialect), "--fault", name, f"--clock={clock}", *SMOKE)
    expected = fault.expected(dialect)
    expect = {k: v for k, v in expected.items() if k not in _not_applicable(dialect)}
    judged = {k: v for k, v in expect.items() if v != "ERROR"}
    assert run.with_verdict("FAIL", "WARN") == judged, run.result.stdout.str()[-2000:]
    # Each expected ERROR too: a check that stops refusing to judge a broken precondition
    # (PASS instead of ERROR) must show as much as one that stops failing. (Other ERRORs
    # may follow from the fault: the cases that needed what it broke.)
    refused = {k: run.verdicts[k] for k, v in expect.items() if v == "ERROR"}
    assert refused == {k: v for k, v in expect.items() if v == "ERROR"}
    gate_fails = {"FAIL", "ERROR"} & set(expect.values())
    assert run.result.ret == (1 if gate_fails else 0), run.result.stdout.str()[-2000:]
    for req_id, verdict in expect.items():
        case = next(c for c in run.requirement(req_id)["cases"] if c["verdict"] == verdict)
        if verdict == "ERROR" or case["message"].startswith("inconclusive"):
            assert verdict != "FAIL"
        else:
            assert case["observed"] and case["expected"]
        assert case["exchanges"], "a verdict carries the HTTP exchanges behind it"
    # Cases that could not run say why; none of them crashed.
    for requirement in run.document["requirements"]:
        for case in requirement["cases"]:
            if case["verdict"] == "ERROR":
                assert case["message"].startswith("could not run"), case["message"]


@pytest.mark.parametrize(
    ("name", "dialect", "clock"),
    [(n, d, c) for n in sorted(QUIRKS) for d, c in MODES if d in QUIRKS[n].dialects],
)
def test_correct_but_unusual_behaviour_passes(run_suite, name, dialect, clock):
    run = run_suite(_target(dialect), "--fault", name, f"--clock={clock}", *SMOKE)
    assert run.result.ret == 0
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}


def test_retry_after_is_honoured_and_recorded(run_suite):
    run = run_suite("--fault", "retry-after")
    assert run.verdicts["STATUS-RETRY-AFTER"] == "PASS"


def test_should_violation_fails_only_in_strict_mode(run_suite):
    lenient = run_suite("--fault", "delete-content-length")
    strict = run_suite("--fault", "delete-content-length", "--strict-conformance")
    assert lenient.result.ret == 0
    lenient.result.stdout.fnmatch_lines(["*WARN*DELETE-NO-CONTENT-LENGTH (SHOULD)*"])
    assert strict.result.ret == 1
    assert strict.document is not None and strict.document["gate"] == "fail"


def test_failure_message_names_requirement_observed_and_expected(run_suite):
    run = run_suite("--fault", "submit-200")
    run.result.stdout.fnmatch_lines(
        [
            "*SUBMIT-202 (MUST): An asynchronous call is accepted with 202 Accepted*",
            "*Observed: 200*",
            "*Expected: 202 (the dialect's acceptance)*",
        ]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target=builtin:swagger"], "the simulator speaks cloudcenter, azure"),
        (["--target=builtin:google-lro", "--fault=delete-200"], "cannot happen in the google-lro"),
    ],
)
def test_a_dialect_or_fault_the_simulator_cannot_show_is_a_usage_error(run_suite, args, message):
    run = run_suite(*args)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines([f"*{message}*"])
