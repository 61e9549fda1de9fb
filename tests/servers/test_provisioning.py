"""The Ironic-style provisioning test server (`servers.provisioning`) does what it documents.

Over real HTTP with httpx. Most tests move the server's clock by hand (its module's
`time` is replaced), so each transitional state is seen for certain whatever the load;
one test runs on the real clock with states a few hundredths of a second long, and one
checks that a patched `time.monotonic` is read at each request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.servers import provisioning

D = 1.0  # each transitional state's duration on the hand-moved clock


class _Clock:
    """Stands for the server module's `time`: monotonic moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return time.time()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(provisioning, "time", fake)
    return fake


@pytest.fixture
def client(clock: _Clock) -> Iterator[httpx.Client]:
    with provisioning.running(duration=D) as url, httpx.Client(base_url=url) as c:
        yield c


def _fault(response: httpx.Response) -> str:
    """The faultstring inside Ironic's error body (a JSON string under error_message)."""
    fault = json.loads(response.json()["error_message"])
    assert fault["faultcode"] == "Client"
    return str(fault["faultstring"])


def _create(client: httpx.Client, name: str, **driver_info: Any) -> dict[str, Any]:
    body = {"driver": "fake-hardware", "name": name, "driver_info": driver_info}
    response = client.post("/v1/nodes", json=body)
    assert response.status_code == 201, response.text
    node: dict[str, Any] = response.json()
    return node


def _provision(client: httpx.Client, ident: str, target: str) -> httpx.Response:
    return client.put(f"/v1/nodes/{ident}/states/provision", json={"target": target})


def _state(client: httpx.Client, ident: str) -> tuple[str, str | None]:
    summary = client.get(f"/v1/nodes/{ident}/states").json()
    return summary["provision_state"], summary["target_provision_state"]


def _managed(client: httpx.Client, clock: _Clock, name: str, **driver_info: Any) -> None:
    _create(client, name, **driver_info)
    assert _provision(client, name, "manage").status_code == 202
    clock.now += D
    assert _state(client, name) == ("manageable", None)


def test_a_node_is_created_managed_and_provided_until_available(
    client: httpx.Client, clock: _Clock
) -> None:
    node = _create(client, "node-1", ipmi_password="secret")
    assert node["provision_state"] == "enroll"
    assert node["target_provision_state"] is None and node["last_error"] is None
    assert node["driver_info"] == {"ipmi_password": "******"}
    base = str(client.base_url).rstrip("/")
    self_link = next(link["href"] for link in node["links"] if link["rel"] == "self")
    assert self_link == f"{base}/v1/nodes/{node['uuid']}"
    assert client.get(self_link).json()["name"] == "node-1"

    response = _provision(client, "node-1", "manage")
    assert response.status_code == 202 and response.content == b""
    assert response.headers["Location"] == f"{base}/v1/nodes/node-1/states"  # ident as sent
    assert _state(client, "node-1") == ("verifying", "manageable")
    clock.now += D - 0.01
    assert _state(client, "node-1") == ("verifying", "manageable")
    clock.now += 0.01
    assert _state(client, "node-1") == ("manageable", None)

    response = _provision(client, node["uuid"], "provide")
    assert response.status_code == 202 and response.content == b""
    location = response.headers["Location"]
    assert location == f"{base}/v1/nodes/{node['uuid']}/states"
    first = client.get(location).json()
    assert (first["provision_state"], first["target_provision_state"]) == ("cleaning", "available")
    clock.now += D
    assert _state(client, "node-1") == ("clean wait", "available")
    clock.now += D
    final = client.get(location).json()
    assert (final["provision_state"], final["target_provision_state"]) == ("available", None)
    assert final["last_error"] is None and final["power_state"] == "power off"
    assert final["provision_updated_at"] > first["provision_updated_at"]


