"""STATUS-*: the status reads' codes, bodies, state names, ids, details and safety, each
condition flipped, and the words of each verdict."""

from __future__ import annotations

import re

import httpx
import pytest
import respx

from conformance.checks import (
    result,
    status,
)
from conformance.description import Role, parse
from conformance.driver import Exchange, Poll, Reading, Run, Submission, read_state
from conformance.observations import SafetyTrial
from conformance.verdicts import (
    Blocked,
    ConformanceFailure,
    Inconclusive,
    NotObserved,
    collecting,
)
from tests.support.checks import (
    DESCRIPTION,
    LRO,
    citing,
    make_description,
    make_exchange,
    make_poll,
    make_run,
    raises_verdict,
    state_read,
)
from tests.support.driving import (
    ACCEPTED,
    BASE,
    STATUS,
    SUBMIT,
    make_driver,
    run_with,
    status_answer,
)

HINT_NAMES = (
    "State names are exact and case-sensitive; if the server is right, list its names under "
    "[dialect.states] in the target description."
)


def _waits(asked: str | None, *polls: tuple[float, float, float | None]) -> Run:
    """A run accepted at 0 (with Retry-After `asked`), polled as (sent at, waited, retry after)."""
    headers = {"retry_after": asked} if asked is not None else {}
    accepted = make_exchange(202, index=0, url=SUBMIT, method="POST", **headers)
    made = [
        make_poll(
            make_exchange(200, b"{}", index=i + 1, sent=sent),
            {"status": "RUNNING"},
            waited=w,
            retry_after=r,
        )
        for i, (sent, w, r) in enumerate(polls)
    ]
    return make_run(*made, accepted=accepted)


def _wall_poll(state: str | None, at: float = 0.0) -> Poll:
    body = {"status": state, "progress": 100 if state == "SUCCESS" else 10}
    dialect = parse({}, "t").effective.dialect
    exchange = Exchange(0, "poll", "GET", "http://t/op", [], b"", at, at, 200)
    return Poll(exchange, body, read_state(dialect, 200, body), 0.0, None)


def _wall_trial(later: str | None) -> SafetyTrial:
    often = [_wall_poll("RUNNING"), _wall_poll("SUCCESS")]
    return SafetyTrial(often, _wall_poll("RUNNING"), _wall_poll(later) if later else None, 0.02)


STATUS_ROOT = f"{BASE}/v1/operationStatus"


DONE = [status_answer("SUCCESS")] * 3


def _named(path: str, named: str):  # type: ignore[no-untyped-def]
    """A run whose acceptance gives no id, and whose status body names `named`."""
    accepted = httpx.Response(202, headers={"Location": f"/v1/operationStatus/{path}"})
    respx.post(SUBMIT).mock(return_value=accepted)
    done = httpx.Response(200, json={"operationId": named, "status": "SUCCESS"})
    respx.get(url__startswith=f"{STATUS_ROOT}/").mock(return_value=done)
    driver, _ = make_driver(polling={"interval": 1, "budget": 30})
    return driver, driver.run("success")


def _poll(state: str, progress: int | None = None, index: int = 1) -> Poll:
    role = {"RUNNING": Role.RUNNING, "SUCCESS": Role.SUCCESS, "FAILED": Role.FAILURE}[state]
    body = {"status": state, **({} if progress is None else {"progress": progress})}
    exchange = Exchange(
        index, "status", "GET", f"{STATUS_ROOT}/op{index}", [], b"", 0.0, status=200
    )
    return Poll(exchange, body, Reading(state, role, "field"), 0.0, None)


def _trial(often: list[Poll], once: Poll, later: Poll | None = None) -> SafetyTrial:
    return SafetyTrial(often=often, once=once, later=later, often_age=1.5)


def _description():  # type: ignore[no-untyped-def]
    return make_driver()[0].description


def _coded(**dialect: object):
    """A dialect that tells running by 202 and success by 204, with no status field."""

    return make_description(
        dialect={
            "status_field": "",
            "http_states": {"202": "running", "204": "success"},
            **dialect,
        }
    )


def test_a_final_gone_answer_is_not_held_against_the_status_answers():
    run = make_run(
        state_read("RUNNING"),
        state_read("SUCCESS", index=2),
        make_poll(make_exchange(404, index=3), None),
    )
    with citing() as cited:
        status.answers_200_json(run, DESCRIPTION)
    assert [c.what for c in cited] == ["2 status reads answered 200 with a JSON object"]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls[:2]]


