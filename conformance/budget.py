"""How hard the property cases and the lifecycle model try, and how to draw the same again.

By default every run draws the same inputs (Hypothesis derandomized), so a verdict
can be rerun as it is; `--conformance-seed` draws others, reproducibly. Hypothesis
keeps no example database in either mode (it refuses one with a fixed seed, and a
rerun draws the same inputs anyway), and whatever else it stores goes under the
report directory, never into the user's source tree.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis.configuration import set_hypothesis_home_dir

__all__ = ["PROFILES", "Budget"]

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Budget:
    name: str = "quick"  # the profile it came from
    examples: int = 25  # inputs per property case
    sequences: int = 40  # lifecycles the model draws
    steps: int = 20  # calls and clock moves per lifecycle, at most
    #: On a target outside this process: the operations one lifecycle starts, at most.
    per_lifecycle: int = 2
    seed: int | None = None  # None: the same inputs every run
    storage: Path | None = None  # where Hypothesis may write (under the report dir)
    wall_seconds: float = 60.0  # with the wall clock: how long the model may wait in all
    shrink: bool = True  # False with the wall clock: a replay would wait all over again
    rerun: str = ""  # the command that draws the same inputs again

    def settings(self, examples: int, steps: int | None = None) -> hypothesis.settings:
        return hypothesis.settings(
            max_examples=examples,
            stateful_step_count=steps or self.steps,
            deadline=None,
            database=None,
            derandomize=self.seed is None,
            phases=[Phase.reuse, Phase.generate] + ([Phase.shrink] if self.shrink else []),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            verbosity=Verbosity.quiet,
        )

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """While property cases run: Hypothesis stores what it keeps under `storage`, and
        draws from its own constants only (see `_own_constants_only`)."""
        with _own_constants_only():
            if self.storage is None:
                yield
                return
            set_hypothesis_home_dir(self.storage)
            try:
                yield
            finally:
                set_hypothesis_home_dir(None)  # back to Hypothesis's own default

    def seeded(self, test: F) -> F:
        """`test` drawing from this budget's seed, if it has one."""
        return test if self.seed is None else hypothesis.seed(self.seed)(test)

    def replay_hint(self) -> str:
        drawn = (
            f"inputs drawn from seed {self.seed}"
            if self.seed is not None
            else "the same inputs every run"
        )
        return f"Rerun ({drawn}): {self.rerun}" if self.rerun else ""


@contextlib.contextmanager
def _own_constants_only() -> Iterator[None]:
    """Hypothesis also draws, now and then, constants it finds in the source of the local
    modules loaded so far. Which those are depends on the cases selected and on what ran
    before in the process, so one seed would draw other inputs from run to run: a rerun
    would not show what the report showed. Meanwhile it draws from its own constants only.

    This reaches into Hypothesis's internals (6.x); where they differ, nothing changes.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        local = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
        none = Constants()
    except (ImportError, AttributeError):  # pragma: no cover - another Hypothesis
        yield
        return
    setattr(providers, "_get_local_constants", lambda: none)  # noqa: B010 - a private name
    cache.clear()  # the constants it picked from before, locals included
    try:
        yield
    finally:
        setattr(providers, "_get_local_constants", local)  # noqa: B010
        cache.clear()


#: --conformance-profile
PROFILES = {
    # A fast gate: fewer inputs, and a failure reported as drawn, not shrunk.
    "smoke": Budget("smoke", examples=10, sequences=20, steps=20, per_lifecycle=1, shrink=False),
    "quick": Budget(),
    "full": Budget("full", examples=200, sequences=200, steps=50, per_lifecycle=3),
}
