"""The driver's edges: what it keeps past the caps, the words and labels it records, and
where it finds the result."""

from __future__ import annotations

import contextlib
import re
import time
import zlib
from collections.abc import Iterator
from typing import TypeVar

import httpx
import pytest
import respx

from conformance.checks import submission as submission_checks
from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import (
    Driver,
    Ended,
    Exchange,
    Poll,
    Redactor,
    Run,
    Submission,
    Transcript,
    _body,
    read_state,
)
from conformance.verdicts import Inconclusive

from .test_driver import BASE, CLASSIC, SUBMIT, make_driver

STATUS = f"{BASE}/v1/operationStatus/op1"

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


def _ex(status: int = 200, url: str = STATUS, method: str = "GET", **headers: str) -> Exchange:
    return Exchange(
        1, "x", method, url, [], b"", 0.0, 0.0, status, [(k, v) for k, v in headers.items()]
    )


def _run(driver: Driver, *bodies: dict[str, object]) -> Run:
    """A run whose status reads gave `bodies`, as the driver would have recorded it."""
    dialect = driver.description.dialect
    polls = [Poll(_ex(), b, read_state(dialect, 200, b), 0.0, None) for b in bodies]
    sub = Submission("success", _ex(202, url=SUBMIT, method="POST"))
    sub.status_url = httpx.URL(STATUS)
    terminal = next((i for i, p in enumerate(polls) if p.role and p.role.terminal), None)
    ended = Ended.TERMINAL if terminal is not None else Ended.BUDGET
    return Run(sub, polls, ended, terminal)


# -- reading a compressed body ---------------------------------------------------------------


def test_a_compressed_body_is_inflated_only_one_byte_past_its_cap(monkeypatch):
    # A gzip bomb is inflated only as far as the cap needs (one byte more tells that there
    # was more), also when the first raw chunk inflates to less than the cap.
    inflated: list[int] = []
    real = _body._inflated

    def counted(raw, room):
        for out in real(raw, room):
            inflated.append(len(out))
            yield out

    monkeypatch.setattr(_body, "_inflated", counted)
    packer = zlib.compressobj(level=0, wbits=zlib.MAX_WBITS | 16)
    data = packer.compress(b"x" * 10_000) + packer.flush()
    chunks = _Chunks([data[:300], data[300:]])
    response = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=chunks)
    body, more = _body.read_body(response, 1000, time.monotonic() + 60, RuntimeError)
    assert (body, more) == (b"x" * 1000, True)
    assert inflated[0] < 1000  # the first chunk alone did not reach the cap
    assert sum(inflated) == 1001


class _Chunks(httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self):
        yield from self.chunks


# -- the driver's own state --------------------------------------------------------------------


@respx.mock
def test_the_transcript_given_to_the_driver_is_the_one_it_records_in():
    respx.get(f"{BASE}/x").respond(200)
    description = parse({**CLASSIC, "base_url": BASE}, "test").effective
    transcript = Transcript()
    driver = Driver(httpx.Client(base_url=BASE), description, VirtualClock(), transcript)
    exchange = driver.send("x", "GET", "/x")
    assert list(transcript) == [exchange] and driver.transcript is transcript


def test_following_no_operations_reads_nothing():
    driver, _ = make_driver()
    assert driver.follow_all([]) == []


# -- headers kept past the caps ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_url", "kept"),
    [
        # The header the dialect reads the status URL from is kept wherever it comes.
        ("header:Operation-Location", True),
        # A body field of the same name does not make the header one the suite reads.
        ("body:Operation-Location", False),
    ],
)
@respx.mock
def test_past_the_caps_only_the_status_url_header_the_dialect_reads_is_kept(status_url, kept):
    flood = [(f"x-{i}", "v") for i in range(20)] + [("Operation-Location", "/op/1")]
    respx.get(f"{BASE}/flood").respond(200, headers=flood)
    driver, _ = make_driver(dialect={"status_url": status_url}, polling={"max_headers": 10})
    exchange = driver.send("flood", "GET", "/flood")
    assert exchange.header("operation-location") == ("/op/1" if kept else None)
    assert exchange.headers_dropped == (10 if kept else 11)


# -- the status URL on another origin ----------------------------------------------------------


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


# -- the result ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result_url", "terminal"),
    [
        ("template:/things/{thing.id}", {"thing": {"id": "7"}}),
        ("link:result", {"links": [{"rel": "result", "href": "/things/7"}]}),
    ],
    ids=["template", "link"],
)
def test_the_result_url_is_read_from_the_terminal_body_as_the_dialect_says(result_url, terminal):
    driver, _ = make_driver(dialect={"result_url": result_url})
    run = _run(
        driver,
        {"operationId": "op1", "status": "RUNNING"},
        {"operationId": "op1", "status": "SUCCESS", **terminal},
    )
    assert driver.resource_url(run) == httpx.URL(f"{BASE}/things/7")


@respx.mock
def test_a_resource_call_of_a_run_that_never_ended_is_not_sent_and_says_why():
    driver, _ = make_driver()
    run = _run(driver, {"operationId": "op1", "status": "RUNNING"})
    call = driver.resource_call("read", run, "read")
    assert (call.exchange, call.problem, call.unnamed) == (
        None,
        "the operation reached no terminal state",
        False,
    )
    assert not respx.calls


@respx.mock
def test_reads_after_a_delete_are_labelled_in_order():
    respx.get(f"{BASE}/things/1").mock(
        side_effect=[httpx.Response(200), httpx.Response(200), httpx.Response(404)]
    )
    driver, _ = make_driver(polling={"interval": 1})
    run = _run(
        driver, {"operationId": "op1", "status": "SUCCESS", "resourceUrl": f"{BASE}/things/1"}
    )
    reads = driver.wait_until_gone(run)
    assert [(r.label, r.status) for r in reads] == [
        ("read after delete 1", 200),
        ("read after delete 2", 200),
        ("read after delete 3", 404),
    ]


@respx.mock
def test_the_synchronous_call_is_labelled_as_such_in_the_transcript():
    respx.get(SUBMIT).respond(200, json={"status": "SUCCESS"})
    driver, _ = make_driver()
    exchange = driver.sync_call().exchange
    assert exchange is not None and exchange.label == "sync call"
    assert [e.label for e in driver.transcript] == ["sync call"]


# -- redaction -------------------------------------------------------------------------------


def test_a_secret_is_replaced_whole_before_a_shorter_one_that_sorts_after_it():
    # "b" sorts after "abc": replaced first, it would leave "a" and "c" of the longer
    # secret in the report.
    assert Redactor(["b", "abc"]).text("abc and b") == "[secret] and [secret]"
