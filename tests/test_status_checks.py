"""The status checks' edges: what no simulator behaviour shows, one condition at a time.

Each test fails if its condition is flipped (found by mutation testing: bench/mutation.py).
"""

from __future__ import annotations

import re

import httpx
import pytest
import respx

from conformance.checks import status
from conformance.description import Role
from conformance.driver import Exchange, Poll, Reading
from conformance.observations import SafetyTrial
from conformance.verdicts import ConformanceFailure, Inconclusive, NotObserved, collecting

from .test_driver import BASE, SUBMIT, make_driver
from .test_verdict_logic import _run_with

STATUS = f"{BASE}/v1/operationStatus"
ACCEPTED = httpx.Response(
    202, headers={"Location": "/v1/operationStatus/op1"}, json={"operationId": "op1"}
)


def _state(state: str, **extra: object) -> httpx.Response:
    return httpx.Response(200, json={"operationId": "op1", "status": state, **extra})


DONE = [_state("SUCCESS")] * 3

# -- STATUS-DETAILS: progress ---------------------------------------------------------


@pytest.mark.parametrize("progress", [-1, 101, 50.5, True, "50"])
@respx.mock
def test_a_progress_outside_0_to_100_or_not_an_integer_fails(progress):
    driver, run = _run_with(ACCEPTED, _state("RUNNING", progress=progress), *DONE)
    with pytest.raises(ConformanceFailure) as failure:
        status.details_while_running(run, driver.description)
    assert failure.value.requirement.id == "STATUS-DETAILS"
    assert failure.value.observed == f"progress = {progress!r}"
    assert failure.value.expected == "an integer from 0 to 100"
    assert failure.value.exchanges == [run.polls[0].exchange]


@respx.mock
def test_progress_from_0_to_100_passes_and_cites_every_running_read():
    reads = [_state("RUNNING", progress=p) for p in (0, 100)]
    driver, run = _run_with(ACCEPTED, *reads, *DONE)
    with collecting() as cited:
        status.details_while_running(run, driver.description)
    assert [c.what for c in cited] == ["2 running reads gave details"]
    assert list(cited[0].exchanges) == [p.exchange for p in run.polls[:2]]


@respx.mock
def test_progress_going_down_is_seen_across_a_read_with_a_message_only():
    reads = [
        _state("RUNNING", progress=50),
        _state("RUNNING", msg="copying"),
        _state("RUNNING", progress=40),
    ]
    driver, run = _run_with(ACCEPTED, *reads, *DONE)
    with pytest.raises(ConformanceFailure) as failure:
        status.details_while_running(run, driver.description)
    assert failure.value.observed == "progress went from 50 down to 40"
    assert failure.value.exchanges == [run.polls[0].exchange, run.polls[2].exchange]


@respx.mock
def test_a_run_never_seen_running_has_no_details_to_judge():
    driver, run = _run_with(ACCEPTED, *DONE)
    with pytest.raises(NotObserved, match="no status read of the success run saw it running"):
        status.details_while_running(run, driver.description)


@respx.mock
def test_a_read_with_neither_names_both_fields():
    driver, run = _run_with(ACCEPTED, _state("RUNNING"), *DONE)
    with pytest.raises(ConformanceFailure) as failure:
        status.details_while_running(run, driver.description)
    assert failure.value.observed == "neither 'msg' nor 'progress'"
    assert failure.value.expected == "details of the work in progress while running"


# -- STATUS-MEDIA-TYPE ----------------------------------------------------------------


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
    _, run = _run_with(ACCEPTED, read, read, read)
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
    _, run = _run_with(ACCEPTED, read, read, read)
    with pytest.raises(ConformanceFailure) as failure:
        status.json_media_type(run)
    assert failure.value.observed == f"a status body labelled {shown}"
    assert failure.value.exchanges == [run.polls[0].exchange]


# -- STATUS-ID-MATCH without an id in the acceptance ------------------------------------


def _named(path: str, named: str):  # type: ignore[no-untyped-def]
    """A run whose acceptance gives no id, and whose status body names `named`."""
    accepted = httpx.Response(202, headers={"Location": f"/v1/operationStatus/{path}"})
    respx.post(SUBMIT).mock(return_value=accepted)
    done = httpx.Response(200, json={"operationId": named, "status": "SUCCESS"})
    respx.get(url__startswith=f"{STATUS}/").mock(return_value=done)
    driver, _ = make_driver(polling={"interval": 1, "budget": 30})
    return driver, driver.run("success")


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


# -- STATUS-SAFE with the wall clock -----------------------------------------------------


def _poll(state: str, progress: int | None = None, index: int = 1) -> Poll:
    role = {"RUNNING": Role.RUNNING, "SUCCESS": Role.SUCCESS}[state]
    body = {"status": state, **({} if progress is None else {"progress": progress})}
    exchange = Exchange(index, "status", "GET", f"{STATUS}/op{index}", [], b"", 0.0, status=200)
    return Poll(exchange, body, Reading(state, role, "field"), 0.0, None)


def _trial(often: list[Poll], once: Poll, later: Poll | None = None) -> SafetyTrial:
    return SafetyTrial(often=often, once=once, later=later, often_age=1.5)


def _description():  # type: ignore[no-untyped-def]
    return make_driver()[0].description


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


# -- codes mapped to states, and fields the dialect leaves empty (issue 21) ----------------


def _coded(**dialect: object):
    """A dialect that tells running by 202 and success by 204, with no status field."""
    from .test_check_paths import _description

    return _description(
        dialect={
            "status_field": "",
            "http_states": {"202": "running", "204": "success"},
            **dialect,
        }
    )


def test_a_code_mapped_to_a_state_is_a_status_code_and_needs_no_body():
    from .test_check_paths import _cited, _ex, _poll, _run

    description = _coded()
    running = _poll(_ex(202, index=1), None, description)
    done = _poll(_ex(204, index=2), None, description)
    with _cited() as cited:
        status.answers_200_json(_run(running, done), description)
    assert cited[-1].what == (
        "2 status reads answered 202 or 204; 0 had a JSON object, 2 told the state by the "
        "code alone"
    )


def test_a_code_mapped_to_no_state_still_fails_and_names_the_mapped_ones():
    from .test_check_paths import _ex, _poll, _raises, _run

    description = _coded()
    running = _poll(_ex(202, index=1), None, description)
    odd = _poll(_ex(201, index=2), None, description)
    with _raises(ConformanceFailure) as failure:
        status.answers_200_json(_run(running, odd), description)
    assert failure.value.expected == (
        "200 or 202 or 204 with a JSON object (none needed where 202 or 204 tells the state), "
        "for as long as the id is available"
    )


def test_an_empty_id_field_is_said_as_such():
    from .test_check_paths import _description, _raises, _run, _state

    description = _description(dialect={"id_field": ""})
    with _raises(NotObserved) as skipped:
        status.id_matches_url(_run(_state("SUCCESS")), description)
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
    from .test_check_paths import _description, _raises, _run, _state

    description = _description(dialect=fields)
    kind = NotObserved if "neither" in said else ConformanceFailure
    with _raises(kind, re.escape(said)):
        status.details_while_running(_run(_state("RUNNING"), _state("SUCCESS", 2)), description)


def test_an_empty_message_field_is_said_as_such():
    from conformance.checks import result

    from .test_check_paths import _description, _raises, _run, _state

    description = _description(dialect={"message_field": ""})
    with _raises(NotObserved, "the dialect names no message field"):
        result.failure_has_message(_run(_state("FAILED")), description)
