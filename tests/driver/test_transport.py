"""The in-process host: a user's app is run as an ASGI server runs it (uvicorn is the model)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import AppRaised, AppStartupFailed, Driver, hosted
from conformance.driver._transport import APP_TRACEBACK, NO_ANSWER, NO_END
from tests.support.driving import CLASSIC


@contextlib.contextmanager
def _client(app: Any) -> Iterator[httpx.Client]:
    with hosted(app) as transport, httpx.Client(transport=transport, base_url="http://a") as c:
        yield c


async def _answer(send: Any, status: int = 200, body: bytes = b"ok", more: bool = False) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body, "more_body": more})


def test_an_app_that_raises_before_answering_gets_the_500_a_server_sends():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            raise ValueError("no body for you")

    with _client(app) as client:
        answer = client.post("/jobs", content=b"{")
    assert answer.status_code == 500
    assert answer.text == "Internal Server Error"
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert "ValueError: no body for you" in answer.extensions[APP_TRACEBACK]
    assert "Traceback (most recent call last)" in answer.extensions[APP_TRACEBACK]


def test_a_starlette_app_keeps_its_own_500_and_the_traceback():
    # Starlette answers 500 itself, then raises again for the server to log.
    async def boom(request: Request) -> JSONResponse:
        raise KeyError("missing")

    with _client(Starlette(routes=[Route("/", boom)])) as client:
        answer = client.get("/")
    assert answer.status_code == 500
    assert "KeyError: 'missing'" in answer.extensions[APP_TRACEBACK]


def test_an_app_that_raises_halfway_through_its_answer_drops_the_connection():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await _answer(send, body=b"par", more=True)
            raise RuntimeError("lost it")

    with _client(app) as client, pytest.raises(AppRaised) as raised:
        client.get("/")
    assert isinstance(raised.value, httpx.RemoteProtocolError)
    assert "RuntimeError: lost it" in str(raised.value)
    assert "a server drops the connection there" in str(raised.value)
    assert "RuntimeError: lost it" in raised.value.app_traceback


def test_the_exchange_keeps_the_traceback_of_an_app_that_raised():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if scope["path"] == "/halfway":
                await _answer(send, more=True)
            raise LookupError(f"raised at {scope['path']}")

    description = parse({**CLASSIC, "base_url": "http://a"}, "test").effective
    with hosted(app) as transport, httpx.Client(transport=transport, base_url="http://a") as c:
        driver = Driver(c, description, VirtualClock())
        before = driver.send("read", "GET", "/before")
        halfway = driver.send("read", "GET", "/halfway")
    assert before.status == 500 and before.app_traceback is not None
    assert "LookupError: raised at /before" in before.app_traceback
    assert halfway.status is None and halfway.error is not None
    assert halfway.app_traceback is not None
    assert "LookupError: raised at /halfway" in halfway.app_traceback


def test_an_app_that_returns_without_answering_gets_a_500():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    with _client(app) as client:
        answer = client.get("/")
    assert answer.status_code == 500
    assert answer.extensions[APP_TRACEBACK] == NO_ANSWER


def test_an_app_that_returns_halfway_through_its_answer_drops_the_connection():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await _answer(send, more=True)

    with _client(app) as client, pytest.raises(AppRaised, match="returned before") as raised:
        client.get("/")
    assert raised.value.app_traceback == NO_END


def test_an_exception_right_after_an_answer_that_is_not_an_error_is_only_logged(caplog):
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await _answer(send, status=202)
            raise OSError("the background work broke at once")

    with _client(app) as client:
        answer = client.post("/")
    assert answer.status_code == 202 and APP_TRACEBACK not in answer.extensions
    assert "OSError: the background work broke at once" in caplog.text


def test_what_the_request_says_reaches_the_app_as_a_server_passes_it():
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.update(scope)
            seen["body"] = (await receive())["body"]
            await _answer(send, body=b"a body")

    with _client(app) as client:
        answer = client.request("HEAD", "/a%20b/c?x=1", content=b"sent", headers={"X-Y": "z"})
        assert answer.content == b""  # no body for HEAD
        assert seen["path"] == "/a b/c" and seen["raw_path"] == b"/a%20b/c"
        assert seen["query_string"] == b"x=1" and seen["method"] == "HEAD"
        assert (b"x-y", b"z") in seen["headers"] and seen["body"] == b"sent"
        client.get("/ids/..%252F%2541")  # decoded once, as uvicorn does
        assert seen["path"] == "/ids/..%2F%41" and seen["raw_path"] == b"/ids/..%252F%2541"
    assert seen["server"] == ("a", 80) and seen["http_version"] == "1.1"
    with hosted(app) as transport, httpx.Client(transport=transport) as client:
        client.get("https://b/")
        assert seen["server"] == ("b", 443) and seen["scheme"] == "https"
        client.get("http://c:8080/")
        assert seen["server"] == ("c", 8080)


def test_the_lifespan_runs_around_the_requests_and_shares_its_state():
    said: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                said.append(message["type"])
                if message["type"] == "lifespan.startup":
                    scope["state"]["ready"] = "yes"
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        else:
            await _answer(send, body=scope["state"]["ready"].encode())

    with _client(app) as client:
        assert client.get("/").text == "yes"
        assert said == ["lifespan.startup"]
    assert said == ["lifespan.startup", "lifespan.shutdown"]


def test_an_app_without_lifespan_support_is_served_without_it():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        await _answer(send)

    with _client(app) as client:
        assert client.get("/").text == "ok"


def test_a_failed_startup_stops_before_any_request():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    with pytest.raises(AppStartupFailed, match="no database"), hosted(app):
        pass


def test_a_body_sent_in_parts_arrives_whole_and_a_part_without_a_body_adds_nothing():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ab", "more_body": True})
        await send({"type": "http.response.body", "more_body": True})  # no "body" key
        await send({"type": "http.response.body", "body": b"cd"})

    with _client(app) as client:
        assert client.get("/").content == b"abcd"


@pytest.mark.slow
def test_the_answer_is_handed_over_while_the_app_works_on():
    released = anyio.Event()
    after: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await receive()
            await _answer(send, status=202)
            assert (await receive())["type"] == "http.disconnect"  # the client has it
            await released.wait()
            after.append("done")

    with hosted(app) as transport, httpx.Client(transport=transport, base_url="http://a") as c:
        assert c.post("/").status_code == 202
        assert after == []  # answered although the app's call has not ended
        transport._portal.call(released.set)
        for _ in range(100):
            if after:
                break
            transport._portal.call(anyio.sleep, 0.01)
    assert after == ["done"]


@pytest.mark.slow
def test_an_exception_after_the_answer_is_logged_as_a_server_logs_it(caplog):
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await _answer(send, status=202)
            await anyio.sleep(0)
            raise OSError("the background work broke")

    with _client(app) as client:
        assert client.post("/").status_code == 202
        assert APP_TRACEBACK not in client.get("/").extensions
    assert "OSError: the background work broke" in caplog.text


@pytest.mark.parametrize("ending", ["returns", "raises"])
def test_an_app_whose_lifespan_ended_after_startup_is_not_told_to_shut_down(ending):
    # The lifespan's call is over: a server sends it nothing more, nor waits for an answer.
    # Work the app left running (here, after an answer) could still hear one, and reply.
    lifespan: dict[str, Any] = {}
    told: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            lifespan.update(receive=receive, send=send)
            if ending == "raises":
                raise RuntimeError("the lifespan broke after its startup")
            return
        await _answer(send, status=202)
        told.append((await lifespan["receive"]())["type"])
        await lifespan["send"]({"type": "lifespan.shutdown.complete"})

    with _client(app) as client:
        assert client.post("/").status_code == 202
    assert told == []


def test_the_apps_call_is_awaited_until_its_answer_ended_and_no_longer():
    flags: list[list[bool]] = []  # what the host marks each task of the app's with
    awaited_then: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            awaited_then.append(flags[-1][0])
            await _answer(send, status=202, body=b"a", more=True)
            awaited_then.append(flags[-1][0])
            await send({"type": "http.response.body", "body": b"b"})
            awaited_then.append(flags[-1][0])

    with (
        hosted(app, entered=flags.append) as transport,
        httpx.Client(transport=transport, base_url="http://a") as client,
    ):
        assert client.post("/").content == b"ab"
    assert awaited_then == [True, True, False]
