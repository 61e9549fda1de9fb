"""The simulator's own HTTP manners, found wanting by schema-driven testing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx

from conformance.clock import VirtualClock
from conformance.driver import hosted
from conformance.simulator import create_app


@contextlib.contextmanager
def _client(clock: VirtualClock) -> Iterator[httpx.Client]:
    with (
        hosted(create_app(clock)) as transport,
        httpx.Client(transport=transport, base_url="http://simulator") as client,
    ):
        yield client


def test_a_405_lists_every_method_the_path_has():
    with _client(VirtualClock()) as client:
        answer = client.put("/v1/tenants/1/clouds/1/accounts")
    assert answer.status_code == 405
    assert {m.strip() for m in answer.headers["allow"].split(",")} >= {"GET", "POST"}


def test_the_resource_url_is_percent_encoded():
    clock = VirtualClock()
    with _client(clock) as client:
        accepted = client.post(
            "/v1/tenants/1/clouds/a%23b/accounts", json={"name": "x", "simulate": "success"}
        )
        clock.advance(10)  # done, and well inside its window
        resource = client.get(accepted.headers["location"]).json()["resourceUrl"]
        assert "/clouds/a%23b/" in resource
        assert client.get(resource).status_code == 200
