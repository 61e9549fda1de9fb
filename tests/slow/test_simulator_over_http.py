"""Live servers over real HTTP with the wall clock: the simulator, and an independent server."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from conformance.catalogue import CATALOGUE
from conformance.simulator import RETENTION_FAULTS, Settings, create_app, serve_in_thread
from tests.servers import independent as independent_server
from tests.support.live import FAST, SIMULATOR_TOML, simulator_process
from tests.support.running import write

# Written from README.md's "Describing your server" alone.
INDEPENDENT_TOML = """
[headers]
Authorization = "Bearer ${INDEPENDENT_TOKEN}"

[scenarios.success]
path = "/api/v2/widgets"
json = { label = "conformance" }

[scenarios.failure]
path = "/api/v2/widgets"
json = { label = "conformance", mode = "broken" }

[scenarios.timeout]
path = "/api/v2/widgets"
json = { label = "conformance", mode = "slow" }

[sync]
method = "GET"
path = "/api/v2/widgets"

[dialect]
status_field = "state"
id_field = "job"
result_url_field = "result"
message_field = "note"
progress_field = "percent"

[dialect.states]
running = ["QUEUED", "WORKING"]
success = ["DONE"]
failure = ["ERROR"]

[polling]
interval = 0.05
budget = 5
delete_budget = 5

