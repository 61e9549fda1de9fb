"""`init --probe` then a run: the verdicts of a hand-written description, on servers nobody here
shaped to it.

Against each dialect's test server (written from its public document), the description
`init` writes gives every requirement the verdict the hand-written one gives (README's
example for that dialect), except those that need what `init` cannot know (a failure
or timeout scenario, a synchronous call): those are SKIP "not described".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main

from .conftest import write
from .servers import azure_lro, google_lro, ogc_processes
from .test_dialects import AZURE, GOOGLE, OGC, TIMING
from .test_pygeoapi import DESCRIPTION as PYGEOAPI
from .test_pygeoapi import TIMING as PYGEOAPI_TIMING
from .test_pygeoapi import server  # noqa: F401 (the fixture: pygeoapi, started once)

#: The options a newcomer passes where the server publishes no document of these operations.
PROBES: dict[str, tuple[Any, str, list[str]]] = {
    "azure": (
        azure_lro.running,
        AZURE,
        ["--operation=PUT /widgets/w-{uuid}?api-version=2024-05-01", '--json={"color": "blue"}'],
    ),
    "google-lro": (
        google_lro.running,
        GOOGLE,
        ["--operation=POST /v1/projects/p/books", '--json={"title": "t-{uuid}"}'],
    ),
    "ogc-processes": (
        ogc_processes.running,
        OGC,
        [
            "--operation=POST /processes/echo/execution",
            '--json={"inputs": {"message": "hello"}}',
            "--header=Prefer: respond-async",
        ],
    ),
}


def init(url: str, output: Path, *options: str) -> int:
    return main(
        ["init", f"--target={url}", f"--output={output}", "--probe", "--yes",
         "--interval=0.05", "--budget=10", *options]
    )  # fmt: skip


def _undescribed(run: Any, requirement: str) -> bool:
    found = run.verdicts.get(requirement)
    return found == "SKIP" and "not described" in run.requirement(requirement).get("reason", "")


def differences(hand: Any, derived: Any) -> dict[str, tuple[str, str, str]]:
    """Requirements whose verdicts differ, where both descriptions describe what they need
    (init does not know a failure scenario; a hand-written description may leave out the
    document that init found)."""
    out = {}
    for requirement, verdict in hand.verdicts.items():
        got = derived.verdicts.get(requirement, "absent")
        if got == verdict or _undescribed(derived, requirement) or _undescribed(hand, requirement):
            continue
        reason = derived.requirement(requirement).get("reason", "") if got != "absent" else ""
        out[requirement] = (verdict, got, reason[:200])
    return out


@pytest.mark.parametrize("dialect", sorted(PROBES))
def test_init_gives_the_hand_written_verdicts_on_each_dialects_server(run_suite, tmp_path, dialect):
    running, hand_written, options = PROBES[dialect]
    extra = TIMING  # its retention is not described: those rules SKIP "not described"
    with running(frozenset()) as url:
        derived = tmp_path / "init.toml"
        assert init(url, derived, *options) == 0
        text = derived.read_text()
        hand = run_suite(
            f"--target={url}", f"--target-config={write(tmp_path / 'hand.toml', hand_written)}"
        )
        ours = run_suite(f"--target={url}", f"--target-config={write(derived, text + extra)}")
    assert differences(hand, ours) == {}, text
    assert ours.with_verdict("FAIL", "ERROR") == {}
    assert ours.verdicts["TRANS-OUTCOME"] == "PASS"


def test_init_gives_pygeoapi_the_hand_written_verdicts(server, run_suite, tmp_path):  # noqa: F811
    # pygeoapi publishes its document at /openapi?f=json, with the execution's example body
    # and its Prefer: respond-async: init needs nothing but the URL.
    derived = tmp_path / "init.toml"
    assert init(server, derived) == 0
    text = derived.read_text()
    assert 'openapi = "/openapi?f=json"' in text
    assert 'name = "ogc-processes"' in text and "extends" not in text
    assert 'url = "/jobs/{operation_id}"' in text  # its documented DELETE /jobs/{jobId}
    polling = "\n[polling]\ninterval = 0.05\nbudget = 10\ndelete_budget = 5\n"
    hand = run_suite(
        f"--target={server}", f"--target-config={write(tmp_path / 'h.toml', PYGEOAPI)}"
    )
    ours = run_suite(f"--target={server}", f"--target-config={write(derived, text + polling)}")
    found = differences(hand, ours)
    for requirement in PYGEOAPI_TIMING:  # how fast hello-world ran, in either run
        found.pop(requirement, None)
    assert found == {}, text
    assert ours.verdicts["TRANS-OUTCOME"] == "PASS"
