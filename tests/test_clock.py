"""The clocks and the schedule, and every clock mode end to end."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import anyio
import httpx
import pytest
import respx
from freezegun import freeze_time

from conformance.clock import (
    ClockControlError,
    ControlClock,
    RealClock,
    VirtualClock,
)
from conformance.driver import hosted
from conformance.schedule import Schedule
from conformance.simulator import Settings, create_app, serve_in_thread
from tests.support.live import SIMULATOR_TOML
from tests.support.running import CASES, write


def test_virtual_clock_moves_only_forward_and_only_when_told():
    clock = VirtualClock(start=100.0)
    assert clock.now() == 100.0
    clock.sleep(30)
    clock.sleep(-5)  # a negative sleep is no sleep
    assert clock.now() == 130.0
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)


def test_a_virtual_clock_awaited_in_an_event_loop_moves_as_far_as_asked():
    # The simulator's side sleeps with `await`: the same time passes as with `sleep`.
    clock = VirtualClock(start=100.0)
    anyio.run(clock.async_sleep, 30)
    anyio.run(clock.async_sleep, -5)  # a negative sleep is no sleep
    assert clock.now() == 130.0


def test_a_blocking_submit_on_the_wall_clock_answers_once_its_operation_is_done():
    # The simulator's default clock is the wall clock; this fault awaits the operation's
    # 10 ms on it before the 202, which then shows the operation finished.
    app = create_app(settings=Settings(duration=0.01), behaviours=["blocking-submit"])
    with (
        hosted(app) as transport,
        httpx.Client(transport=transport, base_url="http://simulator") as client,
    ):
        accepted = client.post(
            "/v1/tenants/1/clouds/1/accounts", json={"name": "x", "simulate": "success"}
        )
    assert (accepted.status_code, accepted.json()["status"]) == (202, "SUCCESS")


def test_schedule_runs_in_time_order_and_sleeps_between():
    clock = VirtualClock(start=0.0)
    schedule = Schedule(clock)
    seen: list[tuple[str, float]] = []
    for at, label in [(3600.0, "late"), (300.0, "early"), (301.0, "middle")]:
        schedule.at(at, label, lambda label=label: seen.append((label, clock.now())))
    schedule.run()
    assert seen == [("early", 300.0), ("middle", 301.0), ("late", 3600.0)]
    assert clock.now() == 3600.0


@respx.mock
def test_control_clock_reads_and_advances_the_server_clock():
    respx.get("http://t.test/_test/clock").respond(200, json={"now": 50.0})
    advance = respx.post("http://t.test/_test/clock/advance").respond(200, json={"now": 80.0})
    with httpx.Client(base_url="http://t.test") as client:
        clock = ControlClock(client, "/_test/clock")
        assert clock.now() == 50.0
        clock.sleep(30)
        assert clock.now() == 80.0
        assert advance.calls.last.request.content == b'{"seconds":30}'


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(404), "answered 404; --clock control needs the target to offer"),
        (httpx.Response(200, text="noon"), 'expected JSON {"now": <seconds>}'),
        (httpx.Response(200, json={"now": "noon"}), "gave now = 'noon'"),
    ],
)
@respx.mock
def test_control_clock_explains_a_missing_or_broken_endpoint(response, message):
    respx.get("http://t.test/_test/clock").mock(return_value=response)
    with httpx.Client(base_url="http://t.test") as client, pytest.raises(ClockControlError) as info:
        ControlClock(client, "/_test/clock")
    assert message in str(info.value)


@respx.mock
def test_control_clock_refuses_a_clock_that_did_not_move():
    respx.get("http://t.test/_test/clock").respond(200, json={"now": 50.0})
    respx.post("http://t.test/_test/clock/advance").respond(200, json={"now": 51.0})
    with httpx.Client(base_url="http://t.test") as client:
        clock = ControlClock(client, "/_test/clock")
        with pytest.raises(ClockControlError, match=re.escape("moved from 50.0 to 51.0")):
            clock.sleep(30)


@pytest.mark.parametrize("answer", [{"now": 81.0}, {"now": float("nan")}])
@respx.mock
def test_control_clock_refuses_a_clock_that_runs_on_or_is_not_a_number(answer):
    respx.get("http://t.test/_test/clock").respond(200, json={"now": 50.0})
    respx.post("http://t.test/_test/clock/advance").respond(
        200, content=json.dumps(answer).encode(), headers={"content-type": "application/json"}
    )
    with httpx.Client(base_url="http://t.test") as client:
        clock = ControlClock(client, "/_test/clock")
        with pytest.raises(ClockControlError):
            clock.sleep(30)


@pytest.mark.slow
def test_real_clock_follows_frozen_wall_time():
    with freeze_time("2026-03-01 12:00:00", tick=False):
        assert RealClock().now() == dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc).timestamp()


@pytest.mark.slow
def test_the_app_clock_leaves_pytest_its_own_time(pytester):
    # pytest's timing would otherwise read the virtual epoch and report decades.
    # As with an asgi: target, the app's time is virtual from the first request to the end.
    pytester.makeconftest(
        """
        from conformance.app_time import AppClock

        CLOCK = AppClock(1_767_225_600.0)

        def pytest_configure(config):
            CLOCK.__enter__()

        def pytest_unconfigure(config):
            CLOCK.__exit__(None, None, None)
        """
    )
    pytester.makepyfile(
        """
        import time
        from conftest import CLOCK

        def test_virtual():
            CLOCK.sleep(3600)
            assert time.time() == 1_767_229_200.0
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--durations=1")
    result.assert_outcomes(passed=1)
    summary = re.search(r"1 passed in ([0-9.]+)s", result.stdout.str())
    assert summary is not None, result.stdout.str()
    assert float(summary.group(1)) < 60
    assert "3600" not in result.stdout.str()


