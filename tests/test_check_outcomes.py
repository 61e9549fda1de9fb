"""The outcome checks a whole run of the suite reaches: each verdict, boundary and citation.

TRANS-OUTCOME (`expected_outcome`), TRANS-MODEL's later reads (`terminal_state_holds`),
SUBMIT-NONBLOCKING (`not_blocking`) and SYNC-STATE on the created resource
(`created_resource_reads`), called directly on runs built by hand.
"""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.checks.submission import not_blocking
from conformance.checks.sync import created_resource_reads
from conformance.checks.transitions import expected_outcome, terminal_state_holds
from conformance.description import Description, parse
from conformance.driver import Ended, Exchange, Poll, Run, Submission, read_state
from conformance.retention import Bracket, Retained
from conformance.schedule import Slot
from conformance.verdicts import (
    Blocked,
    Citation,
    ConformanceFailure,
    NotObserved,
)

from .test_check_paths import _cited, _raises
from .test_driver import BASE, CLASSIC, SUBMIT, make_driver

STATUS = f"{BASE}/v1/operationStatus/op1"

# Two names for each role, so that "A or B" and a rename within a role can be seen.
STATES = {
    "running": ["QUEUED", "RUNNING"],
    "success": ["SUCCESS", "DONE"],
    "failure": ["FAILED", "ERROR"],
    "cancelled": ["CANCELLED"],
}


def _description(**overrides: object) -> Description:
    return parse({**CLASSIC, "base_url": BASE, **overrides}, "test").effective


DESCRIPTION = _description(dialect={"name": "cloudcenter", "states": STATES})


def _ex(
    code: int | None = 200,
    *,
    index: int = 1,
    sent: float = 0.0,
    received: float | None = None,
    error: str | None = None,
) -> Exchange:
    return Exchange(
        index,
        "x",
        "GET",
        STATUS,
        [],
        b"",
        sent,
        sent if received is None else received,
        code,
        [],
        b"{}",
        error=error,
    )


def _poll(
    state: object,
    index: int = 1,
    code: int | None = 200,
    description: Description = DESCRIPTION,
    **times: float | str,
) -> Poll:
    """A read of the status URL whose status field holds `state` (None: no field)."""
    body = None if state is None else {"status": state}
    exchange = _ex(code, index=index, **times)  # type: ignore[arg-type]
    return Poll(exchange, body, read_state(description.dialect, code, body), 0.0, None)


def _accepted(latency: float = 0.0, error: str | None = None) -> Exchange:
    return _ex(202, index=0, sent=10.0, received=10.0 + latency, error=error)


def _run(
    *states: object,
    scenario: str = "success",
    ended: Ended | None = None,
    accepted: Exchange | None = None,
) -> Run:
    """A run whose polls show `states` in order; its terminal is the first terminal one."""
    sub = Submission(scenario, accepted or _accepted())  # type: ignore[arg-type]
    sub.status_url = httpx.URL(STATUS)
    polls = [_poll(state, index=i) for i, state in enumerate(states, start=1)]
    terminal = next((i for i, p in enumerate(polls) if p.role and p.role.terminal), None)
    if ended is None:
        ended = Ended.TERMINAL if terminal is not None else Ended.BUDGET
    return Run(sub, polls, ended, terminal)


# -- TRANS-OUTCOME: the scenario ends in the state it declares ---------------------------------


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
    run = _run(*states, scenario=scenario)
    with _cited() as cited:
        expected_outcome(run, DESCRIPTION)
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
    run = _run(*states, scenario=scenario)
    with _raises(ConformanceFailure) as failure:
        expected_outcome(run, DESCRIPTION)
    assert run.terminal is not None
    assert failure.value.requirement.id == "TRANS-OUTCOME"
    assert failure.value.observed == f"the {scenario} scenario {observed}"
    assert failure.value.expected == expected
    assert failure.value.exchanges == [run.submission.exchange, run.terminal.exchange]
    assert failure.value.hint == ""


def test_a_run_still_running_at_the_budget_fails_citing_its_last_three_exchanges():
    run = _run("QUEUED", "QUEUED", "QUEUED", "RUNNING", ended=Ended.BUDGET)
    description = _description(
        dialect={"name": "cloudcenter", "states": STATES}, polling={"budget": 2.5}
    )
    with _raises(ConformanceFailure) as failure:
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
    run = _run("RUNNING", ended=Ended.BUDGET, scenario="failure")
    with _raises(ConformanceFailure) as failure:
        expected_outcome(run, DESCRIPTION)
    assert failure.value.observed == "still RUNNING after 300 s (1 poll)"
    assert failure.value.expected == "FAILED or ERROR within the operation budget"
    assert failure.value.exchanges == run.exchanges


