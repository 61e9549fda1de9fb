"""The words, kinds and citations of verdicts a user reads in the report: each pinned exactly."""

from __future__ import annotations

import httpx
import pytest

from conformance.checks import delete, retention, status, submission, sync, transitions
from conformance.driver import Exchange, Submission
from conformance.observations import Concurrent, Deletion, SafetyTrial
from conformance.verdicts import Blocked, ConformanceFailure, Inconclusive, NotObserved

from .test_check_paths import (
    DESCRIPTION,
    KEEP,
    LRO,
    STATUS,
    _cited,
    _description,
    _ex,
    _poll,
    _probe,
    _probed,
    _raises,
    _retained,
    _run,
    _state,
)
from .test_driver import SUBMIT


def _accepted(code: int = 202, body: bytes = b"", **headers: str) -> Exchange:
    return _ex(code, body, index=0, url=SUBMIT, method="POST", **headers)


# -- DELETE ------------------------------------------------------------------------------


def test_a_resource_that_could_not_be_deleted_cites_only_the_runs_last_exchange():
    # A run of several reads: the ERROR points at the last one, not at all but the first.
    run = _run(_state("RUNNING"), _state("RUNNING", 2), _state("SUCCESS", 3))
    with _raises(Blocked) as blocked:
        delete.answers_204(Deletion(run, None))
    assert blocked.value.reason == "nothing was deleted"
    assert blocked.value.exchanges == [run.polls[-1].exchange]


def test_a_resource_gone_at_the_last_of_several_reads_after_the_delete_passes():
    # Reads still find the resource until background deletion ends: only the last counts.
    answer = _ex(204, method="DELETE", index=5)
    reads = [_ex(200, index=6), _ex(200, index=7), _ex(404, index=8)]
    deletion = Deletion(_run(_state("SUCCESS")), answer, reads)
    with _cited() as cited:
        delete.gone_after_delete(deletion, 5.0)
    assert [c.what for c in cited] == ["the resource answered 404 after the DELETE"]
    assert cited[0].exchanges == (answer, reads[-1])


# -- retention: a probe inside the window -----------------------------------------------


@pytest.mark.parametrize("code", [400, 422])
def test_a_probe_inside_the_window_refused_otherwise_than_gone_is_inconclusive(code):
    # Inside the window only 404 or 410 says the id is gone: a FAIL there must be certain.
    retained = _retained(_probe(399.5, 399.5, code))
    with _raises(Inconclusive) as inconclusive:
        retention.kept_for_window("RETAIN-COMPLETED", retained, KEEP)
    assert inconclusive.value.requirement.id == "RETAIN-COMPLETED"
    assert inconclusive.value.reason == f"the probe got no usable answer ({code})"
    assert inconclusive.value.exchanges == [_probed(retained)]


# -- STATUS-ID-MATCH ---------------------------------------------------------------------


def test_a_wrong_id_after_a_read_without_one_still_fails():
    # A read that names no id is passed over; the reads after it are still judged.
    without = _poll(_ex(200, b"{}", index=1), {"status": "RUNNING"})
    wrong = _poll(_ex(200, b"{}", index=2), {"operationId": "other", "status": "SUCCESS"})
    run = _run(without, wrong)
    with _raises(ConformanceFailure) as failure:
        status.id_matches_url(run, DESCRIPTION)
    assert failure.value.requirement.id == "STATUS-ID-MATCH"
    assert failure.value.observed == f"operationId = 'other' at {STATUS}"
    assert failure.value.expected == "an id that the status URL names"
    assert failure.value.exchanges == [run.submission.exchange, wrong.exchange]


# -- STATUS-STATE-NAMES --------------------------------------------------------------------


def test_states_told_only_by_the_http_code_name_no_state():
    # A state read from the HTTP code was not named by the body: nothing to judge (SKIP).
    description = _description(dialect={"http_states": {"200": "success"}, "status_field": ""})
    run = _run(_poll(_ex(200, b"{}"), {}, description))
    with _raises(NotObserved) as skipped:
        status.state_names_known(run, description)
    assert skipped.value.reason == "no status body of the success run named a state"
    assert skipped.value.exchanges == run.exchanges


