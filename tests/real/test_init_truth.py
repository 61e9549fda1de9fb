"""`init --probe` then a run: the verdicts of a hand-written description, on servers nobody here
shaped to it.

Against each dialect's test server (written from its public document), the description
`init` writes gives every requirement the verdict the hand-written one gives (README's
example for that dialect), except those that need what `init` cannot know (a failure
or timeout scenario, a synchronous call): those are SKIP "not described".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from tests.real import flower, moto
from tests.real._servers import RealRun, once_per_session
from tests.real.test_flower import flower_run  # noqa: F401 (the hand-written run, made once)
from tests.real.test_moto_glacier import moto_run  # noqa: F401 (the hand-written run, made once)
from tests.real.test_pygeoapi import DESCRIPTION as PYGEOAPI
from tests.real.test_pygeoapi import TIMING as PYGEOAPI_TIMING
from tests.real.test_pygeoapi import server  # noqa: F401 (the fixture: pygeoapi, started once)
from tests.servers import azure_lro, google_lro, ogc_processes
from tests.support.dialects import AZURE, GOOGLE, OGC, TIMING
from tests.support.running import suite_in_subprocess, write

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


def _init_then_judged(factory, name, running, options, extra):
    """A real server started once: `init --probe` on it, then the suite with what it wrote."""

    def produce(work: Path) -> None:
        config = work / "target.toml"
        with running(work) as url:
            (work / "init-returncode").write_text(str(init(url, config, *options)))
            write(config, config.read_text() + extra)
            done, _ = suite_in_subprocess(
                work / "reports", f"--target={url}", f"--target-config={config}"
            )
        (work / "output").write_text((done.stdout + done.stderr)[-4000:])

    work = once_per_session(factory, name, produce)
    assert (work / "init-returncode").read_text() == "0"
    path = work / "reports" / "conformance.json"
    run = RealRun(json.loads(path.read_text()) if path.exists() else None, work / "reports")
    run.output = (work / "output").read_text()
    return run, (work / "target.toml").read_text()


def test_init_gives_flower_the_hand_written_verdicts(flower_run, tmp_path_factory):  # noqa: F811
    # Flower publishes no document and names no status URL: the newcomer says where it is.
    python = flower.interpreter()
    assert python is not None  # flower_run failed or skipped already otherwise
    options = [
        "--operation=POST /api/task/async-apply/tasks.add",
        '--json={"args": [1], "kwargs": {"y": 2}}',
        "--status-url=template:/api/task/result/{id}",
        "--interval=0.1",
        "--budget=20",
    ]
    ours, text = _init_then_judged(
        tmp_path_factory, "flower-init", lambda work: flower.running(python, work), options,
        "\n[polling]\ninterval = 0.1\nbudget = 20\n",
    )  # fmt: skip
    assert 'id_field = "task-id"' in text and 'status_field = "state"' in text
    assert 'failure = ["FAILED", "FAILURE", "ERROR"]' in text  # Celery's FAILURE among them
    assert differences(flower_run, ours) == {}, (text, ours.output)


def test_init_describes_moto_as_far_as_its_answers_go(moto_run, tmp_path_factory):  # noqa: F811
    # moto names the job in a Location on another host ("//vaults/..."): init says so in the
    # description, and the run then gives the hand-written description's verdicts.
    python = moto.interpreter()
    assert python is not None
    options = [
        "--operation=POST /-/vaults/conformance/jobs",
        '--json={"Type": "inventory-retrieval", "Tier": "Expedited"}',
        f"--header=Authorization: {moto.AUTHORIZATION}",
        "--header=x-amz-glacier-version: 2012-06-01",
    ]
    ours, text = _init_then_judged(
        tmp_path_factory, "moto-init", lambda work: moto.running(python, work), options,
        "\n[polling]\ninterval = 0.2\nbudget = 15\n",
    )  # fmt: skip
    assert "is on another origin, which init does not follow" in text
    assert differences(moto_run, ours) == {}, (text, ours.output)
