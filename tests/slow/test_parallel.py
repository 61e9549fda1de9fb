"""The suite under pytest-xdist: the same verdicts, cases and requests as a serial run."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.running import Reports, assert_valid_report, suite_in_subprocess


def _run(tmp_path: Path, name: str, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    return suite_in_subprocess(tmp_path / name, *args)


def _requests(document: dict[str, Any]) -> Counter[str]:
    """What the target was sent, by purpose (random ids aside)."""
    return Counter(re.sub(r"'.*'", "'…'", e["label"]) for e in document["exchanges"])


def _cases(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["nodeid"], c["verdict"]) for r in document["requirements"] for c in r["cases"]]


@pytest.mark.parametrize("fault", [None, "terminal-flips"])
def test_parallel_run_matches_the_serial_one(tmp_path, fault):
    extra = ["--conformance-profile=smoke"] + ([f"--fault={fault}"] if fault else [])
    serial, one = _run(tmp_path, "serial", *extra)
    parallel, many = _run(tmp_path, "parallel", "-n", "3", *extra)
    assert parallel.returncode == serial.returncode == (1 if fault else 0), parallel.stdout
    assert one is not None and many is not None
    verdicts = {r["id"]: r["verdict"] for r in one["requirements"]}
    assert {r["id"]: r["verdict"] for r in many["requirements"]} == verdicts
    if fault:
        assert verdicts["TRANS-MODEL"] == "FAIL"
    # No case lost or run twice, in the same order.
    assert _cases(many) == _cases(one)
    # The target saw the same requests: each shared observation made once, not once per worker;
    # but for one run of each completed scenario, which the retention cases observe on their
    # own worker (run serially, they observe the lifecycle cases' runs).
    assert _requests(one) - _requests(many) == Counter()
    more = _requests(many) - _requests(one)
    assert more["submit success"] == more["submit failure"] == 1, more
    assert {re.sub(r" \d+$", "", label) for label in more} <= {
        "submit success",
        "submit failure",
        "poll success",
        "poll failure",
    }, more
    assert len(many["operations"]) == len(one["operations"]) + 2
    # The workers' exchanges are one transcript: every number once, every citation resolves.
    assert [e["index"] for e in many["exchanges"]] == list(range(1, len(many["exchanges"]) + 1))
    Reports(many, tmp_path).assert_every_pass_cites_evidence()
    methods = {e["index"]: e["method"] for e in many["exchanges"]}
    assert {methods[r["exchange"]] for op in many["operations"] for r in op["reads"]} == {"GET"}
    assert "reports written to" in parallel.stdout


def test_workers_draw_from_one_random_seed(tmp_path):
    done, document = _run(
        tmp_path, "seeded", "-n", "2", "--conformance-seed=random", "-k", "robust or model"
    )
    assert done.returncode == 0, done.stdout
    seed = document["property_seed"]
    assert isinstance(seed, int)
    again, serial = _run(tmp_path, "again", f"--conformance-seed={seed}", "-k", "robust or model")
    assert again.returncode == 0
    assert _requests(serial) == _requests(document)


def test_another_dist_mode_is_kept_and_its_cost_said(tmp_path):
    some = ("-k", "submission_is_accepted or status_answers")
    done, document = _run(tmp_path, "scoped", "-n", "2", "--dist=loadscope", *some)
    assert done.returncode == 0, done.stdout
    assert "each worker made them again" in done.stdout
    _, serial = _run(tmp_path, "serial", *some)
    assert {r["id"]: r["verdict"] for r in document["requirements"]} == {
        r["id"]: r["verdict"] for r in serial["requirements"]
    }


def test_a_worker_that_dies_under_a_case_makes_it_an_error_and_keeps_the_others(pytester):
    pytester.makepyfile(
        test_dying="""
        import os
        import pytest
        from conformance.verdicts import cite

        @pytest.mark.requirement("SUBMIT-202")
        def test_accepted(conformance):
            run = conformance.run("success")
            cite("the submission answered 202", [run.submission.exchange])

        @pytest.mark.requirement("SUBMIT-BODY")
        def test_dies(conformance):
            os._exit(3)
        """
    )
    report = pytester.path / "reports"
    result = pytester.runpytest_subprocess(
        "-n", "2", f"--report-dir={report}", "-p", "no:cacheprovider"
    )
    assert result.ret == 1
    document = json.loads((report / "conformance.json").read_text())
    assert_valid_report(document)
    verdicts = {r["id"]: r["verdict"] for r in document["requirements"]}
    assert verdicts["SUBMIT-202"] == "PASS"
    assert verdicts["SUBMIT-BODY"] == "ERROR"
    died = next(r for r in document["requirements"] if r["id"] == "SUBMIT-BODY")
    assert "could not finish" in died["cases"][0]["message"]
    assert document["gate"] == "fail" and "worker" in document["aborted"]


def test_control_clock_on_a_live_server_refuses_workers(tmp_path):
    config = tmp_path / "target.toml"
    config.write_text('[scenarios.success]\npath = "/jobs"\n', encoding="utf-8")
    done, document = _run(
        tmp_path,
        "refused",
        "-n",
        "2",
        "--target=http://127.0.0.1:9",
        "--clock=control",
        f"--target-config={config}",
    )
    assert done.returncode == 4
    assert "-n with --clock=control" in done.stderr
    assert document is None


def test_the_listing_works_with_workers_asked_for(tmp_path):
    done, _ = _run(tmp_path, "listing", "-n", "2", "--list-requirements")
    assert done.returncode == 0
    assert "cases/test_submission.py::test_submission_is_accepted_with_202[success]" in done.stdout
