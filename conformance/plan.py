"""How many operations a run starts on its target, said before the first request.

Each shared observation starts a known number of operations (`ConformanceSession`
makes them; this module counts them the same way). Against a staging server with
quotas that count is what a user plans for, so the header states it, and the smoke
profile keeps it to `SPARING_LIMIT`. What the target decides cannot be counted in
advance: a malformed or generated submission it accepts is an operation more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ._words import counted
from .batch import batch_size
from .description import Description
from .retention import COMPLETED_SCENARIOS

__all__ = ["MODEL", "SPARING_LIMIT", "Plan", "model_limit", "plan"]

#: The most operations a smoke run starts on a target outside this process.
SPARING_LIMIT = 10
#: The plan's key for the lifecycle model's operations.
MODEL = "model"


@dataclass
class Plan:
    """Operations per shared observation (keyed as the session caches them), in order."""

    parts: dict[str, int] = field(default_factory=dict)
    about: dict[str, str] = field(default_factory=dict)  # each part, in words
    together: bool = True  # every group in one process (else: xdist workers, apart)

    @property
    def total(self) -> int:
        return sum(self.parts.values())

    def add(self, key: str, count: int, about: str) -> None:
        if count:
            self.parts[key] = self.parts.get(key, 0) + count
            self.about[key] = about

    def without(self, made: Iterable[str]) -> int:
        """Operations still to start, besides the model's: the parts not in `made`."""
        done = set(made)
        return sum(n for key, n in self.parts.items() if key not in done and key != MODEL)

    def line(self) -> str:
        if not self.parts:
            return "this run will start no operations on the target"
        shown = "; ".join(self.about[key] for key in self.parts)
        return (
            f"this run will start about {counted(self.total, 'operation')} on the target "
            f"({shown}); a malformed or generated submission the target accepts adds one"
        )


def model_limit(sequences: int, per_sequence: int, sparing: bool, others: int) -> int:
    """The most operations the lifecycle model starts on a live target: a sparing run
    keeps the whole run within SPARING_LIMIT (at least one lifecycle all the same)."""
    if sparing:
        return max(1, min(sequences, SPARING_LIMIT - others))
    return sequences * per_sequence


def plan(
    description: Description,
    *,
    groups: set[str],
    real: bool,
    sparing: bool,
    apart: bool,
    together: bool,
    model_sequences: int,
    per_sequence: int,
) -> Plan:
    """What a run of the case groups `groups` starts.

    `apart`: the retention probes run in a process of their own (their operations are
    not the cases'); `together`: every group runs in this process (not split by xdist),
    so the groups share the scenario runs.
    """
    scenarios = description.scenarios.keys()
    skipped = description.not_judged.keys()
    result = Plan(together=together)
    shared: set[str] = set()  # the scenario runs one process makes, once each

    def runs(names: Iterable[str]) -> None:
        for name in names:
            if name in scenarios and (name not in shared or not together):
                shared.add(name)
                key = f"run {name}"
                result.add(key, 1, counted(result.parts.get(key, 0) + 1, f"{name} run"))

    if "lifecycle" in groups:
        runs([s for s in ("success", "failure") if s in scenarios])
        if "success" in scenarios:
            size = batch_size(description, real, sparing)
            result.add("batch", size, f"{size} success operations sent at once")
    if "retention" in groups:
        windowed = not {"RETAIN-COMPLETED", "EXPIRE-COMPLETED"} <= skipped
        completed = [s for s in COMPLETED_SCENARIOS if s in scenarios]
        twins = windowed and not sparing
        if apart or not (twins or not windowed):
            # Its own first operations: in another process, or carrying the probes.
            count = len(completed) * (2 if twins else 1)
        else:
            runs(completed)  # the scenario runs' own: their ids' retention is observed too
            count = len(completed) if twins else 0
        if "timeout" in scenarios and "RETAIN-TIMEOUT" not in skipped:
            count += 1
        if count:
            result.add("retention", count, f"{count} to observe how long ids are kept")
    if MODEL in groups and {"success", "failure"} & set(scenarios):
        others = result.total
        limit = model_limit(model_sequences, per_sequence, sparing, others)
        result.add(MODEL, limit, f"up to {limit} by the lifecycle model")
    return result