def test_a_gone_answer_before_the_last_read_fails_naming_its_code_and_missing_type():
    run = make_run(
        state_read("RUNNING"),
        make_poll(make_exchange(404, b"gone", index=2), None),
        state_read("SUCCESS", 3),
    )
    with raises_verdict(ConformanceFailure) as failure:
        status.answers_200_json(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-200-JSON"
    assert failure.value.observed == "404 without a Content-Type body b'gone'"
    assert failure.value.expected == "200 with a JSON object, for as long as the id is available"
    assert failure.value.exchanges == [run.polls[1].exchange]


def test_a_status_read_without_an_answer_fails_naming_the_error():
    run = make_run(
        make_poll(make_exchange(None, error="ConnectError: reset"), None), state_read("SUCCESS", 2)
    )
    with raises_verdict(ConformanceFailure) as failure:
        status.answers_200_json(run, DESCRIPTION)
    assert failure.value.observed == "ConnectError: reset body b''"


def test_a_200_without_a_json_object_fails_naming_its_type():
    ex = make_exchange(200, b"[1]", content_type="application/json")
    with raises_verdict(ConformanceFailure) as failure:
        status.answers_200_json(make_run(make_poll(ex, None)), DESCRIPTION)
    assert failure.value.observed == "200 application/json body b'[1]'"


def test_a_long_body_is_quoted_to_80_bytes():
    ex = make_exchange(500, b"e" * 80 + b"TAIL")
    with raises_verdict(ConformanceFailure) as failure:
        status.answers_200_json(make_run(make_poll(ex, None)), DESCRIPTION)
    assert failure.value.observed == f"500 without a Content-Type body {b'e' * 80!r}"


def test_a_status_body_cut_at_the_cap_is_inconclusive_not_a_failure():
    ex = make_exchange(200, b'{"status": "RUN', content_type="application/json")
    ex.truncated = True
    with raises_verdict(Inconclusive) as inconclusive:
        status.answers_200_json(make_run(make_poll(ex, None)), DESCRIPTION)
    assert inconclusive.value.requirement.id == "STATUS-200-JSON"
    assert inconclusive.value.exchanges == [ex]


def test_a_read_told_by_its_code_needs_no_body():
    description = make_description(
        dialect={
            "http_states": {"202": "running", "200": "success"},
            "status_codes": [200, 202],
            "status_field": "",
        }
    )
    bare = make_exchange(202, b"")
    run = make_run(make_poll(bare, None, description))
    with citing() as cited:
        status.answers_200_json(run, description)
    assert [c.what for c in cited] == [
        "1 status read answered 202; 0 had a JSON object, 1 told the state by the code alone"
    ]
    assert cited[0].exchanges == (bare,)
    # The evidence does not call a read without a body JSON.
    done = make_exchange(200, b'{"name": "w"}', index=2, content_type="application/json")
    run = make_run(make_poll(bare, None, description), make_poll(done, {"name": "w"}, description))
    with citing() as cited:
        status.answers_200_json(run, description)
    assert [c.what for c in cited] == [
        "2 status reads answered 200 or 202; 1 had a JSON object, 1 told the state by the code "
        "alone"
    ]


def test_a_done_flag_that_is_not_a_boolean_fails_quoting_it():
    body = {"name": "operations/1", "done": "yes"}
    run = make_run(make_poll(make_exchange(200, b"{}"), body, LRO))
    with raises_verdict(ConformanceFailure) as failure:
        status.state_names_known(run, LRO)
    assert failure.value.requirement.id == "STATUS-STATE-NAMES"
    assert failure.value.observed == "done = 'yes'"
    assert failure.value.expected == "a boolean (true once the operation is done)"
    assert failure.value.exchanges == [run.polls[0].exchange]
    assert failure.value.hint == HINT_NAMES


def test_a_done_flag_that_is_a_boolean_names_the_state():
    bodies = [{"name": "operations/1"}, {"name": "operations/1", "done": True, "response": {}}]
    run = make_run(
        *(make_poll(make_exchange(200, b"{}", index=i), b, LRO) for i, b in enumerate(bodies))
    )
    with citing() as cited:
        status.state_names_known(run, LRO)
    assert [c.what for c in cited] == ["state names seen: running, succeeded"]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls]


def test_a_json_body_without_the_status_field_fails_naming_the_field():
    run = make_run(make_poll(make_exchange(200, b"{}"), {"operationId": "op1"}))
    with raises_verdict(ConformanceFailure) as failure:
        status.state_names_known(run, DESCRIPTION)
    assert failure.value.observed == "a JSON body without 'status'"
    assert failure.value.expected == "the status field 'status' with one of the state names"


def test_a_json_body_with_no_way_to_tell_the_state_says_so():
    run = make_run(make_poll(make_exchange(200, b"{}"), {"other": 1}, LRO))
    with raises_verdict(ConformanceFailure) as failure:
        status.state_names_known(run, LRO)
    assert failure.value.observed == "a JSON body with neither 'done' nor 'name'"


def test_an_unknown_state_name_fails_listing_the_known_ones():
    run = make_run(state_read("RUNNING"), state_read("Running", index=2))
    with raises_verdict(ConformanceFailure) as failure:
        status.state_names_known(run, DESCRIPTION)
    assert failure.value.observed == "status = 'Running'"
    assert failure.value.expected == "one of ['FAILED', 'RUNNING', 'SUCCESS']"
    assert failure.value.exchanges == [run.polls[1].exchange]


def test_a_body_that_is_not_json_is_left_to_the_status_answer_check():
    run = make_run(make_poll(make_exchange(200, b"busy"), None), state_read("SUCCESS", index=2))
    with citing() as cited:
        status.state_names_known(run, DESCRIPTION)
    assert [c.what for c in cited] == ["state names seen: SUCCESS"]
    assert cited[0].exchanges == (run.polls[1].exchange,)


