"""TRANS-*: the order of states, the declared outcome within the budget, and a terminal state
that stays."""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.checks import transitions
from conformance.checks.transitions import (
    expected_outcome,
    follows_state_model,
    terminal_state_holds,
)
from conformance.driver import Ended, Poll, read_state
from conformance.retention import Bracket, Retained
from conformance.schedule import Slot
from conformance.verdicts import (
    Blocked,
    Citation,
    ConformanceFailure,
    NotObserved,
    collecting,
)
from tests.support.checks import (
    DESCRIPTION,
    citing,
    make_description,
    make_run,
    raises_verdict,
    state_read,
)
from tests.support.driving import STATUS, SUBMIT, make_driver
from tests.support.states import (
    TWO_NAMED,
    TWO_NAMES,
    named_exchange,
    named_poll,
    named_run,
)


def _slot(probe: Poll | None) -> Slot[Poll]:
    return Slot(500.0, "probe", lambda: probe, result=probe)  # type: ignore[arg-type,return-value]


def _retained(
    terminal: Poll | None, inside: Poll | None, outside: Poll | None, scenario: str = "success"
) -> Retained:
    retained = Retained(
        scenario,  # type: ignore[arg-type]
        300.0,
        Bracket(100.0, 100.5),
        _slot(inside),
        _slot(outside),
    )
    retained.terminal = terminal
    return retained


def _done(state: str = "SUCCESS", index: int = 1) -> Poll:
    return named_poll(state, index=index, sent=100.0, received=100.25)


DONE = make_run(state_read("RUNNING"), state_read("SUCCESS", 2))


def _run(*answers: httpx.Response, **overrides: object):  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).respond(202, headers={"Location": "/v1/operationStatus/op1"})
    respx.get(STATUS).mock(side_effect=list(answers))
    driver, _ = make_driver(polling={"interval": 1, "budget": 6}, **overrides)
    return driver, driver.run("success")


def _state(state: object, code: int = 200) -> httpx.Response:
    return httpx.Response(code, json={"operationId": "op1", "status": state})


@pytest.mark.parametrize(
    ("scenario", "states", "ended"),
    [
        ("success", ["QUEUED", "DONE", "DONE", "DONE"], "DONE"),
        ("failure", ["RUNNING", "ERROR", "ERROR"], "ERROR"),
        # A scenario other than "success" is expected to fail.
        ("timeout", ["FAILED", "FAILED"], "FAILED"),
    ],
)
def test_a_scenario_that_ends_as_declared_passes_citing_the_acceptance_and_its_end(
    scenario, states, ended
):
    run = named_run(*states, scenario=scenario)
    with citing() as cited:
        expected_outcome(run, TWO_NAMED)
    assert run.terminal is not None
    # The first terminal read, not the confirming reads after it.
    assert cited == [
        Citation(
            f"the {scenario} scenario ended {ended}",
            (run.submission.exchange, run.terminal.exchange),
        )
    ]


@pytest.mark.parametrize(
    ("scenario", "states", "observed", "expected"),
    [
        ("success", ["RUNNING", "FAILED", "FAILED"], "ended FAILED", "SUCCESS or DONE"),
        ("success", ["CANCELLED", "CANCELLED"], "ended CANCELLED", "SUCCESS or DONE"),
        ("failure", ["QUEUED", "DONE", "DONE"], "ended DONE", "FAILED or ERROR"),
        ("timeout", ["SUCCESS", "SUCCESS"], "ended SUCCESS", "FAILED or ERROR"),
    ],
)
def test_a_scenario_that_ends_in_another_role_fails_naming_the_states_it_should_have(
    scenario, states, observed, expected
):
    run = named_run(*states, scenario=scenario)
    with raises_verdict(ConformanceFailure) as failure:
        expected_outcome(run, TWO_NAMED)
    assert run.terminal is not None
    assert failure.value.requirement.id == "TRANS-OUTCOME"
    assert failure.value.observed == f"the {scenario} scenario {observed}"
    assert failure.value.expected == expected
    assert failure.value.exchanges == [run.submission.exchange, run.terminal.exchange]
    assert failure.value.hint == ""


def test_a_run_still_running_at_the_budget_fails_citing_its_last_three_exchanges():
    run = named_run("QUEUED", "QUEUED", "QUEUED", "RUNNING", ended=Ended.BUDGET)
    description = make_description(
        dialect={"name": "cloudcenter", "states": TWO_NAMES}, polling={"budget": 2.5}
    )
    with raises_verdict(ConformanceFailure) as failure:
        expected_outcome(run, description)
    assert failure.value.requirement.id == "TRANS-OUTCOME"
    # The state the last read showed, the budget as given, and how many reads it took.
    assert failure.value.observed == "still RUNNING after 2.5 s (4 polls)"
    assert failure.value.expected == "SUCCESS or DONE within the operation budget"
    assert failure.value.exchanges == run.exchanges[-3:]
    assert [e.index for e in failure.value.exchanges] == [2, 3, 4]
    assert failure.value.hint == (
        "Raise polling.budget in the target description if the work is slow."
    )


