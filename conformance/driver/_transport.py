"""The in-process seam: the user's app run as an ASGI server runs it, for a synchronous client.

The driver is synchronous (so cases, Hypothesis rules and Schemathesis calls
stay plain functions); an ASGI app is asynchronous. The bridge runs the app on
one event loop in a background thread (an anyio blocking portal) and hands each
request to it, so concurrent submissions from several threads really overlap.

`AppHost` does what the app's server would do and httpx's `ASGITransport` does not:
the lifespan protocol; an answer handed over as soon as it ended, while the app's
call goes on with its background tasks; and an app that raises answered as uvicorn
answers it: before its answer started, `500 Internal Server Error`; after the answer
ended, the answer stands; in between, the connection is dropped. The traceback travels
with the response (`APP_TRACEBACK`) or the transport error (`AppRaised`), so the
exchange keeps it.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.types import ASGIApp, Message, Scope

from ..app_time import awaited

__all__ = [
    "APP_TRACEBACK",
    "AppHost",
    "AppRaised",
    "AppStartupFailed",
    "PortalTransport",
    "hosted",
]

ASGI = {"version": "3.0", "spec_version": "2.3"}
LOG = logging.getLogger("async_conformance.app")
#: Real seconds the app's lifespan shutdown may take at the end of the run.
SHUTDOWN_LIMIT = 5.0
NO_ANSWER = "the app returned without starting an answer (a server answers 500 there)"
NO_END = "the app returned before its answer ended"

#: The response extension holding the traceback of an app that raised while answering.
APP_TRACEBACK = "async_conformance.app_traceback"

#: What uvicorn answers when the app raises before it started its answer.
SERVER_ERROR: list[Message] = [
    {
        "type": "http.response.start",
        "status": 500,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21")],
    },
    {"type": "http.response.body", "body": b"Internal Server Error"},
]


class AppRaised(httpx.RemoteProtocolError):
    """The app raised after its answer had started: a server would drop the connection."""

    def __init__(self, message: str, *, request: httpx.Request, app_traceback: str) -> None:
        super().__init__(message, request=request)
        self.app_traceback = app_traceback


class AppStartupFailed(RuntimeError):
    """The app's lifespan startup failed: a server would not have started."""


