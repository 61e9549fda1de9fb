"""How many operations a run starts on a live target, said up front, and that sharing them
loses no verdict: the smoke profile stays within ten and still catches what it must."""

from __future__ import annotations

import re

import pytest

from conformance.description import parse
from conformance.plan import SPARING_LIMIT, plan
from conformance.simulator import FAULTS, create_app, serve_in_thread
from tests.support.live import FAST, SIMULATOR_TOML, simulator_process
from tests.support.running import suite_in_subprocess, write

SMOKE = "--conformance-profile=smoke"

#: With a document and a synchronous call: every case has something to judge.
FULL_TOML = 'openapi = "/openapi.json"\n' + SIMULATOR_TOML.replace(
    "[polling]", '[sync]\nmethod = "GET"\npath = "/v1/tenants/1/clouds/1/accounts"\n\n[polling]'
)


def _planned(stdout: str) -> int:
    found = re.search(r"this run will start about (\d+) operations? on the target", stdout)
    assert found is not None, stdout[:3000]
    return int(found.group(1))


def _accepted_malformed(document: dict) -> int:
    return sum(
        1
        for e in document["exchanges"]
        if e["label"].startswith("malformed submission") and e["status"] in (200, 201, 202)
    )


def _described(text: str):
    return parse(__import__("tomllib").loads(text), "t").effective


ALL = {"lifecycle", "retention", "model"}


def _plan(text: str = SIMULATOR_TOML, **options: object):
    settings = {
        "groups": ALL,
        "real": True,
        "sparing": False,
        "apart": False,
        "together": True,
        "model_sequences": 8,
        "per_sequence": 2,
        **options,
    }
    return plan(_described(text), **settings)  # type: ignore[arg-type]


def test_the_plan_counts_each_shared_observation_once():
    parts = _plan().parts
    # In place, the retention observation's first operations are the scenario runs.
    assert parts == {"run success": 1, "run failure": 1, "batch": 5, "retention": 3, "model": 16}
    apart = _plan(apart=True).parts
    assert apart["retention"] == 5 and apart["run success"] == 1
    # Split over xdist workers, each group makes its own scenario runs.
    assert _plan(together=False).parts["run success"] == 2


def test_the_sparing_plan_keeps_the_run_within_the_limit():
    sparing = _plan(sparing=True, per_sequence=1)
    assert sparing.parts == {
        "run success": 1,
        "run failure": 1,
        "batch": 3,
        "retention": 3,  # its own first operations carry the probes: no twins
        "model": 2,
    }
    assert sparing.total == SPARING_LIMIT
    assert _plan(sparing=True, per_sequence=1, apart=True).parts == sparing.parts
    virtual = _plan(sparing=True, per_sequence=1, real=False)
    assert virtual.parts["batch"] == 2 and virtual.total == SPARING_LIMIT
    assert "this run will start about 10 operations on the target" in sparing.line()


def test_the_plan_follows_the_groups_and_scenarios_selected():
    assert _plan(groups={"lifecycle"}).parts == {"run success": 1, "run failure": 1, "batch": 5}
    success_only = (
        SIMULATOR_TOML.split("[scenarios.failure]")[0]
        + "[polling]"
        + (SIMULATOR_TOML.split("[polling]")[1])
    )
    parts = _plan(success_only).parts
    assert parts == {"run success": 1, "batch": 5, "retention": 1, "model": 16}
    assert _plan(groups=set()).line() == "this run will start no operations on the target"