# -- STATUS-SAFE ---------------------------------------------------------------------------


def test_with_an_exact_clock_one_read_level_with_its_twin_passes():
    often = [_state("RUNNING", progress=5)]
    trial = SafetyTrial(often=often, once=_state("RUNNING", 3, progress=5))
    with _cited() as cited:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    assert [c.what for c in cited] == ["read 1 time, the operation stayed at ('RUNNING', 5)"]
    assert list(cited[0].exchanges) == [often[0].exchange, trial.once.exchange]


def test_with_an_exact_clock_an_operation_moved_by_reads_fails_saying_where_each_stands():
    often = [_state("RUNNING", 1, progress=5), _state("RUNNING", 2, progress=6)]
    trial = SafetyTrial(often=often, once=_state("RUNNING", 3, progress=5))
    with _raises(ConformanceFailure) as failure:
        status.reads_are_safe(lambda: trial, DESCRIPTION, exact=True)
    # No third operation was read: the observation ends with the twin, nothing after it.
    assert failure.value.observed == (
        "read 2 times, an operation went ('RUNNING', 5) -> ('RUNNING', 6); its twin, read "
        "once, is at ('RUNNING', 5)"
    )


def test_with_the_wall_clock_a_lead_shown_once_of_two_trials_is_inconclusive():
    ahead = SafetyTrial(
        often=[_state("RUNNING", 1), _state("SUCCESS", 2)], once=_state("RUNNING", 3)
    )
    level = SafetyTrial(
        often=[_state("RUNNING", 4), _state("SUCCESS", 5)], once=_state("SUCCESS", 6)
    )
    trials = iter([ahead, level])
    with _raises(Inconclusive) as inconclusive:
        status.reads_are_safe(lambda: next(trials), DESCRIPTION, exact=False)
    assert inconclusive.value.requirement.id == "STATUS-SAFE"
    assert inconclusive.value.reason == (
        "once of two times, an operation read 2 times went ahead of its twin; with the wall "
        "clock that may be the server's own timing"
    )
    assert inconclusive.value.exchanges == [p.exchange for p in [*ahead.often, ahead.once]]


# -- SUBMIT-202 ----------------------------------------------------------------------------


def test_a_submission_accepted_otherwise_than_the_dialect_says_fails():
    run = _run(accepted=_accepted(201))
    with _raises(ConformanceFailure) as failure:
        submission.accepted_with_202(run, DESCRIPTION)
    assert failure.value.requirement.id == "SUBMIT-202"
    assert failure.value.observed == "201"
    assert failure.value.expected == "202 (the dialect's acceptance)"
    assert failure.value.exchanges == [run.submission.exchange]
    assert failure.value.hint == (
        "Answer an asynchronous submission at once, with a way to reach its status."
    )


def test_a_submission_accepted_as_the_dialect_says_passes():
    run = _run()
    with _cited() as cited:
        submission.accepted_with_202(run, DESCRIPTION)
    assert [c.what for c in cited] == ["the success submission answered 202"]
    assert cited[0].exchanges == (run.submission.exchange,)


# -- SUBMIT-LOCATION -----------------------------------------------------------------------


def test_a_status_url_on_another_origin_is_inconclusive_citing_the_acceptance():
    # Whether it is the status resource is unknown until followed, which the user must allow.
    run = _run()
    run.submission.off_origin = True
    with _raises(Inconclusive) as doubt:
        submission.location_names_status(run, DESCRIPTION)
    assert doubt.value.reason == "the status URL is on another origin"
    assert doubt.value.exchanges == [run.submission.exchange]


def test_an_acceptance_without_a_status_url_fails():
    run = _run()
    run.submission.status_url = None
    with _raises(ConformanceFailure) as failure:
        submission.location_names_status(run, DESCRIPTION)
    assert failure.value.requirement.id == "SUBMIT-LOCATION"
    assert failure.value.observed == "no usable status URL"
    assert failure.value.expected == "a status URL (header:Location)"
    assert failure.value.exchanges == [run.submission.exchange]


