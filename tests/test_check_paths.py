"""The checks on paths no simulator behaviour takes: each reason, boundary and citation."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

import httpx
import pytest
import respx
import schemathesis

from conformance.budget import Budget
from conformance.checks import (
    _common,
    delete,
    model,
    result,
    retention,
    robustness,
    schema,
    status,
    sync,
)
from conformance.description import Description, Role, parse
from conformance.driver import Ended, Exchange, Poll, Reading, Run, Submission, read_state
from conformance.model import Exploration
from conformance.observations import Deletion, Malformed, SafetyTrial
from conformance.openapi import Published
from conformance.retention import Bracket, Retained, Unobserved
from conformance.schedule import Slot
from conformance.verdicts import (
    Blocked,
    Citation,
    ConformanceFailure,
    Inconclusive,
    NotObserved,
    collecting,
)

from .test_driver import BASE, CLASSIC, SUBMIT, make_driver

STATUS = f"{BASE}/v1/operationStatus/op1"
RESOURCE = f"{BASE}/v1/tenants/1/clouds/1/accounts/7"


def _description(**overrides: object) -> Description:
    return parse({**CLASSIC, "base_url": BASE, **overrides}, "test").effective


DESCRIPTION = _description()


E = TypeVar("E", bound=BaseException)


@contextlib.contextmanager
def _raises(kind: type[E], match: str = "") -> Iterator[pytest.ExceptionInfo[E]]:
    """`pytest.raises`, except that a verdict of another kind fails the test: a NotObserved
    (a SKIP) where a FAIL or an ERROR was due must not pass as a skipped test."""
    with pytest.raises(BaseException) as info:
        yield info  # type: ignore[misc]
    if not isinstance(info.value, kind):
        pytest.fail(f"{kind.__name__} expected, got {type(info.value).__name__}: {info.value}")
    assert re.search(match, str(info.value)), str(info.value)


@contextlib.contextmanager
def _cited() -> Iterator[list[Citation]]:
    """The citations a check makes; a NotObserved (a SKIP) where a PASS was due fails the test."""
    with collecting() as cited:
        try:
            yield cited
        except NotObserved as skipped:
            pytest.fail(f"PASS expected, got SKIP: {skipped.reason}")


def _ex(
    code: int | None = 200,
    body: bytes = b"",
    *,
    index: int = 1,
    url: str = STATUS,
    method: str = "GET",
    sent: float = 0.0,
    error: str | None = None,
    **headers: str,
) -> Exchange:
    return Exchange(
        index,
        "x",
        method,
        url,
        [],
        b"",
        sent,
        sent,
        code,
        [(k.replace("_", "-"), v) for k, v in headers.items()],
        body,
        error=error,
    )


def _poll(
    exchange: Exchange,
    body: dict[str, object] | None,
    description: Description = DESCRIPTION,
    waited: float = 0.0,
    retry_after: float | None = None,
) -> Poll:
    """A poll as the driver records it: the state read from `body` as the dialect says."""
    reading = read_state(description.dialect, exchange.status, body)
    return Poll(exchange, body, reading, waited, retry_after)


def _run(*polls: Poll, accepted: Exchange | None = None, **kw: object) -> Run:
    sub = Submission("success", accepted or _ex(202, index=0, url=SUBMIT, method="POST"))
    sub.status_url = httpx.URL(STATUS)
    terminal = next((i for i, p in enumerate(polls) if p.role and p.role.terminal), None)
    return Run(sub, list(polls), Ended.TERMINAL, terminal, **kw)  # type: ignore[arg-type]


def _state(state: str, index: int = 1, **extra: object) -> Poll:
    body = {"operationId": "op1", "status": state, **extra}
    return _poll(_ex(200, b"{}", index=index, content_type="application/json"), body)


# -- _common: why a run stopped, and the prerequisites -----------------------------------


def test_a_run_without_a_status_url_says_why():
    run = _run()
    run.submission.status_url, run.submission.location_problem = None, "no Location header"
    assert _common.reason(run) == "no status URL to poll (no Location header)"


def test_a_run_whose_status_url_was_never_read_says_so():
    assert _common.reason(_run()) == "the status URL was never read"


def test_a_run_stopped_with_a_problem_gives_the_problem():
    run = _run(_state("RUNNING"), problem="the Location moved off the origin")
    run.ended = Ended.STATUS_ERROR
    assert _common.reason(run) == "the Location moved off the origin"


def test_a_run_whose_status_got_no_answer_gives_the_error():
    run = _run(_poll(_ex(None, error="ConnectError: refused"), None))
    run.ended = Ended.NO_ANSWER
    assert _common.reason(run) == "the status resource got no answer: ConnectError: refused"


def test_a_run_that_ended_otherwise_names_how():
    run = _run(_state("RUNNING"))
    run.ended = Ended.NOT_FOLLOWED
    assert _common.reason(run) == "the run ended not-followed"


@pytest.mark.parametrize("code", [404, 410])
def test_a_status_gone_at_the_first_read_leaves_nothing_to_judge(code):
    run = _run(_poll(_ex(code), None))
    run.ended = Ended.STATUS_ERROR
    with _raises(Blocked) as blocked:
        _common.needs_polls(run)
    assert blocked.value.reason == (
        f"the success run has no status to judge: the status resource answered {code}"
    )
    assert blocked.value.exchanges == run.exchanges


def test_a_status_that_answers_at_the_first_read_has_polls():
    run = _run(_state("RUNNING"), _poll(_ex(404, index=2), None))
    assert _common.needs_polls(run) == run.polls


def test_a_run_without_polls_has_no_status_to_judge():
    with _raises(Blocked, match="the success run has no status to judge: the status URL"):
        _common.needs_polls(_run())


def test_a_terminal_state_of_the_other_role_leaves_nothing_to_judge():
    run = _run(_state("RUNNING"), _state("FAILED", index=2))
    with _raises(Blocked) as blocked:
        _common.needs_terminal(run, Role.SUCCESS)
    assert blocked.value.reason == (
        "the success run ended FAILED, a failure state, so there is no success to judge"
    )
    assert blocked.value.exchanges == run.exchanges


def test_a_run_without_a_terminal_state_says_why():
    run = _run(_state("RUNNING"))
    run.ended = Ended.BUDGET
    with _raises(Blocked) as blocked:
        _common.needs_terminal(run, Role.SUCCESS)
    assert blocked.value.reason == (
        "the success run reached no terminal state: no terminal state within the operation budget"
    )
    assert blocked.value.exchanges == run.exchanges


def test_a_terminal_state_of_the_role_asked_for_is_returned():
    run = _run(_state("RUNNING"), _state("SUCCESS", index=2))
    assert _common.needs_terminal(run, Role.SUCCESS) is run.polls[1]


def test_an_exchange_without_an_answer_blocks_naming_what_was_sent():
    ex = _ex(None, error="ReadTimeout: slow")
    with _raises(Blocked) as blocked:
        _common.answered(ex, "DELETE")
    assert blocked.value.reason == "DELETE got no answer: ReadTimeout: slow"
    assert blocked.value.exchanges == [ex]


def test_an_answered_exchange_passes_the_answer_prerequisite():
    assert _common.answered(_ex(500), "DELETE") is None


def test_a_body_read_whole_is_not_cut():
    assert _common.not_cut("STATUS-200-JSON", _ex(200, b"x" * 5000)) is None


# -- STATUS-200-JSON ----------------------------------------------------------------------


def test_a_final_gone_answer_is_not_held_against_the_status_answers():
    run = _run(_state("RUNNING"), _state("SUCCESS", index=2), _poll(_ex(404, index=3), None))
    with _cited() as cited:
        status.answers_200_json(run, DESCRIPTION)
    assert [c.what for c in cited] == ["2 status reads answered 200 with a JSON object"]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls[:2]]


def test_a_gone_answer_before_the_last_read_fails_naming_its_code_and_missing_type():
    run = _run(_state("RUNNING"), _poll(_ex(404, b"gone", index=2), None), _state("SUCCESS", 3))
    with _raises(ConformanceFailure) as failure:
        status.answers_200_json(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-200-JSON"
    assert failure.value.observed == "404 without a Content-Type body b'gone'"
    assert failure.value.expected == "200 with a JSON object, for as long as the id is available"
    assert failure.value.exchanges == [run.polls[1].exchange]


def test_a_status_read_without_an_answer_fails_naming_the_error():
    run = _run(_poll(_ex(None, error="ConnectError: reset"), None), _state("SUCCESS", 2))
    with _raises(ConformanceFailure) as failure:
        status.answers_200_json(run, DESCRIPTION)
    assert failure.value.observed == "ConnectError: reset body b''"


def test_a_200_without_a_json_object_fails_naming_its_type():
    ex = _ex(200, b"[1]", content_type="application/json")
    with _raises(ConformanceFailure) as failure:
        status.answers_200_json(_run(_poll(ex, None)), DESCRIPTION)
    assert failure.value.observed == "200 application/json body b'[1]'"


def test_a_long_body_is_quoted_to_80_bytes():
    ex = _ex(500, b"e" * 80 + b"TAIL")
    with _raises(ConformanceFailure) as failure:
        status.answers_200_json(_run(_poll(ex, None)), DESCRIPTION)
    assert failure.value.observed == f"500 without a Content-Type body {b'e' * 80!r}"


def test_a_status_body_cut_at_the_cap_is_inconclusive_not_a_failure():
    ex = _ex(200, b'{"status": "RUN', content_type="application/json")
    ex.truncated = True
    with _raises(Inconclusive) as inconclusive:
        status.answers_200_json(_run(_poll(ex, None)), DESCRIPTION)
    assert inconclusive.value.requirement.id == "STATUS-200-JSON"
    assert inconclusive.value.exchanges == [ex]


def test_a_read_told_by_its_code_needs_no_body():
    description = _description(
        dialect={
            "http_states": {"202": "running", "200": "success"},
            "status_codes": [200, 202],
            "status_field": "",
        }
    )
    bare = _ex(202, b"")
    run = _run(_poll(bare, None, description))
    with _cited() as cited:
        status.answers_200_json(run, description)
    assert [c.what for c in cited] == [
        "1 status read answered 202; 0 had a JSON object, 1 told the state by the code alone"
    ]
    assert cited[0].exchanges == (bare,)
    # The evidence does not call a read without a body JSON.
    done = _ex(200, b'{"name": "w"}', index=2, content_type="application/json")
    run = _run(_poll(bare, None, description), _poll(done, {"name": "w"}, description))
    with _cited() as cited:
        status.answers_200_json(run, description)
    assert [c.what for c in cited] == [
        "2 status reads answered 200 or 202; 1 had a JSON object, 1 told the state by the code "
        "alone"
    ]


# -- STATUS-STATE-NAMES ------------------------------------------------------------------

LRO = _description(dialect={"name": "google-lro"})
HINT_NAMES = (
    "State names are exact and case-sensitive; if the server is right, list its names under "
    "[dialect.states] in the target description."
)


def test_a_done_flag_that_is_not_a_boolean_fails_quoting_it():
    body = {"name": "operations/1", "done": "yes"}
    run = _run(_poll(_ex(200, b"{}"), body, LRO))
    with _raises(ConformanceFailure) as failure:
        status.state_names_known(run, LRO)
    assert failure.value.requirement.id == "STATUS-STATE-NAMES"
    assert failure.value.observed == "done = 'yes'"
    assert failure.value.expected == "a boolean (true once the operation is done)"
    assert failure.value.exchanges == [run.polls[0].exchange]
    assert failure.value.hint == HINT_NAMES


def test_a_done_flag_that_is_a_boolean_names_the_state():
    bodies = [{"name": "operations/1"}, {"name": "operations/1", "done": True, "response": {}}]
    run = _run(*(_poll(_ex(200, b"{}", index=i), b, LRO) for i, b in enumerate(bodies)))
    with _cited() as cited:
        status.state_names_known(run, LRO)
    assert [c.what for c in cited] == ["state names seen: running, succeeded"]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls]


def test_a_json_body_without_the_status_field_fails_naming_the_field():
    run = _run(_poll(_ex(200, b"{}"), {"operationId": "op1"}))
    with _raises(ConformanceFailure) as failure:
        status.state_names_known(run, DESCRIPTION)
    assert failure.value.observed == "a JSON body without 'status'"
    assert failure.value.expected == "the status field 'status' with one of the state names"


def test_a_json_body_with_no_way_to_tell_the_state_says_so():
    run = _run(_poll(_ex(200, b"{}"), {"other": 1}, LRO))
    with _raises(ConformanceFailure) as failure:
        status.state_names_known(run, LRO)
    assert failure.value.observed == "a JSON body with neither 'done' nor 'name'"


def test_an_unknown_state_name_fails_listing_the_known_ones():
    run = _run(_state("RUNNING"), _state("Running", index=2))
    with _raises(ConformanceFailure) as failure:
        status.state_names_known(run, DESCRIPTION)
    assert failure.value.observed == "status = 'Running'"
    assert failure.value.expected == "one of ['FAILED', 'RUNNING', 'SUCCESS']"
    assert failure.value.exchanges == [run.polls[1].exchange]


def test_a_body_that_is_not_json_is_left_to_the_status_answer_check():
    run = _run(_poll(_ex(200, b"busy"), None), _state("SUCCESS", index=2))
    with _cited() as cited:
        status.state_names_known(run, DESCRIPTION)
    assert [c.what for c in cited] == ["state names seen: SUCCESS"]
    assert cited[0].exchanges == (run.polls[1].exchange,)


def test_an_unknown_name_after_a_body_that_is_not_json_still_fails():
    run = _run(_poll(_ex(200, b"busy"), None), _state("Running", index=2))
    with _raises(ConformanceFailure, match="'Running'"):
        status.state_names_known(run, DESCRIPTION)


def test_an_error_answer_with_a_state_is_not_judged():
    error = _poll(_ex(500, b"{}", index=2), {"status": "Broken"})
    run = _run(_state("RUNNING"), error)
    with _cited() as cited:
        status.state_names_known(run, DESCRIPTION)
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_no_state_named_at_all_is_not_observed():
    run = _run(_poll(_ex(200, b"busy"), None))
    with _raises(NotObserved) as skipped:
        status.state_names_known(run, DESCRIPTION)
    assert skipped.value.reason == "no status body of the success run named a state"
    assert skipped.value.exchanges == run.exchanges


# -- STATUS-ID-MATCH ------------------------------------------------------------------------


def test_an_id_other_than_the_acceptances_fails_citing_both():
    run = _run(_state("RUNNING"), _poll(_ex(200, b"{}", index=2), {"operationId": "op2"}))
    run.submission.operation_id = "op1"
    with _raises(ConformanceFailure) as failure:
        status.id_matches_url(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-ID-MATCH"
    assert failure.value.observed == f"operationId = 'op2' at {STATUS}"
    assert failure.value.expected == "'op1', the id the acceptance gave"
    assert failure.value.exchanges == [run.submission.exchange, run.polls[1].exchange]


@pytest.mark.parametrize(
    ("code", "body"), [(404, {"operationId": "other"}), (200, {"operationId": None})]
)
def test_an_id_in_an_error_answer_or_a_null_one_is_not_judged(code, body):
    run = _run(_state("SUCCESS"), _poll(_ex(code, b"{}", index=2), body))
    run.submission.operation_id = "op1"
    with _cited() as cited:
        status.id_matches_url(run, DESCRIPTION)
    assert [c.what for c in cited] == ["1 status body named the operation's own id"]
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_status_bodies_without_an_id_are_not_observed():
    run = _run(_poll(_ex(200, b"{}"), {"status": "SUCCESS"}))
    with _raises(NotObserved) as skipped:
        status.id_matches_url(run, DESCRIPTION)
    assert skipped.value.reason == "no status body of the success run named an id in 'operationId'"
    assert skipped.value.exchanges == run.exchanges


# -- STATUS-MEDIA-TYPE ----------------------------------------------------------------------


@pytest.mark.parametrize("code", [400, 404, 503])
def test_an_error_answers_body_need_not_be_json(code):
    accepted = _ex(202, b'{"a": 1}', index=0, url=SUBMIT, content_type="application/json")
    error = _ex(code, b"bad", index=2, content_type="text/plain")
    run = _run(_state("RUNNING"), _poll(error, None), accepted=accepted)
    with _cited() as cited:
        status.json_media_type(run)
    assert [c.what for c in cited] == ["2 bodies labelled as JSON"]
    assert list(cited[0].exchanges) == [accepted, run.polls[0].exchange]


def test_a_399_body_must_be_json():
    run = _run(_state("RUNNING"), _poll(_ex(399, b"x", index=2, content_type="text/plain"), None))
    with _raises(ConformanceFailure, match="a status body labelled text/plain"):
        status.json_media_type(run)


def test_an_acceptance_error_body_must_be_json_too():
    accepted = _ex(400, b"bad", index=0, url=SUBMIT, content_type="text/plain")
    with _raises(ConformanceFailure) as failure:
        status.json_media_type(_run(accepted=accepted))
    assert failure.value.requirement.id == "STATUS-MEDIA-TYPE"
    assert failure.value.observed == "an acceptance body labelled text/plain"
    assert failure.value.expected == "Content-Type: application/json (or a +json type)"
    assert failure.value.exchanges == [accepted]
    assert failure.value.hint == (
        "Label JSON bodies as JSON so that clients and proxies read them as such."
    )


def test_bodies_of_whitespace_or_transport_errors_are_not_judged():
    blank = _ex(200, b"  \n", index=1, content_type="text/plain")
    broken = _ex(None, b"partial", index=2, error="ReadError: reset")
    run = _run(_poll(blank, None), _poll(broken, None))
    with _raises(NotObserved) as skipped:
        status.json_media_type(run)
    assert skipped.value.reason == "neither the acceptance nor any status read had a body"
    assert skipped.value.exchanges == run.exchanges


# -- STATUS-DETAILS -------------------------------------------------------------------------


def test_progress_that_stays_level_does_not_decrease():
    run = _run(_state("RUNNING", progress=50), _state("RUNNING", 2, progress=50))
    with _cited() as cited:
        status.details_while_running(run, DESCRIPTION)
    assert [c.what for c in cited] == ["2 running reads gave details"]


def test_a_null_progress_beside_a_message_is_no_progress():
    run = _run(_state("RUNNING", progress=60), _state("RUNNING", 2, msg="copy", progress=None))
    run.polls.append(_state("RUNNING", 3, progress=70))
    with _cited() as cited:
        status.details_while_running(run, DESCRIPTION)
    assert len(cited[0].exchanges) == 3


def test_a_running_read_of_an_error_answer_is_not_judged():
    error = _poll(_ex(500, b"{}", index=2), {"status": "RUNNING"})
    error.reading = Reading("RUNNING", Role.RUNNING, "field")
    run = _run(_state("RUNNING", progress=5), error)
    with _cited() as cited:
        status.details_while_running(run, DESCRIPTION)
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_a_run_never_seen_running_cites_its_exchanges_as_not_observed():
    run = _run(_state("SUCCESS"))
    with _raises(NotObserved) as skipped:
        status.details_while_running(run, DESCRIPTION)
    assert skipped.value.exchanges == run.exchanges


def test_a_read_with_neither_detail_cites_that_read():
    run = _run(_state("RUNNING", progress=1), _state("RUNNING", 2, msg=" "))
    with _raises(ConformanceFailure) as failure:
        status.details_while_running(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-DETAILS"
    assert failure.value.exchanges == [run.polls[1].exchange]


def test_progress_going_down_names_the_requirement_and_what_is_expected():
    run = _run(_state("RUNNING", progress=9), _state("RUNNING", 2, progress=8))
    with _raises(ConformanceFailure) as failure:
        status.details_while_running(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-DETAILS"
    assert failure.value.expected == "progress that never decreases"


# -- STATUS-SAFE: a trial that could not run --------------------------------------------------


def test_a_safety_trial_that_could_not_run_blocks_with_its_problem():
    sub = Submission("success", _ex(500, index=0, url=SUBMIT, method="POST"))
    trial = SafetyTrial(often=[], once=_state("RUNNING"), problem="no twin", submissions=[sub])
    with _raises(Blocked) as blocked:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert blocked.value.reason == "no twin"
    assert blocked.value.exchanges == [sub.exchange]


@pytest.mark.parametrize(
    ("bad", "shown"), [(_ex(503, index=2), "503"), (_ex(None, error="E: x", index=2), "E: x")]
)
def test_a_safety_trial_read_without_a_state_blocks_naming_it(bad, shown):
    trial = SafetyTrial(often=[_state("RUNNING"), _poll(bad, None)], once=_state("RUNNING", 3))
    with _raises(Blocked) as blocked:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert blocked.value.reason == f"a status read answered {shown} with no state"
    assert blocked.value.exchanges == [bad]


def test_a_once_read_without_a_state_blocks_too():
    once = _poll(_ex(404, index=3), None)
    trial = SafetyTrial(often=[_state("RUNNING")], once=once)
    with _raises(Blocked, match="a status read answered 404 with no state"):
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)


def test_with_an_exact_clock_operations_that_stay_together_pass():
    often = [_state("RUNNING", progress=5), _state("RUNNING", 2, progress=5)]
    trial = SafetyTrial(often=often, once=_state("RUNNING", 3, progress=5))
    with _cited() as cited:
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
    polls = [_state(s, i, progress=p) for i, (s, p) in enumerate(often)]
    trial = SafetyTrial(often=polls, once=_state(once[0], 9, progress=once[1]))
    with _raises(ConformanceFailure) as failure:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert failure.value.requirement.id == "STATUS-SAFE"
    assert failure.value.expected == (
        "both at the same (state, progress): reads do not drive the work"
    )
    assert failure.value.hint == (
        "A GET on the status must only read; move the operation on with time or work."
    )
    assert failure.value.exchanges == [p.exchange for p in [*polls, trial.once]]


# -- STATUS-RETRY-AFTER -------------------------------------------------------------------


def _waits(asked: str | None, *polls: tuple[float, float, float | None]) -> Run:
    """A run accepted at 0 (with Retry-After `asked`), polled as (sent at, waited, retry after)."""
    headers = {"retry_after": asked} if asked is not None else {}
    accepted = _ex(202, index=0, url=SUBMIT, method="POST", **headers)
    made = [
        _poll(
            _ex(200, b"{}", index=i + 1, sent=sent), {"status": "RUNNING"}, waited=w, retry_after=r
        )
        for i, (sent, w, r) in enumerate(polls)
    ]
    return _run(*made, accepted=accepted)


def test_retry_after_of_each_answer_sets_the_next_wait():
    run = _waits("5", (5, 5, 3), (8, 3, None), (10, 2, None))
    with _cited() as cited:
        status.honours_retry_after(run, 30)
    assert [c.what for c in cited] == ["2 polls waited as Retry-After asked"]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls[:2]]


def test_a_status_answers_retry_after_the_poller_cut_short_fails_at_the_next_poll():
    run = _waits(None, (1, 1, 3), (3, 2, None))
    with _raises(ConformanceFailure) as failure:
        status.honours_retry_after(run, 30)
    assert failure.value.requirement.id == "STATUS-RETRY-AFTER"
    assert failure.value.observed == "the poller waited 2 s"
    assert failure.value.expected == "a wait of 3 s, as Retry-After asked"
    assert failure.value.exchanges == [run.polls[1].exchange]


def test_a_wait_shorter_than_asked_but_within_the_budget_fails():
    # The budget (10 s) had 10 s left when the wait began at 0: 5 s is short of 100 s.
    with _raises(ConformanceFailure, match="waited 5 s"):
        status.honours_retry_after(_waits("100", (5, 5, None)), 10)


def test_a_poll_after_the_budget_ended_owes_no_wait():
    run = _waits("100", (20, 0, None))
    with _cited() as cited:
        status.honours_retry_after(run, 10)
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_a_wait_short_by_exactly_the_rounding_allowance_is_honoured():
    status.honours_retry_after(_waits("3", (3, 3 - 1e-9, None)), 30)


def test_a_wait_short_of_the_asked_only_by_rounding_is_honoured():
    run = _waits("3", (3, 3 - 1e-10, None))
    with _cited() as cited:
        status.honours_retry_after(run, 30)
    assert cited[0].exchanges == (run.polls[0].exchange,)


def test_no_retry_after_leaves_nothing_to_honour():
    with _raises(NotObserved) as skipped:
        status.honours_retry_after(_waits(None, (1, 1, None)), 30)
    assert skipped.value.reason == "the target sent no Retry-After, so there was nothing to honour"


# -- RESULT-URL and RESULT-FAILED-MSG -----------------------------------------------------


def _succeeded(**body: object) -> Run:
    return _run(_state("RUNNING"), _state("SUCCESS", 2, **body))


def test_a_dialect_without_a_result_url_leaves_nothing_to_read():
    driver, _ = make_driver(dialect={"result_url": "none"})
    with _raises(NotObserved) as skipped:
        result.success_names_resource(_succeeded(), driver)
    assert skipped.value.reason == "the dialect names no result URL (result_url = 'none')"


def test_a_success_without_its_result_url_fails_saying_what_is_missing():
    driver, _ = make_driver()
    run = _succeeded()
    with _raises(ConformanceFailure) as failure:
        result.success_names_resource(run, driver)
    assert failure.value.requirement.id == "RESULT-URL"
    assert failure.value.observed == driver.resource_url(run)
    assert failure.value.expected == (
        "the URL of the resource the operation produced (body:resourceUrl)"
    )
    assert failure.value.exchanges == [run.polls[1].exchange]


@respx.mock
def test_a_result_url_on_another_origin_is_not_followed():
    driver, _ = make_driver()
    run = _succeeded(resourceUrl="https://elsewhere.test/accounts/7")
    with _raises(Blocked) as blocked:
        result.success_names_resource(run, driver)
    assert blocked.value.reason == (
        "the resource URL 'https://elsewhere.test/accounts/7' is on another origin "
        "(https://elsewhere.test:443), so the suite did not follow it. If that origin belongs "
        "to the target, list it in allowed_origins in the target description."
    )
    assert blocked.value.exchanges == [run.polls[1].exchange]
    assert not respx.calls


@respx.mock
def test_a_result_that_got_no_answer_fails_naming_the_error():
    respx.get(RESOURCE).mock(side_effect=httpx.ConnectError("refused"))
    driver, _ = make_driver()
    run = _succeeded(resourceUrl=RESOURCE)
    with _raises(ConformanceFailure) as failure:
        result.success_names_resource(run, driver)
    assert failure.value.observed == f"GET {RESOURCE} answered ConnectError: refused"
    assert failure.value.expected == "2xx"
    assert failure.value.exchanges[0] is run.polls[1].exchange
    assert [e.url for e in failure.value.exchanges] == [STATUS, RESOURCE]


@pytest.mark.parametrize(("code", "holds"), [(200, True), (204, True), (299, True), (300, False)])
@respx.mock
def test_a_result_holds_for_any_2xx(code, holds):
    respx.get(RESOURCE).respond(code)
    driver, _ = make_driver()
    run = _succeeded(resourceUrl=RESOURCE)
    if not holds:
        with _raises(ConformanceFailure, match=f"answered {code}"):
            result.success_names_resource(run, driver)
        return
    with _cited() as cited:
        result.success_names_resource(run, driver)
    assert [c.what for c in cited] == [f"the result {RESOURCE} answered {code}"]
    assert cited[0].exchanges[0] is run.polls[1].exchange
    assert [e.url for e in cited[0].exchanges] == [STATUS, RESOURCE]


@respx.mock
def test_the_result_is_read_with_the_operations_cookies():
    route = respx.get(RESOURCE).respond(200)
    driver, _ = make_driver()
    run = _succeeded(resourceUrl=RESOURCE)
    run.submission.jar = httpx.Cookies()
    run.submission.jar.set("session", "s1", domain="api.example.test")
    with _cited() as cited:
        result.success_names_resource(run, driver)
    assert route.calls[0].request.headers["cookie"] == "session=s1"
    assert cited[0].exchanges[1].label == "read result"


@pytest.mark.parametrize(
    ("body", "shown"), [({}, "msg = None"), ({"msg": 42}, "msg = 42"), ({"msg": ""}, "msg = ''")]
)
def test_a_failure_without_a_message_quotes_what_it_had(body, shown):
    run = _run(_state("FAILED", **body))
    with _raises(ConformanceFailure) as failure:
        result.failure_has_message(run, DESCRIPTION)
    assert failure.value.observed == shown
    assert failure.value.expected == "a message that says why the operation failed"
    assert failure.value.exchanges == [run.polls[0].exchange]


def test_a_failure_message_is_cited_up_to_80_characters():
    run = _run(_state("FAILED", msg="q" * 80 + "TAIL"))
    with _cited() as cited:
        result.failure_has_message(run, DESCRIPTION)
    assert [c.what for c in cited] == [f"msg = {'q' * 80!r}"]
    assert cited[0].exchanges == (run.polls[0].exchange,)


# -- DELETE ------------------------------------------------------------------------------


def _deletion(answer: Exchange | None, *reads: Exchange, **kw: object) -> Deletion:
    return Deletion(_run(_state("SUCCESS")), answer, list(reads), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("check", [delete.answers_204, delete.no_content_length])
def test_a_dialect_that_names_no_resource_has_nothing_to_delete(check):
    with _raises(NotObserved) as skipped:
        check(_deletion(None, problem="no resource URL", unnamed=True))
    assert skipped.value.reason == "no resource URL"


@pytest.mark.parametrize(("problem", "reason"), [("off origin", "off origin"), (None, None)])
def test_a_resource_that_could_not_be_deleted_blocks_citing_the_last_exchange(problem, reason):
    deletion = _deletion(None, problem=problem)
    with _raises(Blocked) as blocked:
        delete.gone_after_delete(deletion, 5.0)
    assert blocked.value.reason == (reason or "nothing was deleted")
    assert blocked.value.exchanges == [deletion.run.polls[-1].exchange]


def test_a_delete_without_an_answer_blocks():
    answer = _ex(None, method="DELETE", error="ConnectError: refused")
    with _raises(Blocked) as blocked:
        delete.answers_204(_deletion(answer))
    assert blocked.value.reason == "DELETE got no answer: ConnectError: refused"


@pytest.mark.parametrize(
    ("code", "body", "length", "shown"),
    [
        (200, b"", None, "200 with 0 bytes of content"),
        (204, b"", " 5 ", "204 with 5 bytes of content"),
        (204, b"abc", "1", "204 with 3 bytes of content"),
        (204, b"", "12", "204 with 12 bytes of content"),
        (204, b"", "1", "204 with 1 byte of content"),
    ],
)
def test_a_delete_answer_with_content_says_how_much(code, body, length, shown):
    headers = {"content_length": length} if length is not None else {}
    answer = _ex(code, body, method="DELETE", **headers)
    with _raises(ConformanceFailure) as failure:
        delete.answers_204(_deletion(answer))
    assert failure.value.requirement.id == "DELETE-204"
    assert failure.value.observed == shown
    assert failure.value.expected == "204 No Content, with no content"
    assert failure.value.hint == (
        "Answer DELETE with 204 and an empty body, and delete in the background."
    )
    assert failure.value.exchanges == [answer]


@pytest.mark.parametrize("length", ["abc", "-3", ""])
def test_a_content_length_that_is_no_count_declares_nothing(length):
    answer = _ex(204, method="DELETE", content_length=length)
    with _cited() as cited:
        delete.answers_204(_deletion(answer))
    assert [c.what for c in cited] == ["DELETE answered 204 with no content"]
    assert cited[0].exchanges == (answer,)


def test_a_delete_answered_otherwise_than_204_has_no_content_length_rule():
    answer = _ex(200, method="DELETE", content_length="0")
    with _raises(NotObserved) as skipped:
        delete.no_content_length(_deletion(answer))
    assert skipped.value.reason == "DELETE answered 200: the rule is about 204 answers"
    assert skipped.value.exchanges == [answer]


def test_a_204_with_a_content_length_of_zero_still_breaks_the_rule():
    answer = _ex(204, method="DELETE", content_length="0")
    with _raises(ConformanceFailure) as failure:
        delete.no_content_length(_deletion(answer))
    assert failure.value.requirement.id == "DELETE-NO-CONTENT-LENGTH"
    assert failure.value.observed == "Content-Length: 0"
    assert failure.value.expected == "no Content-Length header on a 204"
    assert failure.value.exchanges == [answer]


def test_a_204_without_a_content_length_passes():
    answer = _ex(204, method="DELETE")
    with _cited() as cited:
        delete.no_content_length(_deletion(answer))
    assert [c.what for c in cited] == ["the 204 carried no Content-Length"]
    assert cited[0].exchanges == (answer,)


def test_a_delete_with_no_reads_after_it_has_nothing_to_watch():
    answer = _ex(202, method="DELETE")
    with _raises(Blocked) as blocked:
        delete.gone_after_delete(_deletion(answer), 5.0)
    assert blocked.value.reason == "DELETE answered 202; nothing to watch"
    assert blocked.value.exchanges == [answer]


@pytest.mark.parametrize(
    ("last", "shown"), [(_ex(200, index=3), "200"), (_ex(500, index=3), "500")]
)
def test_a_resource_still_there_after_the_delete_budget_fails(last, shown):
    answer = _ex(204, method="DELETE")
    with _raises(ConformanceFailure) as failure:
        delete.gone_after_delete(_deletion(answer, _ex(200, index=2), last), 2.5)
    assert failure.value.observed == (
        f"2 reads over 2.5 s after the DELETE; the last answered {shown}"
    )
    assert failure.value.expected == "404 (or 410) within the delete budget"
    assert failure.value.hint == "Raise polling.delete_budget if your background deletion is slow."
    assert failure.value.exchanges == [answer, last]


@pytest.mark.parametrize(
    ("last", "shown"),
    [
        (_ex(503, index=3), "503"),
        (_ex(429, index=3), "429"),
        (_ex(None, index=3, error="E: x"), "E: x"),
    ],
)
def test_a_last_read_that_says_nothing_about_the_resource_is_inconclusive(last, shown):
    answer = _ex(204, method="DELETE")
    with _raises(Inconclusive) as inconclusive:
        delete.gone_after_delete(_deletion(answer, _ex(200, index=2), last), 2.5)
    assert inconclusive.value.requirement.id == "DELETE-GONE"
    assert inconclusive.value.reason == (
        f"the last read after the DELETE got no usable answer ({shown})"
    )
    assert inconclusive.value.exchanges == [answer, last]


def test_a_resource_gone_after_the_delete_cites_the_delete_and_the_last_read():
    answer, gone = _ex(204, method="DELETE"), _ex(410, index=3)
    with _cited() as cited:
        delete.gone_after_delete(_deletion(answer, _ex(200, index=2), gone), 5.0)
    assert [c.what for c in cited] == ["the resource answered 410 after the DELETE"]
    assert cited[0].exchanges == (answer, gone)


# -- SYNC-STATE ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "body"), [(199, b"{}"), (204, b"{}"), (300, b"{}"), (200, b" \n"), (200, b"")]
)
def test_a_synchronous_answer_without_a_2xx_state_fails(code, body):
    ex = _ex(code, body)
    with _raises(ConformanceFailure) as failure:
        sync.answers_with_state(ex, "reading it")
    assert failure.value.requirement.id == "SYNC-STATE"
    assert failure.value.observed == f"reading it answered {code} with {len(body)} bytes"
    assert failure.value.expected == "2xx with the current state in the body"
    assert failure.value.exchanges == [ex]


@pytest.mark.parametrize(
    ("code", "body", "content_type"),
    [
        (200, b'{"state": "ok"}', "application/json"),
        (299, b"[1, 2]", "application/json"),  # JSON, if not an object
        (201, b"state: ok", "text/plain"),  # not JSON, and not said to be
        (200, b"<ok/>", None),
    ],
)
def test_a_synchronous_2xx_with_a_body_holds(code, body, content_type):
    headers = {"content_type": content_type} if content_type else {}
    ex = _ex(code, body, **headers)
    with _cited() as cited:
        sync.answers_with_state(ex, "reading it")
    assert [c.what for c in cited] == [f"reading it answered {code} with {len(body)} bytes"]
    assert cited[0].exchanges == (ex,)


@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json"])
def test_a_body_labelled_json_that_does_not_parse_fails(content_type):
    ex = _ex(200, b"{state: ok}", content_type=content_type)
    with _raises(ConformanceFailure) as failure:
        sync.answers_with_state(ex, "reading it")
    assert failure.value.observed == "reading it declared JSON but sent b'{state: ok}'"
    assert failure.value.expected == "a body that parses as its Content-Type says"
    assert failure.value.exchanges == [ex]


def test_a_synchronous_call_without_an_answer_blocks():
    ex = _ex(None, error="ConnectError: refused")
    with _raises(Blocked) as blocked:
        sync.answers_with_state(ex, "reading it")
    assert blocked.value.reason == "reading it got no answer: ConnectError: refused"
    assert blocked.value.exchanges == [ex]


# -- the lifecycle model -------------------------------------------------------------------


def test_a_flaky_finding_keeps_its_own_hint_before_the_note():
    ex = _ex(200)
    found = ConformanceFailure("TRANS-MODEL", "o", "e", [ex], hint="Look.", steps=["1. x"])
    exploration = Exploration(findings={"TRANS-MODEL": found}, flaky={"TRANS-MODEL"})
    with _raises(ConformanceFailure) as failure:
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
        findings={"TRANS-MODEL": found}, evidence={"STATUS-SAFE": [_ex(200)]}, steps=3
    )
    with _cited() as cited:
        model.model_holds(exploration, "STATUS-SAFE")
    assert [c.what for c in cited] == [
        "the lifecycle model: 1 answer in 3 drawn steps held to STATUS-SAFE"
    ]


def test_a_requirement_marked_flaky_without_a_finding_is_judged_by_its_evidence():
    evidence = [_ex(200)]
    exploration = Exploration(evidence={"TRANS-MODEL": evidence}, flaky={"TRANS-MODEL"}, steps=4)
    with _cited() as cited:
        model.model_holds(exploration, "TRANS-MODEL")
    assert list(cited[0].exchanges) == evidence


def test_a_model_that_could_not_run_blocks():
    exploration = Exploration(problem="no scenario", evidence={"TRANS-MODEL": [_ex(200)]})
    with _raises(Blocked) as blocked:
        model.model_holds(exploration, "TRANS-MODEL")
    assert blocked.value.reason == "the lifecycle model could not run: no scenario"


def test_a_model_that_saw_nothing_of_the_requirement_is_not_observed():
    exploration = Exploration(evidence={"TRANS-MODEL": []}, steps=7)
    with _raises(NotObserved) as skipped:
        model.model_holds(exploration, "TRANS-MODEL")
    assert skipped.value.reason == "the lifecycle model's 7 steps showed nothing of TRANS-MODEL"


@pytest.mark.parametrize(("shown", "count"), [({}, 2), ({"TRANS-MODEL": 40}, 40)])
def test_a_model_that_held_cites_its_evidence(shown, count):
    evidence = [_ex(200), _ex(202, index=2)]
    exploration = Exploration(evidence={"TRANS-MODEL": evidence}, shown=shown, steps=9)
    with _cited() as cited:
        model.model_holds(exploration, "TRANS-MODEL")
    assert [c.what for c in cited] == [
        f"the lifecycle model: {count} answers in 9 drawn steps held to TRANS-MODEL"
    ]
    assert list(cited[0].exchanges) == evidence


# -- ROBUST-SUBMIT: malformed submissions ------------------------------------------------

QUICK = Budget(examples=12)
SUBMIT_HINT = (
    "Validate the request before starting work; a malformed body is the client's mistake "
    "(4xx), never the server's (5xx). "
)


class _Server:
    """Answers malformed submissions: `strict` ones (not JSON objects) and `lenient` (odd) ones."""

    def __init__(self, strict: int | None, lenient: int | None, listing: Exchange | None = None):
        self.strict, self.lenient, self.listing = strict, lenient, listing
        self.sent: list[tuple[Malformed, Exchange]] = []
        self.settled = 0

    def submit(self, bad: Malformed) -> Exchange:
        code = self.strict if bad.strict else self.lenient
        error = None if code is not None else "ConnectError: reset"
        ex = _ex(code, index=len(self.sent) + 1, url=SUBMIT, method="POST", error=error)
        self.sent.append((bad, ex))
        return ex

    def settle(self) -> Exchange | None:
        self.settled += 1
        return self.listing

    def markers(self) -> bytes:
        return " ".join(bad.marker for bad, _ in self.sent if bad.marker).encode()

    def judge(self, budget: Budget = QUICK) -> None:
        template = {"name": "acct", "size": 3}
        robustness.malformed_submissions_refused(self.submit, template, budget, self.settle)


@pytest.mark.parametrize("template", [None, ["a"], "text"])
def test_a_scenario_without_a_json_object_has_nothing_to_make_malformed(template):
    with _raises(NotObserved) as skipped:
        robustness.malformed_submissions_refused(lambda bad: _ex(400), template, QUICK, list)
    assert skipped.value.reason == "the scenario sends no JSON object to make malformed variants of"


@pytest.mark.parametrize(("strict", "lenient"), [(400, 422), (499, 400)])
def test_refusals_that_do_not_show_up_later_pass_citing_the_listing(strict, lenient):
    listing = _ex(200, b'{"items": []}', index=99, url=SUBMIT)
    server = _Server(strict, lenient, listing)
    with _cited() as cited:
        server.judge()
    assert server.settled == 1
    n = len(server.sent)
    assert [c.what for c in cited] == [
        f"{n} malformed submissions got no server error, and a 4xx each one that is not a "
        "JSON object: first 19 made from the scenario's body (the body as another JSON type, "
        f"cut short and empty; 2 fields as every other JSON type, as null and removed), then "
        f"{n - 19} drawn at random"
    ]
    spread = [server.sent[round(i * (n - 1) / 7)][1] for i in range(8)]
    assert list(cited[0].exchanges) == [*spread, listing]


def test_with_odd_input_accepted_the_refused_json_string_body_is_still_looked_for():
    # The coverage set's JSON string body is the variant's marker: refused, it is looked for.
    listing = _ex(200, index=99)
    server = _Server(400, 202, listing)
    with _cited() as cited:
        server.judge()
    assert server.settled == 1
    assert cited[0].exchanges[-1] is listing


def test_without_a_listing_the_refusals_alone_are_cited():
    server = _Server(400, 400, None)
    with _cited() as cited:
        server.judge()
    assert server.settled == 1
    n = len(server.sent)
    assert list(cited[0].exchanges) == [server.sent[round(i * (n - 1) / 7)][1] for i in range(8)]


class _Showing(_Server):
    """A server whose listing shows every marker it was sent (its refusals started work)."""

    def settle(self) -> Exchange | None:
        assert self.listing is not None
        self.listing.body = self.markers()
        return super().settle()


def test_a_refused_submission_that_shows_up_later_fails():
    listing = _ex(200, index=99, url=f"{BASE}/v1/accounts")
    server = _Showing(400, 400, listing)
    with _raises(ConformanceFailure) as failure:
        server.judge()
    refused = next(ex for bad, ex in server.sent if bad.marker)
    marker = next(bad.marker for bad, _ in server.sent if bad.marker)
    assert failure.value.requirement.id == "ROBUST-SUBMIT"
    assert failure.value.observed == (
        f"a submission refused with 400 shows up in GET {BASE}/v1/accounts ({marker!r})"
    )
    assert failure.value.expected == "a refused submission starts no operation and creates nothing"
    assert failure.value.exchanges == [refused, listing]


def test_a_listing_that_got_no_answer_shows_nothing():
    listing = _ex(None, index=99, error="ReadError: reset")
    server = _Showing(400, 400, listing)
    with _cited() as cited:
        server.judge()
    assert cited[0].exchanges[-1] is listing


@pytest.mark.parametrize(
    ("strict", "lenient", "shown", "expected"),
    [
        (500, 400, "500", "a 4xx refusal"),
        (399, 400, "399", "a 4xx refusal"),
        (202, 400, "202", "a 4xx refusal"),
        (400, 500, "500", "a refusal (4xx) or an acceptance"),
        (400, None, "ConnectError: reset", "a refusal (4xx) or an acceptance"),
    ],
)
def test_a_malformed_submission_answered_wrongly_fails(strict, lenient, shown, expected):
    server = _Server(strict, lenient)
    with _raises(ConformanceFailure) as failure:
        server.judge(Budget(examples=12, rerun="pytest --conformance-seed=1"))
    last_bad, last_ex = server.sent[-1]
    assert last_bad.variant  # the coverage set, sent first, finds it
    assert failure.value.observed == f"{shown} to {last_bad.variant}"
    assert failure.value.expected == expected
    assert failure.value.exchanges == [last_ex]
    assert failure.value.hint == (
        SUBMIT_HINT + "Rerun (the same inputs every run): pytest --conformance-seed=1"
    )


class _ShowingOdd(_Server):
    """A server whose listing shows the markers of the odd (lenient) submissions it was sent."""

    def settle(self) -> Exchange | None:
        assert self.listing is not None
        self.listing.body = " ".join(b.marker for b, _ in self.sent if not b.strict).encode()
        return super().settle()


def test_odd_input_may_be_accepted_or_redirected_but_not_refused_with_5xx():
    # Redirected is not refused: what the listing shows of the redirected ones is no failure.
    listing = _ex(200, index=99, url=f"{BASE}/v1/accounts")
    server = _ShowingOdd(400, 302, listing)
    with _cited():
        server.judge()
    assert server.settled == 1 and listing.body.strip()


# -- ROBUST-IDS ------------------------------------------------------------------------------

IDS_HINT = (
    "Look the id up and answer 404 for anything not issued, whatever its characters; never let "
    "it reach code that fails with 5xx. "
)


class _Ids:
    def __init__(self, answer: Callable[[str], int | None]):
        self.answer = answer
        self.sent: list[Exchange] = []

    def probe(self, other: str, kind: str = "") -> Exchange:
        code = self.answer(other)
        error = None if code is not None else "ConnectError: reset"
        ex = _ex(code, index=len(self.sent), error=error)
        self.sent.append(ex)
        return ex


def test_a_status_url_with_no_place_for_an_id_is_not_observed():
    with _raises(NotObserved) as skipped:
        robustness.unknown_ids_refused(
            lambda other, kind="": "no id in the URL", QUICK, frozenset()
        )
    assert skipped.value.reason == "no id in the URL"


@pytest.mark.parametrize(("code", "allowed"), [(404, frozenset()), (403, frozenset({403}))])
def test_refused_ids_pass_citing_the_first_eight(code, allowed):
    ids = _Ids(lambda other: code)
    with _cited() as cited:
        robustness.unknown_ids_refused(ids.probe, QUICK, allowed)
    n = len(ids.sent)
    assert [c.what for c in cited] == [
        f"{n} ids never issued were refused: first 10 of fixed classes (never issued, a uuid, "
        "a number, 1024 characters, unicode, a slash, a parent segment, spaces, a percent "
        f"sign, a NUL character), then {n - 10} drawn at random"
    ]
    assert list(cited[0].exchanges) == [ids.sent[round(i * (n - 1) / 7)] for i in range(8)]


@pytest.mark.parametrize(
    ("code", "allowed", "listed"),
    [
        (500, frozenset(), "[400, 404, 410, 414]"),
        (200, frozenset({403}), "[400, 403, 404, 410, 414]"),
        (None, frozenset(), "[400, 404, 410, 414]"),
    ],
)
def test_a_never_issued_id_that_is_not_refused_fails_first(code, allowed, listed):
    ids = _Ids(lambda other: code if other.startswith("robust-") else 404)
    with _raises(ConformanceFailure) as failure:
        robustness.unknown_ids_refused(ids.probe, Budget(rerun="again"), allowed)
    shown = code or "ConnectError: reset"
    assert re.fullmatch(
        rf"the id 'robust-[0-9a-f]{{8}}' \(never issued\) answered {shown}", failure.value.observed
    )
    assert failure.value.expected == f"one of {listed}: an unknown id is a client's mistake"
    assert failure.value.exchanges == [ids.sent[0]]
    assert failure.value.hint == IDS_HINT + "Rerun (the same inputs every run): again"
    assert len(ids.sent) == 1


def test_a_long_malformed_id_that_fails_is_quoted_to_60_characters():
    ids = _Ids(lambda other: 500 if len(other) > 100 else 404)
    with _raises(ConformanceFailure) as failure:
        robustness.unknown_ids_refused(ids.probe, QUICK, frozenset())
    shown = ("0123456789abcdef" * 4)[:60]
    assert failure.value.observed == f"the id '{shown}' (1024 characters) answered 500"
    assert failure.value.exchanges == [ids.sent[-1]]


# -- SCHEMA-RESPONSES ------------------------------------------------------------------------

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/v1/operationStatus/{id}": {
            "get": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "the status",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["status"],
                                    "properties": {"status": {"type": "string"}},
                                }
                            }
                        },
                    }
                },
            }
        },
        "/v1/accounts": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string", "maxLength": 8}},
                            }
                        }
                    },
                },
                "responses": {"202": {"description": "accepted"}},
            }
        },
    },
}


def _published(fetched: Exchange | None = None) -> Published:
    schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config())
    return Published(schema, "api.json", fetched)


def _json(
    code: int, body: bytes, index: int = 1, url: str = STATUS, method: str = "GET"
) -> Exchange:
    return _ex(code, body, index=index, url=url, method=method, content_type="application/json")


def test_answers_that_match_the_document_pass_citing_the_document_first():
    fetched = _ex(200, b"{}", index=0, url=f"{BASE}/openapi.json")
    dropped = _json(200, b"", index=2)
    dropped.body_dropped = 120
    answers = [_json(200, b'{"status": "RUNNING"}'), dropped, _json(200, b'{"status": "X"}', 3)]
    with _cited() as cited:
        schema.answers_match_document(_published(fetched), answers)
    assert [c.what for c in cited] == [
        "2 answers matched the published OpenAPI document (1 middle read of long operations "
        "was not kept whole)"
    ]
    assert list(cited[0].exchanges) == [fetched, answers[0], answers[2]]


def test_answers_kept_whole_are_cited_without_a_note():
    answer = _json(200, b'{"status": "RUNNING"}')
    with _cited() as cited:
        schema.answers_match_document(_published(), [answer])
    assert [c.what for c in cited] == ["1 answer matched the published OpenAPI document"]
    assert cited[0].exchanges == (answer,)


def test_an_undocumented_route_that_answers_404_is_not_judged():
    missing = _ex(404, url=f"{BASE}/v1/nowhere")
    broken = _ex(None, url=f"{BASE}/v1/nowhere", error="ConnectError: reset")
    cut = _json(200, b'{"status": "RUNNING"}')
    cut.error = "ReadTimeout: the body stopped"  # an answer whose body did not come whole
    with _raises(NotObserved) as skipped:
        schema.answers_match_document(_published(), [missing, broken, cut])
    assert skipped.value.reason == "no answer of a documented operation to validate"


def test_an_undocumented_operation_that_answers_fails():
    ex = _ex(200, b"{}", url=f"{BASE}/v1/nowhere?x=1", method="DELETE")
    with _raises(ConformanceFailure) as failure:
        schema.answers_match_document(_published(), [ex])
    assert failure.value.requirement.id == "SCHEMA-RESPONSES"
    assert failure.value.observed == "DELETE /v1/nowhere is not in the published document"
    assert failure.value.expected == "every operation of the asynchronous lifecycle documented"
    assert failure.value.hint == "Add the operation to the document at api.json."
    assert failure.value.exchanges == [ex]


def test_an_answer_the_document_forbids_fails_naming_the_problem():
    ex = _json(200, b'{"status": 7}')
    with _raises(ConformanceFailure) as failure:
        schema.answers_match_document(_published(), [ex])
    assert failure.value.observed.startswith(f"GET {STATUS} answered 200: Response violates schema")
    assert failure.value.expected == "the answer GET /v1/operationStatus/{id} documents in api.json"
    assert failure.value.exchanges == [ex]


def test_a_recorded_exchange_is_rebuilt_with_its_request_body():
    ex = _json(202, b"{}", url=f"{BASE}/v1/accounts", method="POST")
    ex.request_body = b'{"name": "a"}'
    rebuilt = schema._response(ex)
    assert rebuilt.request.body == b'{"name": "a"}'
    assert rebuilt.status_code == 202
    assert schema._response(_json(202, b"{}")).request.body is None


def test_a_document_without_the_submission_has_nothing_to_generate():
    with _raises(NotObserved) as skipped:
        schema.generated_submissions_refused(
            _published(), "PUT", "/v1/accounts", _sender(0, []), QUICK
        )
    assert skipped.value.reason == "the published document has no PUT /v1/accounts"


def _sender(code: int | None, sent: list[Exchange]) -> schema.Send:
    """A target that answers every generated request `code` (None: no answer)."""

    def send(
        label: str, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> Exchange:
        error = None if code is not None else "ConnectError: reset"
        ex = _ex(code, index=len(sent), url=url, method=method, error=error)
        ex.label, ex.request_body = label, content or b""
        ex.request_headers = list(headers.items())
        sent.append(ex)
        return ex

    return send


def test_generated_submissions_refused_without_a_server_error_pass():
    sent: list[Exchange] = []
    with _cited() as cited:
        schema.generated_submissions_refused(
            _published(), "POST", f"{BASE}/v1/accounts", _sender(422, sent), Budget(examples=12)
        )
    assert [c.what for c in cited] == [
        f"{len(sent)} requests generated from the document's schema got no server error"
    ]
    assert len(sent) > 8 and list(cited[0].exchanges) == sent[:8]
    assert sent[0].label == "schema-generated submission 1"
    with_body = [ex for ex in sent if ex.request_body]
    assert with_body and all(dict(ex.request_headers).get("Content-Type") for ex in with_body)


@pytest.mark.parametrize(("code", "shown"), [(500, "500"), (None, "ConnectError: reset")])
def test_a_generated_submission_answered_with_a_server_error_fails(code, shown):
    sent: list[Exchange] = []
    with _raises(ConformanceFailure) as failure:
        schema.generated_submissions_refused(
            _published(), "POST", "/v1/accounts", _sender(code, sent), Budget(examples=5)
        )
    assert failure.value.observed == (
        f"a request POST /v1/accounts forbids by its schema answered {shown}"
    )
    assert failure.value.expected == "a refusal (4xx) or an acceptance, never a server error"
    assert (
        failure.value.hint == "Validate the request against your own schema before starting work. "
    )
    assert failure.value.exchanges == [sent[-1]]


# -- retention -------------------------------------------------------------------------------

KEEP = _description(retention={"tolerance": 1.0, "expired_status": [404, 410]})


def _probe(sent: float, received: float, code: int | None, state: str = "SUCCESS") -> Poll:
    error = None if code is not None else "ConnectError: reset"
    ex = _ex(code, b"{}", sent=sent, error=error)
    ex.received_at = received
    return _poll(ex, {"status": state} if code == 200 else None, KEEP)


def _retained(probe: Poll, low: float = 100.0, high: float = 100.5) -> Retained:
    slot: Slot[Poll] = Slot(probe.exchange.sent_at, "inside", lambda: probe, result=probe)
    return Retained("success", 300.0, Bracket(low, high), slot, slot)


def _probed(retained: Retained) -> Exchange:
    """The exchange of the probe (one slot stands inside and outside the window)."""
    assert retained.inside.result is not None
    return retained.inside.result.exchange


def test_no_operation_to_observe_blocks():
    with _raises(Blocked) as blocked:
        retention.observed_operation(None, "timeout")
    assert blocked.value.reason == "no timeout operation could be observed for retention"


def test_an_operation_that_could_not_be_observed_blocks_with_its_reason():
    ex = _ex(500)
    with _raises(Blocked) as blocked:
        retention.observed_operation(Unobserved("the 202 had no Location", (ex,)), "success")
    assert blocked.value.reason == "the 202 had no Location"
    assert blocked.value.exchanges == [ex]


def test_an_observed_operation_is_returned():
    retained = _retained(_probe(399.5, 399.5, 200))
    assert retention.observed_operation(retained, "success") is retained


def test_a_probe_that_did_not_run_blocks():
    retained = _retained(_probe(399.5, 399.5, 200))
    retained.inside = Slot(399.5, "inside", list)
    with _raises(Blocked) as blocked:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert blocked.value.reason == "the inside probe did not run"


def test_an_id_kept_to_within_the_tolerance_of_the_latest_end_passes():
    retained = _retained(_probe(399.5, 399.5, 200))  # exactly 1 s before the latest end
    with _cited() as cited:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert [c.what for c in cited] == [
        "the id answered 200 at least 299.000 s into its 300 s window"
    ]
    assert cited[0].exchanges == (_probed(retained),)


def test_a_probe_further_from_the_latest_end_than_the_tolerance_is_inconclusive():
    retained = _retained(_probe(398.5, 399.6, 200))  # sent 2 s before the latest end
    with _raises(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.requirement.id == "RETAIN-COMPLETED"
    assert inconclusive.value.reason == (
        "the probe ran 2.000 s from the latest end of the success window (completion known "
        "within 0.500 s), more than the tolerance (1 s): a window off by less would not show"
    )
    assert inconclusive.value.exchanges == [_probed(retained)]


def test_an_id_gone_when_answered_at_the_earliest_end_fails():
    retained = _retained(_probe(399.9, 400.0, 404))
    with _raises(ConformanceFailure) as failure:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert failure.value.requirement.id == "RETAIN-COMPLETED"
    assert failure.value.observed == "404 at most 300.000 s into the success operation's window"
    assert failure.value.expected == "200 with the operation's status for the whole 300 s"
    assert failure.value.hint == (
        "Count the window from completion (or, for a timed-out operation, as "
        "retention.timeout_anchor says), not from an earlier moment."
    )
    assert failure.value.exchanges == [_probed(retained)]


def test_an_id_gone_when_answered_after_the_earliest_end_is_inconclusive():
    retained = _retained(_probe(399.9, 400.25, 404))
    with _raises(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.reason == (
        "the probe was answered 0.250 s after the earliest end of the window"
    )
    assert inconclusive.value.exchanges == [_probed(retained)]


@pytest.mark.parametrize(("code", "shown"), [(500, "500"), (None, "ConnectError: reset")])
def test_a_probe_inside_the_window_without_a_usable_answer_is_inconclusive(code, shown):
    retained = _retained(_probe(399.5, 399.5, code))
    with _raises(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.reason == f"the probe got no usable answer ({shown})"
    assert inconclusive.value.exchanges == [_probed(retained)]


@pytest.mark.parametrize(
    ("states", "expected"),
    [(["RUNNING"], "RUNNING"), (["RUNNING", "FAILED"], "RUNNING or FAILED")],
)
def test_a_timed_out_operation_in_another_state_fails(states, expected):
    retained = _retained(_probe(399.5, 399.5, 200, "SUCCESS"))
    with _raises(ConformanceFailure) as failure:
        retention.kept_for_window("RETAIN-TIMEOUT", retained, KEEP, states)
    assert failure.value.requirement.id == "RETAIN-TIMEOUT"
    assert failure.value.observed == (
        "the timed-out operation shows 'SUCCESS' near the end of its window"
    )
    assert failure.value.expected == f"{expected} (retention.timeout_state) until it expires"
    assert failure.value.exchanges == [_probed(retained)]


@pytest.mark.parametrize("state", ["RUNNING", "Weird"])
def test_a_timed_out_operation_in_its_state_or_an_unknown_one_is_kept(state):
    retained = _retained(_probe(399.5, 399.5, 200, state))
    with _cited():
        retention.kept_for_window("RETAIN-TIMEOUT", retained, KEEP, ["RUNNING"])


def test_an_id_still_there_after_the_window_and_tolerance_fails():
    retained = _retained(_probe(401.5, 401.5, 200))
    with _raises(ConformanceFailure) as failure:
        retention.gone_after_window("EXPIRE-COMPLETED", retained, KEEP)
    assert failure.value.requirement.id == "EXPIRE-COMPLETED"
    assert failure.value.observed == "200 at least 301.000 s into the success operation's window"
    assert failure.value.expected == "gone (404 or 410) after 300 s and the 1 s tolerance (301 s)"
    assert failure.value.exchanges == [_probed(retained)]


@pytest.mark.parametrize("code", [404, 400])
def test_an_id_gone_within_the_tolerance_of_the_earliest_expiry_passes(code):
    retained = _retained(_probe(401.5, 402.0, code))  # 1 s after the earliest expiry
    with _cited() as cited:
        retention.gone_after_window("EXPIRE-COMPLETED", retained, KEEP)
    assert [c.what for c in cited] == [
        f"the id answered {code} at most 302.000 s after its window started"
    ]
    assert cited[0].exchanges == (_probed(retained),)


@pytest.mark.parametrize(
    ("code", "shown"),
    [(c, str(c)) for c in (401, 403, 407, 408, 429, 502, 503, 504, 500, 303)]
    + [(None, "ConnectError: reset")],
)
def test_a_probe_after_the_window_that_does_not_say_gone_is_inconclusive(code, shown):
    # Unavailable, throttled, refused, failing or redirected: none shows the id is gone.
    retained = _retained(_probe(401.5, 402.0, code))
    with _raises(Inconclusive) as inconclusive:
        retention.gone_after_window("EXPIRE-COMPLETED", retained, KEEP)
    assert inconclusive.value.requirement.id == "EXPIRE-COMPLETED"
    assert inconclusive.value.reason == f"the probe got no usable answer ({shown})"
    assert inconclusive.value.exchanges == [_probed(retained)]


def test_an_id_gone_long_after_the_earliest_expiry_is_inconclusive():
    retained = _retained(_probe(402.0, 402.5, 404))
    with _raises(Inconclusive) as inconclusive:
        retention.gone_after_window("EXPIRE-COMPLETED", retained, KEEP)
    assert inconclusive.value.reason.startswith("the probe ran 1.500 s from the earliest expiry")


def test_no_unknown_id_at_all_is_not_observed_and_says_why():
    with _raises(NotObserved) as skipped:
        retention.expired_ids_answer_not_found(KEEP, None, [], "no id in the URL")
    assert skipped.value.reason == (
        "no expired id was seen and no never-issued id was probed (no id in the URL)"
    )
    with _raises(NotObserved) as skipped:
        retention.expired_ids_answer_not_found(KEEP, None, [_probe(1, 1, 200)])
    assert skipped.value.reason == "no expired id was seen and no never-issued id was probed"


def test_a_never_issued_id_answered_200_fails():
    never = _ex(200, b"{}")
    with _raises(ConformanceFailure) as failure:
        retention.expired_ids_answer_not_found(KEEP, never, [])
    assert failure.value.requirement.id == "EXPIRED-404"
    assert failure.value.observed == "a never-issued id answered 200"
    assert failure.value.expected == "404 or 410"
    assert failure.value.hint == (
        "An unknown id is a client's mistake: answer 404, never 2xx or 5xx."
    )
    assert failure.value.exchanges == [never]


def test_an_expired_id_answered_500_fails():
    expired = _probe(1, 1, 500)
    with _raises(ConformanceFailure) as failure:
        retention.expired_ids_answer_not_found(KEEP, _ex(404), [expired])
    assert failure.value.observed == "an expired id answered 500"
    assert failure.value.exchanges == [expired.exchange]


def test_expired_and_never_issued_ids_that_say_nothing_about_the_id_are_inconclusive():
    never, busy, lost = _ex(503), _probe(1, 1, 429), _probe(2, 2, None)
    stateless = _poll(_ex(200, b"{}"), None, KEEP)  # answered, but tells no state: not counted
    with _raises(Inconclusive) as inconclusive:
        retention.expired_ids_answer_not_found(KEEP, never, [busy, lost, stateless])
    assert inconclusive.value.requirement.id == "EXPIRED-404"
    assert inconclusive.value.reason == (
        "the probes got no usable answer (503, 429, ConnectError: reset)"
    )
    assert inconclusive.value.exchanges == [never, busy.exchange, lost.exchange]


@pytest.mark.parametrize("code", [401, 403, 407, 408, 429, 502, 503, 504])
def test_an_expired_id_answered_a_code_about_the_request_is_not_judged(code):
    with _raises(Inconclusive) as inconclusive:
        retention.expired_ids_answer_not_found(KEEP, None, [_probe(1, 1, code)])
    assert inconclusive.value.reason == f"the probes got no usable answer ({code})"


def test_an_expired_id_that_answered_is_judged_beside_ones_that_said_nothing():
    expired, busy = _probe(1, 1, 500), _probe(2, 2, 503)
    with _raises(ConformanceFailure) as failure:
        retention.expired_ids_answer_not_found(KEEP, None, [busy, expired])
    assert failure.value.observed == "an expired id answered 500"


def test_expired_and_never_issued_ids_answered_404_or_410_pass():
    never, gone, lost = _ex(404), _probe(1, 1, 410), _probe(2, 2, None)
    with _cited() as cited:
        retention.expired_ids_answer_not_found(KEEP, never, [gone, lost, _probe(3, 3, 200)])
    assert [c.what for c in cited] == ["2 unknown or expired ids answered 404 or 410"]
    assert cited[0].exchanges == (never, gone.exchange)


@pytest.mark.parametrize("code", [429, 401, 303])
def test_an_inside_probe_that_neither_tells_the_status_nor_says_gone_is_inconclusive(code):
    # Rate-limited, refused or redirected: none of these shows the id was dropped.
    retained = _retained(_probe(399.5, 399.5, code))
    with _raises(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.reason == f"the probe got no usable answer ({code})"


@pytest.mark.parametrize("code", [404, 410])
def test_an_inside_probe_answered_gone_fails(code):
    retained = _retained(_probe(399.5, 399.5, code))
    with _raises(ConformanceFailure) as failure:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert failure.value.observed == (
        f"{code} at most 299.500 s into the success operation's window"
    )


def test_a_synchronous_body_labelled_json_in_capitals_must_parse():
    ex = _ex(200, b"state: ok", content_type="Application/JSON")
    with _raises(ConformanceFailure) as failure:
        sync.answers_with_state(ex, "reading it")
    assert failure.value.expected == "a body that parses as its Content-Type says"


def test_a_model_whose_every_setup_failed_is_blocked_and_one_that_lost_a_scenario_says_so():
    failed = "setup failed: scenarios.success.setup step 1: POST /v1/nodes answered 400"
    nothing = Exploration(unprepared={"success": failed}, drawable=1)
    with pytest.raises(Blocked, match=r"could submit nothing: setup failed: scenarios\.success"):
        model.model_holds(nothing, "TRANS-MODEL")
    half = Exploration(unprepared={"failure": failed}, drawable=2, steps=4)
    with pytest.raises(NotObserved, match="the failure scenario's setup failed, so none was"):
        model.model_holds(half, "TRANS-MODEL")


def test_a_dialect_naming_no_detail_field_says_how_to_name_one():
    bare = _description(dialect={"message_field": "", "progress_field": ""})
    with pytest.raises(NotObserved) as skipped:
        status.details_while_running(_run(_state("RUNNING", progress=5)), bare)
    assert str(skipped.value) == (
        "not observed: the dialect names neither a message nor a progress field, so there are "
        "no details to look for; set dialect.message_field or dialect.progress_field"
    )
