"""The in-process clock for a user's ASGI app: the libraries compared, and each app kind timed.

    python bench/app_time.py [--runs 3]

Prints figures, asserts nothing.

1. Patching the wall clock: freezegun (as the suite used it, with an ignore list) and
   time-machine (what the app clock uses). For each: the cost of starting (freezegun
   walks every loaded module), of one `time.time()` call, and whether an app called
   from the suite's driver sees the virtual time at each call depth.
2. The event loop's time: looptime (if installed) and the app clock's `FollowingLoop`.
   An app's job sleeps 2 s; the figure is how far the suite's clock had moved when the
   job ended. The contract's windows are counted on the suite's clock, so only 2.0 is right.
3. The retention cases (an hour and five minutes of contract time) in-process against each
   kind of app in tests/apps, in seconds of wall time, a new interpreter per run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import statistics
import sys
import threading
import time
import timeit
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # run as a script: the project, not this folder

from bench._runs import timed_runs  # noqa: E402

START = 1_767_225_600.0
# The real timer, in a tuple: freezegun replaces every module attribute that is a time function.
_PERF = (time.perf_counter,)


def _perf() -> float:
    return _PERF[0]()


KINDS = ("plain", "tasks", "background", "queued")


def _driver_frames(read: Any, depth: int) -> Any:
    """`read` called `depth` frames below a function of a module named like the driver's."""
    module = types.ModuleType("conformance.driver._bench")
    exec(  # a frame whose globals say it is the driver's, as freezegun inspects it
        "def call(read, depth, below):\n    return below(read, depth)\n", module.__dict__
    )

    def below(read: Any, depth: int) -> Any:
        return read() if depth == 0 else below(read, depth - 1)

    return module.call(read, depth, below)


def _patching(depths: range) -> None:
    import freezegun
    import hypothesis  # noqa: F401 - the modules a run has loaded, which freezegun walks
    import schemathesis  # noqa: F401
    import time_machine

    when = dt.datetime.fromtimestamp(START, tz=dt.timezone.utc)
    print(f"1. Patching the wall clock ({len(sys.modules)} modules loaded)")
    print(f"   {'':<34}{'start':>10}{'time.time()':>14}   virtual at depth {list(depths)}")
    libraries = {
        "freezegun (ignore the driver)": lambda: freezegun.freeze_time(
            when, real_asyncio=True, ignore=["_pytest", "pluggy", "conformance.driver"]
        ),
        "freezegun (its defaults)": lambda: freezegun.freeze_time(when, real_asyncio=True),
        "time-machine": lambda: time_machine.travel(when, tick=False),
    }
    for name, make in libraries.items():
        patcher = make()
        started = _perf()
        patcher.start()
        start_ms = (_perf() - started) * 1000
        try:
            calls = timeit.repeat(time.time, number=20_000, repeat=3, timer=_perf)
            per_call = min(calls) / 20_000 * 1e9
            seen = ["yes" if _driver_frames(time.time, d) == START else "no" for d in depths]
        finally:
            patcher.stop()
        print(f"   {name:<34}{start_ms:>8.1f}ms{per_call:>11.0f} ns   {' '.join(seen)}")
    plain = min(timeit.repeat(time.time, number=20_000, repeat=3, timer=_perf)) / 20_000 * 1e9
    print(f"   (unpatched time.time(): {plain:.0f} ns)")


async def _job(done: list[float], now: Any) -> None:
    await asyncio.sleep(2)
    done.append(now())


def _loops() -> None:
    from anyio.from_thread import start_blocking_portal

    from conformance.app_time import AppClock

    print("2. The loop's time: an app's job sleeps 2 s; where the suite's clock was when it ended")
    clock = AppClock(START)
    done: list[float] = []
    with clock, start_blocking_portal(backend_options={"loop_factory": clock.loop_factory}) as p:
        p.call(lambda: asyncio.get_running_loop().create_task(_job(done, clock.now)) and None)
        clock.sleep(30)
        clock.release()
    print(f"   FollowingLoop (the app clock)     ended at +{done[0] - START:.1f} s")
    try:
        import looptime
    except ImportError:
        print("   looptime                          not installed (pip install looptime)")
        return
    suite_now = [0.0]  # the suite's clock, which looptime's loop does not know of
    done = []
    loop = looptime.new_event_loop(start=0.0)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(_job(done, lambda: suite_now[0]), loop)
    time.sleep(0.5)  # the suite has not moved its clock yet
    ended = f"+{done[0]:.1f} s" if done else "not yet"
    print(
        f"   looptime (fast-forwards when idle) ended at {ended} (its loop time ran to "
        f"{loop.time():.1f} s by itself)"
    )
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()


def _kinds(runs: int) -> None:
    print(f"3. The retention cases in-process, a new interpreter each (best of {runs})")
    config = ROOT / "tests" / "apps" / "target.toml"
    # looptime's pytest plugin, once installed, joins every session and needs pytest-asyncio.
    quiet = ["-p", "no:looptime_plugin"] if importlib.util.find_spec("looptime") else []
    for kind in KINDS:
        times, document = timed_runs(
            runs,
            str(ROOT / "cases"),
            f"--target=asgi:tests.apps.{kind}:app",
            f"--target-config={config}",
            "-k",
            "retention",
            *quiet,
        )
        verdicts = {r["id"]: r["verdict"] for r in document["requirements"]}
        held = ", ".join(
            f"{k} {verdicts.get(k)}"
            for k in ("RETAIN-COMPLETED", "EXPIRE-COMPLETED", "RETAIN-TIMEOUT")
        )
        run = document["duration_s"]
        print(
            f"   {kind:<12}{min(times):>6.2f} s (median {statistics.median(times):.2f}; "
            f"the session itself {run:.2f} s): {held}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    _patching(range(0, 9, 2))
    _loops()
    _kinds(args.runs)


if __name__ == "__main__":
    main()