def test_an_unknown_name_after_a_body_that_is_not_json_still_fails():
    run = make_run(make_poll(make_exchange(200, b"busy"), None), state_read("Running", index=2))
    with raises_verdict(ConformanceFailure, match="'Running'"):
        status.state_names_known(run, DESCRIPTION)


def test_an_error_answer_with_a_state_is_not_judged():
    error = make_poll(make_exchange(500, b"{}", index=2), {"status": "Broken"})
    run = make_run(state_read("RUNNING"), error)
    with citing() as cited:
        status.state_names_known(run, DESCRIPTION)
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_no_state_named_at_all_is_not_observed():
    run = make_run(make_poll(make_exchange(200, b"busy"), None))
    with raises_verdict(NotObserved) as skipped:
        status.state_names_known(run, DESCRIPTION)
    assert skipped.value.reason == "no status body of the success run named a state"
    assert skipped.value.exchanges == run.exchanges


def test_an_id_other_than_the_acceptances_fails_citing_both():
    run = make_run(
        state_read("RUNNING"), make_poll(make_exchange(200, b"{}", index=2), {"operationId": "op2"})
    )
    run.submission.operation_id = "op1"
    with raises_verdict(ConformanceFailure) as failure:
        status.id_matches_url(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-ID-MATCH"
    assert failure.value.observed == f"operationId = 'op2' at {STATUS}"
    assert failure.value.expected == "'op1', the id the acceptance gave"
    assert failure.value.exchanges == [run.submission.exchange, run.polls[1].exchange]


@pytest.mark.parametrize(
    ("code", "body"), [(404, {"operationId": "other"}), (200, {"operationId": None})]
)
def test_an_id_in_an_error_answer_or_a_null_one_is_not_judged(code, body):
    run = make_run(state_read("SUCCESS"), make_poll(make_exchange(code, b"{}", index=2), body))
    run.submission.operation_id = "op1"
    with citing() as cited:
        status.id_matches_url(run, DESCRIPTION)
    assert [c.what for c in cited] == ["1 status body named the operation's own id"]
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_status_bodies_without_an_id_are_not_observed():
    run = make_run(make_poll(make_exchange(200, b"{}"), {"status": "SUCCESS"}))
    with raises_verdict(NotObserved) as skipped:
        status.id_matches_url(run, DESCRIPTION)
    assert skipped.value.reason == "no status body of the success run named an id in 'operationId'"
    assert skipped.value.exchanges == run.exchanges


@pytest.mark.parametrize("code", [400, 404, 503])
def test_an_error_answers_body_need_not_be_json(code):
    accepted = make_exchange(202, b'{"a": 1}', index=0, url=SUBMIT, content_type="application/json")
    error = make_exchange(code, b"bad", index=2, content_type="text/plain")
    run = make_run(state_read("RUNNING"), make_poll(error, None), accepted=accepted)
    with citing() as cited:
        status.json_media_type(run)
    assert [c.what for c in cited] == ["2 bodies labelled as JSON"]
    assert list(cited[0].exchanges) == [accepted, run.polls[0].exchange]


def test_a_399_body_must_be_json():
    run = make_run(
        state_read("RUNNING"),
        make_poll(make_exchange(399, b"x", index=2, content_type="text/plain"), None),
    )
    with raises_verdict(ConformanceFailure, match="a status body labelled text/plain"):
        status.json_media_type(run)


def test_an_acceptance_error_body_must_be_json_too():
    accepted = make_exchange(400, b"bad", index=0, url=SUBMIT, content_type="text/plain")
    with raises_verdict(ConformanceFailure) as failure:
        status.json_media_type(make_run(accepted=accepted))
    assert failure.value.requirement.id == "STATUS-MEDIA-TYPE"
    assert failure.value.observed == "an acceptance body labelled text/plain"
    assert failure.value.expected == "Content-Type: application/json (or a +json type)"
    assert failure.value.exchanges == [accepted]
    assert failure.value.hint == (
        "Label JSON bodies as JSON so that clients and proxies read them as such."
    )


def test_bodies_of_whitespace_or_transport_errors_are_not_judged():
    blank = make_exchange(200, b"  \n", index=1, content_type="text/plain")
    broken = make_exchange(None, b"partial", index=2, error="ReadError: reset")
    run = make_run(make_poll(blank, None), make_poll(broken, None))
    with raises_verdict(NotObserved) as skipped:
        status.json_media_type(run)
    assert skipped.value.reason == "neither the acceptance nor any status read had a body"
    assert skipped.value.exchanges == run.exchanges


def test_progress_that_stays_level_does_not_decrease():
    run = make_run(state_read("RUNNING", progress=50), state_read("RUNNING", 2, progress=50))
    with citing() as cited:
        status.details_while_running(run, DESCRIPTION)
    assert [c.what for c in cited] == ["2 running reads gave details"]


def test_a_null_progress_beside_a_message_is_no_progress():
    run = make_run(
        state_read("RUNNING", progress=60), state_read("RUNNING", 2, msg="copy", progress=None)
    )
    run.polls.append(state_read("RUNNING", 3, progress=70))
    with citing() as cited:
        status.details_while_running(run, DESCRIPTION)
    assert len(cited[0].exchanges) == 3


def test_a_running_read_of_an_error_answer_is_not_judged():
    error = make_poll(make_exchange(500, b"{}", index=2), {"status": "RUNNING"})
    error.reading = Reading("RUNNING", Role.RUNNING, "field")
    run = make_run(state_read("RUNNING", progress=5), error)
    with citing() as cited:
        status.details_while_running(run, DESCRIPTION)
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_a_run_never_seen_running_cites_its_exchanges_as_not_observed():
    run = make_run(state_read("SUCCESS"))
    with raises_verdict(NotObserved) as skipped:
        status.details_while_running(run, DESCRIPTION)
    assert skipped.value.exchanges == run.exchanges


def test_a_read_with_neither_detail_cites_that_read():
    run = make_run(state_read("RUNNING", progress=1), state_read("RUNNING", 2, msg=" "))
    with raises_verdict(ConformanceFailure) as failure:
        status.details_while_running(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-DETAILS"
    assert failure.value.exchanges == [run.polls[1].exchange]


def test_progress_going_down_names_the_requirement_and_what_is_expected():
    run = make_run(state_read("RUNNING", progress=9), state_read("RUNNING", 2, progress=8))
    with raises_verdict(ConformanceFailure) as failure:
        status.details_while_running(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-DETAILS"
    assert failure.value.expected == "progress that never decreases"


def test_a_safety_trial_that_could_not_run_blocks_with_its_problem():
    sub = Submission("success", make_exchange(500, index=0, url=SUBMIT, method="POST"))
    trial = SafetyTrial(often=[], once=state_read("RUNNING"), problem="no twin", submissions=[sub])
    with raises_verdict(Blocked) as blocked:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert blocked.value.reason == "no twin"
    assert blocked.value.exchanges == [sub.exchange]


@pytest.mark.parametrize(
    ("bad", "shown"),
    [(make_exchange(503, index=2), "503"), (make_exchange(None, error="E: x", index=2), "E: x")],
)
def test_a_safety_trial_read_without_a_state_blocks_naming_it(bad, shown):
    trial = SafetyTrial(
        often=[state_read("RUNNING"), make_poll(bad, None)], once=state_read("RUNNING", 3)
    )
    with raises_verdict(Blocked) as blocked:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert blocked.value.reason == f"a status read answered {shown} with no state"
    assert blocked.value.exchanges == [bad]


def test_a_once_read_without_a_state_blocks_too():
    once = make_poll(make_exchange(404, index=3), None)
    trial = SafetyTrial(often=[state_read("RUNNING")], once=once)
    with raises_verdict(Blocked, match="a status read answered 404 with no state"):
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)


def test_with_an_exact_clock_operations_that_stay_together_pass():
    often = [state_read("RUNNING", progress=5), state_read("RUNNING", 2, progress=5)]
    trial = SafetyTrial(often=often, once=state_read("RUNNING", 3, progress=5))
    with citing() as cited:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert [c.what for c in cited] == ["read 2 times, the operation stayed at ('RUNNING', 5)"]
    assert list(cited[0].exchanges) == [p.exchange for p in [*often, trial.once]]


@pytest.mark.parametrize(
    ("often", "once"),
    [
        ([("RUNNING", 5), ("RUNNING", 6)], ("RUNNING", 5)),  # moved while read
        ([("RUNNING", 5), ("RUNNING", 5)], ("RUNNING", 4)),  # ahead of its twin
        ([("RUNNING", 5), ("RUNNING", 6), ("RUNNING", 5)], ("RUNNING", 5)),  # moved and back
    ],
)
def test_with_an_exact_clock_any_difference_is_the_reads_doing(often, once):
    polls = [state_read(s, i, progress=p) for i, (s, p) in enumerate(often)]
    trial = SafetyTrial(often=polls, once=state_read(once[0], 9, progress=once[1]))
    with raises_verdict(ConformanceFailure) as failure:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert failure.value.requirement.id == "STATUS-SAFE"
    assert failure.value.expected == (
        "both at the same (state, progress): reads do not drive the work"
    )
    assert failure.value.hint == (
        "A GET on the status must only read; move the operation on with time or work."
    )
    assert failure.value.exchanges == [p.exchange for p in [*polls, trial.once]]


def test_retry_after_of_each_answer_sets_the_next_wait():
    run = _waits("5", (5, 5, 3), (8, 3, None), (10, 2, None))
    with citing() as cited:
        status.honours_retry_after(run, 30)
    assert [c.what for c in cited] == ["2 polls waited as Retry-After asked"]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls[:2]]


def test_a_status_answers_retry_after_the_poller_cut_short_fails_at_the_next_poll():
    run = _waits(None, (1, 1, 3), (3, 2, None))
    with raises_verdict(ConformanceFailure) as failure:
        status.honours_retry_after(run, 30)
    assert failure.value.requirement.id == "STATUS-RETRY-AFTER"
    assert failure.value.observed == "the poller waited 2 s"
    assert failure.value.expected == "a wait of 3 s, as Retry-After asked"
    assert failure.value.exchanges == [run.polls[1].exchange]


def test_a_wait_shorter_than_asked_but_within_the_budget_fails():
    # The budget (10 s) had 10 s left when the wait began at 0: 5 s is short of 100 s.
    with raises_verdict(ConformanceFailure, match="waited 5 s"):
        status.honours_retry_after(_waits("100", (5, 5, None)), 10)


def test_a_poll_after_the_budget_ended_owes_no_wait():
    run = _waits("100", (20, 0, None))
    with citing() as cited:
        status.honours_retry_after(run, 10)
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_a_wait_short_by_exactly_the_rounding_allowance_is_honoured():
    status.honours_retry_after(_waits("3", (3, 3 - 1e-9, None)), 30)


def test_a_wait_short_of_the_asked_only_by_rounding_is_honoured():
    run = _waits("3", (3, 3 - 1e-10, None))
    with citing() as cited:
        status.honours_retry_after(run, 30)
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_no_retry_after_leaves_nothing_to_honour():
    with raises_verdict(NotObserved) as skipped:
        status.honours_retry_after(_waits(None, (1, 1, None)), 30)
    assert skipped.value.reason == "the target sent no Retry-After, so there was nothing to honour"


def test_a_dialect_naming_no_detail_field_says_how_to_name_one():
    bare = make_description(dialect={"message_field": "", "progress_field": ""})
    with pytest.raises(NotObserved) as skipped:
        status.details_while_running(make_run(state_read("RUNNING", progress=5)), bare)
    assert str(skipped.value) == (
        "not observed: the dialect names neither a message nor a progress field, so there are "
        "no details to look for; set dialect.message_field or dialect.progress_field"
    )


def test_a_wrong_id_after_a_read_without_one_still_fails():
    # A read that names no id is passed over; the reads after it are still judged.
    without = make_poll(make_exchange(200, b"{}", index=1), {"status": "RUNNING"})
    wrong = make_poll(
        make_exchange(200, b"{}", index=2), {"operationId": "other", "status": "SUCCESS"}
    )
    run = make_run(without, wrong)
    with raises_verdict(ConformanceFailure) as failure:
        status.id_matches_url(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-ID-MATCH"
    assert failure.value.observed == f"operationId = 'other' at {STATUS}"
    assert failure.value.expected == "an id that the status URL names"
    assert failure.value.exchanges == [run.submission.exchange, wrong.exchange]


def test_states_told_only_by_the_http_code_name_no_state():
    # A state read from the HTTP code was not named by the body: nothing to judge (SKIP).
    description = make_description(dialect={"http_states": {"200": "success"}, "status_field": ""})
    run = make_run(make_poll(make_exchange(200, b"{}"), {}, description))
    with raises_verdict(NotObserved) as skipped:
        status.state_names_known(run, description)
    assert skipped.value.reason == "no status body of the success run named a state"
    assert skipped.value.exchanges == run.exchanges


def test_with_an_exact_clock_one_read_level_with_its_twin_passes():
    often = [state_read("RUNNING", progress=5)]
    trial = SafetyTrial(often=often, once=state_read("RUNNING", 3, progress=5))
    with citing() as cited:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert [c.what for c in cited] == ["read 1 time, the operation stayed at ('RUNNING', 5)"]
    assert list(cited[0].exchanges) == [often[0].exchange, trial.once.exchange]


def test_with_an_exact_clock_an_operation_moved_by_reads_fails_saying_where_each_stands():
    often = [state_read("RUNNING", 1, progress=5), state_read("RUNNING", 2, progress=6)]
    trial = SafetyTrial(often=often, once=state_read("RUNNING", 3, progress=5))
    with raises_verdict(ConformanceFailure) as failure:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    # No third operation was read: the observation ends with the twin, nothing after it.
    assert failure.value.observed == (
        "read 2 times, an operation went ('RUNNING', 5) -> ('RUNNING', 6); its twin, read "
        "once, is at ('RUNNING', 5)"
    )


def test_with_the_wall_clock_a_lead_shown_once_of_two_trials_is_inconclusive():
    ahead = SafetyTrial(
        often=[state_read("RUNNING", 1), state_read("SUCCESS", 2)], once=state_read("RUNNING", 3)
    )
    level = SafetyTrial(
        often=[state_read("RUNNING", 4), state_read("SUCCESS", 5)], once=state_read("SUCCESS", 6)
    )
    trials = iter([ahead, level])
    with raises_verdict(Inconclusive) as inconclusive:
        status.reads_are_safe(lambda: next(trials), DESCRIPTION, exact=False)
    assert inconclusive.value.requirement.id == "STATUS-SAFE"
    assert inconclusive.value.reason == (
        "once of two times, an operation read 2 times went ahead of its twin; with the wall "
        "clock that may be the server's own timing"
    )
    assert inconclusive.value.exchanges == [p.exchange for p in [*ahead.often, ahead.once]]


@pytest.mark.parametrize(
    ("trials", "outcome"),
    [
        # The twin lagged, but one left unread caught up: the server's own timing.
        ([_wall_trial("SUCCESS")], None),
        # Both trials: a third, left unread twice as long, still running.
        ([_wall_trial("RUNNING"), _wall_trial("RUNNING")], ConformanceFailure),
        # Once of two: doubt.
        ([_wall_trial("RUNNING"), _wall_trial("SUCCESS")], Inconclusive),
    ],
)
def test_on_the_wall_clock_only_a_repeated_lag_fails_status_safe(trials, outcome):
    made = iter(trials)
    description = parse({}, "t").effective
    if outcome is None:
        status.reads_are_safe(lambda: next(made), description, exact=False)
    else:
        with pytest.raises(outcome):
            status.reads_are_safe(lambda: next(made), description, exact=False)


@pytest.mark.parametrize(
    ("url", "named"),
    [
        (f"{BASE}/v1/operations/op7/status", "op7"),  # a segment in the middle
        (f"{BASE}/operations/123", "operations/123"),  # AIP-151: the whole path is the name
    ],
)
def test_an_id_the_status_url_names_anywhere_in_its_path_matches(url, named):
    read = make_poll(
        make_exchange(200, b"{}", url=url), {"operationId": named, "status": "RUNNING"}
    )
    with citing() as cited:
        status.id_matches_url(make_run(read), DESCRIPTION)
    assert [c.what for c in cited] == ["1 status body named the operation's own id"]


def test_a_lead_is_measured_from_the_last_of_the_often_read_operations_reads():
    # Only the last read (60) is more than 25 points ahead of the twin (30); the one before
    # it (10) is behind.
    often = [state_read("RUNNING", n, progress=p) for n, p in ((1, 0), (2, 10), (3, 60))]
    trial = SafetyTrial(often=often, once=state_read("RUNNING", 4, progress=30), later=None)
    with raises_verdict(ConformanceFailure) as failure:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=False)
    assert failure.value.observed.startswith(
        "read 3 times, an operation went ('RUNNING', 0) -> ('RUNNING', 10) -> ('RUNNING', 60); "
        "its twin, read once, is at ('RUNNING', 30)"
    )


@pytest.mark.parametrize("progress", [-1, 101, 50.5, True, "50"])
@respx.mock
def test_a_progress_outside_0_to_100_or_not_an_integer_fails(progress):
    driver, run = run_with(ACCEPTED, status_answer("RUNNING", progress=progress), *DONE)
    with pytest.raises(ConformanceFailure) as failure:
        status.details_while_running(run, driver.description)
    assert failure.value.requirement.id == "STATUS-DETAILS"
    assert failure.value.observed == f"progress = {progress!r}"
    assert failure.value.expected == "an integer from 0 to 100"
    assert failure.value.exchanges == [run.polls[0].exchange]


@respx.mock
def test_progress_from_0_to_100_passes_and_cites_every_running_read():
    reads = [status_answer("RUNNING", progress=p) for p in (0, 100)]
    driver, run = run_with(ACCEPTED, *reads, *DONE)
    with collecting() as cited:
        status.details_while_running(run, driver.description)
    assert [c.what for c in cited] == ["2 running reads gave details"]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls[:2]]