def test_a_status_url_never_read_blocks_saying_why():
    run = _run()
    with _raises(Blocked) as blocked:
        submission.location_names_status(run, DESCRIPTION)
    assert blocked.value.reason == "the status URL was not read: the status URL was never read"
    assert blocked.value.exchanges == [run.submission.exchange]


@pytest.mark.parametrize("code", [404, 410])
def test_a_status_url_gone_at_its_first_read_fails_citing_both(code):
    first = _poll(_ex(code, index=1), None)
    run = _run(first)
    run.submission.location = "/v1/operationStatus/op1"
    with _raises(ConformanceFailure) as failure:
        submission.location_names_status(run, DESCRIPTION)
    assert failure.value.requirement.id == "SUBMIT-LOCATION"
    assert failure.value.observed == (
        f"the status URL '/v1/operationStatus/op1' resolves to {STATUS}, which answered {code}"
    )
    assert failure.value.expected == "the status resource of the operation just accepted"
    assert failure.value.exchanges == [run.submission.exchange, first.exchange]


# -- SUBMIT-UNIQUE and TRANS-OUTCOME -------------------------------------------------------


def test_fewer_than_two_accepted_submissions_leave_nothing_to_compare():
    taken = Submission("success", _accepted())
    taken.status_url = httpx.URL(STATUS)
    refused = Submission("success", _ex(409, index=2, url=SUBMIT, method="POST"))
    with _raises(NotObserved) as skipped:
        submission.ids_unique([taken, refused])
    assert skipped.value.reason == (
        "only 1 of 2 concurrent submissions were accepted with a status URL, so there were no "
        "two to compare; make each submission distinct with {uuid} or {n} in the scenario's "
        "path or body if the target refuses repeats"
    )
    assert skipped.value.exchanges == [taken.exchange, refused.exchange]


def test_no_accepted_concurrent_submission_leaves_nothing_to_follow():
    with _raises(NotObserved) as skipped:
        submission.concurrent_runs_end_as_declared(Concurrent([]), _run(), DESCRIPTION)
    assert skipped.value.reason == (
        "no concurrent submission was accepted with a status URL to follow"
    )


def test_concurrent_runs_pass_when_a_single_run_read_its_status_once():
    alone = _run(_state("SUCCESS"))
    run = _run(_state("RUNNING", 2), _state("SUCCESS", 3))
    with _cited() as cited:
        submission.concurrent_runs_end_as_declared(Concurrent([], [run]), alone, DESCRIPTION)
    assert [c.what for c in cited] == ["1 concurrent operation came to an end"]
    assert cited[0].exchanges == (run.polls[-1].exchange,)


# -- SUBMIT-BODY ---------------------------------------------------------------------------


def test_an_acceptance_other_than_202_has_no_status_body_to_judge():
    # A 200 or 201 that creates in place answers with the resource, not a status.
    run = _run(accepted=_accepted(201, b"{}"))
    with _raises(NotObserved) as skipped:
        submission.body_describes_status(run, DESCRIPTION)
    assert skipped.value.reason == "the success acceptance answered 201, not 202"
    assert skipped.value.exchanges == [run.submission.exchange]


def test_a_202_without_a_body_has_nothing_to_judge():
    run = _run(accepted=_accepted(202, b" \n"))
    with _raises(NotObserved) as skipped:
        submission.body_describes_status(run, DESCRIPTION)
    assert skipped.value.reason == "the success acceptance had no body"
    assert skipped.value.exchanges == [run.submission.exchange]


def test_a_202_with_a_json_status_passes():
    run = _run(accepted=_accepted(202, b'{"status": "RUNNING"}', content_type="application/json"))
    with _cited() as cited:
        submission.body_describes_status(run, DESCRIPTION)
    assert [c.what for c in cited] == ["the success acceptance body is a JSON status"]
    assert cited[0].exchanges == (run.submission.exchange,)


@pytest.mark.parametrize(
    ("headers", "labelled"),
    [({"content_type": "text/html"}, "labelled text/html"), ({}, "without a Content-Type")],
)
def test_a_202_body_that_is_no_status_fails_quoting_its_label_and_80_characters(headers, labelled):
    body = b"<html>" + b"x" * 90
    run = _run(accepted=_accepted(202, body, **headers))
    with _raises(ConformanceFailure) as failure:
        submission.body_describes_status(run, DESCRIPTION)
    assert failure.value.requirement.id == "SUBMIT-BODY"
    assert failure.value.observed == f"a body {labelled}: {body[:80]!r}"
    assert failure.value.expected == "no body, or a JSON object with the status field 'status'"
    assert failure.value.exchanges == [run.submission.exchange]


