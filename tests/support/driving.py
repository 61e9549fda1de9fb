"""A driver of the classic dialect on a made-up origin, for tests that answer with respx."""

from __future__ import annotations

import httpx
import respx

from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import Driver, Run

BASE = "https://api.example.test"


SUBMIT = f"{BASE}/v1/tenants/1/clouds/1/accounts"
STATUS = f"{BASE}/v1/operationStatus/op1"


#: What these tests submit and call synchronously: nothing is sent that is not described.
CLASSIC = {
    "scenarios": {
        "success": {"path": "/v1/tenants/1/clouds/1/accounts", "json": {"name": "conformance"}}
    },
    "sync": {"method": "GET", "path": "/v1/tenants/1/clouds/1/accounts"},
}


def make_driver(**overrides: object) -> tuple[Driver, VirtualClock]:
    description = parse({**CLASSIC, "base_url": BASE, **overrides}, "test").effective
    clock = VirtualClock()
    client = httpx.Client(base_url=BASE, headers=description.headers)
    return Driver(client, description, clock), clock


def status_answer(state: str, **extra: object) -> httpx.Response:
    return httpx.Response(200, json={"operationId": "op1", "status": state, **extra})


#: An acceptance that names its operation and where its status is.
ACCEPTED = httpx.Response(
    202, headers={"Location": "/v1/operationStatus/op1"}, json={"operationId": "op1"}
)


def run_with(accepted: httpx.Response, *reads: httpx.Response) -> tuple[Driver, Run]:
    """The success scenario run against `accepted` and then `reads` (respx must be on)."""
    respx.post(SUBMIT).mock(return_value=accepted)
    respx.get(STATUS).mock(side_effect=list(reads))
    driver, _ = make_driver(polling={"interval": 1, "budget": 30})
    return driver, driver.run("success")