@pytest.mark.slow
def test_a_smoke_run_starts_at_most_ten_operations_and_says_so_first(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", FULL_TOML)
    with serve_in_thread(create_app(settings=FAST)) as url:
        run = run_suite("--target", url, f"--target-config={config}", SMOKE)
    stdout = run.result.stdout.str()
    assert run.result.ret == 0, stdout[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    document = run.document
    assert document is not None
    started = len(document["operations"])
    assert started <= SPARING_LIMIT
    # The count is said before the first request, and it is what happened, but for what
    # the target decided: a malformed submission it accepted.
    first_case = re.search(r"test_\w+\.py \.", stdout)
    assert first_case is not None and stdout.index("will start about") < first_case.start()
    planned = _planned(stdout)
    assert planned == SPARING_LIMIT
    model = re.search(r"up to (\d+) by the lifecycle model", stdout)
    assert model is not None
    by_model = sum(1 for op in document["operations"] if op["origin"] == "model")
    # The model takes what is left: here the target accepted a malformed submission.
    malformed = _accepted_malformed(document)
    assert malformed == 1 and by_model == int(model.group(1)) - malformed
    assert started - by_model == planned - int(model.group(1)) + malformed
    # What the shared operations carry is judged all the same.
    for requirement in ("SUBMIT-UNIQUE", "TRANS-OUTCOME", "STATUS-SAFE", "DELETE-GONE"):
        assert run.verdicts[requirement] == "PASS"
    for requirement in ("RETAIN-COMPLETED", "EXPIRE-COMPLETED", "RETAIN-TIMEOUT"):
        assert run.verdicts[requirement] == "PASS"


@pytest.mark.slow
def test_the_default_run_shares_its_operations_and_counts_them(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", FULL_TOML)
    with simulator_process("--completed-window", "2", "--timed-out-window", "4") as url:
        run = run_suite("--target", url, f"--target-config={config}")
    stdout = run.result.stdout.str()
    assert run.result.ret == 0, stdout[-3000:]
    document = run.document
    assert document is not None
    started = len(document["operations"])
    # At most what was said (the model may draw fewer), and the batch carried the trial
    # and the deletion: no operation of their own.
    assert started <= _planned(stdout) + _accepted_malformed(document)
    labels = [e["label"] for e in document["exchanges"]]
    batch = 5  # polling.concurrency
    runs = {"submit success": 1 + batch, "submit failure": 1}
    cases = [e for e in document["operations"] if e["origin"] == "cases"]
    retention = 5  # in a process of its own: a first and a twin of each, and the timeout
    assert len(cases) == sum(runs.values()) + retention + _accepted_malformed(document)
    assert labels.count("read often 1") == 1 and labels.count("delete resource") == 1


@pytest.mark.slow
def test_workers_say_the_count_too_and_keep_the_smoke_limit(tmp_path):
    config = write(tmp_path / "target.toml", FULL_TOML)
    with serve_in_thread(create_app(settings=FAST)) as url:
        done, document = suite_in_subprocess(
            tmp_path / "reports", "-n", "2", f"--target={url}", f"--target-config={config}", SMOKE
        )
    assert done.returncode == 0, done.stdout[-3000:]
    assert document is not None
    # Each group on a worker of its own: the scenario runs are not shared between them.
    planned = _planned(done.stdout)
    assert planned == SPARING_LIMIT
    assert "3 to observe how long ids are kept" in done.stdout  # its own, on its worker
    assert len(document["operations"]) <= SPARING_LIMIT


@pytest.mark.slow
@pytest.mark.parametrize(
    "fault",
    [
        "reused-ids",
        "poll-advances",
        "wrong-outcome",
        "delete-never",
        "retention-short",
        "never-expires",
    ],
)
def test_a_smoke_run_still_catches_what_the_shared_operations_show(run_suite, tmp_path, fault):
    config = write(tmp_path / "target.toml", SIMULATOR_TOML)
    with serve_in_thread(create_app(settings=FAST, behaviours=[fault])) as url:
        run = run_suite("--target", url, f"--target-config={config}", SMOKE)
    document = run.document
    assert document is not None
    # A safety trial that saw reads drive the work looks again, on operations of its own.
    again = [e["label"] for e in document["exchanges"]].count("read often 1") - 1
    limit = SPARING_LIMIT + _accepted_malformed(document) + 3 * again
    assert len(document["operations"]) <= limit
    expected = FAULTS[fault].expected("cloudcenter")
    assert run.with_verdict("FAIL", "WARN") == expected, run.result.stdout.str()[-3000:]
