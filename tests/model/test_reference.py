"""The lifecycle model: its reference model answer by answer, and the faults only it catches."""

from __future__ import annotations

import json

import httpx
import pytest

from conformance.description import parse
from conformance.driver import Exchange, Poll, Submission, read_state
from conformance.model import Operation, Resource, judge_read, judge_resource_read
from tests.support.driving import CLASSIC

WINDOW, TOLERANCE = 300.0, 1.0

DESCRIPTION = parse(
    {**CLASSIC, "base_url": "http://api.test", "retention": {"completed": 300, "tolerance": 1}},
    "t",
).effective


URL = "http://api.test/v1/operationStatus/op-1"


def _exchange(at: float, status: int | None, body: object = None, method: str = "GET") -> Exchange:
    content = json.dumps(body).encode() if body is not None else b""
    headers = [("content-type", "application/json")] if body is not None else []
    error = "ConnectError: refused" if status is None else None
    return Exchange(0, "t", method, URL, [], b"", at, at, status, headers, content, error=error)


def _poll(at: float, status: int | None, state: str | None = None) -> Poll:
    body = {"id": "op-1", "status": state} if state is not None else None
    ex = _exchange(at, status, body)
    return Poll(ex, body, read_state(DESCRIPTION.dialect, status, body), 0.0, None)


def _operation(scenario: str = "success", at: float = 0.0) -> Operation:
    sub = Submission(scenario, _exchange(at, 202, {"id": "op-1", "status": "RUNNING"}, "POST"))
    return Operation(1, sub, httpx.URL(URL))


def _found(op: Operation, *polls: Poll) -> list[str]:
    found: list[str] = []
    for poll in polls:
        found += [d.requirement for d in judge_read(op, poll, DESCRIPTION).divergences]
    return found


def _completed(scenario: str = "success", done_at: float = 10.0) -> Operation:
    """Seen running at done_at - 1, then terminal at done_at."""
    op = _operation(scenario)
    state = "SUCCESS" if scenario == "success" else "FAILED"
    assert _found(op, _poll(done_at - 1, 200, "RUNNING"), _poll(done_at, 200, state)) == []
    return op


def _concurrent(first_read_at: float):
    from conformance.driver import Ended, Run
    from conformance.observations import Concurrent

    op = _completed()  # a run of one operation, for `alone`
    alone = Run(op.submission, list(op.polls), ended=Ended.TERMINAL, terminal_index=1)
    sub = Submission("success", _exchange(0.0, 202, {"id": "op-2", "status": "RUNNING"}, "POST"))
    lost = Run(sub, [_poll(first_read_at, 404)], ended=Ended.STATUS_ERROR)
    return Concurrent([sub], [lost]), alone


def test_an_id_gone_before_its_window_could_end_breaks_retention():
    # Completed no earlier than t=9 (last seen running): there until 309 - tolerance.
    assert _found(_completed(), _poll(9 + WINDOW - TOLERANCE - 0.01, 404)) == ["RETAIN-COMPLETED"]


def test_an_id_gone_where_its_window_may_have_ended_is_no_divergence():
    assert _found(_completed(), _poll(9 + WINDOW - TOLERANCE + 0.01, 404)) == []


def test_an_id_still_there_after_its_window_and_tolerance_breaks_expiry():
    late = _poll(10 + WINDOW + TOLERANCE + 0.01, 200, "SUCCESS")
    assert _found(_completed(), late) == ["EXPIRE-COMPLETED"]


def test_an_id_still_there_inside_the_tolerance_is_no_divergence():
    assert _found(_completed(), _poll(10 + WINDOW + TOLERANCE - 0.01, 200, "SUCCESS")) == []


def test_a_gone_read_past_the_window_shows_expiry_holding():
    op = _completed()
    judgement = judge_read(op, _poll(10 + WINDOW + TOLERANCE + 0.01, 404), DESCRIPTION)
    assert judgement.divergences == []
    assert {"EXPIRE-COMPLETED", "EXPIRED-404"} <= set(judgement.holds)


def test_an_operation_never_seen_to_exist_is_not_judged_by_its_absence():
    # A wrong Location (a 404 from the start) is the submission cases' matter.
    assert _found(_operation(), _poll(1, 404), _poll(2, 500)) == []


def test_a_server_error_while_the_id_must_live_breaks_the_status_requirement():
    assert _found(_completed(), _poll(20, 500)) == ["STATUS-200-JSON"]


def test_a_server_error_where_the_id_may_have_expired_breaks_expired_404():
    assert _found(_completed(), _poll(9 + WINDOW, 500)) == ["EXPIRED-404"]


def test_no_answer_at_all_is_no_divergence():
    assert _found(_completed(), _poll(20, None)) == []


def test_a_terminal_state_that_changes_breaks_the_state_model():
    assert _found(_completed(), _poll(12, 200, "FAILED")) == ["TRANS-MODEL"]


def test_a_terminal_state_that_holds_shows_the_state_model_holding():
    judgement = judge_read(_completed(), _poll(12, 200, "SUCCESS"), DESCRIPTION)
    assert judgement.divergences == []
    assert "TRANS-MODEL" in judgement.holds