def test_a_failure_run_still_running_at_the_budget_names_the_failure_states():
    run = named_run("RUNNING", ended=Ended.BUDGET, scenario="failure")
    with raises_verdict(ConformanceFailure) as failure:
        expected_outcome(run, TWO_NAMED)
    assert failure.value.observed == "still RUNNING after 300 s (1 poll)"
    assert failure.value.expected == "FAILED or ERROR within the operation budget"
    assert failure.value.exchanges == run.exchanges


@pytest.mark.parametrize("ended", [Ended.NO_ANSWER, Ended.STATUS_ERROR, Ended.UNREADABLE])
def test_a_run_that_stopped_before_any_end_but_not_at_the_budget_is_blocked(ended):
    # Not the target's fault as far as the outcome goes: the run could not be followed.
    run = named_run("RUNNING", "RUNNING", ended=ended, scenario="failure")
    run.problem = "the status URL moved off the target"
    with raises_verdict(Blocked) as blocked:
        expected_outcome(run, TWO_NAMED)
    assert blocked.value.reason == (
        "the failure run could not be followed: the status URL moved off the target"
    )
    assert blocked.value.exchanges == run.exchanges


def test_later_reads_showing_the_same_terminal_state_pass_citing_each_read():
    first = _retained(_done(), named_poll("SUCCESS", 11), named_poll("SUCCESS", 12))
    second = _retained(
        _done("FAILED"), named_poll("FAILED", 21), named_poll("FAILED", 22), "failure"
    )
    with citing() as cited:
        terminal_state_holds([first, second])
    assert cited == [
        Citation(
            "4 later reads showed the same terminal state",
            tuple(
                slot.result.exchange  # type: ignore[union-attr]
                for op in (first, second)
                for slot in (op.inside, op.outside)
            ),
        )
    ]


@pytest.mark.parametrize(
    "skipped",
    [
        pytest.param(
            lambda: _retained(None, named_poll("FAILED", 5), named_poll("FAILED", 6)), id="never"
        ),
        pytest.param(lambda: _retained(_done(), None, None), id="not-probed"),
        pytest.param(lambda: _retained(_done(), named_poll(None, 5, 404), None), id="gone"),
        pytest.param(lambda: _retained(_done(), named_poll("FAILED", 5, 500), None), id="error"),
        pytest.param(
            lambda: _retained(_done(), named_poll(None, 5, None, error="ReadTimeout"), None),
            id="no-answer",
        ),
    ],
)
def test_reads_that_tell_no_state_of_an_ended_operation_are_not_judged(skipped):
    # No terminal state to compare with, no probe, or an id gone (expired) or not answering:
    # nothing is said about a change, and the other reads are still judged.
    held = _retained(_done(index=1), None, named_poll("SUCCESS", 9))
    with citing() as cited:
        terminal_state_holds([skipped(), held])
    assert [(c.what, [e.index for e in c.exchanges]) for c in cited] == [
        ("1 later read showed the same terminal state", [9])
    ]


def test_a_probe_skipped_inside_the_window_does_not_stop_the_one_outside_being_judged():
    retained = _retained(_done(), named_poll(None, 5, 404), named_poll("FAILED", 6))
    with raises_verdict(ConformanceFailure) as failure:
        terminal_state_holds([retained])
    assert failure.value.observed.startswith("SUCCESS, then FAILED when read again")


@pytest.mark.parametrize(
    "retained",
    [
        pytest.param([], id="no-operations"),
        pytest.param(
            [_retained(None, named_poll("SUCCESS", 5), None), _retained(_done(), None, None)],
            id="none-judged",
        ),
    ],
)
def test_no_later_read_of_an_available_id_is_not_observed(retained):
    with raises_verdict(NotObserved) as skipped:
        terminal_state_holds(retained)
    assert skipped.value.reason == (
        "no terminal operation was read again later while its id was available"
    )
    assert skipped.value.exchanges == []


@pytest.mark.parametrize(
    ("later", "shown"),
    [
        ("FAILED", "FAILED"),  # another role
        ("DONE", "DONE"),  # the same role, renamed: still a change of state
        ("RUNNING", "RUNNING"),  # back to running
        (3, "3"),  # a value that is no name: quoted as it came
    ],
)
def test_a_terminal_state_that_reads_otherwise_later_fails_with_when(later, shown):
    terminal = _done()
    probe = named_poll(later, 7, sent=160.5, received=160.75)
    ok = named_poll("SUCCESS", 6, sent=130.0)
    with raises_verdict(ConformanceFailure) as failure:
        terminal_state_holds([_retained(terminal, ok, probe)])
    assert failure.value.requirement.id == "TRANS-MODEL"
    # From the end of the terminal read to the start of the later one.
    assert failure.value.observed == f"SUCCESS, then {shown} when read again 60.250 s later"
    assert failure.value.expected == (
        "SUCCESS is terminal and stays SUCCESS while the id is available"
    )
    assert failure.value.exchanges == [terminal.exchange, probe.exchange]