def test_a_202_body_that_is_no_operation_names_the_done_field_where_there_is_no_status_field():
    run = _run(accepted=_accepted(202, b'{"foo": 1}', content_type="application/json"))
    with _raises(ConformanceFailure) as failure:
        submission.body_describes_status(run, LRO)
    assert failure.value.expected == "no body, or a JSON object with the status field 'done'"


def test_a_202_body_is_not_judged_where_the_dialect_tells_the_state_by_http_code_alone():
    # Such a dialect has no field a body could show the state in: no FAIL naming field ''.
    description = _description(dialect={"http_states": {"200": "success"}, "status_field": ""})
    run = _run(accepted=_accepted(202, b'{"id": "x"}', content_type="application/json"))
    with _raises(NotObserved) as skipped:
        submission.body_describes_status(run, description)
    assert skipped.value.reason == (
        "the dialect tells the state by the HTTP code alone, so an acceptance body has no "
        "status field to show"
    )
    assert skipped.value.exchanges == [run.submission.exchange]


def test_a_202_body_cut_at_the_cap_is_inconclusive_for_the_body_requirement():
    # What a cut body held is unknown: the body requirement cannot FAIL on its first bytes.
    accepted = _accepted(202, b"<html>", content_type="text/html")
    accepted.truncated = True
    run = _run(accepted=accepted)
    with _raises(Inconclusive) as inconclusive:
        submission.body_describes_status(run, DESCRIPTION)
    assert inconclusive.value.requirement.id == "SUBMIT-BODY"
    assert inconclusive.value.exchanges == [accepted]


# -- SYNC-STATE ----------------------------------------------------------------------------


def test_a_body_declared_json_that_does_not_parse_is_quoted_to_80_characters():
    body = b"{" + b"y" * 100
    answer = _ex(200, body, content_type="application/json")
    with _raises(ConformanceFailure) as failure:
        sync.answers_with_state(answer, "reading the created resource")
    assert failure.value.requirement.id == "SYNC-STATE"
    assert failure.value.observed == (
        f"reading the created resource declared JSON but sent {body[:80]!r}"
    )
    assert failure.value.exchanges == [answer]


# -- TRANS-MODEL ---------------------------------------------------------------------------


def test_a_terminal_state_read_again_unchanged_holds():
    run = _run(_state("RUNNING", 1), _state("SUCCESS", 2), _state("SUCCESS", 3))
    with _cited() as cited:
        transitions.follows_state_model(run, DESCRIPTION)
    assert [c.what for c in cited] == [
        "states seen: RUNNING x1 -> SUCCESS x2; the terminal state held"
    ]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls]


def test_a_single_status_read_shows_no_transition():
    run = _run(_state("SUCCESS"))
    with _raises(NotObserved) as skipped:
        transitions.follows_state_model(run, DESCRIPTION)
    assert skipped.value.reason == (
        "the success run read the status 1 time; a transition needs two reads"
    )
    assert skipped.value.exchanges == run.exchanges


def test_a_count_takes_its_nouns_number():
    from conformance._words import counted

    assert counted(1, "status read") == "1 status read"
    assert counted(0, "status read") == "0 status reads"
    assert counted(2, "body", "bodies") == "2 bodies"
    assert counted(1, "body", "bodies") == "1 body"


def test_concurrent_runs_whose_lone_run_lost_its_status_are_blocked_by_what_that_shows():
    gone = _poll(_ex(404, b"{}", index=2), None)
    alone = _run(gone)
    run = _run(_state("SUCCESS", 3))
    with _raises(Blocked) as blocked:
        submission.concurrent_runs_end_as_declared(Concurrent([], [run]), alone, DESCRIPTION)
    assert blocked.value.by == ("STATUS-200-JSON", "SUBMIT-LOCATION", "RETAIN-COMPLETED")
