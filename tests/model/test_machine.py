"""The lifecycle state machine's rules, called one by one against the in-process simulator.

Each test builds the machine over a session of the built-in simulator on the virtual
clock and calls its rules as Hypothesis would, so what one rule does is seen alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.model import MODEL_REQUIREMENTS
from conformance.model._machine import Context, machine_for
from conformance.session import ConformanceSession
from conformance.target import resolve
from conformance.verdicts import ConformanceFailure


@contextmanager
def _context(*faults: str, budget: float | None = None, hint: str = "") -> Iterator[Context]:
    """A Context over the built-in simulator (with `faults`), its polling budget `budget`."""
    session = ConformanceSession(resolve("builtin", None, None, "virtual", list(faults)))
    try:
        description = session.description
        if budget is not None:
            polling = description.polling.model_copy(update={"budget": budget})
            description = description.model_copy(update={"polling": polling})
        yield Context(session.driver, description, True, set(MODEL_REQUIREMENTS), hint=hint)
    finally:
        session.close()


def _moves(steps: list[str]) -> list[str]:
    return [s.split(". ", 1)[1] for s in steps if "move the clock" in s]


def test_a_first_submission_is_followed_to_its_end_one_interval_apart():
    with _context() as ctx:
        machine = machine_for(ctx)()
        machine.first_submit(scenario="success")
        (op,) = machine.ops
        # The simulator's operation runs 4 s; the interval is 1 s (and so is the tolerance).
        assert [p.state for p in op.polls] == ["RUNNING"] * 4 + ["SUCCESS"]
        assert op.terminal is op.polls[-1]
        assert _moves(machine.steps) == [
            f"move the clock +1.000 s (waiting to poll; now t+{n}.000 s)" for n in (1, 2, 3, 4)
        ]
        assert ctx.shown["TRANS-OUTCOME"] == 1


def test_following_stops_at_the_polling_budget_with_a_last_shorter_wait():
    with _context(budget=2.5) as ctx:
        machine = machine_for(ctx)()
        start = ctx.driver.clock.now()
        machine.first_submit(scenario="success")
        (op,) = machine.ops
        assert op.terminal is None  # the operation needs 4 s: the budget ended first
        assert [p.exchange.sent_at - start for p in op.polls] == [0.0, 1.0, 2.0, 2.5]
        assert _moves(machine.steps)[-1] == (
            "move the clock +0.500 s (waiting to poll; now t+2.500 s)"
        )
        assert ctx.driver.clock.now() - start == 2.5


def test_submissions_made_together_show_their_status_urls_unique():
    with _context() as ctx:
        machine = machine_for(ctx)()
        machine.submit_together(count=3)
        assert len(machine.ops) == 3
        assert len({op.status_url for op in machine.ops}) == 3
        assert ctx.shown == {"SUBMIT-UNIQUE": 1}
        shown = sorted(ctx.evidence["SUBMIT-UNIQUE"], key=lambda e: e.index)
        submitted = sorted((op.submission.exchange for op in machine.ops), key=lambda e: e.index)
        assert shown == submitted and len(shown) == 3


def test_one_submission_alone_shows_nothing_of_uniqueness():
    with _context() as ctx:
        machine = machine_for(ctx)()
        machine.submit(scenario="success")
        assert len(machine.ops) == 1 and machine.ops[0].status_url is not None
        assert "SUBMIT-UNIQUE" not in ctx.shown and "SUBMIT-UNIQUE" not in ctx.evidence


def test_a_divergence_fails_with_the_steps_and_how_to_replay_them():
    with _context("unknown-state", hint="Rerun (the same inputs every run): pytest x") as ctx:
        machine = machine_for(ctx)()
        with pytest.raises(ConformanceFailure) as raised:
            machine.first_submit(scenario="success")
    failure = raised.value
    assert failure.requirement.id == "STATUS-STATE-NAMES"
    assert failure.observed == "the state 'IN_PROGRESS'"
    assert failure.hint == (
        "Found by the lifecycle model: replay the steps by hand, in order, moving the clock "
        "where they say. Rerun (the same inputs every run): pytest x"
    )
    assert len(failure.steps) == 2
    assert failure.steps[0].startswith("1. [t+0.000 s] POST ")
    assert failure.steps[1].startswith("2. [t+0.000 s] GET ")
    assert failure.steps[1].endswith(" -> 200 (IN_PROGRESS)")


def test_a_requirement_not_judged_does_not_stop_the_machine():
    with _context("unknown-state") as ctx:
        ctx.judged.discard("STATUS-STATE-NAMES")
        machine = machine_for(ctx)()
        machine.first_submit(scenario="success")
        assert machine.ops[0].polls  # read on, the divergence passed by


@pytest.mark.parametrize("cap", [3, 2])
def test_a_lifecycle_submits_no_more_operations_together_than_its_cap(cap):
    # Three drawn at once: all of them under a cap of three, two under a cap of two.
    with _context() as ctx:
        ctx.per_sequence = cap
        machine = machine_for(ctx)()
        machine.submit_together(count=3)
        assert len(machine.ops) == cap
        assert ctx.submitted == cap


def test_reading_the_resource_of_a_succeeded_operation_shows_the_result_url_holding():
    with _context() as ctx:
        machine = machine_for(ctx)()
        machine.first_submit(scenario="success")
        (op,) = machine.ops
        machine.read_resource(op=op, later=False, near=0.01)
        assert ctx.shown["RESULT-URL"] == 1
        assert ctx.rules["read_resource"] == 1
        assert " GET " in machine.steps[-1] and machine.steps[-1].endswith(" -> 200")
