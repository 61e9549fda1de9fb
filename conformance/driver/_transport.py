"""The in-process seam: a synchronous httpx transport over `httpx.ASGITransport`.

The driver is synchronous (so cases, Hypothesis rules and Schemathesis calls
stay plain functions); an ASGI app is asynchronous. The bridge runs the app on
one event loop in a background thread (an anyio blocking portal) and hands each
request to it, so concurrent submissions from several threads really overlap.
"""

from __future__ import annotations

import httpx
from anyio.from_thread import BlockingPortal
from starlette.types import ASGIApp

__all__ = ["PortalTransport"]


class PortalTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, portal: BlockingPortal) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._portal.call(self._handle, request)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        # Raw bytes: the client decodes any Content-Encoding itself, once.
        content = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            content=content,
            extensions=response.extensions,
        )
