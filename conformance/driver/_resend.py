"""A request that met a kept-alive connection the server had just closed goes again.

A server may close a connection it kept alive at any moment, and many do right after
an answer: uvicorn, for one, closes it once an application raised, after the 500 is
sent. A request sent on it in the moment before the close is seen finds a dead socket
and no answer at all. That says nothing about the server's API, so, as browsers do, the
request goes once more, on a connection opened for it. Whether the connection was
reused is known from httpcore's trace events (no TCP connect before the request's
headers), not guessed from the error: a request on a new connection that gets no
answer is an answer of its own, and the run records it.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["send_fresh"]

#: What a connection closed under a request raises (h11's words for no answer at all:
#: any other protocol error is an answer the server gave, and the run records it).
_CLOSED = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
_NO_ANSWER = "without sending a response"


def send_fresh(client: httpx.Client, request: httpx.Request, pooled: int) -> httpx.Response:
    """`client.send(request, stream=True)`, sent again where a kept-alive connection was
    found closed before the server answered.

    A server that closed one kept connection has often closed them all (it restarted,
    say): each found dead leaves the pool, so with at most `pooled` kept, a request goes
    out on a new connection by its `pooled + 1`-th send.
    """
    events: list[str] = []

    def trace(name: str, info: dict[str, Any]) -> None:
        events.append(name)

    request.extensions["trace"] = trace
    for attempt in range(pooled + 1):
        events.clear()
        try:
            return client.send(request, stream=True)
        except _CLOSED as exc:
            answered = isinstance(exc, httpx.RemoteProtocolError) and _NO_ANSWER not in str(exc)
            if attempt == pooled or answered or not _kept_alive(events):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _kept_alive(events: list[str]) -> bool:
    """The request went out on a connection opened before it (httpcore traced sending its
    headers, and no connect); an in-process transport traces nothing and is never reused."""
    sent = any(name.endswith(".send_request_headers.started") for name in events)
    connected = any(name.startswith("connection.connect_") for name in events)
    return sent and not connected