@respx.mock
def test_progress_going_down_is_seen_across_a_read_with_a_message_only():
    reads = [
        status_answer("RUNNING", progress=50),
        status_answer("RUNNING", msg="copying"),
        status_answer("RUNNING", progress=40),
    ]
    driver, run = run_with(ACCEPTED, *reads, *DONE)
    with pytest.raises(ConformanceFailure) as failure:
        status.details_while_running(run, driver.description)
    assert failure.value.observed == "progress went from 50 down to 40"
    assert failure.value.exchanges == [run.polls[0].exchange, run.polls[2].exchange]


@respx.mock
def test_a_run_never_seen_running_has_no_details_to_judge():
    driver, run = run_with(ACCEPTED, *DONE)
    with pytest.raises(NotObserved, match="no status read of the success run saw it running"):
        status.details_while_running(run, driver.description)


@respx.mock
def test_a_read_with_neither_names_both_fields():
    driver, run = run_with(ACCEPTED, status_answer("RUNNING"), *DONE)
    with pytest.raises(ConformanceFailure) as failure:
        status.details_while_running(run, driver.description)
    assert failure.value.observed == "neither 'msg' nor 'progress'"
    assert failure.value.expected == "details of the work in progress while running"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/problem+json",
        "application/vnd.api+json;v=1",
    ],
)
@respx.mock
def test_json_and_plus_json_types_are_json(content_type):
    body = b'{"operationId": "op1", "status": "SUCCESS"}'
    read = httpx.Response(200, content=body, headers={"Content-Type": content_type})
    _, run = run_with(ACCEPTED, read, read, read)
    status.json_media_type(run)


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("text/json", "text/json"),
        ("application/jsonx", "application/jsonx"),
        ("application/+jsonp", "application/+jsonp"),
        (None, "with no type"),
    ],
)
@respx.mock
def test_other_types_are_not_json(content_type, shown):
    body = b'{"operationId": "op1", "status": "SUCCESS"}'
    headers = {"Content-Type": content_type} if content_type else {}
    read = httpx.Response(200, content=body, headers=headers)
    _, run = run_with(ACCEPTED, read, read, read)
    with pytest.raises(ConformanceFailure) as failure:
        status.json_media_type(run)
    assert failure.value.observed == f"a status body labelled {shown}"
    assert failure.value.exchanges == [run.polls[0].exchange]


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("op1", "op1"),
        ("jobs/7", "jobs/7"),  # an id with a slash: a run of segments
        ("a/b/c", "b/c"),
        ("op%201", "op 1"),  # percent-decoded
        ("x?id=q9", "q9"),  # a query value
    ],
)
@respx.mock
def test_an_id_the_status_url_names_matches(path, named):
    driver, run = _named(path, named)
    assert run.submission.operation_id is None
    status.id_matches_url(run, driver.description)