[retention]
completed = 1.5
timed_out = 3.0
tolerance = 0.5
"""


def test_live_simulator_passes_with_the_real_clock(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", SIMULATOR_TOML)
    with serve_in_thread(create_app(settings=FAST)) as url:
        run = run_suite("--target", url, f"--target-config={config}")
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    assert run.document is not None and run.document["clock"] == "real"
    # The longest window first: the timed-out operation is submitted before the retention
    # observation's other operations, so its window passes while they are observed.
    labels = [e["label"] for e in run.document["exchanges"]]
    first_retention = next(i for i, label in enumerate(labels) if label.startswith("retention"))
    timed_out = labels.index("submit timeout")
    assert timed_out < first_retention
    assert labels[timed_out + 2 : timed_out + 3] == ["submit success"], labels[timed_out:][:4]


@pytest.mark.parametrize("fault", [None, "retention-short"])
def test_the_retention_windows_pass_while_the_other_cases_run(run_suite, tmp_path, fault):
    """On the wall clock, the retention probes start with the run, in a process of their own."""
    config = write(tmp_path / "target.toml", SIMULATOR_TOML)
    server = ["--completed-window", "2", "--timed-out-window", "4", "--duration", "0.3"]
    with simulator_process(*server, *(["--fault", fault] if fault else [])) as url:
        run = run_suite("--target", url, f"--target-config={config}")
    assert run.document is not None
    if fault is None:
        assert run.result.ret == 0, run.result.stdout.str()[-3000:]
        assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    else:
        assert run.result.ret == 1
        assert run.verdicts["RETAIN-COMPLETED"] == "FAIL"
    # The retention process's exchanges come after this process's own in the transcript;
    # its first is the timed-out operation's submission, sent while the other cases ran.
    exchanges = run.document["exchanges"]
    first = next(i for i, e in enumerate(exchanges) if e["label"] == "submit timeout")
    own, observed = exchanges[:first], exchanges[first:]
    assert any(e["label"].startswith("retention") for e in observed)
    assert not any(e["label"].startswith("retention") for e in own)
    assert observed[0]["sent_at"] < max(e["sent_at"] for e in own) - 1.0, "no overlap"
    # Their operations are in the report too, numbered after the others.
    origins = [op for op in run.document["operations"] if op["submitted"]["exchange"] > first]
    assert origins, "the retention process's operations are reported"


def test_a_server_in_this_process_is_told_from_one_in_another():
    from conformance.background import served_here

    with serve_in_thread(create_app(settings=FAST)) as here:
        assert served_here(here)
    assert not served_here(here), "stopped: nobody here listens on it"
    with simulator_process() as elsewhere:
        assert not served_here(elsewhere)
    assert not served_here("https://api.example.test/")


def test_a_retention_process_that_dies_is_an_error_not_a_hang(tmp_path):
    from conformance.background import Background, BackgroundError
    from conformance.session import ConformanceSession
    from conformance.target import resolve

    config = write(tmp_path / "target.toml", _retention_toml(60.0, 120.0, 0.5))
    with simulator_process("--completed-window", "60", "--timed-out-window", "120") as url:
        target = resolve(url, config, None, "real", [])
        background = Background(ConformanceSession, target)
        try:
            background._process.kill()
            with pytest.raises(BackgroundError, match="ended without a result"):
                background.result()
        finally:
            background.stop()
        running = Background(ConformanceSession, target)
        running.stop()  # a run that ends first: the process is ended, not waited for
        with pytest.raises(ValueError, match="closed"):
            running._process.is_alive()


@pytest.mark.parametrize(
    ("fault", "requirement"),
    [
        ("poll-advances", "STATUS-SAFE"),
        ("delete-200", "DELETE-204"),
    ],
)
def test_live_simulator_faults_are_caught_with_the_real_clock(
    run_suite, tmp_path, fault, requirement
):
    config = write(tmp_path / "target.toml", SIMULATOR_TOML)
    with serve_in_thread(create_app(settings=FAST, behaviours=[fault])) as url:
        run = run_suite("--target", url, f"--target-config={config}", "-k", "not retention")
    assert run.result.ret == 1
    assert run.with_verdict("FAIL") == {requirement: "FAIL"}


def test_independent_server_gets_correct_verdicts(run_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("INDEPENDENT_TOKEN", independent_server.TOKEN)
    config = write(tmp_path / "target.toml", INDEPENDENT_TOML)
    with independent_server.running() as url:
        run = run_suite("--target", url, f"--target-config={config}")
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    assert run.verdicts["TRANS-OUTCOME"] == "PASS" and run.verdicts["DELETE-GONE"] == "PASS"
    assert independent_server.TOKEN not in run.result.stdout.str()
    assert independent_server.TOKEN not in str(run.document)


def test_independent_server_fails_when_described_in_the_wrong_dialect(
    run_suite, tmp_path, monkeypatch
):
    monkeypatch.setenv("INDEPENDENT_TOKEN", independent_server.TOKEN)
    wrong = INDEPENDENT_TOML.split("[dialect]")[0] + (
        "[polling]\ninterval = 0.05\nbudget = 1\n[retention]\ncompleted = 1.5\ntimed_out = 3.0\n"
        "tolerance = 0.5\n"
    )
    config = write(tmp_path / "target.toml", wrong)
    with independent_server.running() as url:
        run = run_suite("--target", url, f"--target-config={config}")
    assert run.result.ret == 1
    assert run.verdicts["STATUS-STATE-NAMES"] == "FAIL"


def test_body_on_a_live_204_is_caught(run_suite, tmp_path, monkeypatch):
    # uvicorn refuses to send a body with 204; a hand-written server does not.
    monkeypatch.setenv("INDEPENDENT_TOKEN", independent_server.TOKEN)
    config = write(tmp_path / "target.toml", INDEPENDENT_TOML)
    with independent_server.running(faults={"delete-204-body"}) as url:
        run = run_suite("--target", url, f"--target-config={config}", "-k", "delete")
    assert run.verdicts["DELETE-204"] == "FAIL"
    # The stray bytes must not break what comes after on the same connection.
    assert run.verdicts["DELETE-GONE"] == "PASS"


def _retention_toml(completed: float, timed_out: float, tolerance: float) -> str:
    head = SIMULATOR_TOML.split("[retention]")[0]
    return (
        head
        + f"[retention]\ncompleted = {completed}\ntimed_out = {timed_out}\n"
        + (f"tolerance = {tolerance}\n")
    )


# Windows of a few seconds. A 1 % error needs a longer window on the wall clock: 1 % of 30 s
# is 300 ms, enough room for a 120 ms tolerance plus the bracket and the probe margin (which
# grow on a loaded machine), while verdicts stay decisive (uncertainty under the tolerance).
WINDOWS = {"default": (2.0, 4.0, 0.5), "precise": (30.0, 2.0, 0.12)}


@pytest.mark.parametrize("name", sorted(RETENTION_FAULTS))
def test_real_clock_catches_retention_fault(run_suite, tmp_path, name):
    completed, timed_out, tolerance = WINDOWS["precise" if "1pct" in name else "default"]
    settings = Settings(duration=0.3, completed_window=completed, timed_out_window=timed_out)
    config = write(tmp_path / "target.toml", _retention_toml(completed, timed_out, tolerance))
    with serve_in_thread(create_app(settings=settings, behaviours=[name])) as url:
        run = run_suite(f"--target={url}", f"--target-config={config}", "-k", "retention")
    # Only the retention cases ran: what the fault also breaks elsewhere is not judged here.
    expect = RETENTION_FAULTS[name].expect
    assert run.with_verdict("FAIL", "WARN") == {
        k: v for k, v in expect.items() if CATALOGUE[k].section == "Retention"
    }
    assert run.result.ret == 1


@pytest.mark.parametrize("dialect", ["azure", "ogc-processes", "google-lro"])
def test_the_simulator_serves_each_dialect_over_http(run_suite, tmp_path, dialect):
    from importlib import resources

    builtin = resources.files("conformance.targets").joinpath(f"builtin-{dialect}.toml")
    toml = (
        builtin.read_text().split("[retention]")[0]
        + "[polling]"
        + SIMULATOR_TOML.split("[polling]")[1]
    )
    config = write(
        tmp_path / "target.toml", toml.replace('base_url = "http://builtin.simulator"', "")
    )
    with serve_in_thread(create_app(settings=FAST, dialect=dialect)) as url:
        run = run_suite(f"--target={url}", f"--target-config={config}")
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    assert run.document is not None and run.document["dialect"] == dialect


def test_a_terminal_state_that_flips_later_is_caught_with_a_2_s_window(run_suite, tmp_path):
    # SUCCESS turns FAILED 1.5 s after completion: long after the confirming reads (0.1 s),
    # inside the 2 s window, where the retention probe reads it again.
    config = write(tmp_path / "target.toml", SIMULATOR_TOML)
    app = create_app(settings=FAST, behaviours=["terminal-flips"])
    with serve_in_thread(app) as url:
        quick = run_suite(f"--target={url}", f"--target-config={config}", "-k", "follow_the_model")
        later = run_suite(f"--target={url}", f"--target-config={config}", "-k", "holds_until")
    assert quick.verdicts["TRANS-MODEL"] == "PASS"  # the confirming reads cannot see it
    assert later.verdicts["TRANS-MODEL"] == "FAIL", later.result.stdout.str()[-3000:]
    observed = later.requirement("TRANS-MODEL")["cases"][0]["observed"]
    assert observed.startswith("SUCCESS, then FAILED when read again")


def test_a_thousand_concurrent_operations_on_the_live_simulator(run_suite, tmp_path):
    # Windows long enough for a thousand operations to be read (the server shares this process).
    toml = SIMULATOR_TOML.replace("[polling]\n", "[polling]\nconcurrency = 1000\n")
    toml = toml.replace("interval = 0.05", "interval = 0.2").replace(
        "budget = 5\n", "budget = 30\n"
    )
    toml = toml.replace("completed = 2.0", "completed = 60.0")
    config = write(tmp_path / "target.toml", toml.replace("timed_out = 4.0", "timed_out = 120.0"))
    windows = ("--completed-window", "60", "--timed-out-window", "120", "--duration", "0.3")
    with simulator_process(*windows) as url:  # a process of its own, as a real server is
        run = run_suite("--target", url, f"--target-config={config}", "-k", "concurrent")
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert run.verdicts["SUBMIT-UNIQUE"] == "PASS"
    assert run.verdicts["TRANS-OUTCOME"] == "PASS"
    assert (
        "1000 accepted concurrent submissions, 1000 status URLs"
        in run.requirement("SUBMIT-UNIQUE")["reason"]
    )


def test_an_interrupted_run_cleans_up_what_the_retention_process_made(tmp_path):
    """Ctrl-C reaches every process of the run; the retention process leaves the stopping to
    the run, hands back what it made so far, and the cleanup lists it."""
    import json
    import os
    import signal

    from tests.support.running import CASES

    config = write(tmp_path / "target.toml", _retention_toml(30.0, 60.0, 0.5))
    report_dir = tmp_path / "reports"
    with simulator_process("--completed-window", "30", "--timed-out-window", "60") as url:
        command = [sys.executable, "-m", "pytest", str(CASES), f"--report-dir={report_dir}"]
        command += ["-p", "no:cacheprovider", f"--target={url}", f"--target-config={config}"]
        process = subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            assert process.stdout is not None
            seen = []
            for line in process.stdout:  # until the run waits for the retention process
                seen.append(line)
                if "for the retention probes" in line:
                    break
            assert "for the retention probes" in seen[-1], "".join(seen)[-3000:]
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole process group
            out, _ = process.communicate(timeout=120)
        finally:
            process.kill()
    document = json.loads((report_dir / "conformance.json").read_text())
    submitted = {e["index"]: e for e in document["exchanges"] if e["label"] == "submit timeout"}
    assert submitted, "the retention process's exchanges are in the report"
    timed_out = [op for op in document["operations"] if op["scenario"] == "timeout"]
    assert timed_out, "and its operations"
    listed = [item for item in document["cleanup"]["items"] if item["operation"]]
    numbers = {op["number"] for op in document["operations"]}
    assert {item["operation"] for item in listed} <= numbers
    assert any(item["operation"] == timed_out[0]["number"] for item in listed), out[-2000:]


def test_a_retention_process_stopped_after_its_end_still_hands_back_what_it_saw(tmp_path):
    """The run ended before its retention cases (-x, say), and the process had already
    finished: its answer, left in the pipe, is read all the same (for the cleanup)."""
    from conformance.background import Background
    from conformance.session import ConformanceSession
    from conformance.target import resolve

    config = write(tmp_path / "target.toml", _retention_toml(1.0, 2.0, 0.5))
    with socket.socket() as probe:  # a port nobody listens on: every request fails at once
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    background = Background(ConformanceSession, resolve(url, config, None, "real", []))
    background._process.join(timeout=60)
    assert background._process.exitcode is not None, "it ended on its own"
    made = background.stop()
    assert made is not None and made.exchanges, "its answer was read"
    assert made.exchanges[0].label == "submit timeout" and made.exchanges[0].error
