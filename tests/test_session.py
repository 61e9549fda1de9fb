"""The session's shared observations, made in-process on the simulator's virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.session import ConformanceSession
from conformance.target import resolve

ACCOUNTS = "http://builtin.simulator/v1/tenants/1/clouds/1/accounts"


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