def test_a_verb_is_taken_once_per_state_and_refused_while_locked(
    client: httpx.Client, clock: _Clock
) -> None:
    node = _create(client, "node-2")
    early = _provision(client, "node-2", "provide")  # enroll: manage first
    assert early.status_code == 400 and '"enroll"' in _fault(early)
    assert _provision(client, "node-2", "manage").status_code == 202
    locked = _provision(client, "node-2", "manage")  # verifying holds the lock
    assert locked.status_code == 409
    assert "locked" in _fault(locked)
    clock.now += D
    again = _provision(client, "node-2", "manage")
    assert again.status_code == 400
    assert _fault(again) == (
        f'The requested action "manage" can not be performed on node "{node["uuid"]}" '
        'while it is in state "manageable".'
    )

    assert _provision(client, "node-2", "provide").status_code == 202
    assert _provision(client, "node-2", "provide").status_code == 409  # cleaning, locked
    clock.now += D
    waiting = _provision(client, "node-2", "provide")  # clean wait: no lock, wrong state
    assert waiting.status_code == 400 and '"clean wait"' in _fault(waiting)
    clock.now += D
    twice = _provision(client, node["uuid"], "provide")
    assert twice.status_code == 400
    assert '"available"' in _fault(twice)
    assert _provision(client, "node-2", "manage").status_code == 202
    assert _state(client, "node-2") == ("manageable", None)  # at once, no task
    unknown = _provision(client, "node-2", "no-such-verb")
    assert unknown.status_code == 400 and "can not be performed" in _fault(unknown)
    clean = _provision(client, "node-2", "clean")  # Ironic takes it; this server does not
    assert clean.status_code == 400 and "not implemented" in _fault(clean)


def test_failed_cleaning_and_inspection_end_in_their_failed_states(
    client: httpx.Client, clock: _Clock
) -> None:
    _managed(client, clock, "bad-clean", fail_cleaning=True)
    _managed(client, clock, "bad-inspect", fail_inspection=True)
    assert _provision(client, "bad-clean", "provide").status_code == 202
    assert _provision(client, "bad-inspect", "inspect").status_code == 202
    assert _state(client, "bad-inspect") == ("inspecting", "manageable")
    clock.now += D
    assert _state(client, "bad-clean") == ("clean wait", "available")
    assert _state(client, "bad-inspect") == ("inspect failed", "manageable")
    clock.now += D
    assert _state(client, "bad-clean") == ("clean failed", "available")
    for name in ("bad-clean", "bad-inspect"):
        error = client.get(f"/v1/nodes/{name}").json()["last_error"]
        assert isinstance(error, str) and "fail" in error
        refused = client.delete(f"/v1/nodes/{name}")
        assert refused.status_code == 409
        assert "Can not delete" in _fault(refused)
        assert _provision(client, name, "manage").status_code == 202
        after = client.get(f"/v1/nodes/{name}/states").json()
        assert (after["provision_state"], after["target_provision_state"]) == ("manageable", None)
        assert after["last_error"] == error  # manage does not clear it; new work does
    assert _provision(client, "bad-clean", "inspect").status_code == 202
    assert client.get("/v1/nodes/bad-clean").json()["last_error"] is None
    clock.now += D
    for name in ("bad-clean", "bad-inspect"):
        assert client.delete(f"/v1/nodes/{name}").status_code == 204
        assert client.get(f"/v1/nodes/{name}").status_code == 404


def test_delete_follows_the_states_that_allow_it(client: httpx.Client, clock: _Clock) -> None:
    assert client.delete("/v1/nodes/nobody").status_code == 404
    enrolled = _create(client, "enrolled")
    assert client.delete(f"/v1/nodes/{enrolled['uuid']}").status_code == 204

    _create(client, "busy")
    _provision(client, "busy", "manage")
    locked = client.delete("/v1/nodes/busy")
    assert locked.status_code == 409 and "locked" in _fault(locked)
    clock.now += D
    _provision(client, "busy", "provide")
    clock.now += D
    waiting = client.delete("/v1/nodes/busy")  # no lock held, but not a deletable state
    assert waiting.status_code == 409 and '"clean wait"' in _fault(waiting)
    clock.now += D
    assert client.get("/v1/nodes/busy").json()["provision_state"] == "available"
    assert client.delete("/v1/nodes/busy").status_code == 204


