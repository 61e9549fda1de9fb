"""The checks on paths no simulator behaviour takes: each reason, boundary and citation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.budget import Budget
from conformance.checks import (
    model,
)
from conformance.model import Exploration, explore
from conformance.session import ConformanceSession
from conformance.target import resolve
from conformance.verdicts import (
    Blocked,
    ConformanceFailure,
    NotObserved,
)
from tests.support.checks import (
    citing,
    make_exchange,
    raises_verdict,
)

#: A small search: a handful of short lifecycles, reported as drawn.
SMALL = Budget(sequences=2, steps=4, shrink=False)


@contextmanager
def _simulator(*faults: str) -> Iterator[ConformanceSession]:
    """A session of the built-in simulator (with `faults`) on the virtual clock."""
    session = ConformanceSession(resolve("builtin", None, None, "virtual", list(faults)))
    try:
        yield session
    finally:
        session.close()


def test_a_flaky_finding_keeps_its_own_hint_before_the_note():
    ex = make_exchange(200)
    found = ConformanceFailure("TRANS-MODEL", "o", "e", [ex], hint="Look.", steps=["1. x"])
    exploration = Exploration(findings={"TRANS-MODEL": found}, flaky={"TRANS-MODEL"})
    with raises_verdict(ConformanceFailure) as failure:
        model.model_holds(exploration, "TRANS-MODEL")
    assert failure.value.requirement.id == "TRANS-MODEL"
    assert (failure.value.observed, failure.value.expected) == ("o", "e")
    assert failure.value.exchanges == [ex]
    assert failure.value.hint == (
        "Look. Seen once: replaying the same steps did not show it again, so the target answers "
        "the same calls differently at times (a race, a cache, a replica)."
    )
    assert failure.value.steps == ["1. x"]  # the sequence that showed it, to replay by hand


def test_a_finding_for_another_requirement_is_not_this_ones():
    found = ConformanceFailure("TRANS-MODEL", "o", "e")
    exploration = Exploration(
        findings={"TRANS-MODEL": found}, evidence={"STATUS-SAFE": [make_exchange(200)]}, steps=3
    )
    with citing() as cited:
        model.model_holds(exploration, "STATUS-SAFE")
    assert [c.what for c in cited] == [
        "the lifecycle model: 1 answer in 3 drawn steps held to STATUS-SAFE"
    ]


def test_a_requirement_marked_flaky_without_a_finding_is_judged_by_its_evidence():
    evidence = [make_exchange(200)]
    exploration = Exploration(evidence={"TRANS-MODEL": evidence}, flaky={"TRANS-MODEL"}, steps=4)
    with citing() as cited:
        model.model_holds(exploration, "TRANS-MODEL")
    assert list(cited[0].exchanges) == evidence


def test_a_model_that_could_not_run_blocks():
    exploration = Exploration(problem="no scenario", evidence={"TRANS-MODEL": [make_exchange(200)]})
    with raises_verdict(Blocked) as blocked:
        model.model_holds(exploration, "TRANS-MODEL")
    assert blocked.value.reason == "the lifecycle model could not run: no scenario"


def test_a_model_that_saw_nothing_of_the_requirement_is_not_observed():
    exploration = Exploration(evidence={"TRANS-MODEL": []}, steps=7)
    with raises_verdict(NotObserved) as skipped:
        model.model_holds(exploration, "TRANS-MODEL")
    assert skipped.value.reason == "the lifecycle model's 7 steps showed nothing of TRANS-MODEL"


@pytest.mark.parametrize(("shown", "count"), [({}, 2), ({"TRANS-MODEL": 40}, 40)])
def test_a_model_that_held_cites_its_evidence(shown, count):
    evidence = [make_exchange(200), make_exchange(202, index=2)]
    exploration = Exploration(evidence={"TRANS-MODEL": evidence}, shown=shown, steps=9)
    with citing() as cited:
        model.model_holds(exploration, "TRANS-MODEL")
    assert [c.what for c in cited] == [
        f"the lifecycle model: {count} answers in 9 drawn steps held to TRANS-MODEL"
    ]
    assert list(cited[0].exchanges) == evidence


def test_a_model_whose_every_setup_failed_is_blocked_and_one_that_lost_a_scenario_says_so():
    failed = "setup failed: scenarios.success.setup step 1: POST /v1/nodes answered 400"
    nothing = Exploration(unprepared={"success": failed}, drawable=1)
    with pytest.raises(Blocked, match=r"could submit nothing: setup failed: scenarios\.success"):
        model.model_holds(nothing, "TRANS-MODEL")
    half = Exploration(unprepared={"failure": failed}, drawable=2, steps=4)
    with pytest.raises(NotObserved, match="the failure scenario's setup failed, so none was"):
        model.model_holds(half, "TRANS-MODEL")


def test_a_description_without_scenarios_leaves_the_model_blocked_saying_why():
    with _simulator() as session:
        description = session.description.model_copy(update={"scenarios": {}})
        exploration = explore(session.driver, description, moves_clock=True, budget=SMALL)
    assert exploration.findings == {} and exploration.rounds == 0
    with raises_verdict(Blocked) as blocked:
        model.model_holds(exploration, "TRANS-MODEL")
    assert blocked.value.reason == (
        "the lifecycle model could not run: the description declares neither a success nor a "
        "failure scenario"
    )


def test_a_search_that_finds_nothing_takes_one_round():
    with _simulator() as session:
        exploration = explore(session.driver, session.description, moves_clock=True, budget=SMALL)
    assert exploration.findings == {}
    assert exploration.rounds == 1


def test_each_finding_takes_a_round_of_its_own_and_a_last_round_finds_nothing_new():
    # The search runs again without what it found, until a round finds nothing new.
    with _simulator("wrong-outcome") as session:
        exploration = explore(session.driver, session.description, moves_clock=True, budget=SMALL)
    assert sorted(exploration.findings) == ["TRANS-OUTCOME"]
    assert exploration.rounds == 2