@pytest.mark.parametrize(("path", "named"), [("a/b/c", "a/b"), ("op1", "op"), ("x?id=q9", "id")])
@respx.mock
def test_an_id_the_status_url_does_not_name_fails(path, named):
    driver, run = _named(path, named)
    with pytest.raises(ConformanceFailure) as failure:
        status.id_matches_url(run, driver.description)
    assert failure.value.expected == "an id that the status URL names"
    assert failure.value.observed.startswith(f"operationId = {named!r} at ")


@pytest.mark.parametrize(
    ("last", "twin", "ahead"),
    [
        (_poll("SUCCESS"), _poll("RUNNING"), True),  # finished while its twin runs
        (_poll("SUCCESS"), _poll("SUCCESS"), False),
        (_poll("RUNNING", 60), _poll("RUNNING", 34), True),  # more than 25 points ahead
        (_poll("RUNNING", 60), _poll("RUNNING", 35), False),  # 25 points: within the slack
        (_poll("RUNNING", 60), _poll("RUNNING"), False),  # nothing to compare
        (_poll("RUNNING"), _poll("RUNNING", 0), False),
    ],
)
def test_an_operation_is_ahead_of_its_twin_only_clearly(last, twin, ahead):
    trial = _trial([_poll("RUNNING", 0), last], twin)
    assert status._ahead(trial, twin, _description()) is ahead


