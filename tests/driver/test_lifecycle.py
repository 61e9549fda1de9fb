"""The driver against crafted answers (respx): submission, the status URL, polling with
Retry-After within the budget, confirmation, and calls on the result."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
import respx

from conformance.clock import RealClock, VirtualClock
from conformance.description import parse
from conformance.driver import (
    Driver,
    Ended,
    Exchange,
    Poll,
    Run,
    Submission,
    Transcript,
    read_state,
    retry_after_seconds,
)
from conformance.verdicts import ConformanceFailure
from tests.support.driving import (
    ACCEPTED,
    BASE,
    CLASSIC,
    STATUS,
    SUBMIT,
    make_driver,
    status_answer,
)

AZURE_OP = f"{BASE}/operations/op1"


MONITOR = {"id": "op1", "status": "Succeeded"}


def _azure_submission(**headers: str):
    respx.post(SUBMIT).respond(202, headers=headers)
    driver, _ = make_driver(dialect={"name": "azure"})
    return driver.submit("success")


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


def _finished(resource_url: str = f"{BASE}/things/1", **body: object) -> None:
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(
        return_value=httpx.Response(
            200, json={"status": "SUCCESS", "resourceUrl": resource_url, **body}
        )
    )


def _resource_url(result_url: str, submitted: httpx.Response, **dialect: object) -> object:
    respx.post(SUBMIT).mock(return_value=submitted)
    respx.get(f"{BASE}/op").mock(return_value=status_answer("SUCCESS"))
    driver, _ = make_driver(dialect={"name": "cloudcenter", "result_url": result_url, **dialect})
    return driver.resource_url(driver.run("success"))


def _moving(location: str, **dialect: object) -> tuple[list[str], Run, Driver]:
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    moved = {"Location": location}
    respx.get(f"{BASE}/op").mock(
        side_effect=[httpx.Response(200, json={"status": "RUNNING"}, headers=moved)]
        + [status_answer("SUCCESS")] * 3
    )
    respx.get(f"{BASE}/op2").mock(return_value=status_answer("SUCCESS"))
    driver, _ = make_driver(dialect={"name": "cloudcenter", **dialect})
    run = driver.run("success")
    return [httpx.URL(p.exchange.url).path for p in run.polls], run, driver


@respx.mock
def test_relative_location_resolves_against_the_request_uri():
    respx.post(SUBMIT).respond(202, headers={"Location": "../../../../operationStatus/op1"})
    route = respx.get(f"{BASE}/v1/operationStatus/op1").mock(return_value=status_answer("SUCCESS"))
    driver, _ = make_driver()
    run = driver.run("success")
    assert str(run.submission.status_url) == f"{BASE}/v1/operationStatus/op1"
    assert route.called
    assert run.ended == "terminal" and run.terminal is not None


@respx.mock
def test_a_status_url_on_another_origin_says_which_source_it_came_from():
    respx.post(SUBMIT).respond(202, headers={"Location": "https://evil.test/op/1"})
    sources = ["header:Operation-Location", "header:Location"]
    driver, _ = make_driver(dialect={"status_url": sources})
    run = driver.run("success")
    problem = run.submission.location_problem or ""
    assert problem.startswith("the status URL 'https://evil.test/op/1' is on another origin")
    assert problem.endswith(" (It came from header:Location.)")


@respx.mock
def test_location_on_another_origin_is_not_followed():
    respx.post(SUBMIT).respond(202, headers={"Location": "https://evil.test/op/1"})
    driver, _ = make_driver()
    run = driver.run("success")
    assert run.submission.status_url is None
    assert "another origin (https://evil.test:443)" in (run.submission.location_problem or "")
    assert run.polls == []


@respx.mock
def test_allowed_origin_is_followed():
    respx.post(SUBMIT).respond(202, headers={"Location": "https://status.example.test/op/1"})
    respx.get("https://status.example.test/op/1").mock(return_value=status_answer("SUCCESS"))
    driver, _ = make_driver(allowed_origins=["https://status.example.test"])
    assert driver.run("success").terminal is not None


@respx.mock
def test_polls_at_the_interval_and_honours_retry_after():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op/1", "Retry-After": "7"})
    respx.get(f"{BASE}/op/1").mock(
        side_effect=[
            status_answer("RUNNING"),
            httpx.Response(200, json={"status": "RUNNING"}, headers={"Retry-After": "3"}),
            status_answer("SUCCESS"),
            status_answer("SUCCESS"),
            status_answer("SUCCESS"),
        ]
    )
    driver, clock = make_driver(polling={"interval": 2})
    start = clock.now()
    run = driver.run("success")
    assert [p.waited for p in run.polls] == [7, 2, 3, 2, 2]
    assert clock.now() - start == 16
    assert run.states == ["RUNNING", "RUNNING", "SUCCESS", "SUCCESS", "SUCCESS"]


@respx.mock
def test_budget_ends_a_run_that_never_finishes():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op/1", "Retry-After": "1000"})
    respx.get(f"{BASE}/op/1").mock(return_value=status_answer("RUNNING"))
    driver, clock = make_driver(polling={"interval": 1, "budget": 10})
    start = clock.now()
    run = driver.run("success")
    assert run.ended == "budget" and run.terminal is None
    assert clock.now() - start == 10  # Retry-After is bounded by the budget


@respx.mock
def test_transport_errors_are_recorded_not_raised():
    respx.post(SUBMIT).mock(side_effect=httpx.ConnectError("refused"))
    driver, _ = make_driver()
    run = driver.run("success")
    assert run.submission.exchange.error == "ConnectError: refused"
    assert run.submission.status_url is None


@respx.mock
def test_huge_bodies_are_cut_at_the_limit():
    respx.get(f"{BASE}/big").respond(200, content=b"x" * 10_000)
    driver, _ = make_driver(polling={"max_body_bytes": 2048})
    exchange = driver.send("big", "GET", "/big")
    assert exchange.truncated and len(exchange.body) == 2048


@respx.mock
def test_retry_after_zero_or_garbage_does_not_busy_loop():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op/1"})
    respx.get(f"{BASE}/op/1").mock(
        return_value=httpx.Response(200, json={"status": "RUNNING"}, headers={"Retry-After": "0"})
    )
    driver, _ = make_driver(polling={"interval": 1, "budget": 10})
    run = driver.run("success")
    assert run.ended == "budget"
    assert len(run.polls) <= 10 / (1 * 0.1) + 2  # at least a tenth of the interval apart
    assert retry_after_seconds("\u00b2", 0) is None  # a superscript two is no number


@respx.mock
def test_headers_past_the_caps_are_counted_not_kept():
    flood = [(f"x-{i}", "v" * 20) for i in range(10_000)] + [("Location", "/op/1")]
    respx.get(f"{BASE}/flood").respond(200, headers=flood)
    driver, _ = make_driver(polling={"max_headers": 50, "max_header_bytes": 4096})
    exchange = driver.send("flood", "GET", "/flood")
    assert len(exchange.headers) <= 51
    assert sum(len(k) + len(v) for k, v in exchange.headers) <= 4096 + 64
    assert exchange.headers_dropped == 10_001 - len(exchange.headers)
    # A header the suite reads is kept wherever it comes.
    assert exchange.header("location") == "/op/1"


@respx.mock
def test_a_huge_header_the_suite_reads_is_not_kept():
    respx.get(f"{BASE}/big").respond(
        200, headers=[("x-a", "b")] * 200 + [("Location", "/" + "x" * 20_000)]
    )
    driver, _ = make_driver()
    exchange = driver.send("big", "GET", "/big")
    assert exchange.header("location") is None and exchange.headers_dropped == 101


@respx.mock
def test_resource_url_on_another_origin_is_not_followed():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op/1"})
    respx.get(f"{BASE}/op/1").mock(
        return_value=status_answer("SUCCESS", resourceUrl="https://evil.test/steal")
    )
    stolen = respx.route(host="evil.test").respond(200)
    driver, _ = make_driver(headers={"Authorization": "Bearer x"})
    run = driver.run("success")
    call = driver.resource_call("delete", run, "delete")
    assert call.exchange is None and "another origin" in (call.problem or "")
    assert not stolen.called


@respx.mock
def test_a_refused_submission_says_what_it_answered():
    respx.post(SUBMIT).respond(409, json={"error": "duplicate"})
    driver, _ = make_driver()
    sub = driver.submit("success")
    assert (
        sub.location_problem == "the submission answered 409, not 202, and gave no Location header"
    )


@respx.mock
def test_each_submission_gets_fresh_values_for_uuid_and_n():
    route = respx.post(url__regex=rf"{BASE}/things/.*").respond(202)
    driver, _ = make_driver(
        scenarios={"success": {"path": "/things/{n}", "json": {"name": "x-{uuid}", "k": 1}}}
    )
    driver.submit("success"), driver.submit("success")
    paths = [call.request.url.path for call in route.calls]
    names = [json.loads(call.request.content)["name"] for call in route.calls]
    assert paths == ["/things/1", "/things/2"]
    assert len(set(names)) == 2 and all(n.startswith("x-") and len(n) == 34 for n in names)


@respx.mock
@pytest.mark.parametrize(
    ("mode", "sent"),
    [("per-operation", [None, None]), ("shared", [None, "s=1"]), ("off", [None, None])],
)
def test_cookies_are_kept_per_operation_unless_told(mode, sent):
    seen = []

    def submit(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(202, headers={"Location": "/op", "Set-Cookie": "s=1; Path=/"})

    respx.post(SUBMIT).mock(side_effect=submit)
    poll = respx.get(f"{BASE}/op").mock(return_value=status_answer("SUCCESS"))
    driver, _ = make_driver(cookies=mode)
    first = driver.submit("success")
    driver.submit("success")
    assert seen == sent
    driver.poll(first.status_url, "poll", jar=first.jar)
    assert poll.calls.last.request.headers.get("cookie") == (None if mode == "off" else "s=1")


@respx.mock
def test_a_status_read_that_fails_later_still_fails_status_200_json():
    from conformance.checks import status as checks

    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(side_effect=[status_answer("RUNNING"), httpx.Response(500)])
    driver, _ = make_driver()
    run = driver.run("success")
    with pytest.raises(ConformanceFailure, match="500"):
        checks.answers_200_json(run, driver.description)


@respx.mock
def test_operations_followed_together_are_read_together():
    # Each is first read when it was submitted, not after the one before it finished.
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    clock_holder = {}

    def state(request: httpx.Request) -> httpx.Response:
        done = clock_holder["clock"].now() >= clock_holder["start"] + 3
        return status_answer("SUCCESS" if done else "RUNNING")

    respx.get(f"{BASE}/op").mock(side_effect=state)
    driver, clock = make_driver(polling={"interval": 1, "budget": 30})
    clock_holder.update(clock=clock, start=clock.now())
    subs = [driver.submit("success") for _ in range(3)]
    runs = driver.follow_all(subs)
    assert [r.polls[0].exchange.sent_at for r in runs] == [clock_holder["start"]] * 3
    assert all(r.ended == "terminal" for r in runs)


@respx.mock
def test_the_id_of_a_resource_created_in_place_is_not_taken_for_the_operations():
    respx.put(f"{BASE}/widgets/w1").respond(
        201,
        json={"id": "/widgets/w1", "provisioningState": "Creating"},
        headers={"Operation-Location": f"{BASE}/operations/op1"},
    )
    driver, _ = make_driver(
        scenarios={"success": {"method": "PUT", "path": "/widgets/w1"}},
        dialect={"name": "azure"},
    )
    sub = driver.submit("success")
    assert sub.operation_id is None and str(sub.status_url) == f"{BASE}/operations/op1"


@respx.mock
def test_a_template_status_url_keeps_the_base_urls_path():
    respx.post("https://api.example.test/api/v1/books").respond(200, json={"name": "operations/9"})
    description = parse(
        {
            "base_url": "https://api.example.test/api",
            "scenarios": {"success": {"path": "v1/books"}},
            "dialect": {"name": "google-lro"},
        },
        "test",
    ).effective
    client = httpx.Client(base_url="https://api.example.test/api")
    driver = Driver(client, description, VirtualClock())
    sub = driver.submit("success")
    assert str(sub.status_url) == "https://api.example.test/api/v1/operations/9"


@respx.mock
def test_the_monitor_is_taken_from_azure_asyncoperation_when_operation_location_is_absent():
    sub = _azure_submission(**{"Azure-AsyncOperation": AZURE_OP, "Location": f"{BASE}/final"})
    assert str(sub.status_url) == AZURE_OP
    assert sub.location_source == "header:Azure-AsyncOperation"


@respx.mock
def test_operation_location_is_preferred_when_both_monitor_headers_are_present():
    sub = _azure_submission(
        **{"Operation-Location": AZURE_OP, "Azure-AsyncOperation": f"{BASE}/operations/older"}
    )
    assert str(sub.status_url) == AZURE_OP
    assert sub.location_source == "header:Operation-Location"


@respx.mock
def test_location_is_the_monitor_only_when_neither_azure_header_is_there():
    sub = _azure_submission(Location=AZURE_OP)
    assert (str(sub.status_url), sub.location_source) == (AZURE_OP, "header:Location")


@respx.mock
def test_no_monitor_header_names_every_header_looked_for_in_order():
    sub = _azure_submission(**{"Retry-After": "1"})
    assert sub.status_url is None
    assert sub.location_problem == (
        "the submission gave none of the headers Operation-Location, Azure-AsyncOperation "
        "or Location (looked for in that order)"
    )


@respx.mock
def test_a_monitor_header_that_cannot_be_followed_is_not_passed_over_for_the_next():
    # The server chose Azure-AsyncOperation; a Location beside it is not its monitor.
    sub = _azure_submission(**{"Azure-AsyncOperation": "javascript:x", "Location": AZURE_OP})
    assert sub.status_url is None
    assert sub.location_problem == (
        "the status URL 'javascript:x' (from header:Azure-AsyncOperation) is a javascript: "
        "URL, not an http(s) one: nothing to request"
    )


@respx.mock
def test_one_source_keeps_its_words():
    respx.post(SUBMIT).respond(202)
    driver, _ = make_driver()
    assert driver.submit("success").location_problem == "the submission gave no Location header"


@respx.mock
def test_a_status_url_moves_by_the_header_that_named_it():
    respx.post(SUBMIT).respond(202, headers={"Azure-AsyncOperation": f"{BASE}/op"})
    running = {"id": "op1", "status": "Running"}
    respx.get(f"{BASE}/op").respond(
        200, json=running, headers={"Azure-AsyncOperation": f"{BASE}/op2", "Location": "/x"}
    )
    respx.get(f"{BASE}/op2").respond(200, json=MONITOR)
    driver, _ = make_driver(dialect={"name": "azure", "status_url_moves": True})
    run = driver.run("success")
    assert [httpx.URL(p.exchange.url).path for p in run.polls] == ["/op", "/op2", "/op2", "/op2"]


def test_the_driver_keeps_every_monitor_header_past_the_header_caps():
    driver, _ = make_driver(dialect={"name": "azure"})
    many = [(f"x-{i}", "v" * 100) for i in range(200)] + [("Azure-AsyncOperation", "/op")]
    kept, dropped = driver._kept_headers(httpx.Headers(many))
    assert ("azure-asyncoperation", "/op") in kept and dropped > 0


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


def test_why_polling_ended_reads_as_its_value():
    assert [str(e) for e in (Ended.TERMINAL, Ended.BUDGET, Ended.NO_ANSWER)] == [
        "terminal",
        "budget",
        "no-answer",
    ]
    assert f"{Ended.STATUS_ERROR}" == "status-error"


@respx.mock
def test_a_refusal_lists_every_accepted_code_with_or():
    respx.post(SUBMIT).respond(500)
    driver, _ = make_driver(dialect={"name": "cloudcenter", "accepted_status": [201, 202]})
    sub = driver.submit("success")
    assert sub.location_problem == (
        "the submission answered 500, not 201 or 202, and gave no Location header"
    )


@respx.mock
def test_a_burst_of_reads_carries_the_operations_cookies():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op", "Set-Cookie": "s=1; Path=/"})
    reads = respx.get(f"{BASE}/op").mock(return_value=status_answer("RUNNING"))
    driver, _ = make_driver()
    sub = driver.submit("success")
    assert sub.status_url is not None
    polls = driver.burst(sub.status_url, 3, "burst", jar=sub.jar)
    assert [p.exchange.label for p in polls] == ["burst 1", "burst 2", "burst 3"]
    assert [call.request.headers.get("cookie") for call in reads.calls] == ["s=1"] * 3


@respx.mock
def test_the_operation_id_comes_from_the_first_read_that_names_one():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(
        side_effect=[
            httpx.Response(200, json={"status": "RUNNING"}),
            httpx.Response(200, json={"status": "RUNNING", "operationId": None}),
            status_answer("SUCCESS"),
            status_answer("SUCCESS"),
            status_answer("SUCCESS"),
        ]
    )
    driver, _ = make_driver()
    run = driver.run("success")
    assert run.submission.operation_id is None
    assert driver.operation_id(run) == "op1"


@respx.mock
def test_no_operation_id_when_no_read_names_one():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(return_value=httpx.Response(200, json={"status": "SUCCESS"}))
    driver, _ = make_driver()
    assert driver.operation_id(driver.run("success")) is None


@respx.mock
def test_a_dialect_without_a_resource_url_leaves_the_resource_unnamed():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(return_value=status_answer("SUCCESS"))
    driver, _ = make_driver(dialect={"name": "cloudcenter", "result_url": "none"})
    run = driver.run("success")
    call = driver.resource_call("read", run, "read")
    assert call.unnamed and call.exchange is None
    assert call.problem == "the dialect names no resource URL ('none')"


@respx.mock
def test_a_resource_call_by_operation_id_needs_no_resource_url():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(return_value=status_answer("SUCCESS"))
    thing = respx.get(f"{BASE}/things/op1").respond(200, json={})
    driver, _ = make_driver(
        dialect={"name": "cloudcenter", "result_url": "none"},
        resource={"read": {"method": "GET", "url": "/things/{operation_id}"}},
    )
    call = driver.resource_call("read", driver.run("success"), "read")
    assert not call.unnamed and call.problem is None
    assert call.exchange is not None and thing.called


@respx.mock
def test_submissions_at_once_are_all_in_flight_together():
    # Ten submissions meet at a barrier: only ten threads at once get them all through.
    count = 10
    barrier = threading.Barrier(count, timeout=5)

    def submit(request: httpx.Request) -> httpx.Response:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return httpx.Response(503)
        return httpx.Response(202, headers={"Location": "/op"})

    respx.post(SUBMIT).mock(side_effect=submit)
    driver, _ = make_driver()
    subs = driver.submit_concurrently("success", count)
    assert [s.exchange.status for s in subs] == [202] * count


@respx.mock
def test_the_synchronous_call_sends_what_the_description_says():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op", "Set-Cookie": "s=1; Path=/"})
    sync = respx.post(f"{BASE}/v1/now").respond(200, json={"status": "SUCCESS"})
    driver, _ = make_driver(
        cookies="shared",
        sync={"method": "POST", "path": "/v1/now", "json": {"k": 1}, "headers": {"X-Mode": "a"}},
    )
    driver.submit("success")  # a shared jar now holds s=1
    exchange = driver.sync_call().exchange
    assert exchange is not None and exchange.status == 200
    request = sync.calls.last.request
    assert json.loads(request.content) == {"k": 1}
    assert request.headers["x-mode"] == "a"
    assert request.headers.get("cookie") == "s=1"


@pytest.mark.parametrize(
    ("budget", "read_at"),
    [(15.0, [0.0, 10.0, 15.0]), (10.5, [0.0, 10.0, 10.5])],
)
@respx.mock
def test_reads_after_a_delete_stop_at_the_delete_budget(budget, read_at):
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(
        return_value=status_answer("SUCCESS", resourceUrl=f"{BASE}/things/1")
    )
    respx.get(f"{BASE}/things/1").respond(200, json={})
    driver, clock = make_driver(polling={"interval": 10, "delete_budget": budget})
    run = driver.run("success")
    start = clock.now()
    reads = driver.wait_until_gone(run)
    assert [round(r.sent_at - start, 3) for r in reads] == read_at


@respx.mock
def test_a_resource_call_by_operation_id_without_one_is_not_sent():
    _finished()
    sent = respx.route(host="api.example.test", path__startswith="/things").respond(200)
    driver, _ = make_driver(resource={"read": {"method": "GET", "url": "/things/{operation_id}"}})
    call = driver.resource_call("read", driver.run("success"), "read")
    assert call.exchange is None and not sent.called
    assert call.problem == "no operation id for '/things/{operation_id}'"


@respx.mock
def test_a_resource_call_that_is_no_url_says_so():
    _finished(operationId="op1")
    driver, _ = make_driver(
        resource={"read": {"method": "GET", "url": "http://[::1/{operation_id}"}}
    )
    call = driver.resource_call("read", driver.run("success"), "read")
    assert call.exchange is None
    assert (call.problem or "").startswith("the resource URL is not a URI reference: ")


@respx.mock
def test_a_resource_url_on_another_origin_says_which():
    _finished("https://evil.test/steal")
    driver, _ = make_driver()
    call = driver.resource_call("read", driver.run("success"), "read")
    assert call.exchange is None
    assert call.problem == (
        "the resource URL 'https://evil.test/steal' is on another origin "
        "(https://evil.test:443), so the suite did not follow it. If that origin belongs to "
        "the target, list it in allowed_origins in the target description."
    )


@respx.mock
def test_a_resource_made_in_place_is_the_submissions_own_url():
    url = _resource_url("request", httpx.Response(202, headers={"Location": "/op"}))
    assert str(url) == SUBMIT


@respx.mock
def test_a_resource_url_template_takes_the_operation_id_from_the_acceptance():
    accepted = httpx.Response(
        202, headers={"Location": "/op"}, json={"operationId": "a7", "status": "RUNNING"}
    )
    url = _resource_url("template:/things/{id}", accepted)
    assert str(url) == f"{BASE}/things/a7"


@respx.mock
def test_a_resource_url_template_without_its_values_says_which():
    url = _resource_url(
        "template:/things/{owner.id}", httpx.Response(202, headers={"Location": "/op"})
    )
    assert url == "no value for every placeholder of '/things/{owner.id}'"


@respx.mock
def test_a_resource_header_on_the_acceptance_serves_when_the_status_has_none():
    accepted = httpx.Response(202, headers={"Operation-Location": "/op", "Location": "things/9"})
    url = _resource_url("header:Location", accepted, status_url="header:Operation-Location")
    # Resolved against the acceptance's URL, the answer it came with.
    assert str(url) == f"{BASE}/v1/tenants/1/clouds/1/things/9"


@respx.mock
def test_no_resource_header_anywhere_says_where_it_looked():
    accepted = httpx.Response(202, headers={"Operation-Location": "/op"})
    url = _resource_url("header:Location", accepted, status_url="header:Operation-Location")
    assert url == "no resource URL in a Location header"


@respx.mock
def test_no_resource_link_says_which_relation():
    url = _resource_url("link:result", httpx.Response(202, headers={"Location": "/op"}))
    assert url == "no resource URL in a link with relation 'result'"


@respx.mock
def test_a_resource_url_field_that_is_null_says_so():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(return_value=status_answer("SUCCESS", resourceUrl=None))
    driver, _ = make_driver()
    assert driver.resource_url(driver.run("success")) == (
        "no resource URL in the body field 'resourceUrl' (None)"
    )


@respx.mock
def test_a_status_url_that_moves_is_followed_where_it_went():
    paths, _, driver = _moving("/op2", status_url_moves=True)
    assert paths == ["/op", "/op2", "/op2", "/op2"]
    # The operation's timeline keeps every read, where it moved too.
    (traced,) = list(driver.operations)
    assert [httpx.URL(p.exchange.url).path for p in traced.reads] == paths


@respx.mock
def test_a_status_url_does_not_move_unless_the_dialect_says_so():
    paths, _, _ = _moving("/op2")
    assert paths == ["/op"] * 4


@respx.mock
def test_only_a_status_url_from_a_header_moves():
    respx.post(SUBMIT).respond(202, json={"status": "RUNNING", "statusUrl": "/op"})
    respx.get(f"{BASE}/op").mock(
        side_effect=[httpx.Response(200, json={"status": "RUNNING"}, headers={"Location": "/op2"})]
        + [status_answer("SUCCESS")] * 3
    )
    driver, _ = make_driver(
        dialect={"name": "cloudcenter", "status_url": "body:statusUrl", "status_url_moves": True}
    )
    run = driver.run("success")
    assert [httpx.URL(p.exchange.url).path for p in run.polls] == ["/op"] * 4


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        (
            "https://evil.test/op2",
            "the status URL moved to 'https://evil.test/op2', which is on another origin",
        ),
        (
            "javascript:alert(1)",
            "the status URL moved to 'javascript:alert(1)', which is a javascript: URL, "
            "not an http(s) one: nothing to request",
        ),
    ],
)
@respx.mock
def test_a_status_url_that_moves_where_it_may_not_be_followed_ends_polling(location, problem):
    paths, run, _ = _moving(location, status_url_moves=True)
    assert paths == ["/op"]
    assert (run.ended, run.problem) == (Ended.STATUS_ERROR, problem)


@pytest.mark.parametrize(
    ("completed", "reads_after_terminal"),
    [
        (300.0, 2),  # CONFIRM_POLLS
        (10.0, 2),  # half the window is 5 s: room for two reads 2 s apart
        (8.0, 2),  # half is 4 s: the second read comes exactly one interval before it
        (6.0, 1),  # half is 3 s: a second read would come too close to it
    ],
)
@respx.mock
def test_a_terminal_state_is_confirmed_well_inside_half_the_window(completed, reads_after_terminal):
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(
        side_effect=[status_answer("RUNNING")] + [status_answer("SUCCESS")] * 5
    )
    driver, _ = make_driver(
        polling={"interval": 2}, retention={"completed": completed, "tolerance": 1}
    )
    run = driver.run("success")
    assert run.terminal_index == 1
    assert len(run.polls) - 1 - run.terminal_index == reads_after_terminal


@respx.mock
def test_a_status_read_that_errs_tells_no_state_whatever_its_body_says():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(return_value=httpx.Response(500, json={"status": "SUCCESS"}))
    driver, _ = make_driver()
    run = driver.run("success")
    (poll,) = run.polls
    assert (poll.state, poll.reading.told_by, run.ended) == (None, "nothing", Ended.STATUS_ERROR)


@respx.mock
def test_reads_in_a_burst_wait_for_nothing():
    respx.get(f"{BASE}/op").mock(return_value=status_answer("RUNNING"))
    driver, _ = make_driver()
    polls = driver.burst(httpx.URL(f"{BASE}/op"), 2, "burst")
    assert [p.waited for p in polls] == [0.0, 0.0]


@respx.mock
def test_where_time_stands_still_reads_due_together_go_out_in_order():
    numbers = iter(range(5))
    respx.post(SUBMIT).mock(
        side_effect=lambda request: httpx.Response(
            202, headers={"Location": f"/op/{next(numbers)}"}
        )
    )
    respx.get(url__regex=rf"{BASE}/op/\d+").mock(return_value=status_answer("SUCCESS"))
    driver, _ = make_driver()
    driver.follow_all([driver.submit("success") for _ in range(5)])
    firsts = [e.url for e in driver.transcript if e.label == "poll success 1"]
    assert firsts == [f"{BASE}/op/{n}" for n in range(5)]  # the same order, run after run


@respx.mock
def test_a_read_not_yet_due_waits_for_its_time():
    respx.post(SUBMIT).mock(
        side_effect=[
            httpx.Response(202, headers={"Location": "/op/a", "Retry-After": "10"}),
            httpx.Response(202, headers={"Location": "/op/b"}),
        ]
    )
    respx.get(url__regex=rf"{BASE}/op/\w").mock(return_value=status_answer("SUCCESS"))
    driver, clock = make_driver(polling={"interval": 1})
    start = clock.now()
    late, early = driver.follow_all([driver.submit("success"), driver.submit("success")])
    assert late.polls[0].exchange.sent_at - start == 10
    assert early.polls[0].exchange.sent_at - start == 0


@respx.mock
def test_the_last_read_comes_when_the_budget_ends_not_after():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(return_value=status_answer("RUNNING"))
    driver, clock = make_driver(polling={"interval": 10, "budget": 10.5})
    start = clock.now()
    run = driver.run("success")
    assert run.ended == Ended.BUDGET
    assert [round(p.exchange.sent_at - start, 3) for p in run.polls] == [0.0, 10.0, 10.5]


@respx.mock
def test_a_run_without_a_status_url_keeps_the_reason():
    respx.post(SUBMIT).respond(202)
    driver, _ = make_driver()
    run = driver.run("success")
    assert (run.ended, run.polls) == (Ended.NOT_FOLLOWED, [])
    assert run.problem == "the submission gave no Location header"


@respx.mock
def test_every_read_of_a_run_carries_the_operations_cookies():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op", "Set-Cookie": "s=1; Path=/"})
    reads = respx.get(f"{BASE}/op").mock(
        side_effect=[
            status_answer("RUNNING"),
            status_answer("SUCCESS"),
            status_answer("SUCCESS"),
            status_answer("SUCCESS"),
        ]
    )
    make_driver()[0].run("success")
    assert [call.request.headers.get("cookie") for call in reads.calls] == ["s=1"] * 4


@respx.mock
def test_an_http_origin_is_named_with_its_default_port():
    respx.post(SUBMIT).respond(202, headers={"Location": "http://evil.test/op"})
    sub = make_driver()[0].submit("success")
    assert "is on another origin (http://evil.test:80)," in (sub.location_problem or "")


@respx.mock
def test_without_a_base_url_the_clients_origin_is_the_targets():
    respx.post(SUBMIT).respond(202, headers={"Location": f"{BASE}/op"})
    description = parse(CLASSIC, "test").effective
    assert description.base_url is None
    driver = Driver(httpx.Client(base_url=BASE), description, VirtualClock())
    sub = driver.submit("success")
    assert (sub.location_problem, str(sub.status_url)) == (None, f"{BASE}/op")


@respx.mock
def test_a_submission_sends_the_scenarios_headers_and_fills_lists_too():
    sent = respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    driver, _ = make_driver(
        scenarios={
            "success": {
                "path": "/v1/tenants/1/clouds/1/accounts",
                "json": {"tags": ["t-{n}", 3, ["{n}"]]},
                "headers": {"X-Tenant": "7"},
            }
        }
    )
    driver.submit("success")
    request = sent.calls.last.request
    assert json.loads(request.content) == {"tags": ["t-1", 3, ["1"]]}
    assert request.headers["x-tenant"] == "7"


@respx.mock
def test_a_refused_submission_gives_no_operation_id_whatever_its_body_says():
    respx.post(SUBMIT).respond(409, json={"operationId": "op9", "status": "FAILED"})
    assert make_driver()[0].submit("success").operation_id is None


@respx.mock
def test_a_submission_that_got_no_answer_says_so():
    respx.post(SUBMIT).mock(side_effect=httpx.ConnectError("refused"))
    sub = make_driver()[0].submit("success")
    assert sub.location_problem == "the submission got no answer: ConnectError: refused"


@pytest.mark.parametrize(
    ("source", "body", "missing"),
    [
        (
            "body:links.self",
            {"links": {"self": "/op/7"}},
            "the submission gave no status URL in the body field 'links.self'",
        ),
        (
            "link:monitor",
            {"links": [{"rel": "monitor", "href": "/op/7"}]},
            "the submission gave no link with relation 'monitor'",
        ),
    ],
    ids=["body field", "link relation"],
)
@respx.mock
def test_a_status_url_from_the_body_is_taken_and_its_absence_named(
    source: str, body: dict[str, object], missing: str
) -> None:
    respx.post(SUBMIT).respond(202, json={"status": "RUNNING", **body})
    driver, _ = make_driver(dialect={"name": "cloudcenter", "status_url": source})
    assert str(driver.submit("success").status_url) == f"{BASE}/op/7"
    respx.post(SUBMIT).respond(202, json={"status": "RUNNING"})
    assert driver.submit("success").location_problem == missing


@respx.mock
def test_an_acceptance_whose_id_is_null_gives_no_operation_id():
    respx.post(SUBMIT).respond(
        202, headers={"Location": "/op"}, json={"status": "RUNNING", "operationId": None}
    )
    assert make_driver()[0].submit("success").operation_id is None


@pytest.mark.parametrize(
    ("headers", "kept", "dropped"),
    [
        # A header that fills the byte cap exactly is kept; one byte more is not.
        ([("X-A", "a" * 1021)], ["x-a"], 0),
        ([("X-A", "a" * 1022)], [], 1),
        # The bytes add up: the third no longer fits after the first two.
        ([("X-A", "a" * 500), ("X-B", "b" * 500), ("X-C", "c" * 100)], ["x-a", "x-b"], 1),
        # Past the caps, a header the suite reads is kept up to READ_HEADER_BYTES.
        ([("X-A", "a" * 1021), ("Location", "l" * 8184)], ["x-a", "location"], 0),
        ([("X-A", "a" * 1021), ("Location", "l" * 8185)], ["x-a"], 1),
    ],
)
def test_headers_are_kept_up_to_the_caps_to_the_byte(headers, kept, dropped):
    driver, _ = make_driver(polling={"max_headers": 10, "max_header_bytes": 1024})
    found, left_out = driver._kept_headers(httpx.Headers(headers))
    assert ([name for name, _ in found], left_out) == (kept, dropped)


@respx.mock
def test_bytes_to_send_as_they_are_go_out_untouched():
    sent = respx.post(SUBMIT).respond(400)
    make_driver()[0].send("malformed", "POST", SUBMIT, content=b'{"name": ')
    assert sent.calls.last.request.content == b'{"name": '


@respx.mock
def test_each_request_is_bounded_by_the_request_timeout():
    sent = respx.get(f"{BASE}/op").mock(return_value=status_answer("RUNNING"))
    make_driver(polling={"request_timeout": 3})[0].send("read", "GET", f"{BASE}/op")
    timeout = sent.calls.last.request.extensions["timeout"]
    assert timeout == {"connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}


@respx.mock
def test_a_request_left_behind_at_its_deadline_holds_no_exit():
    # Its thread is a daemon, named for what it does: an exit never waits for the server.
    release = threading.Event()

    def hang(request: httpx.Request) -> httpx.Response:
        release.wait(timeout=10)
        return status_answer("RUNNING")

    respx.get(f"{BASE}/op").mock(side_effect=hang)
    before = set(threading.enumerate())
    try:
        exchange = make_driver(polling={"request_timeout": 0.2})[0].send(
            "read", "GET", f"{BASE}/op"
        )
        left = [t for t in set(threading.enumerate()) - before if t.name == "request"]
        assert [t.daemon for t in left] == [True]
        assert (exchange.error or "").startswith("ReadTimeout: the status line and headers took")
    finally:
        release.set()


@respx.mock
def test_calls_on_the_resource_carry_the_operations_cookies_and_a_delete_closes():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op", "Set-Cookie": "s=1; Path=/"})
    respx.get(f"{BASE}/op").mock(
        return_value=status_answer("SUCCESS", resourceUrl=f"{BASE}/things/1")
    )
    read = respx.get(f"{BASE}/things/1").respond(200, json={})
    deleted = respx.delete(f"{BASE}/things/1").respond(204)
    driver, _ = make_driver()
    run = driver.run("success")
    driver.resource_call("read", run, "read")
    driver.resource_call("delete", run, "delete")
    got, gone = read.calls.last.request, deleted.calls.last.request
    assert (got.headers.get("cookie"), gone.headers.get("cookie")) == ("s=1", "s=1")
    # A 204 that wrongly carries a body must not be left on a kept-alive connection.
    assert (got.headers.get("connection"), gone.headers.get("connection")) == (
        "keep-alive",
        "close",
    )


@respx.mock
def test_a_status_url_template_takes_its_values_from_the_acceptance_body():
    respx.post(SUBMIT).respond(202, json={"status": "RUNNING", "job": {"ref": "j-5"}})
    driver, _ = make_driver(
        dialect={"name": "cloudcenter", "status_url": "template:/jobs/{job.ref}"}
    )
    assert str(driver.submit("success").status_url) == f"{BASE}/jobs/j-5"
    respx.post(SUBMIT).respond(202, json={"status": "RUNNING"})
    assert driver.submit("success").location_problem == (
        "the submission gave no value for every placeholder of '/jobs/{job.ref}' "
        "(id: 'operationId')"
    )


@respx.mock
def test_a_status_url_that_is_not_http_is_not_followed_and_says_why():
    respx.post(SUBMIT).respond(202, headers={"Location": "file:///etc/passwd"})
    sub = make_driver()[0].submit("success")
    assert sub.status_url is None
    assert sub.location_problem == (
        "the status URL 'file:///etc/passwd' is a file: URL, not an http(s) one: nothing to request"
    )


@pytest.mark.parametrize(("value", "seconds"), [("0", 0.0), ("7", 7.0), (" 12 ", 12.0)])
def test_retry_after_delay_seconds(value, seconds):
    assert retry_after_seconds(value, 0.0) == seconds


@respx.mock
def test_confirmation_polls_stay_in_the_first_half_of_the_retention_window():
    """A correct server may forget the id when the window ends: confirming must not reach it."""
    respx.post(SUBMIT).mock(return_value=ACCEPTED)
    respx.get(STATUS).mock(side_effect=[status_answer("RUNNING"), *[status_answer("SUCCESS")] * 9])
    driver, _ = make_driver(polling={"interval": 1}, retention={"completed": 3, "tolerance": 0.5})
    run = driver.run("success")
    terminal = run.terminal
    assert terminal is not None
    last = run.polls[-1].exchange.sent_at
    assert last - terminal.exchange.sent_at <= 3 / 2


@pytest.mark.slow
@respx.mock
def test_a_trickling_response_is_cut_at_the_request_timeout():
    def trickle():
        for _ in range(50):
            time.sleep(0.05)
            yield b"x"

    respx.get(f"{BASE}/slow").mock(return_value=httpx.Response(200, content=trickle()))
    driver, _ = make_driver(polling={"request_timeout": 0.3})
    started = time.monotonic()
    exchange = driver.send("slow", "GET", "/slow")
    assert time.monotonic() - started < 1.5
    assert exchange.error is not None and "request_timeout" in exchange.error


@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 10])
@respx.mock
def test_reads_due_at_one_moment_go_out_at_once(count):
    # Each operation's first read waits at a barrier that only `count` reads at once pass.
    barrier = threading.Barrier(count, timeout=5)
    first_reads: set[str] = set()
    lock = threading.Lock()

    def read(request: httpx.Request) -> httpx.Response:
        with lock:
            first = request.url.path not in first_reads
            first_reads.add(request.url.path)
        if first:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                return httpx.Response(503)
        return status_answer("SUCCESS")

    numbers = iter(range(count))
    respx.post(SUBMIT).mock(
        side_effect=lambda request: httpx.Response(
            202, headers={"Location": f"/op/{next(numbers)}"}
        )
    )
    respx.get(url__regex=rf"{BASE}/op/\d+").mock(side_effect=read)
    driver, _ = make_driver()
    driver.clock = RealClock()  # on the wall clock (elsewhere time waits for the suite)
    runs = driver.follow_all([driver.submit("success") for _ in range(count)])
    assert [r.ended for r in runs] == [Ended.TERMINAL] * count


@respx.mock
@pytest.mark.parametrize(
    ("path", "more"),
    [
        ("/things/{operation_id}", {}),
        ("{resource_url}/state", {}),
        ("/zones/{setup.zone}", {"setup_hook": ["zone"]}),
    ],
)
def test_a_sync_call_naming_the_success_operation_without_a_run_is_unnamed_and_not_sent(path, more):
    driver, _ = make_driver(sync={"method": "GET", "path": path}, **more)
    call = driver.sync_call()
    assert call.unnamed is True
    assert (call.exchange, call.problem) == (
        None,
        "the [sync] call names the success operation",
    )
    assert not respx.calls
