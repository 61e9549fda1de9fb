"""SUBMIT-*: the acceptance's code, status URL, body and timing, and ids kept apart when
submissions run at once."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TypeVar

import httpx
import pytest
import respx

from conformance.checks import submission
from conformance.checks import submission as submission_checks
from conformance.checks.submission import concurrent_runs_end_as_declared, ids_unique, not_blocking
from conformance.description import Description
from conformance.driver import (
    Ended,
    Exchange,
    Run,
    Submission,
)
from conformance.observations import Concurrent
from conformance.verdicts import (
    Blocked,
    Citation,
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
from tests.support.states import (
    TWO_NAMES,
    named_accepted,
    named_poll,
    named_run,
)

FAST = make_description(
    dialect={"name": "cloudcenter", "states": TWO_NAMES}, polling={"interval": 2.0}
)


def _acceptance(code: int = 202, body: bytes = b"", **headers: str) -> Exchange:
    return make_exchange(code, body, index=0, url=SUBMIT, method="POST", **headers)


STATUS_ROOT = f"{BASE}/v1/operationStatus"


def _state(op: str, state: str) -> httpx.Response:
    return httpx.Response(200, json={"operationId": op, "status": state})


def _runs(*answers: list[httpx.Response]):  # type: ignore[no-untyped-def]
    """One run per list of status answers; the first run is also the one made alone."""
    ops = [f"op{n}" for n in range(len(answers))]
    respx.post(SUBMIT).mock(
        side_effect=[
            httpx.Response(202, headers={"Location": f"/v1/operationStatus/{op}"}) for op in ops
        ]
    )
    for op, reads in zip(ops, answers, strict=True):
        respx.get(f"{STATUS_ROOT}/{op}").mock(side_effect=reads)
    driver, clock = make_driver(polling={"interval": 1, "budget": 5})
    runs = [driver.run("success") for _ in ops]
    return driver, clock, runs


DONE_STATES = ["RUNNING", "SUCCESS", "SUCCESS", "SUCCESS"]


def _answers(op: str, states: list[str]) -> list[httpx.Response]:
    return [_state(op, s) for s in states]


def _submit(*locations: str | None):  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).mock(
        side_effect=[
            httpx.Response(202, headers={"Location": f"/v1/operationStatus/{loc}"})
            if loc
            else httpx.Response(500)
            for loc in locations
        ]
    )
    driver, _ = make_driver()
    return [driver.submit("success") for _ in locations]


E = TypeVar("E", bound=BaseException)


@contextlib.contextmanager
def _raises(kind: type[E], match: str = "") -> Iterator[pytest.ExceptionInfo[E]]:
    """`pytest.raises`, except that a verdict of another kind fails the test (as in
    tests/test_check_paths.py)."""
    with pytest.raises(BaseException) as info:
        yield info  # type: ignore[misc]
    if not isinstance(info.value, kind):
        pytest.fail(f"{kind.__name__} expected, got {type(info.value).__name__}: {info.value}")
    assert re.search(match, str(info.value)), str(info.value)


ACCOUNTS = f"{BASE}/v1/accounts"


def _accepted_submission(n: int, op: str | None, path: str | None = None) -> Submission:
    ex = make_exchange(202, b"{}", index=n, url=ACCOUNTS, method="POST")
    url = httpx.URL(f"{BASE}/v1/operationStatus/{path or op}")
    return Submission("success", ex, status_url=url, operation_id=op)


DONE = make_run(state_read("RUNNING"), state_read("SUCCESS", 2))


def _concurrent(*runs: Run, description: Description = DESCRIPTION, alone: Run = DONE) -> None:
    submission.concurrent_runs_end_as_declared(Concurrent([], list(runs)), alone, description)


def _lost_at(received: float) -> Run:
    gone = make_exchange(404, index=1)
    gone.received_at = received  # the submission was sent at 0
    run = make_run(make_poll(gone, None))
    run.ended = Ended.STATUS_ERROR
    return run


def _answer_submissions(*answers: httpx.Response) -> None:
    respx.post(SUBMIT).mock(side_effect=list(answers))


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
    run = named_run(*states, accepted=named_accepted(latency))
    with citing() as cited:
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
    run = named_run("FAILED", "RUNNING", accepted=named_accepted(latency), scenario="failure")
    with raises_verdict(ConformanceFailure) as failure:
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
    run = named_run("SUCCESS", accepted=named_accepted(error="ConnectError: refused"))
    with raises_verdict(Blocked) as blocked:
        not_blocking(run, FAST)
    assert blocked.value.reason == "the submission got no answer: ConnectError: refused"
    assert blocked.value.exchanges == [run.submission.exchange]


@pytest.mark.parametrize(
    ("first", "why"),
    [
        (None, "the status URL was never read"),
        (named_poll(None, 1, 404), "the status resource answered 404"),
        (named_poll("SUCCESS", 1, 500), "the status resource answered 500"),
        (named_poll("Weird", 1), "the status resource answered 200"),  # a name of no role
    ],
)
def test_a_first_read_that_tells_no_state_blocks(first, why):
    run = named_run(ended=Ended.STATUS_ERROR)
    run.polls = [] if first is None else [first]
    with raises_verdict(Blocked) as blocked:
        not_blocking(run, FAST)
    assert blocked.value.reason == f"the first status read tells no state: {why}"
    assert blocked.value.exchanges == run.exchanges


def test_a_submission_accepted_otherwise_than_the_dialect_says_fails():
    run = make_run(accepted=_acceptance(201))
    with raises_verdict(ConformanceFailure) as failure:
        submission.accepted_with_202(run, DESCRIPTION)
    assert failure.value.requirement.id == "SUBMIT-202"
    assert failure.value.observed == "201"
    assert failure.value.expected == "202 (the dialect's acceptance)"
    assert failure.value.exchanges == [run.submission.exchange]
    assert failure.value.hint == (
        "Answer an asynchronous submission at once, with a way to reach its status."
    )


def test_a_submission_accepted_as_the_dialect_says_passes():
    run = make_run()
    with citing() as cited:
        submission.accepted_with_202(run, DESCRIPTION)
    assert [c.what for c in cited] == ["the success submission answered 202"]
    assert cited[0].exchanges == (run.submission.exchange,)


def test_a_status_url_on_another_origin_is_inconclusive_citing_the_acceptance():
    # Whether it is the status resource is unknown until followed, which the user must allow.
    run = make_run()
    run.submission.off_origin = True
    with raises_verdict(Inconclusive) as doubt:
        submission.location_names_status(run, DESCRIPTION)
    assert doubt.value.reason == "the status URL is on another origin"
    assert doubt.value.exchanges == [run.submission.exchange]


def test_an_acceptance_without_a_status_url_fails():
    run = make_run()
    run.submission.status_url = None
    with raises_verdict(ConformanceFailure) as failure:
        submission.location_names_status(run, DESCRIPTION)
    assert failure.value.requirement.id == "SUBMIT-LOCATION"
    assert failure.value.observed == "no usable status URL"
    assert failure.value.expected == "a status URL (header:Location)"
    assert failure.value.exchanges == [run.submission.exchange]


def test_a_status_url_never_read_blocks_saying_why():
    run = make_run()
    with raises_verdict(Blocked) as blocked:
        submission.location_names_status(run, DESCRIPTION)
    assert blocked.value.reason == "the status URL was not read: the status URL was never read"
    assert blocked.value.exchanges == [run.submission.exchange]


@pytest.mark.parametrize("code", [404, 410])
def test_a_status_url_gone_at_its_first_read_fails_citing_both(code):
    first = make_poll(make_exchange(code, index=1), None)
    run = make_run(first)
    run.submission.location = "/v1/operationStatus/op1"
    with raises_verdict(ConformanceFailure) as failure:
        submission.location_names_status(run, DESCRIPTION)
    assert failure.value.requirement.id == "SUBMIT-LOCATION"
    assert failure.value.observed == (
        f"the status URL '/v1/operationStatus/op1' resolves to {STATUS}, which answered {code}"
    )
    assert failure.value.expected == "the status resource of the operation just accepted"
    assert failure.value.exchanges == [run.submission.exchange, first.exchange]


def test_fewer_than_two_accepted_submissions_leave_nothing_to_compare():
    taken = Submission("success", _acceptance())
    taken.status_url = httpx.URL(STATUS)
    refused = Submission("success", make_exchange(409, index=2, url=SUBMIT, method="POST"))
    with raises_verdict(NotObserved) as skipped:
        submission.ids_unique([taken, refused])
    assert skipped.value.reason == (
        "only 1 of 2 concurrent submissions were accepted with a status URL, so there were no "
        "two to compare; make each submission distinct with {uuid} or {n} in the scenario's "
        "path or body if the target refuses repeats"
    )
    assert skipped.value.exchanges == [taken.exchange, refused.exchange]


def test_no_accepted_concurrent_submission_leaves_nothing_to_follow():
    with raises_verdict(NotObserved) as skipped:
        submission.concurrent_runs_end_as_declared(Concurrent([]), make_run(), DESCRIPTION)
    assert skipped.value.reason == (
        "no concurrent submission was accepted with a status URL to follow"
    )


def test_concurrent_runs_pass_when_a_single_run_read_its_status_once():
    alone = make_run(state_read("SUCCESS"))
    run = make_run(state_read("RUNNING", 2), state_read("SUCCESS", 3))
    with citing() as cited:
        submission.concurrent_runs_end_as_declared(Concurrent([], [run]), alone, DESCRIPTION)
    assert [c.what for c in cited] == ["1 concurrent operation came to an end"]
    assert cited[0].exchanges == (run.polls[-1].exchange,)


def test_an_acceptance_other_than_202_has_no_status_body_to_judge():
    # A 200 or 201 that creates in place answers with the resource, not a status.
    run = make_run(accepted=_acceptance(201, b"{}"))
    with raises_verdict(NotObserved) as skipped:
        submission.body_describes_status(run, DESCRIPTION)
    assert skipped.value.reason == "the success acceptance answered 201, not 202"
    assert skipped.value.exchanges == [run.submission.exchange]


def test_a_202_without_a_body_has_nothing_to_judge():
    run = make_run(accepted=_acceptance(202, b" \n"))
    with raises_verdict(NotObserved) as skipped:
        submission.body_describes_status(run, DESCRIPTION)
    assert skipped.value.reason == "the success acceptance had no body"
    assert skipped.value.exchanges == [run.submission.exchange]


def test_a_202_with_a_json_status_passes():
    run = make_run(
        accepted=_acceptance(202, b'{"status": "RUNNING"}', content_type="application/json")
    )
    with citing() as cited:
        submission.body_describes_status(run, DESCRIPTION)
    assert [c.what for c in cited] == ["the success acceptance body is a JSON status"]
    assert cited[0].exchanges == (run.submission.exchange,)


@pytest.mark.parametrize(
    ("headers", "labelled"),
    [({"content_type": "text/html"}, "labelled text/html"), ({}, "without a Content-Type")],
)
def test_a_202_body_that_is_no_status_fails_quoting_its_label_and_80_characters(headers, labelled):
    body = b"<html>" + b"x" * 90
    run = make_run(accepted=_acceptance(202, body, **headers))
    with raises_verdict(ConformanceFailure) as failure:
        submission.body_describes_status(run, DESCRIPTION)
    assert failure.value.requirement.id == "SUBMIT-BODY"
    assert failure.value.observed == f"a body {labelled}: {body[:80]!r}"
    assert failure.value.expected == "no body, or a JSON object with the status field 'status'"
    assert failure.value.exchanges == [run.submission.exchange]


def test_a_202_body_that_is_no_operation_names_the_done_field_where_there_is_no_status_field():
    run = make_run(accepted=_acceptance(202, b'{"foo": 1}', content_type="application/json"))
    with raises_verdict(ConformanceFailure) as failure:
        submission.body_describes_status(run, LRO)
    assert failure.value.expected == "no body, or a JSON object with the status field 'done'"


def test_a_202_body_is_not_judged_where_the_dialect_tells_the_state_by_http_code_alone():
    # Such a dialect has no field a body could show the state in: no FAIL naming field ''.
    description = make_description(dialect={"http_states": {"200": "success"}, "status_field": ""})
    run = make_run(accepted=_acceptance(202, b'{"id": "x"}', content_type="application/json"))
    with raises_verdict(NotObserved) as skipped:
        submission.body_describes_status(run, description)
    assert skipped.value.reason == (
        "the dialect tells the state by the HTTP code alone, so an acceptance body has no "
        "status field to show"
    )
    assert skipped.value.exchanges == [run.submission.exchange]


def test_a_202_body_cut_at_the_cap_is_inconclusive_for_the_body_requirement():
    # What a cut body held is unknown: the body requirement cannot FAIL on its first bytes.
    accepted = _acceptance(202, b"<html>", content_type="text/html")
    accepted.truncated = True
    run = make_run(accepted=accepted)
    with raises_verdict(Inconclusive) as inconclusive:
        submission.body_describes_status(run, DESCRIPTION)
    assert inconclusive.value.requirement.id == "SUBMIT-BODY"
    assert inconclusive.value.exchanges == [accepted]


def test_a_count_takes_its_nouns_number():
    from conformance._words import counted

    assert counted(1, "status read") == "1 status read"
    assert counted(0, "status read") == "0 status reads"
    assert counted(2, "body", "bodies") == "2 bodies"
    assert counted(1, "body", "bodies") == "1 body"


def test_concurrent_runs_whose_lone_run_lost_its_status_are_blocked_by_what_that_shows():
    gone = make_poll(make_exchange(404, b"{}", index=2), None)
    alone = make_run(gone)
    run = make_run(state_read("SUCCESS", 3))
    with raises_verdict(Blocked) as blocked:
        submission.concurrent_runs_end_as_declared(Concurrent([], [run]), alone, DESCRIPTION)
    assert blocked.value.by == ("STATUS-200-JSON", "SUBMIT-LOCATION", "RETAIN-COMPLETED")


@respx.mock
def test_operations_that_all_end_pass_citing_each_end():
    driver, _, runs = _runs(_answers("op0", DONE_STATES), _answers("op1", DONE_STATES))
    with collecting() as cited:
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
    assert cited[0].what == "all 2 concurrent operations came to an end"
    assert list(cited[0].exchanges) == [r.terminal.exchange for r in runs if r.terminal]


@respx.mock
def test_an_operation_lost_after_one_that_ended_fails_with_its_first_and_last_exchanges():
    lost = [httpx.Response(404)] * 3
    driver, _, runs = _runs(_answers("op0", DONE_STATES), lost)
    with pytest.raises(ConformanceFailure) as failure:
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
    assert failure.value.requirement.id == "TRANS-OUTCOME"
    assert failure.value.observed == (
        "an accepted operation's status URL answered 404: it was lost (2 accepted at once)"
    )
    assert failure.value.expected == (
        "every accepted operation reaches a terminal state within the operation budget (5 s)"
    )
    assert failure.value.exchanges == runs[1].exchanges[:2] + runs[1].exchanges[-2:]
    assert failure.value.hint.startswith("An accepted operation must not be lost")


@respx.mock
def test_an_operation_left_running_past_the_budget_fails():
    driver, _, runs = _runs(_answers("op0", DONE_STATES), _answers("op1", ["RUNNING"] * 20))
    with pytest.raises(ConformanceFailure) as failure:
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
    assert failure.value.observed == (
        "an accepted operation was still RUNNING after the budget (2 accepted at once)"
    )


@respx.mock
def test_a_gone_answer_first_read_after_the_window_could_have_ended_is_inconclusive():
    driver, _, runs = _runs(_answers("op0", DONE_STATES), [httpx.Response(404)] * 3)
    first = runs[1].polls[0].exchange
    first.received_at = runs[1].submission.exchange.sent_at + 295.0  # window 300 s, tolerance 5 s
    with pytest.raises(Inconclusive) as inconclusive:
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)
    assert inconclusive.value.reason == (
        "an accepted operation's status answered 404 when first read 295.000 s after its "
        "submission, when its 300 s window may already have ended"
    )
    first.received_at = runs[1].submission.exchange.sent_at + 294.9
    with pytest.raises(ConformanceFailure):
        concurrent_runs_end_as_declared(Concurrent([], runs), runs[0], driver.description)


@respx.mock
def test_repeated_status_urls_are_named_up_to_three():
    subs = _submit("a", "a", "b", "b", "c", "c", "d", "d", "e")
    with pytest.raises(ConformanceFailure) as failure:
        ids_unique(subs)
    urls = [f"{STATUS_ROOT}/{x}" for x in "abc"]
    assert failure.value.observed == (
        "9 accepted concurrent submissions gave 5 distinct status URLs; "
        f"repeated: {', '.join(urls)}"
    )
    assert failure.value.expected == "9 distinct status URLs"
    assert failure.value.exchanges == [s.exchange for s in subs]
    assert failure.value.hint == "Derive ids from a random or sequenced source, not from the clock."


@pytest.mark.parametrize("locations", [("a", None), ("a",), (None, None)])
@respx.mock
def test_fewer_than_two_accepted_leave_nothing_to_compare(locations):
    subs = _submit(*locations)
    accepted = sum(1 for loc in locations if loc)
    with pytest.raises(NotObserved, match=f"only {accepted} of {len(locations)} concurrent"):
        ids_unique(subs)


@respx.mock
def test_two_accepted_are_enough_to_compare():
    subs = _submit("a", "b", None)
    with collecting() as cited:
        ids_unique(subs)
    assert cited[0].what == "2 accepted concurrent submissions, 2 status URLs"
    assert list(cited[0].exchanges) == [subs[0].exchange, subs[1].exchange]


@respx.mock
def test_a_status_url_on_another_origin_leaves_the_location_check_in_doubt_in_words():
    respx.post(SUBMIT).respond(202, headers={"Location": "https://evil.test/op/1"})
    driver, _ = make_driver()
    run = driver.run("success")
    words = (
        "the status URL 'https://evil.test/op/1' is on another origin (https://evil.test:443), "
        "so the suite did not follow it. If that origin belongs to the target, list it in "
        "allowed_origins in the target description."
    )
    assert run.submission.location_problem == words
    assert run.submission.off_origin is True
    # Not following it is the suite's policy: doubt (WARN), not a FAIL of the target.
    with _raises(Inconclusive) as blocked:
        submission_checks.location_names_status(run, driver.description)
    assert blocked.value.reason == words
    assert blocked.value.exchanges == [run.submission.exchange]


def test_two_accepted_submissions_are_enough_to_compare():
    subs = [_accepted_submission(1, "a"), _accepted_submission(2, "b")]
    with citing() as cited:
        submission.ids_unique(subs)
    assert [c.what for c in cited] == ["2 accepted concurrent submissions, 2 status URLs"]


def test_distinct_status_urls_that_repeat_an_operation_id_fail_naming_the_ids():
    subs = [
        _accepted_submission(1, "op1", "u1"),
        _accepted_submission(2, "op1", "u2"),
        _accepted_submission(3, "op2", "u3"),
    ]
    with raises_verdict(ConformanceFailure) as failure:
        submission.ids_unique(subs)
    assert failure.value.requirement.id == "SUBMIT-UNIQUE"
    assert failure.value.observed == (
        "3 accepted concurrent submissions gave 2 distinct operation ids; repeated: op1"
    )
    assert failure.value.expected == "3 distinct operation ids"


def test_a_single_submission_whose_status_was_never_read_blocks_the_comparison():
    alone = make_run()  # accepted, but the status URL was not read
    with raises_verdict(Blocked) as blocked:
        _concurrent(DONE, alone=alone)
    assert blocked.value.reason == (
        "the status URL of a single success submission does not work either: "
        "the status URL was never read"
    )
    assert blocked.value.exchanges == alone.exchanges


def test_a_concurrent_operation_whose_status_was_never_read_blocks_with_its_exchanges():
    unread = make_run()
    with raises_verdict(Blocked) as blocked:
        _concurrent(DONE, unread)
    assert blocked.value.reason == (
        "an accepted operation could not be followed: the status URL was never read"
    )
    assert blocked.value.exchanges == unread.exchanges


def test_a_late_gone_answer_is_inconclusive_citing_the_submission_and_that_answer():
    lost = _lost_at(296.0)  # window 300 s, tolerance 5 s
    with raises_verdict(Inconclusive) as inconclusive:
        _concurrent(DONE, lost)
    assert inconclusive.value.exchanges == [lost.submission.exchange, lost.polls[0].exchange]


def test_a_late_gone_answer_is_a_loss_where_the_dialect_keeps_no_finished_operations():
    # Without a retention window there is no expiry to excuse a 404, however late.
    keeps_none = make_description(
        dialect={"not_applicable": {"RETAIN-COMPLETED": "finished operations are not kept"}}
    )
    with raises_verdict(ConformanceFailure) as failure:
        _concurrent(DONE, _lost_at(296.0), description=keeps_none)
    assert failure.value.observed == (
        "an accepted operation's status URL answered 404: it was lost (2 accepted at once)"
    )


def test_an_operation_left_running_is_named_by_its_last_state_citing_its_ends():
    queued = make_description(dialect={"states": {"running": ["QUEUED", "RUNNING"]}})
    states = ["QUEUED", "QUEUED", "QUEUED", "QUEUED", "RUNNING"]
    polls = [
        make_poll(make_exchange(200, b"{}", index=n), {"status": s}, queued)
        for n, s in enumerate(states)
    ]
    stalled = make_run(*polls)
    stalled.ended = Ended.BUDGET
    with raises_verdict(ConformanceFailure) as failure:
        _concurrent(DONE, stalled, description=queued)
    assert failure.value.observed == (
        "an accepted operation was still RUNNING after the budget (2 accepted at once)"
    )
    # The submission and first read, then the last two reads: not the middle ones.
    ex = stalled.exchanges
    assert failure.value.exchanges == [ex[0], ex[1], ex[4], ex[5]]


@respx.mock
def test_two_operations_with_one_id_in_their_bodies_are_not_unique():
    """Distinct status URLs, but the 202 bodies name one id."""
    _answer_submissions(
        *(
            httpx.Response(202, headers={"Location": f"/v1/operationStatus/{n}"}, json=body)
            for n, body in enumerate([{"operationId": "same", "status": "RUNNING"}] * 2)
        )
    )
    driver, _ = make_driver()
    subs = [driver.submit("success"), driver.submit("success")]
    with pytest.raises(ConformanceFailure, match="operation ids"):
        submission.ids_unique(subs)


@respx.mock
def test_two_operations_with_distinct_ids_are_unique():
    _answer_submissions(
        *(
            httpx.Response(202, headers={"Location": f"/v1/operationStatus/{n}"}, json=body)
            for n, body in enumerate(
                [
                    {"operationId": "a", "status": "RUNNING"},
                    {"operationId": "b", "status": "RUNNING"},
                ]
            )
        )
    )
    driver, _ = make_driver()
    submission.ids_unique([driver.submit("success"), driver.submit("success")])


@respx.mock
def test_a_202_json_body_without_the_status_field_does_not_describe_the_status():
    driver, run = run_with(ACCEPTED, *[status_answer("SUCCESS")] * 3)
    with pytest.raises(ConformanceFailure) as failure:
        submission.body_describes_status(run, driver.description)
    assert failure.value.requirement.id == "SUBMIT-BODY"


@respx.mock
def test_a_202_json_body_with_the_status_field_describes_the_status():
    accepted = httpx.Response(
        202,
        headers={"Location": "/v1/operationStatus/op1"},
        json={"operationId": "op1", "status": "RUNNING"},
    )
    driver, run = run_with(accepted, *[status_answer("SUCCESS")] * 3)
    submission.body_describes_status(run, driver.description)
