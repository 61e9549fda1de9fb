"""The app clock: what an in-process app reads and waits on is the suite's time, and only that."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from time import monotonic as imported_monotonic
from typing import Any

import httpx
import pytest

from conformance import app_time
from conformance.app_time import AppClock, RealTimeWait, enter_app
from conformance.driver import hosted

START = 1_767_225_600.0


def _deep(read: Any, depth: int) -> Any:
    return read() if depth == 0 else _deep(read, depth - 1)


@contextlib.contextmanager
def _app(handler: Any) -> Iterator[tuple[AppClock, httpx.Client]]:
    """`handler(scope)` as an app on the app clock; it answers with what the handler returns."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = str(await handler(scope)).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    with (
        AppClock(START, app_modules=("tests",)) as clock,
        hosted(app, loop_factory=clock.loop_factory, entered=enter_app) as transport,
        httpx.Client(transport=transport, base_url="http://app") as client,
    ):
        yield clock, client
        clock.release()


def _real_pause() -> None:
    end = app_time._real_monotonic() + 0.3  # work that takes real time, not a wait on it
    while app_time._real_monotonic() < end:
        pass


@pytest.mark.parametrize("depth", [0, 40])
def test_the_app_reads_the_suites_time_at_any_depth(depth):
    reads = {
        "time": lambda: time.time(),
        "datetime": lambda: dt.datetime.now(dt.timezone.utc).timestamp(),
        "monotonic": lambda: time.monotonic(),
        "imported": lambda: imported_monotonic(),
        "loop": lambda: asyncio.get_running_loop().time(),
    }
    seen: dict[str, float] = {}

    async def handler(scope: Any) -> str:
        seen.update({name: _deep(read, depth) for name, read in reads.items()})
        return "ok"

    with _app(handler) as (clock, client):
        client.get("/")
        first = dict(seen)
        clock.sleep(3600)
        client.get("/")
    assert first["time"] == first["datetime"] == START
    for name in reads:
        assert seen[name] - first[name] == pytest.approx(3600), name


def test_a_failed_start_leaves_nothing_patched(monkeypatch):
    def broken(self: Any) -> Any:
        raise RuntimeError("cannot")

    monkeypatch.setattr(AppClock, "_app_module_objects", broken)
    real = time.monotonic
    with pytest.raises(RuntimeError, match="cannot"), AppClock(START, app_modules=("tests",)):
        pass
    assert time.monotonic is real and time.time() > START + 3600 * 24 * 300


def test_timers_fire_in_order_each_at_its_time():
    fired: list[tuple[str, float]] = []

    async def handler(scope: Any) -> str:
        loop = asyncio.get_running_loop()
        for name, delay in (("late", 300.0), ("early", 5.0), ("middle", 60.0)):
            loop.call_later(delay, lambda n=name: fired.append((n, time.time() - START)))
        return "ok"

    with _app(handler) as (clock, client):
        client.get("/")
        clock.sleep(3600)
    assert fired == [("early", 5.0), ("middle", 60.0), ("late", 300.0)]


def test_executor_work_and_threads_the_app_starts_are_the_apps():
    seen: list[float] = []

    def read() -> None:
        seen.append(time.monotonic())

    async def handler(scope: Any) -> str:
        await asyncio.get_running_loop().run_in_executor(None, read)
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
        return "ok"

    with _app(handler) as (clock, client):
        clock.sleep(100)
        client.get("/")
        assert seen == [clock.monotonic(), clock.monotonic()]


def test_a_timeout_around_executor_work_waits_for_the_work():
    async def handler(scope: Any) -> str:
        work = asyncio.get_running_loop().run_in_executor(None, _real_pause)
        try:
            await asyncio.wait_for(work, timeout=5)
        except asyncio.TimeoutError:
            return "timed out"
        return "done"

    with _app(handler) as (clock, client):
        assert client.get("/").text == "done"  # the request itself awaits its timer meanwhile
        assert clock.now() < START + 5


def test_the_suite_keeps_real_monotonic_time_meanwhile():
    async def handler(scope: Any) -> str:
        return "ok"

    with _app(handler) as (clock, client):
        before = time.monotonic()
        clock.sleep(7200)
        client.get("/")
        assert 0 <= time.monotonic() - before < 60  # not two hours
        assert time.time() == START + 7200  # the wall clock is one for all (time-machine)
    assert time.monotonic is app_time._real_monotonic
    assert imported_monotonic.__module__ == "time"  # the app module's own import is restored
    assert time.time() > START + 7200


@pytest.mark.slow
def test_a_sleeping_task_ends_at_its_own_instant_not_the_suites():
    ended: list[float] = []

    async def work() -> None:
        await asyncio.sleep(2)
        ended.append(time.time())

    async def handler(scope: Any) -> str:
        asyncio.get_running_loop().create_task(work())
        return "started"

    with _app(handler) as (clock, client):
        client.post("/")
        clock.sleep(1.5)
        assert ended == []
        clock.sleep(30)
        assert ended == [START + 2]
        assert clock.now() == START + 31.5