@pytest.mark.slow
def test_schedule_on_frozen_wall_time_records_lateness():
    with freeze_time("2026-01-01", tick=False) as frozen:
        clock = RealClock()
        schedule = Schedule(clock)
        start = clock.now()
        # A slow action pushes the next one late; the slot says by how much.
        first = schedule.at(start + 1, "slow", lambda: frozen.tick(5))
        second = schedule.at(start + 2, "next", lambda: None)
        clock_sleep = clock.sleep
        clock.sleep = lambda s: frozen.tick(max(s, 0))  # type: ignore[method-assign]
        schedule.run()
        clock.sleep = clock_sleep  # type: ignore[method-assign]
    assert first.lateness == 0
    assert second.lateness == 4


@pytest.mark.slow
def test_control_mode_against_a_server_without_the_endpoint_stops_before_any_case(pytester):
    config = write(pytester.path / "target.toml", SIMULATOR_TOML)
    with serve_in_thread(create_app()) as url:
        result = pytester.runpytest_inprocess(
            str(CASES),
            f"--target={url}",
            "--clock=control",
            f"--target-config={config}",
            "-p",
            "no:cacheprovider",
        )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["*/_test/clock answered 404; --clock control needs the target*"])
    result.assert_outcomes()
    report = json.loads((pytester.path / "reports" / "conformance.json").read_text())
    assert report["gate"] == "fail" and "answered 404" in report["aborted"]


@pytest.mark.slow
def test_control_mode_against_the_live_simulator(run_suite, tmp_path):
    from conformance.clock import VirtualClock as ServerClock

    config = write(tmp_path / "target.toml", SIMULATOR_TOML.split("[retention]")[0])
    app = create_app(ServerClock(time.time()), Settings(), test_clock=True)
    with serve_in_thread(app) as url:
        started = time.monotonic()
        run = run_suite(f"--target={url}", "--clock=control", f"--target-config={config}")
        elapsed = time.monotonic() - started
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    assert run.verdicts["RETAIN-TIMEOUT"] == "PASS"  # a 1-hour window ...
    assert elapsed < 30  # ... in seconds
    assert run.document is not None and run.document["clock"] == "control"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement"),
    [("retention-short", "RETAIN-COMPLETED"), ("timeout-anchor-wrong", "RETAIN-TIMEOUT")],
)
def test_control_mode_catches_retention_faults_live(run_suite, tmp_path, fault, requirement):
    config = write(tmp_path / "target.toml", SIMULATOR_TOML.split("[retention]")[0])
    app = create_app(VirtualClock(time.time()), Settings(), [fault], test_clock=True)
    with serve_in_thread(app) as url:
        run = run_suite(f"--target={url}", "--clock=control", f"--target-config={config}")
    assert run.with_verdict("FAIL") == {requirement: "FAIL"}


@pytest.mark.slow
def test_virtual_mode_on_a_users_asgi_app(run_suite, tmp_path):
    config = write(
        tmp_path / "target.toml",
        SIMULATOR_TOML.split("[polling]")[0] + "[retention]\ntolerance = 1.0\n",
    )
    run = run_suite("--target=asgi:tests.apps.asgi_target:app", f"--target-config={config}")
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR") == {}
    assert run.verdicts["EXPIRE-COMPLETED"] == "PASS"
    assert run.document is not None and run.document["clock"] == "virtual"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("anchor_in_description", "passes"), [("timeout", True), ("submission", False)]
)
def test_timed_out_window_anchored_at_the_timeout(
    run_suite, tmp_path, anchor_in_description, passes
):
    # The server counts the hour from the moment the operation timed out (600 s in).
    head = SIMULATOR_TOML.split("[retention]")[0]
    config = write(
        tmp_path / "target.toml",
        head + f"[retention]\ntimeout_anchor = '{anchor_in_description}'\n"
        "operation_timeout = 600\n",
    )
    settings = Settings(timeout_anchor="timeout", operation_timeout=600)
    app = create_app(VirtualClock(time.time()), settings, test_clock=True)
    with serve_in_thread(app) as url:
        run = run_suite(
            f"--target={url}", "--clock=control", f"--target-config={config}", "-k", "retention"
        )
    assert (run.verdicts["RETAIN-TIMEOUT"] == "PASS") is passes
    assert run.result.ret == (0 if passes else 1)


@pytest.mark.slow
@pytest.mark.parametrize("seconds", ["NaN", "Infinity", "-1", '"10"'])
def test_simulator_test_clock_refuses_impossible_moves(seconds):
    app = create_app(VirtualClock(0.0), test_clock=True)
    with serve_in_thread(app) as url:
        answer = httpx.post(f"{url}/_test/clock/advance", content=f'{{"seconds": {seconds}}}')
        now = httpx.get(f"{url}/_test/clock").json()["now"]
    assert answer.status_code == 400
    assert now == 0.0
