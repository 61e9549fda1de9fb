"""The lifecycle model: its reference model answer by answer, and the faults only it catches."""

from __future__ import annotations

import pytest


def _model_case(run, requirement: str) -> dict:
    cases = run.requirement(requirement)["cases"]
    return next(c for c in cases if "test_lifecycle_model" in c["nodeid"])


def _cases(run) -> list[dict]:
    return [
        c
        for r in run.document["requirements"]
        for c in r["cases"]
        if "lifecycle_model" in c["nodeid"]
    ]


@pytest.mark.parametrize(
    ("fault", "requirement"),
    [("flips-after-reads", "TRANS-MODEL"), ("resource-vanishes", "RESULT-URL")],
)
def test_the_model_catches_what_the_hand_written_cases_miss(run_suite, fault, requirement):
    run = run_suite("--fault", fault)
    assert run.verdicts[requirement] == "FAIL"
    case = _model_case(run, requirement)
    assert case["verdict"] == "FAIL"
    # The hand-written cases of the requirement see nothing wrong: only the model does.
    others = [c for c in run.requirement(requirement)["cases"] if c is not case]
    assert others and {c["verdict"] for c in others} == {"PASS"}
    steps = case["steps"]
    assert steps[0].startswith("1. [t+0.000 s] POST http://builtin.simulator/")
    assert all(step.startswith(f"{n}. ") for n, step in enumerate(steps, 1))
    assert len(steps) <= 16, "shrunk to a short sequence"
    assert "Rerun (the same inputs every run): pytest " in case["hint"]


def test_the_model_replays_clock_moves_and_reads_as_steps(run_suite):
    run = run_suite("--fault", "never-expires")
    case = _model_case(run, "EXPIRE-COMPLETED")
    assert case["verdict"] == "FAIL"
    assert any("move the clock +" in step for step in case["steps"])
    assert case["steps"][-1].endswith("-> 200 (SUCCESS)")
    run.result.stdout.fnmatch_lines(["*Steps to replay:*", "*1. [[]t+0.000 s[]] POST*"])


def test_the_model_passes_the_correct_simulator_with_evidence(run_suite):
    run = run_suite("-k", "test_lifecycle_model")
    assert run.result.ret == 0
    verdicts = {c["nodeid"].split("[")[-1].rstrip("]"): c["verdict"] for c in _cases(run)}
    assert set(verdicts.values()) == {"PASS"}, verdicts
    run.assert_every_pass_cites_evidence()


def test_a_seed_draws_other_inputs_and_hypothesis_writes_only_under_the_report_dir(
    run_suite, pytester
):
    run = run_suite("--fault", "never-expires", "--conformance-seed", "7", "-k", "lifecycle_model")
    case = _model_case(run, "EXPIRE-COMPLETED")
    assert case["verdict"] == "FAIL"
    assert "Rerun (inputs drawn from seed 7): pytest " in case["hint"]
    assert case["hint"].endswith("--conformance-seed=7")
    run.result.stdout.fnmatch_lines(["*property inputs from seed 7*"])
    assert not (pytester.path / ".hypothesis").exists()


def test_a_random_seed_is_printed_for_the_rerun(run_suite):
    run = run_suite("--fault", "never-expires", "--conformance-seed=random", "-k", "EXPIRE")
    case = _model_case(run, "EXPIRE-COMPLETED")
    assert case["verdict"] == "FAIL", case  # what the model said instead, if it missed
    seed = case["hint"].rpartition("--conformance-seed=")[2]
    assert seed.isdigit()
    run.result.stdout.fnmatch_lines([f"*property inputs from seed {seed}*"])


def test_a_seed_that_is_no_number_is_a_usage_error(run_suite):
    run = run_suite("--conformance-seed=soon")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines(
        ["*--conformance-seed='soon': give a whole number, or 'random'*"]
    )
