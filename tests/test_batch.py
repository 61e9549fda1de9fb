"""The success operations sent at once, and the checks sharing them (respx, a virtual clock)."""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance import batch
from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import Driver

BASE = "https://api.example.test"
STATUS = f"{BASE}/v1/operationStatus"


@pytest.fixture
def in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """One submission at a time, in order: which one the target refuses is then known."""
    monkeypatch.setattr(batch, "CONNECTIONS", 1)


def make_driver() -> Driver:
    raw = {
        "base_url": BASE,
        "scenarios": {"success": {"path": "/v1/things"}},
        "polling": {"interval": 1, "budget": 30},
    }
    return Driver(httpx.Client(base_url=BASE), parse(raw, "t").effective, VirtualClock())


def _answers(*codes: int) -> None:
    """The submissions' answers, in order: 202 with op-N's status URL, or the code given."""
    responses, n = [], 0
    for code in codes:
        if code == 202:
            n += 1
            headers = {"Location": f"{STATUS}/op-{n}"}
            responses.append(httpx.Response(202, headers=headers, json={"status": "RUNNING"}))
        else:
            responses.append(httpx.Response(code, json={"error": "busy"}))
    respx.post(f"{BASE}/v1/things").mock(side_effect=responses)


def _states(state: str) -> None:
    respx.get(url__regex=rf"{STATUS}/op-(\d+)").mock(
        side_effect=lambda request: httpx.Response(
            200,
            json={
                "status": state,
                "operationId": request.url.path.rsplit("/", 1)[1],
                "resourceUrl": f"{BASE}/v1/things/{request.url.path.rsplit('-', 1)[1]}",
            },
        )
    )


@respx.mock
def test_the_third_operation_of_a_wall_clock_trial_is_read_late_and_not_judged_with_the_batch(
    in_order,
):
    _answers(202, 202, 202, 202)
    _states("SUCCESS")  # done at the first read: the trial reads the third one late
    driver = make_driver()
    made = batch.start_batch(driver, 4, real=True)
    trial, concurrent = made.trial, made.concurrent
    assert trial.often_age is not None and trial.later is not None
    aged = trial.submissions[2]
    assert len(concurrent.submissions) == 4  # every id counts for SUBMIT-UNIQUE
    assert [run.submission for run in concurrent.runs] == [
        s for s in concurrent.submissions if s is not aged
    ]
    labels = [e.label for e in driver.transcript]
    assert labels.index("read once, late") > labels.index("read once")


@respx.mock
def test_a_trial_whose_first_submission_was_refused_uses_the_others(in_order):
    _answers(429, 202, 202, 202)
    _states("RUNNING")
    made = batch.start_batch(make_driver(), 4, real=False)
    assert made.trial.problem is None
    assert [s.status_url is not None for s in made.trial.submissions] == [True, True]
    assert len(made.concurrent.runs) == 3


@respx.mock
def test_too_few_accepted_for_a_trial_says_why(in_order):
    _answers(429, 202)
    _states("RUNNING")
    made = batch.start_batch(make_driver(), 2, real=False)
    assert made.trial.problem is not None and made.trial.problem.startswith("no status URL")


@respx.mock
def test_the_deleted_resource_is_one_a_batch_operation_made_or_none(in_order):
    _answers(202, 202)
    _states("FAILED")
    assert batch.start_batch(make_driver(), 2, real=False).deletable() is None
    respx.reset()
    _answers(202, 202)
    _states("SUCCESS")
    made = batch.start_batch(make_driver(), 2, real=False)
    run = made.deletable()
    assert run is not None and run.terminal is not None and run.terminal.state == "SUCCESS"


def test_the_batch_sends_concurrency_at_least_a_trial_and_only_a_trial_when_sparing():
    driver = make_driver()
    assert batch.batch_size(driver.description, real=True) == 5  # polling.concurrency
    assert batch.batch_size(driver.description, real=True, sparing=True) == 3
    assert batch.batch_size(driver.description, real=False, sparing=True) == 2