def test_a_lead_counts_only_if_the_third_operation_lags_too():
    often = [_poll("RUNNING", 0), _poll("SUCCESS", index=2)]
    lagging, caught_up = _poll("RUNNING", index=3), _poll("SUCCESS", index=4)
    assert status._lags(_trial(often, lagging, later=None), _description())
    assert status._lags(_trial(often, lagging, later=lagging), _description())
    assert not status._lags(_trial(often, lagging, later=caught_up), _description())
    assert not status._lags(_trial(often, caught_up, later=lagging), _description())


def test_a_lead_shown_twice_fails_naming_the_third_operation():
    often = [_poll("RUNNING", 0), _poll("SUCCESS", index=2)]
    trial = _trial(often, _poll("RUNNING", index=3), later=_poll("RUNNING", index=5))
    with pytest.raises(ConformanceFailure) as failure:
        status.reads_are_safe(lambda: trial, _description(), exact=False)
    assert failure.value.observed == (
        "read 2 times, an operation went ('RUNNING', 0) -> ('SUCCESS', None); its twin, read "
        "once, is at ('RUNNING', None); a third, left unread for 3.000 s, was still RUNNING "
        "at its first read"
    )


def test_a_lead_shown_once_of_two_times_is_inconclusive():
    often = [_poll("RUNNING", 0), _poll("SUCCESS", index=2)]
    trials = iter(
        [_trial(often, _poll("RUNNING", index=3)), _trial(often, _poll("SUCCESS", index=3))]
    )
    with pytest.raises(Inconclusive, match="once of two times, an operation read 2 times"):
        status.reads_are_safe(lambda: next(trials), _description(), exact=False)


