"""The session's shared observations, made in-process on the simulator's virtual clock
or against a live server mocked with respx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from freezegun import freeze_time

from conformance.background import Observed
from conformance.budget import PROFILES
from conformance.retention import RetentionObservation
from conformance.session import ConformanceSession
from conformance.target import Target, resolve

ACCOUNTS = "http://builtin.simulator/v1/tenants/1/clouds/1/accounts"
LIVE = "https://api.example.test"
#: A live server's description: one success scenario, an operation status at Location.
LIVE_TOML = '[scenarios.success]\nmethod = "POST"\npath = "/jobs"\n'


@pytest.fixture
def opened() -> Iterator[list[ConformanceSession]]:
    """Sessions a test opens, closed after it (each test builds its own)."""
    sessions: list[ConformanceSession] = []
    yield sessions
    for session in sessions:
        session.close()


def _session(opened: list[ConformanceSession], config: Path | None = None) -> ConformanceSession:
    session = ConformanceSession(resolve("builtin", config, None, "virtual", []))
    opened.append(session)
    return session


def test_the_batch_submits_success_operations_at_once_and_follows_each_to_its_end(opened):
    session = _session(opened)
    batch = session.batch()
    assert len(batch.concurrent.submissions) == 5
    assert [s.exchange.status for s in batch.concurrent.submissions] == [202] * 5
    assert len(batch.concurrent.runs) == 5
    assert all(run.terminal is not None for run in batch.concurrent.runs)
    assert session.batch() is batch  # made once, shared after
    assert session.concurrent() is batch.concurrent


def test_the_deletion_deletes_a_resource_of_the_batch_and_reads_it_until_it_is_gone(opened):
    session = _session(opened)
    deletion = session.deletion()
    assert deletion.run is session.batch().deletable()
    assert deletion.problem is None
    delete = deletion.delete
    assert delete is not None
    assert (delete.label, delete.method, delete.status) == ("delete resource", "DELETE", 204)
    assert delete.url.startswith(f"{ACCOUNTS}/")
    assert deletion.reads, "the resource is read after its DELETE"
    assert [read.label for read in deletion.reads] == [
        f"read after delete {n}" for n in range(1, len(deletion.reads) + 1)
    ]
    assert {read.url for read in deletion.reads} == {delete.url}
    assert all(read.index > delete.index for read in deletion.reads)
    assert deletion.reads[-1].status == 404
    assert session.deletion() is deletion


def test_a_second_safety_trial_runs_on_operations_of_its_own(opened):
    session = _session(opened)
    first = session.safety_trial()
    assert first is session.batch().trial
    batch_ids = {s.operation_id for s in session.batch().concurrent.submissions}
    second = session.safety_trial()
    assert second is not first
    assert second.problem is None
    own = [s.operation_id for s in second.submissions]
    assert len(own) == 2
    assert not set(own) & batch_ids
    assert {poll.exchange.url for poll in second.often} == {str(second.submissions[1].status_url)}
    assert second.once is not None
    assert second.once.exchange.url == str(second.submissions[0].status_url)


def test_an_unknown_id_probe_follows_the_servers_redirect_to_its_canonical_path(opened):
    session = _session(opened)
    # The simulator decodes %2F and redirects "/nope/" to "/nope": the answer there counts.
    answer = session.probe_id("nope/", "slash")
    assert not isinstance(answer, str)
    first, redirected = list(session.transcript)[-2:]
    assert first.label == "unknown id (slash) 'nope/'"
    assert first.url.endswith("/v1/operationStatus/nope%2F")
    assert first.status in (301, 302, 303, 307, 308)
    assert redirected is answer
    assert answer.label == "unknown id (slash) 'nope/', redirected"
    assert (answer.method, answer.url) == (
        "GET",
        "http://builtin.simulator/v1/operationStatus/nope",
    )
    assert answer.status == 404


def test_a_generated_request_carries_the_scenarios_headers_filled_in(opened, tmp_path):
    config = tmp_path / "target.toml"
    config.write_text('[scenarios.success.headers]\nX-Request = "generated-{n}"\n')
    session = _session(opened, config)
    read = session.send_generated(
        "generated GET", "GET", ACCOUNTS, None, {"Accept": "application/json"}
    )
    assert read.status == 200
    assert ("x-request", "generated-0") in read.request_headers
    assert ("accept", "application/json") in read.request_headers
    assert session.driver.operations.untraced == []  # a read makes nothing


def test_an_accepted_generated_post_is_listed_as_made_for_the_cleanup(opened):
    session = _session(opened)
    body = b'{"name": "generated", "simulate": "success"}'
    headers = {"Content-Type": "application/json"}
    post = session.send_generated("generated POST", "post", ACCOUNTS, body, headers)
    assert post.status == 202
    assert session.driver.operations.untraced == [("whatever a generated post made", post)]
    assert len(session.driver.operations) == 0  # nothing traced: the cleanup lists it


def _live_server() -> respx.Route:
    """A live server on respx with the test-clock endpoint, whose operations succeed at
    once; the route of its submissions, to count them."""
    now = [0.0]

    def advance(request: httpx.Request) -> httpx.Response:
        now[0] += json.loads(request.content)["seconds"]
        return httpx.Response(200, json={"now": now[0]})

    respx.get(f"{LIVE}/_test/clock").mock(
        side_effect=lambda _: httpx.Response(200, json={"now": now[0]})
    )
    respx.post(f"{LIVE}/_test/clock/advance").mock(side_effect=advance)
    numbers = iter(range(1000))
    submit = respx.post(f"{LIVE}/jobs").mock(
        side_effect=lambda _: httpx.Response(202, headers={"Location": f"/ops/{next(numbers)}"})
    )
    respx.get(url__regex=rf"{LIVE}/ops/\d+").respond(200, json={"status": "SUCCESS"})
    return submit


@respx.mock
def test_a_smoke_run_against_a_live_server_submits_only_a_trials_worth_at_once(opened, tmp_path):
    # The smoke profile spares a live target: the batch is the safety trial's two operations,
    # not polling.concurrency (5) of them.
    config = tmp_path / "target.toml"
    config.write_text(LIVE_TOML)
    submit = _live_server()
    session = ConformanceSession(resolve(LIVE, config, None, "control", []), PROFILES["smoke"])
    opened.append(session)
    batch = session.batch()
    assert len(batch.concurrent.submissions) == 2
    assert submit.call_count == 2


class _Finished:
    """Stands in for the retention process (`Background`), already done: what it saw,
    without starting a process."""

    observation = RetentionObservation(resolution=1.0, margin=0.0)

    def __init__(self, session_for: object, target: Target, *args: object, **kwargs: object):
        pass

    def result(self) -> Observed:
        return Observed(self.observation, exchanges=[], operations=[], prepared=[])

    def stop(self) -> None:
        return None


def test_the_retention_probes_started_apart_say_how_long_is_left_to_wait(
    opened, tmp_path, monkeypatch
):
    config = tmp_path / "target.toml"
    config.write_text(LIVE_TOML)
    monkeypatch.setattr("conformance.session.Background", _Finished)
    with freeze_time("2026-01-01", tick=False):
        session = ConformanceSession(resolve(LIVE, config, None, "real", []))
        opened.append(session)
        lines: list[str] = []
        session.progress = lines.append
        session.start_retention()
        observation = session.retention()
    assert observation is _Finished.observation  # what the process saw, taken as the run's
    # The completed window (300 s) and the tolerance (5 s), none of it passed yet.
    assert lines == [
        "waiting about 5 min 5 s more for the retention probes "
        "(started with the run, in a process of their own)"
    ]