class AppHost:
    """The user's app as an ASGI server runs it (uvicorn's behaviour is the model).

    The lifespan protocol runs around the whole run (an app that raises on it is taken
    as not supporting it; `lifespan.startup.failed` stops the run). Each request is a
    task of its own, answered as soon as the app sent the answer's last byte, while the
    app's call goes on (Starlette's and FastAPI's background tasks run there). An app
    that raises is answered as a server answers it (module docstring).
    Entered and used on the portal's event loop.
    """

    def __init__(
        self, app: ASGIApp, entered: Callable[[list[bool]], Any] = lambda awaited: None
    ) -> None:
        self.app = app
        # Called first in every task of the app's (the app clock's mark), with a flag that
        # holds while the suite waits for that task's answer or the app's startup.
        self._entered = entered
        self._state: dict[str, Any] = {}
        self._group: Any = None
        self._lifespan: dict[str, Message] = {}
        self._to_app: Any = None
        self._from_suite: Any = None
        self._said = anyio.Event()

    async def __aenter__(self) -> AppHost:
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        sender, receiver = anyio.create_memory_object_stream[Message](4)
        self._to_app, self._from_suite = sender, receiver

        async def send(message: Message) -> None:
            self._lifespan[message["type"]] = message
            self._said.set()

        starting = [True]

        async def lifespan() -> None:
            self._entered(starting)
            scope = {"type": "lifespan", "asgi": ASGI, "state": self._state}
            try:
                await self.app(scope, receiver.receive, send)
            except Exception:  # not supported: uvicorn goes on without it
                pass
            finally:
                self._lifespan["ended"] = {"type": "ended"}
                self._said.set()

        self._group.start_soon(lifespan)
        await sender.send({"type": "lifespan.startup"})
        with awaited():
            await self._said.wait()
        starting[0] = False
        failed = self._lifespan.get("lifespan.startup.failed")
        if failed is not None:
            await self.__aexit__(None, None, None)
            raise AppStartupFailed(
                f"the app's lifespan startup failed: {failed.get('message') or 'no message'}"
            )
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        if "lifespan.startup.complete" in self._lifespan and "ended" not in self._lifespan:
            self._said = anyio.Event()
            await self._to_app.send({"type": "lifespan.shutdown"})
            with anyio.move_on_after(SHUTDOWN_LIMIT):
                while not ({"lifespan.shutdown.complete", "ended"} & self._lifespan.keys()):
                    await self._said.wait()
                    self._said = anyio.Event()
        self._group.cancel_scope.cancel()
        try:
            # What ended the block is the caller's to raise, not one of the app's tasks'.
            await self._group.__aexit__(None, None, None)
            return None
        finally:
            self._to_app.close()
            self._from_suite.close()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        answer: dict[str, Any] = {"parts": [], "raised": None, "dropped": False}
        started, ended, handed = anyio.Event(), anyio.Event(), False
        sent_body = False
        waited_for = [True]  # until the answer has ended

        async def receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await ended.wait()  # as uvicorn: once the answer is sent, the client is gone
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if ended.is_set():
                return
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = list(message.get("headers", []))
                started.set()
            elif message["type"] == "http.response.body" and started.is_set():
                if request.method != "HEAD":
                    answer["parts"].append(message.get("body", b""))
                if not message.get("more_body"):
                    ended.set()
                    waited_for[0] = False

        async def call() -> None:
            self._entered(waited_for)
            try:
                await self.app(_scope(request, self._state), receive, send)
            except Exception as exc:  # the app's own failure, answered as its server would
                text = "".join(traceback.format_exception(exc))
                if ended.is_set():
                    if answer["status"] >= 500 and not handed:  # its own 500, raised again
                        answer["raised"] = text  # for the server's log (Starlette does so)
                    else:  # its background work: logged, as its server logs it
                        LOG.error("Exception in ASGI application after its answer\n%s", text)
                elif not started.is_set():
                    answer["raised"] = text
                    for message in SERVER_ERROR:
                        await send(message)
                else:
                    answer["raised"] = text
                    answer["dropped"] = not ended.is_set()
            finally:
                if not started.is_set():  # returned without answering: uvicorn sends a 500
                    answer["raised"] = answer["raised"] or NO_ANSWER
                    for message in SERVER_ERROR:
                        await send(message)
                if not ended.is_set():
                    answer["dropped"] = True
                    ended.set()
                waited_for[0] = False

        self._group.start_soon(call)
        with awaited():
            await ended.wait()
        handed = True
        text = answer["raised"]
        if answer["dropped"]:
            last = (text or NO_END).rstrip().splitlines()[-1]
            raise AppRaised(
                f"the app stopped before its answer ended ({last}); a server drops the "
                "connection there",
                request=request,
                app_traceback=text or NO_END,
            )
        return httpx.Response(
            status_code=answer["status"],
            headers=answer["headers"],
            content=b"".join(answer["parts"]),
            extensions={APP_TRACEBACK: text} if text else {},
        )


def _scope(request: httpx.Request, state: dict[str, Any]) -> Scope:
    url = request.url
    port = url.port or (443 if url.scheme == "https" else 80)
    return {
        "type": "http",
        "asgi": ASGI,
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": url.path,  # decoded once, from raw_path, as uvicorn does
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": (url.host, port),
        "state": dict(state),  # as uvicorn: each request a shallow copy of the lifespan's
    }


class PortalTransport(httpx.BaseTransport):
    """A synchronous transport: each request handed to the app host on the portal's loop."""

    def __init__(self, host: AppHost, portal: BlockingPortal) -> None:
        self._host = host
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._portal.call(self._host.handle, request)


@contextlib.contextmanager
def hosted(
    app: ASGIApp,
    *,
    loop_factory: Callable[[], Any] | None = None,
    entered: Callable[[list[bool]], Any] = lambda awaited: None,
) -> Iterator[PortalTransport]:
    """A transport to `app`, hosted on an event loop of its own until the block ends."""
    options = {"loop_factory": loop_factory} if loop_factory else None
    with start_blocking_portal(backend_options=options) as portal:
        host = AppHost(app, entered)
        with portal.wrap_async_context_manager(host):
            yield PortalTransport(host, portal)