def test_twins_that_keep_pace_pass():
    often = [_poll("RUNNING", 0), _poll("SUCCESS", index=2)]
    trial = _trial(often, _poll("SUCCESS", index=3))
    with collecting() as cited:
        status.reads_are_safe(lambda: trial, _description(), exact=False)
    assert cited[0].what == "read 2 times, the operation kept pace with its twin"
    assert len(cited[0].exchanges) == 3


@pytest.mark.parametrize("exact", [True, False])
def test_an_operation_already_ended_at_its_first_read_shows_nothing_of_safety(exact):
    # Both ended before any read: no read was made while there was work for it to move.
    often = [_poll("SUCCESS", index=1), _poll("SUCCESS", index=2)]
    trial = _trial(often, _poll("SUCCESS", index=3))
    with raises_verdict(NotObserved) as skipped:
        status.reads_are_safe(lambda: trial, _description(), exact=exact)
    assert skipped.value.reason == (
        "the operation read 2 times had already ended (SUCCESS) at its first read, so no read "
        "was made while it ran; a scenario whose work outlasts the first status read would "
        "show whether reads move it"
    )
    assert len(skipped.value.exchanges) == 3  # the burst's reads and the twin's


def test_an_ended_operation_that_reads_move_fails_on_an_exact_clock():
    # Ended before its first read, it still changed under the burst of reads: with no time
    # passing, only the reads can have moved it.
    often = [_poll("SUCCESS", index=1), _poll("SUCCESS", index=2), _poll("FAILED", index=3)]
    trial = _trial(often, _poll("SUCCESS", index=4))
    with raises_verdict(ConformanceFailure) as failure:
        status.reads_are_safe(lambda: trial, _description(), exact=True)
    assert failure.value.observed.startswith(
        "read 3 times, an operation went ('SUCCESS', None) -> ('SUCCESS', None) -> ('FAILED', None)"
    )


