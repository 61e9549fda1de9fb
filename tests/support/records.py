"""Dialects and exchanges made from a few keys, for the driver's parts."""

from __future__ import annotations

from conformance.description import parse
from conformance.driver import (
    Exchange,
)
from tests.support.driving import BASE


def make_dialect(**keys):
    return parse({"dialect": keys}, "t").effective.dialect


def exchange_with(**values) -> Exchange:
    base = {
        "index": 0,
        "label": "l",
        "method": "GET",
        "url": f"{BASE}/op/1",
        "request_headers": [],
        "request_body": b"",
        "sent_at": 0.0,
        "status": 200,
    }
    return Exchange(**{**base, **values})