def test_a_done_flag_that_later_is_no_boolean_fails_quoting_it():
    # AIP-151 names no state: "done" given as the string "true" tells none, and is quoted.
    lro = make_description(dialect={"name": "google-lro"})
    ended = {"name": "op1", "done": True, "response": {}}
    terminal = Poll(
        named_exchange(200, sent=1.0), ended, read_state(lro.dialect, 200, ended), 0.0, None
    )
    later = {"name": "op1", "done": "true"}
    probe = Poll(
        named_exchange(200, sent=3.5), later, read_state(lro.dialect, 200, later), 0.0, None
    )
    with raises_verdict(ConformanceFailure) as failure:
        terminal_state_holds([_retained(terminal, probe, None)])
    assert failure.value.observed == "succeeded, then 'true' when read again 2.500 s later"


def test_a_change_in_an_earlier_operation_fails_before_later_ones_are_read():
    changed = _retained(_done(), named_poll("FAILED", 5, sent=100.5), None)
    after = _retained(_done(), named_poll("FAILED", 8), None)
    with raises_verdict(ConformanceFailure) as failure:
        terminal_state_holds([changed, after])
    assert failure.value.observed == "SUCCESS, then FAILED when read again 0.250 s later"
    assert [e.index for e in failure.value.exchanges] == [1, 5]


def test_a_terminal_state_read_again_unchanged_holds():
    run = make_run(state_read("RUNNING", 1), state_read("SUCCESS", 2), state_read("SUCCESS", 3))
    with citing() as cited:
        transitions.follows_state_model(run, DESCRIPTION)
    assert [c.what for c in cited] == [
        "states seen: RUNNING x1 -> SUCCESS x2; the terminal state held"
    ]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls]


def test_a_single_status_read_shows_no_transition():
    run = make_run(state_read("SUCCESS"))
    with raises_verdict(NotObserved) as skipped:
        transitions.follows_state_model(run, DESCRIPTION)
    assert skipped.value.reason == (
        "the success run read the status 1 time; a transition needs two reads"
    )
    assert skipped.value.exchanges == run.exchanges


def test_two_reads_are_enough_to_see_a_transition_and_the_terminal_state_held():
    with citing() as cited:
        transitions.follows_state_model(DONE, DESCRIPTION)
    assert [c.what for c in cited] == [
        "states seen: RUNNING x1 -> SUCCESS x1; the terminal state held"
    ]


def test_a_run_that_never_ended_shows_its_states_with_no_note():
    run = make_run(state_read("RUNNING"), state_read("RUNNING", 2))
    with citing() as cited:
        transitions.follows_state_model(run, DESCRIPTION)
    assert [c.what for c in cited] == ["states seen: RUNNING x2"]


@respx.mock
def test_a_terminal_state_renamed_within_its_role_is_a_change():
    # Both names mean success, but the state the id reports changed.
    dialect = {"states": {"success": ["SUCCESS", "DONE"]}}
    driver, run = _run(_state("SUCCESS"), _state("DONE"), _state("DONE"), dialect=dialect)
    with pytest.raises(ConformanceFailure) as failure:
        follows_state_model(run, driver.description)
    assert failure.value.observed == "SUCCESS (200) -> DONE (200)"
    assert (
        failure.value.expected == "SUCCESS is terminal and stays SUCCESS while the id is available"
    )
    assert failure.value.exchanges == [run.polls[0].exchange, run.polls[1].exchange]


@respx.mock
def test_a_terminal_state_followed_by_a_value_that_is_no_name_shows_the_value():
    driver, run = _run(_state("SUCCESS"), _state(5), _state(5))
    with pytest.raises(ConformanceFailure) as failure:
        follows_state_model(run, driver.description)
    assert failure.value.observed == "SUCCESS (200) -> 5 (200)"


@respx.mock
def test_one_read_is_too_little_to_see_a_transition():
    driver, run = _run(_state("SUCCESS"), httpx.Response(404), httpx.Response(404))
    with pytest.raises(NotObserved, match="read the status 1 time"):
        follows_state_model(run, driver.description)


@respx.mock
def test_two_reads_are_enough_and_a_run_that_never_ended_holds_no_terminal_state():
    driver, run = _run(*[_state("RUNNING")] * 10)
    with collecting() as cited:
        follows_state_model(run, driver.description)
    assert cited[0].what.startswith("states seen: RUNNING x")
    assert "terminal state held" not in cited[0].what