def test_an_ended_operation_whose_twin_is_behind_fails_on_an_exact_clock():
    often = [_poll("SUCCESS", index=1), _poll("SUCCESS", index=2)]
    trial = _trial(often, _poll("RUNNING", index=3))
    with raises_verdict(ConformanceFailure):
        status.reads_are_safe(lambda: trial, _description(), exact=True)


def test_a_code_mapped_to_a_state_is_a_status_code_and_needs_no_body():

    description = _coded()
    running = make_poll(make_exchange(202, index=1), None, description)
    done = make_poll(make_exchange(204, index=2), None, description)
    with citing() as cited:
        status.answers_200_json(make_run(running, done), description)
    assert cited[-1].what == (
        "2 status reads answered 202 or 204; 0 had a JSON object, 2 told the state by the "
        "code alone"
    )


def test_a_code_mapped_to_no_state_still_fails_and_names_the_mapped_ones():

    description = _coded()
    running = make_poll(make_exchange(202, index=1), None, description)
    odd = make_poll(make_exchange(201, index=2), None, description)
    with raises_verdict(ConformanceFailure) as failure:
        status.answers_200_json(make_run(running, odd), description)
    assert failure.value.expected == (
        "200 or 202 or 204 with a JSON object (none needed where 202 or 204 tells the state), "
        "for as long as the id is available"
    )


def test_an_empty_id_field_is_said_as_such():

    description = make_description(dialect={"id_field": ""})
    with raises_verdict(NotObserved) as skipped:
        status.id_matches_url(make_run(state_read("SUCCESS")), description)
    assert skipped.value.reason == (
        "the dialect names no id field (dialect.id_field is empty), so no status body's id "
        "can be compared with its URL; set dialect.id_field to judge this"
    )


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"message_field": "", "progress_field": ""}, "names neither a message nor a progress"),
        ({"message_field": "msg", "progress_field": ""}, "no 'msg' (the dialect names no progress"),
        (
            {"message_field": "", "progress_field": "progress"},
            "no 'progress' (the dialect names no message",
        ),
    ],
)
def test_empty_detail_fields_are_said_as_such(fields, said):

    description = make_description(dialect=fields)
    kind = NotObserved if "neither" in said else ConformanceFailure
    with raises_verdict(kind, re.escape(said)):
        status.details_while_running(
            make_run(state_read("RUNNING"), state_read("SUCCESS", 2)), description
        )


def test_an_empty_message_field_is_said_as_such():

    description = make_description(dialect={"message_field": ""})
    with raises_verdict(NotObserved, "the dialect names no message field"):
        result.failure_has_message(make_run(state_read("FAILED")), description)


@respx.mock
def test_state_names_are_case_sensitive():
    driver, run = run_with(ACCEPTED, status_answer("running"), *[status_answer("SUCCESS")] * 3)
    with pytest.raises(ConformanceFailure, match="'running'"):
        status.state_names_known(run, driver.description)


@pytest.mark.parametrize(
    "details", [{"msg": "copying"}, {"progress": 40}, {"msg": "copying", "progress": 40}]
)
@respx.mock
def test_running_with_either_a_message_or_a_progress_gives_details(details):
    running = httpx.Response(200, json={"operationId": "op1", "status": "RUNNING", **details})
    driver, run = run_with(ACCEPTED, running, running, *[status_answer("SUCCESS")] * 3)
    status.details_while_running(run, driver.description)


@respx.mock
def test_running_with_neither_gives_no_details():
    running = httpx.Response(200, json={"operationId": "op1", "status": "RUNNING", "msg": " "})
    driver, run = run_with(ACCEPTED, running, *[status_answer("SUCCESS")] * 3)
    with pytest.raises(ConformanceFailure, match="neither"):
        status.details_while_running(run, driver.description)


@respx.mock
def test_a_retry_after_wait_cut_short_by_the_budget_is_excused():
    accepted = httpx.Response(
        202, headers={"Location": "/v1/operationStatus/op1", "Retry-After": "100"}
    )
    respx.post(SUBMIT).mock(return_value=accepted)
    respx.get(f"{STATUS_ROOT}/op1").mock(return_value=status_answer("RUNNING"))
    driver, _ = make_driver(polling={"interval": 1, "budget": 10})
    run = driver.run("success")
    assert run.polls[0].waited == 10  # cut at the budget's end
    status.honours_retry_after(run, 10)


@respx.mock
def test_a_retry_after_the_poller_did_not_wait_for_is_a_failure():
    accepted = httpx.Response(
        202, headers={"Location": "/v1/operationStatus/op1", "Retry-After": "5"}
    )
    _, run = run_with(accepted, *[status_answer("SUCCESS")] * 3)
    run.polls[0].waited = 4.0  # as a poller that did not wait would have it
    with pytest.raises(ConformanceFailure, match="waited 4 s"):
        status.honours_retry_after(run, 30)


def test_an_unknown_state_name_hints_at_the_listed_name_it_likely_meant():
    run = make_run(state_read("RUNNING"), state_read("Running", index=2))
    with raises_verdict(ConformanceFailure) as failure:
        status.state_names_known(run, DESCRIPTION)
    assert failure.value.hint == (
        "The state 'Running' is not among dialect.states (FAILED, RUNNING, SUCCESS); did you "
        f"mean 'RUNNING'? {HINT_NAMES}"
    )