@pytest.mark.parametrize("ended", [Ended.NO_ANSWER, Ended.STATUS_ERROR, Ended.UNREADABLE])
def test_a_run_that_stopped_before_any_end_but_not_at_the_budget_is_blocked(ended):
    # Not the target's fault as far as the outcome goes: the run could not be followed.
    run = _run("RUNNING", "RUNNING", ended=ended, scenario="failure")
    run.problem = "the status URL moved off the target"
    with _raises(Blocked) as blocked:
        expected_outcome(run, DESCRIPTION)
    assert blocked.value.reason == (
        "the failure run could not be followed: the status URL moved off the target"
    )
    assert blocked.value.exchanges == run.exchanges


# -- TRANS-MODEL, read again later: a terminal state stays ------------------------------------


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
    return _poll(state, index=index, sent=100.0, received=100.25)


def test_later_reads_showing_the_same_terminal_state_pass_citing_each_read():
    first = _retained(_done(), _poll("SUCCESS", 11), _poll("SUCCESS", 12))
    second = _retained(_done("FAILED"), _poll("FAILED", 21), _poll("FAILED", 22), "failure")
    with _cited() as cited:
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
        pytest.param(lambda: _retained(None, _poll("FAILED", 5), _poll("FAILED", 6)), id="never"),
        pytest.param(lambda: _retained(_done(), None, None), id="not-probed"),
        pytest.param(lambda: _retained(_done(), _poll(None, 5, 404), None), id="gone"),
        pytest.param(lambda: _retained(_done(), _poll("FAILED", 5, 500), None), id="error"),
        pytest.param(
            lambda: _retained(_done(), _poll(None, 5, None, error="ReadTimeout"), None),
            id="no-answer",
        ),
    ],
)
def test_reads_that_tell_no_state_of_an_ended_operation_are_not_judged(skipped):
    # No terminal state to compare with, no probe, or an id gone (expired) or not answering:
    # nothing is said about a change, and the other reads are still judged.
    held = _retained(_done(index=1), None, _poll("SUCCESS", 9))
    with _cited() as cited:
        terminal_state_holds([skipped(), held])
    assert [(c.what, [e.index for e in c.exchanges]) for c in cited] == [
        ("1 later read showed the same terminal state", [9])
    ]


def test_a_probe_skipped_inside_the_window_does_not_stop_the_one_outside_being_judged():
    retained = _retained(_done(), _poll(None, 5, 404), _poll("FAILED", 6))
    with _raises(ConformanceFailure) as failure:
        terminal_state_holds([retained])
    assert failure.value.observed.startswith("SUCCESS, then FAILED when read again")


@pytest.mark.parametrize(
    "retained",
    [
        pytest.param([], id="no-operations"),
        pytest.param(
            [_retained(None, _poll("SUCCESS", 5), None), _retained(_done(), None, None)],
            id="none-judged",
        ),
    ],
)
def test_no_later_read_of_an_available_id_is_not_observed(retained):
    with _raises(NotObserved) as skipped:
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
    probe = _poll(later, 7, sent=160.5, received=160.75)
    ok = _poll("SUCCESS", 6, sent=130.0)
    with _raises(ConformanceFailure) as failure:
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
    lro = _description(dialect={"name": "google-lro"})
    ended = {"name": "op1", "done": True, "response": {}}
    terminal = Poll(_ex(200, sent=1.0), ended, read_state(lro.dialect, 200, ended), 0.0, None)
    later = {"name": "op1", "done": "true"}
    probe = Poll(_ex(200, sent=3.5), later, read_state(lro.dialect, 200, later), 0.0, None)
    with _raises(ConformanceFailure) as failure:
        terminal_state_holds([_retained(terminal, probe, None)])
    assert failure.value.observed == "succeeded, then 'true' when read again 2.500 s later"


def test_a_change_in_an_earlier_operation_fails_before_later_ones_are_read():
    changed = _retained(_done(), _poll("FAILED", 5, sent=100.5), None)
    after = _retained(_done(), _poll("FAILED", 8), None)
    with _raises(ConformanceFailure) as failure:
        terminal_state_holds([changed, after])
    assert failure.value.observed == "SUCCESS, then FAILED when read again 0.250 s later"
    assert [e.index for e in failure.value.exchanges] == [1, 5]


# -- SUBMIT-NONBLOCKING: the acceptance comes before the work ends -----------------------------

FAST = _description(dialect={"name": "cloudcenter", "states": STATES}, polling={"interval": 2.0})


@pytest.mark.parametrize(
    ("latency", "states", "shown"),
    [
        (1.999, ["SUCCESS", "SUCCESS"], "SUCCESS"),  # ended, but accepted within the interval
        (3.0, ["RUNNING", "SUCCESS"], "RUNNING"),  # slow, but the work had not ended
        (0.0, ["QUEUED", "RUNNING"], "QUEUED"),
    ],
)
def test_an_acceptance_that_did_not_wait_for_the_work_passes_citing_the_first_read(
    latency, states, shown
):
    run = _run(*states, accepted=_accepted(latency))
    with _cited() as cited:
        not_blocking(run, FAST)
    assert cited == [
        Citation(
            f"the acceptance took {latency:.3f} s; the first read showed {shown}",
            (run.submission.exchange, run.polls[0].exchange),
        )
    ]