@pytest.mark.slow
@pytest.mark.parametrize("waits", [(0.3, 1.0, 0.7), (0.05, 0.05, 1.9)])
def test_short_timers_each_fire_at_their_time_whatever_the_suite_waits(waits):
    ticks: list[float] = []

    async def tick() -> None:
        loop = asyncio.get_running_loop()
        for _ in range(20):
            await asyncio.sleep(0.1)
            ticks.append(loop.time())

    async def handler(scope: Any) -> str:
        asyncio.get_running_loop().create_task(tick())
        return "ok"

    with _app(handler) as (clock, client):
        client.get("/")
        for seconds in waits:
            clock.sleep(seconds)
    assert len(ticks) == 20
    assert [round(b - a, 6) for a, b in itertools.pairwise(ticks)] == [0.1] * 19


@pytest.mark.slow
def test_an_answer_the_app_sleeps_before_comes_when_its_timer_is_due():
    async def handler(scope: Any) -> str:
        await asyncio.sleep(0.5)
        return "late"

    with _app(handler) as (clock, client):
        started = time.perf_counter()
        assert client.get("/").text == "late"
        assert time.perf_counter() - started < 5  # not the driver's 10-s request timeout
        assert clock.now() == pytest.approx(START + 0.5)  # the suite saw the latency


@pytest.mark.slow
def test_an_app_whose_startup_waits_on_a_timer_starts():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await asyncio.sleep(3)  # a connection retried after a pause
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(time.time()).encode()})

    with (
        AppClock(START) as clock,
        hosted(app, loop_factory=clock.loop_factory, entered=enter_app) as transport,
        httpx.Client(transport=transport, base_url="http://app") as client,
    ):
        assert float(client.get("/").text) == pytest.approx(START + 3)
        clock.release()


def test_a_module_imported_during_a_run_reads_the_next_run_right():
    async def handler(scope: Any) -> str:
        return str(app_time._FAKES["monotonic"]())  # as `from time import monotonic` then

    with _app(handler) as (clock, client):
        clock.sleep(50)
        assert float(client.get("/").text) == clock.monotonic()
    leaked = app_time._FAKES["monotonic"]
    assert abs(leaked() - time.monotonic()) < 1  # out of a run: real time
    with _app(handler) as (clock, client):
        clock.sleep(7)
        assert float(client.get("/").text) == clock.monotonic()  # this run's clock, not the last


def test_an_executor_started_before_the_run_works_for_the_app_in_its_time():
    pool = ThreadPoolExecutor(max_workers=1)
    pool.submit(time.monotonic).result()  # its thread exists before the app clock does
    seen: list[float] = []

    async def handler(scope: Any) -> str:
        await asyncio.get_running_loop().run_in_executor(pool, lambda: seen.append(time.time()))
        seen.append(await asyncio.get_running_loop().run_in_executor(pool, time.monotonic))
        return "ok"

    with pool, _app(handler) as (clock, client):
        clock.sleep(100)
        client.get("/")
        assert seen == [START + 100, clock.monotonic()]


@pytest.mark.slow
def test_a_wait_on_real_time_is_said_where_it_was_made():
    async def handler(scope: Any) -> str:
        threading.Thread(target=time.sleep, args=(0.01,)).start()
        return "ok"

    with _app(handler) as (clock, client):
        client.get("/")
        time.sleep(0.1)  # the suite's own sleep is real and not the app's
        with pytest.raises(RealTimeWait, match=r"time\.sleep\(0\.01\) in thread .*--clock=real"):
            clock.sleep(1)
    assert len(clock.real_waits) == 1


@pytest.mark.slow
def test_an_app_whose_loop_never_rests_is_said_at_once(monkeypatch):
    monkeypatch.setattr(app_time, "SETTLE_LIMIT", 0.2)

    async def spin() -> None:
        while True:
            await asyncio.sleep(0)

    async def handler(scope: Any) -> str:
        asyncio.get_running_loop().create_task(spin())
        return "ok"

    with _app(handler) as (clock, client):
        client.get("/")
        with pytest.raises(RealTimeWait, match=r"stayed busy for 0\.2 s of real time"):
            clock.sleep(1)
        clock.release()


@pytest.mark.slow
def test_a_sleep_the_suite_waits_through_is_latency_one_after_the_answer_is_not():
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    def slow(request: Any) -> PlainTextResponse:  # a plain def endpoint: a worker thread
        time.sleep(0.05)
        after = request.query_params.get("after")
        task = BackgroundTask(time.sleep, float(after)) if after else None
        return PlainTextResponse("slow", background=task)

    app = Starlette(routes=[Route("/", slow)])
    with (
        AppClock(START, app_modules=("tests",)) as clock,
        hosted(app, loop_factory=clock.loop_factory, entered=enter_app) as transport,
        httpx.Client(transport=transport, base_url="http://app") as client,
    ):
        assert client.get("/").text == "slow"
        clock.sleep(1)  # the answer's own sleep stops nothing
        assert client.get("/?after=0.01").text == "slow"
        time.sleep(0.1)
        with pytest.raises(RealTimeWait, match=r"time\.sleep\(0\.01\)"):
            clock.sleep(1)
        clock.release()


@pytest.mark.slow
def test_once_released_the_apps_time_runs_on_with_the_real_clock():
    async def handler(scope: Any) -> str:
        return "ok"

    with _app(handler) as (clock, _client):
        clock.sleep(10)
        clock.release()
        before = clock.monotonic()
        time.sleep(0.05)
        assert clock.monotonic() - before >= 0.05
