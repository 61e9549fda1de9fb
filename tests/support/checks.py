"""Observations built by hand, as the driver would record them, for the checks' tests; and
`raises_verdict` and `citing`, which tell a SKIP from the FAIL or PASS that was due."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TypeVar

import httpx
import pytest
import schemathesis

from conformance.budget import Budget
from conformance.description import Description, parse
from conformance.driver import Ended, Exchange, Poll, Run, Submission, read_state
from conformance.openapi import Published
from conformance.retention import Bracket, Retained
from conformance.schedule import Slot
from conformance.verdicts import (
    Citation,
    NotObserved,
    collecting,
)
from tests.support.driving import BASE, CLASSIC, STATUS, SUBMIT

RESOURCE = f"{BASE}/v1/tenants/1/clouds/1/accounts/7"


def make_description(**overrides: object) -> Description:
    return parse({**CLASSIC, "base_url": BASE, **overrides}, "test").effective


DESCRIPTION = make_description()


E = TypeVar("E", bound=BaseException)


@contextlib.contextmanager
def raises_verdict(kind: type[E], match: str = "") -> Iterator[pytest.ExceptionInfo[E]]:
    """`pytest.raises`, except that a verdict of another kind fails the test: a NotObserved
    (a SKIP) where a FAIL or an ERROR was due must not pass as a skipped test."""
    with pytest.raises(BaseException) as info:
        yield info  # type: ignore[misc]
    if not isinstance(info.value, kind):
        pytest.fail(f"{kind.__name__} expected, got {type(info.value).__name__}: {info.value}")
    assert re.search(match, str(info.value)), str(info.value)


@contextlib.contextmanager
def citing() -> Iterator[list[Citation]]:
    """The citations a check makes; a NotObserved (a SKIP) where a PASS was due fails the test."""
    with collecting() as cited:
        try:
            yield cited
        except NotObserved as skipped:
            pytest.fail(f"PASS expected, got SKIP: {skipped.reason}")


def make_exchange(
    code: int | None = 200,
    body: bytes = b"",
    *,
    index: int = 1,
    url: str = STATUS,
    method: str = "GET",
    sent: float = 0.0,
    error: str | None = None,
    **headers: str,
) -> Exchange:
    return Exchange(
        index,
        "x",
        method,
        url,
        [],
        b"",
        sent,
        sent,
        code,
        [(k.replace("_", "-"), v) for k, v in headers.items()],
        body,
        error=error,
    )


def make_poll(
    exchange: Exchange,
    body: dict[str, object] | None,
    description: Description = DESCRIPTION,
    waited: float = 0.0,
    retry_after: float | None = None,
) -> Poll:
    """A poll as the driver records it: the state read from `body` as the dialect says."""
    reading = read_state(description.dialect, exchange.status, body)
    return Poll(exchange, body, reading, waited, retry_after)


def make_run(*polls: Poll, accepted: Exchange | None = None, **kw: object) -> Run:
    sub = Submission("success", accepted or make_exchange(202, index=0, url=SUBMIT, method="POST"))
    sub.status_url = httpx.URL(STATUS)
    terminal = next((i for i, p in enumerate(polls) if p.role and p.role.terminal), None)
    return Run(sub, list(polls), Ended.TERMINAL, terminal, **kw)  # type: ignore[arg-type]


def state_read(state: str, index: int = 1, **extra: object) -> Poll:
    body = {"operationId": "op1", "status": state, **extra}
    return make_poll(make_exchange(200, b"{}", index=index, content_type="application/json"), body)


LRO = make_description(dialect={"name": "google-lro"})


QUICK = Budget(examples=12)


KEEP = make_description(retention={"tolerance": 1.0, "expired_status": [404, 410]})


def make_probe(sent: float, received: float, code: int | None, state: str = "SUCCESS") -> Poll:
    error = None if code is not None else "ConnectError: reset"
    ex = make_exchange(code, b"{}", sent=sent, error=error)
    ex.received_at = received
    return make_poll(ex, {"status": state} if code == 200 else None, KEEP)


def make_retained(probe: Poll, low: float = 100.0, high: float = 100.5) -> Retained:
    slot: Slot[Poll] = Slot(probe.exchange.sent_at, "inside", lambda: probe, result=probe)
    return Retained("success", 300.0, Bracket(low, high), slot, slot)


def make_probed(retained: Retained) -> Exchange:
    """The exchange of the probe (one slot stands inside and outside the window)."""
    assert retained.inside.result is not None
    return retained.inside.result.exchange


DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/v1/operationStatus/{id}": {
            "get": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "the status",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["status"],
                                    "properties": {"status": {"type": "string"}},
                                }
                            }
                        },
                    }
                },
            }
        },
        "/v1/accounts": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string", "maxLength": 8}},
                            }
                        }
                    },
                },
                "responses": {"202": {"description": "accepted"}},
            }
        },
    },
}


def published_of(fetched: Exchange | None = None) -> Published:
    schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config())
    return Published(schema, "api.json", fetched)


def json_answer(
    code: int, body: bytes, index: int = 1, url: str = STATUS, method: str = "GET"
) -> Exchange:
    return make_exchange(
        code, body, index=index, url=url, method=method, content_type="application/json"
    )