@pytest.mark.parametrize(
    ("latency", "shown"),
    [(2.0, "2.000"), (4.5, "4.500")],  # one full interval is already too long
)
def test_an_acceptance_that_came_after_the_work_ended_fails(latency, shown):
    run = _run("FAILED", "RUNNING", accepted=_accepted(latency), scenario="failure")
    with _raises(ConformanceFailure) as failure:
        not_blocking(run, FAST)
    assert failure.value.requirement.id == "SUBMIT-NONBLOCKING"
    assert failure.value.observed == (
        f"the acceptance took {shown} s and the operation was already FAILED at the first poll"
    )
    assert failure.value.expected == (
        "an acceptance within one poll interval (2 s), before the work ends"
    )
    assert failure.value.exchanges == [run.submission.exchange, run.polls[0].exchange]
    assert failure.value.hint == ""


def test_a_submission_that_got_no_answer_is_blocked():
    run = _run("SUCCESS", accepted=_accepted(error="ConnectError: refused"))
    with _raises(Blocked) as blocked:
        not_blocking(run, FAST)
    assert blocked.value.reason == "the submission got no answer: ConnectError: refused"
    assert blocked.value.exchanges == [run.submission.exchange]


@pytest.mark.parametrize(
    ("first", "why"),
    [
        (None, "the status URL was never read"),
        (_poll(None, 1, 404), "the status resource answered 404"),
        (_poll("SUCCESS", 1, 500), "the status resource answered 500"),
        (_poll("Weird", 1), "the status resource answered 200"),  # a name of no role
    ],
)
def test_a_first_read_that_tells_no_state_blocks(first, why):
    run = _run(ended=Ended.STATUS_ERROR)
    run.polls = [] if first is None else [first]
    with _raises(Blocked) as blocked:
        not_blocking(run, FAST)
    assert blocked.value.reason == f"the first status read tells no state: {why}"
    assert blocked.value.exchanges == run.exchanges


# -- SYNC-STATE: the resource a successful operation made reads with its state ---------------


def _finished(resource_url: str = f"{BASE}/things/1", state: str = "SUCCESS") -> None:
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").respond(200, json={"status": state, "resourceUrl": resource_url})


@respx.mock
def test_a_created_resource_that_reads_with_its_state_passes_citing_the_read():
    _finished()
    respx.get(f"{BASE}/things/1").respond(200, json={"name": "a"})
    driver, _ = make_driver()
    run = driver.run("success")
    with _cited() as cited:
        created_resource_reads(run, driver)
    [citation] = cited
    assert citation.what == "reading the created resource answered 200 with 12 bytes"
    [read] = citation.exchanges
    assert (read.label, read.method, read.url) == ("read resource", "GET", f"{BASE}/things/1")


@respx.mock
def test_a_created_resource_that_reads_without_a_state_fails():
    _finished()
    respx.get(f"{BASE}/things/1").respond(204)
    driver, _ = make_driver()
    run = driver.run("success")
    with _raises(ConformanceFailure) as failure:
        created_resource_reads(run, driver)
    assert failure.value.observed == "reading the created resource answered 204 with 0 bytes"
    assert [e.label for e in failure.value.exchanges] == ["read resource"]


@respx.mock
def test_a_run_that_did_not_succeed_has_no_created_resource_to_read():
    _finished(state="FAILED")
    read = respx.get(f"{BASE}/things/1").respond(200, json={})
    driver, _ = make_driver()
    run = driver.run("success")
    with _raises(Blocked) as blocked:
        created_resource_reads(run, driver)
    assert blocked.value.reason == (
        "the success run ended FAILED, a failure state, so there is no success to judge"
    )
    assert not read.called


@respx.mock
def test_a_dialect_that_names_no_resource_leaves_nothing_to_read():
    _finished()
    driver, _ = make_driver(dialect={"name": "cloudcenter", "result_url": "none"})
    run = driver.run("success")
    with _raises(NotObserved) as skipped:
        created_resource_reads(run, driver)
    assert skipped.value.reason == (
        "no resource to read: the dialect names no resource URL ('none')"
    )
    assert skipped.value.exchanges == []


@respx.mock
def test_a_resource_that_could_not_be_read_blocks_citing_the_last_status_read():
    _finished("https://evil.test/steal")
    driver, _ = make_driver()
    run = driver.run("success")
    with _raises(Blocked) as blocked:
        created_resource_reads(run, driver)
    assert blocked.value.reason.startswith(
        "no resource to read: the resource URL 'https://evil.test/steal' is on another origin"
    )
    assert blocked.value.exchanges == [run.exchanges[-1]]
    assert len(run.exchanges) > 1
