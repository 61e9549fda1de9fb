"""A state name the description does not list: said once with the name it most likely meant,
and no operation is followed on to its budget.

Against the OGC API - Processes test server (written from the standard) on the wall clock,
and against the live simulator with its test clock and the default budgets.
"""

from __future__ import annotations

import re
import time
from collections import Counter

import httpx

from conformance.clock import VirtualClock
from conformance.simulator import Settings, create_app, serve_in_thread
from tests.servers import ogc_processes
from tests.support.dialects import OGC
from tests.support.live import SIMULATOR_TOML
from tests.support.running import write

# The standard's names are lower case; this description lists them in upper case.
SHOUTED = """
[dialect.states]
running = ["ACCEPTED", "RUNNING"]
success = ["SUCCESSFUL"]
failure = ["FAILED"]
cancelled = ["DISMISSED"]
"""


def _reads_per_operation(document: dict) -> Counter[str]:
    """How often each status URL was read while its operation was followed."""
    return Counter(
        httpx.URL(e["url"]).path
        for e in document["exchanges"]
        if re.fullmatch(r"poll \w+ \d+", e["label"])
    )


def test_a_state_name_in_another_case_is_said_once_with_what_was_meant(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", OGC.replace("[sync]", SHOUTED + "\n[sync]"))
    with ogc_processes.running() as url:
        run = run_suite(f"--target={url}", f"--target-config={config}")
    assert run.document is not None
    names = run.requirement("STATUS-STATE-NAMES")
    assert names["verdict"] == "FAIL", run.result.stdout.str()[-3000:]
    (failed,) = [c for c in names["cases"] if c["nodeid"].endswith("[success]")]
    said = re.match(
        r"The state '(accepted|running)' is not among dialect\.states \(ACCEPTED, DISMISSED, "
        r"FAILED, RUNNING, SUCCESSFUL\); did you mean '(\w+)'\?",
        failed["hint"],
    )
    assert said and said.group(2) == said.group(1).upper(), failed["hint"]
    # Each operation is followed to its first unknown name, not on to the budget.
    reads = _reads_per_operation(run.document)
    assert reads and max(reads.values()) == 1, reads


def test_a_state_name_mismatch_ends_a_control_clock_run_with_default_budgets(run_suite, tmp_path):
    lowered = SIMULATOR_TOML.split("[polling]")[0] + (
        '[dialect.states]\nrunning = ["running"]\nsuccess = ["success"]\nfailure = ["failed"]\n'
    )
    config = write(tmp_path / "target.toml", lowered)
    app = create_app(VirtualClock(time.time()), Settings(), [], test_clock=True)
    with serve_in_thread(app) as url:
        run = run_suite(f"--target={url}", "--clock=control", f"--target-config={config}")
    assert run.document is not None
    assert run.verdicts["STATUS-STATE-NAMES"] == "FAIL"
    assert "did you mean 'running'?" in run.result.stdout.str()
    reads = _reads_per_operation(run.document)
    assert reads and max(reads.values()) == 1, reads