def test_a_read_holds_to_the_names_and_the_code_only_where_it_shows_them():
    op = _operation()
    named = judge_read(op, _poll(1, 200, "RUNNING"), DESCRIPTION)
    assert {"STATUS-STATE-NAMES", "STATUS-200-JSON"} <= set(named.holds)
    # A code the dialect does not declare is the hand-written case's to judge, not a hold.
    other_code = judge_read(op, _poll(2, 201, "RUNNING"), DESCRIPTION)
    assert "STATUS-200-JSON" not in other_code.holds
    assert "STATUS-STATE-NAMES" in other_code.holds
    # A state told by the HTTP code names nothing: no state name holds.
    by_code = parse(
        {
            "base_url": "http://api.test",
            "dialect": {
                "status_field": "",
                "http_states": {"202": "running"},
                "status_codes": [202],
            },
        },
        "t",
    ).effective
    ex = _exchange(3, 202)
    poll = Poll(ex, None, read_state(by_code.dialect, 202, None), 0.0, None)
    told = judge_read(_operation(), poll, by_code)
    assert told.holds == ["STATUS-200-JSON"]


def test_a_state_outside_the_dialect_breaks_state_names():
    assert _found(_operation(), _poll(1, 200, "IN_PROGRESS")) == ["STATUS-STATE-NAMES"]


def test_the_outcome_is_judged_right_after_a_running_read():
    op = _operation("success")
    assert _found(op, _poll(1, 200, "RUNNING"), _poll(2, 200, "FAILED")) == ["TRANS-OUTCOME"]


def test_the_outcome_is_not_judged_from_a_first_terminal_read_long_after():
    # Whatever the state was when it completed, a read 298 s later may show a later change.
    op = _operation("success")
    assert _found(op, _poll(1, 200, "RUNNING"), _poll(299, 200, "FAILED")) == []


def test_a_resource_gone_without_a_delete_breaks_the_result():
    resource = Resource(_completed())
    found = judge_resource_read(resource, _exchange(20, 404), 60.0).divergences
    assert [d.requirement for d in found] == ["RESULT-URL"]


def test_a_deleted_resource_may_linger_within_the_delete_budget_only():
    resource = Resource(_completed(), deleted_at=20.0)
    assert judge_resource_read(resource, _exchange(79, 200), 60.0).divergences == []
    late = judge_resource_read(resource, _exchange(81, 200), 60.0).divergences
    assert [d.requirement for d in late] == ["DELETE-GONE"]


def test_a_deleted_resource_that_comes_back_breaks_delete_gone():
    resource = Resource(_completed(), deleted_at=20.0)
    assert judge_resource_read(resource, _exchange(21, 404), 60.0).holds == ["DELETE-GONE"]
    back = judge_resource_read(resource, _exchange(22, 200), 60.0).divergences
    assert [d.requirement for d in back] == ["DELETE-GONE"]


def test_a_concurrent_operation_gone_at_its_first_read_is_lost():
    from conformance.checks.submission import concurrent_runs_end_as_declared
    from conformance.verdicts import ConformanceFailure

    concurrent, alone = _concurrent(first_read_at=1.0)
    with pytest.raises(ConformanceFailure, match="it was lost"):
        concurrent_runs_end_as_declared(concurrent, alone, DESCRIPTION)


def test_a_first_read_after_the_window_may_have_ended_is_inconclusive():
    from conformance.checks.submission import concurrent_runs_end_as_declared
    from conformance.verdicts import Inconclusive

    concurrent, alone = _concurrent(first_read_at=WINDOW - TOLERANCE + 0.01)
    with pytest.raises(Inconclusive, match="may already have ended"):
        concurrent_runs_end_as_declared(concurrent, alone, DESCRIPTION)


def test_a_failure_the_replay_did_not_show_again_says_so():
    from conformance.checks.model import model_holds
    from conformance.model import Exploration
    from conformance.verdicts import ConformanceFailure

    found = ConformanceFailure("TRANS-MODEL", observed="o", expected="e", steps=["1. x"])
    exploration = Exploration(findings={"TRANS-MODEL": found}, flaky={"TRANS-MODEL"})
    with pytest.raises(ConformanceFailure) as raised:
        model_holds(exploration, "TRANS-MODEL")
    assert "replaying the same steps did not show it again" in raised.value.hint
    assert raised.value.steps == ["1. x"] and raised.value.observed == "o"
    exploration.flaky.clear()
    with pytest.raises(ConformanceFailure) as plain:
        model_holds(exploration, "TRANS-MODEL")
    assert plain.value.hint == ""


def test_an_operation_as_a_run_keeps_its_available_reads_and_its_terminal_one():
    op = _completed()
    running, terminal = op.polls
    assert _found(op, _poll(9 + WINDOW - TOLERANCE + 0.5, 404)) == []  # gone: not in the run
    run = op.run()
    assert run.submission is op.submission
    assert run.polls == [running, terminal]
    assert run.terminal_index == 1 and run.terminal is terminal


def test_another_code_exactly_where_the_window_may_end_is_judged_as_past_it():
    # Completed no earlier than t=9: its window may end from 309 - tolerance = 308 on.
    assert _found(_completed(), _poll(9 + WINDOW - TOLERANCE, 500)) == ["EXPIRED-404"]
    assert _found(_completed(), _poll(9 + WINDOW - TOLERANCE - 0.001, 500)) == ["STATUS-200-JSON"]


def test_another_code_while_the_id_must_live_says_what_the_status_should_have_been():
    (divergence,) = judge_read(_completed(), _poll(20, 500), DESCRIPTION).divergences
    assert divergence.requirement == "STATUS-200-JSON"
    assert divergence.observed == "the status of a live operation answered 500"
    assert divergence.expected == "200 with a JSON status while the id is available"


def test_a_changed_terminal_state_says_how_long_after_completion_it_was_read():
    (divergence,) = judge_read(
        _completed(done_at=10.0), _poll(12.5, 200, "FAILED"), DESCRIPTION
    ).divergences
    assert divergence.requirement == "TRANS-MODEL"
    assert divergence.observed == "SUCCESS, then FAILED when read again 2.500 s later"
