"""SYNC-*: the described synchronous call, and the state it must agree with."""

from __future__ import annotations

import pytest
import respx

from conformance.checks import (
    sync,
)
from conformance.checks.sync import created_resource_reads
from conformance.driver import Call
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
from tests.support.driving import BASE, SUBMIT, make_driver


def _finished(resource_url: str = f"{BASE}/things/1", state: str = "SUCCESS") -> None:
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").respond(200, json={"status": state, "resourceUrl": resource_url})


@respx.mock
def test_a_created_resource_that_reads_with_its_state_passes_citing_the_read():
    _finished()
    respx.get(f"{BASE}/things/1").respond(200, json={"name": "a"})
    driver, _ = make_driver()
    run = driver.run("success")
    with citing() as cited:
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
    with raises_verdict(ConformanceFailure) as failure:
        created_resource_reads(run, driver)
    assert failure.value.observed == "reading the created resource answered 204 with 0 bytes"
    assert [e.label for e in failure.value.exchanges] == ["read resource"]


@respx.mock
def test_a_run_that_did_not_succeed_has_no_created_resource_to_read():
    _finished(state="FAILED")
    read = respx.get(f"{BASE}/things/1").respond(200, json={})
    driver, _ = make_driver()
    run = driver.run("success")
    with raises_verdict(Blocked) as blocked:
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
    with raises_verdict(NotObserved) as skipped:
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
    with raises_verdict(Blocked) as blocked:
        created_resource_reads(run, driver)
    assert blocked.value.reason.startswith(
        "no resource to read: the resource URL 'https://evil.test/steal' is on another origin"
    )
    assert blocked.value.exchanges == [run.exchanges[-1]]
    assert len(run.exchanges) > 1


@pytest.mark.parametrize(
    ("code", "body"), [(199, b"{}"), (204, b"{}"), (300, b"{}"), (200, b" \n"), (200, b"")]
)
def test_a_synchronous_answer_without_a_2xx_state_fails(code, body):
    ex = make_exchange(code, body)
    with raises_verdict(ConformanceFailure) as failure:
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
    ex = make_exchange(code, body, **headers)
    with citing() as cited:
        sync.answers_with_state(ex, "reading it")
    assert [c.what for c in cited] == [f"reading it answered {code} with {len(body)} bytes"]
    assert cited[0].exchanges == (ex,)


@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json"])
def test_a_body_labelled_json_that_does_not_parse_fails(content_type):
    ex = make_exchange(200, b"{state: ok}", content_type=content_type)
    with raises_verdict(ConformanceFailure) as failure:
        sync.answers_with_state(ex, "reading it")
    assert failure.value.observed == "reading it declared JSON but sent b'{state: ok}'"
    assert failure.value.expected == "a body that parses as its Content-Type says"
    assert failure.value.exchanges == [ex]


def test_a_synchronous_call_without_an_answer_blocks():
    ex = make_exchange(None, error="ConnectError: refused")
    with raises_verdict(Blocked) as blocked:
        sync.answers_with_state(ex, "reading it")
    assert blocked.value.reason == "reading it got no answer: ConnectError: refused"
    assert blocked.value.exchanges == [ex]


def test_a_synchronous_body_labelled_json_in_capitals_must_parse():
    ex = make_exchange(200, b"state: ok", content_type="Application/JSON")
    with raises_verdict(ConformanceFailure) as failure:
        sync.answers_with_state(ex, "reading it")
    assert failure.value.expected == "a body that parses as its Content-Type says"


def test_a_body_declared_json_that_does_not_parse_is_quoted_to_80_characters():
    body = b"{" + b"y" * 100
    answer = make_exchange(200, body, content_type="application/json")
    with raises_verdict(ConformanceFailure) as failure:
        sync.answers_with_state(answer, "reading the created resource")
    assert failure.value.requirement.id == "SYNC-STATE"
    assert failure.value.observed == (
        f"reading the created resource declared JSON but sent {body[:80]!r}"
    )
    assert failure.value.exchanges == [answer]


def test_a_described_call_that_answers_without_a_state_fails_naming_the_synchronous_call():
    ex = make_exchange(500, b"oops")
    with raises_verdict(ConformanceFailure) as failure:
        sync.described_call_answers(Call(ex))
    assert failure.value.requirement.id == "SYNC-STATE"
    assert failure.value.observed == "the synchronous call answered 500 with 4 bytes"
    assert failure.value.exchanges == [ex]


def test_a_synchronous_answer_with_status_0_fails_quoting_the_0():
    # An in-process app can send any number as its status; 0 is falsy, yet it is what came.
    ex = make_exchange(0, b"{}")
    with raises_verdict(ConformanceFailure) as failure:
        sync.answers_with_state(ex, "reading it")
    assert failure.value.observed == "reading it answered 0 with 2 bytes"