def test_auto_enroll_makes_nodes_on_demand_and_only_then(clock: _Clock) -> None:
    with (
        provisioning.running(auto_enroll=True, duration=D) as url,
        httpx.Client(base_url=url) as client,
    ):
        for name in ("ready-1", "broken-1"):
            assert _provision(client, name, "provide").status_code == 202
            assert _state(client, name) == ("cleaning", "available")
        clock.now += 2 * D
        assert _state(client, "ready-1") == ("available", None)
        assert _state(client, "broken-1") == ("clean failed", "available")
        names = {n["name"] for n in client.get("/v1/nodes").json()["nodes"]}
        assert names == {"ready-1", "broken-1"}
    with provisioning.running(duration=D) as url, httpx.Client(base_url=url) as client:
        assert _provision(client, "ready-1", "provide").status_code == 404
        assert client.get("/v1/nodes").json() == {"nodes": []}


def test_the_list_shows_what_is_left_and_each_run_starts_empty(client: httpx.Client) -> None:
    assert client.get("/v1/nodes").json() == {"nodes": []}
    first, second = _create(client, "one"), _create(client, "two")
    listed = client.get("/v1/nodes").json()["nodes"]
    assert [n["uuid"] for n in listed] == [first["uuid"], second["uuid"]]
    assert client.delete("/v1/nodes/one").status_code == 204
    assert [n["name"] for n in client.get("/v1/nodes").json()["nodes"]] == ["two"]
    with provisioning.running() as url:
        assert httpx.get(f"{url}/v1/nodes").json() == {"nodes": []}


def test_bad_requests_answer_as_ironic_does(client: httpx.Client) -> None:
    assert client.post("/v1/nodes", content=b"[1]").status_code == 400
    assert client.post("/v1/nodes", content=b"not json").status_code == 400
    assert "driver" in _fault(client.post("/v1/nodes", json={"name": "x"}))
    assert client.post("/v1/nodes", json={"driver": "ipmi"}).status_code == 400
    assert client.post("/v1/nodes", json={"driver": "fake-hardware", "x": 1}).status_code == 400
    bad_name = client.post("/v1/nodes", json={"driver": "fake-hardware", "name": "a b"})
    assert bad_name.status_code == 400
    _create(client, "dup")
    duplicate = client.post("/v1/nodes", json={"driver": "fake-hardware", "name": "dup"})
    assert duplicate.status_code == 409 and "dup" in _fault(duplicate)
    assert client.put("/v1/nodes/dup/states/provision", content=b'"manage"').status_code == 400
    assert client.put("/v1/nodes/dup/states/provision", json={}).status_code == 400
    assert _provision(client, "ghost", "manage").status_code == 404
    assert client.get("/v1/elsewhere").status_code == 404
    wrong = client.patch("/v1/nodes/dup")
    assert wrong.status_code == 405 and "DELETE" in wrong.headers["Allow"]
    assert "error_message" in wrong.json()


def test_durations_are_read_from_the_monotonic_clock_at_each_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = time.monotonic
    offset = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: real() + offset[0])
    with provisioning.running(duration=30.0) as url, httpx.Client(base_url=url) as client:
        _create(client, "slow")
        assert _provision(client, "slow", "manage").status_code == 202
        assert _state(client, "slow") == ("verifying", "manageable")
        offset[0] = 31.0
        assert _state(client, "slow") == ("manageable", None)


@pytest.mark.slow
def test_on_the_real_clock_a_node_passes_through_to_available() -> None:
    step = 0.05
    order = [
        ("verifying", "manageable"),
        ("manageable", None),
        ("cleaning", "available"),
        ("clean wait", "available"),
        ("available", None),
    ]
    with provisioning.running(duration=step) as url, httpx.Client(base_url=url) as client:
        _create(client, "real")
        seen: list[tuple[str, str | None]] = []
        deadline = time.monotonic() + 3.0
        for verb, goal in (("manage", "manageable"), ("provide", "available")):
            assert _provision(client, "real", verb).status_code == 202
            while (state := _state(client, "real"))[0] != goal:
                assert time.monotonic() < deadline, seen
                if state not in seen:
                    seen.append(state)
                time.sleep(step / 5)
            seen.append(state)
    assert seen[-1] == ("available", None)
    assert seen == sorted(seen, key=order.index)  # states come in order, none unknown
