"""The driver against crafted responses (respx): Location, Retry-After, budgets, limits."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import httpx
import pytest
import respx

from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import Driver, Exchange, Redactor, retry_after_seconds

BASE = "https://api.example.test"
SUBMIT = f"{BASE}/v1/tenants/1/clouds/1/accounts"
#: What these tests submit and call synchronously: nothing is sent that is not described.
CLASSIC = {
    "scenarios": {
        "success": {"path": "/v1/tenants/1/clouds/1/accounts", "json": {"name": "conformance"}}
    },
    "sync": {"method": "GET", "path": "/v1/tenants/1/clouds/1/accounts"},
}


def make_driver(**overrides: object) -> tuple[Driver, VirtualClock]:
    description = parse({**CLASSIC, "base_url": BASE, **overrides}, "test").effective
    clock = VirtualClock()
    client = httpx.Client(base_url=BASE, headers=description.headers)
    return Driver(client, description, clock), clock


def status(state: str, **extra: object) -> httpx.Response:
    return httpx.Response(200, json={"operationId": "op1", "status": state, **extra})


@respx.mock
def test_relative_location_resolves_against_the_request_uri():
    respx.post(SUBMIT).respond(202, headers={"Location": "../../../../operationStatus/op1"})
    route = respx.get(f"{BASE}/v1/operationStatus/op1").mock(return_value=status("SUCCESS"))
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
    respx.get("https://status.example.test/op/1").mock(return_value=status("SUCCESS"))
    driver, _ = make_driver(allowed_origins=["https://status.example.test"])
    assert driver.run("success").terminal is not None


@respx.mock
def test_polls_at_the_interval_and_honours_retry_after():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op/1", "Retry-After": "7"})
    respx.get(f"{BASE}/op/1").mock(
        side_effect=[
            status("RUNNING"),
            httpx.Response(200, json={"status": "RUNNING"}, headers={"Retry-After": "3"}),
            status("SUCCESS"),
            status("SUCCESS"),
            status("SUCCESS"),
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
    respx.get(f"{BASE}/op/1").mock(return_value=status("RUNNING"))
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


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0", 0.0), ("Thu, 01 Jan 1970 00:01:40 GMT", 60.0), ("soon", None), (None, None)],
)
def test_retry_after_values(value, expected):
    assert retry_after_seconds(value, now=40.0) == expected


def test_redactor_hides_secrets_and_sensitive_headers():
    redactor = Redactor(["tok-123", "tok-123-long"])
    assert redactor.text("Bearer tok-123-long and tok-123") == "Bearer [secret] and [secret]"
    headers = redactor.headers([("Authorization", "x"), ("X-Trace", "tok-123")])
    assert headers == [["Authorization", "[redacted]"], ["X-Trace", "[secret]"]]


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


@respx.mock
def test_body_reading_stops_at_the_cap():
    chunks = 0

    def endless():
        nonlocal chunks
        while True:
            chunks += 1
            yield b"y" * 1024

    respx.get(f"{BASE}/endless").mock(return_value=httpx.Response(200, content=endless()))
    driver, _ = make_driver(polling={"max_body_bytes": 4096})
    exchange = driver.send("endless", "GET", "/endless")
    assert exchange.truncated and len(exchange.body) == 4096
    assert chunks <= 6


def test_a_gzip_bomb_is_inflated_only_as_far_as_the_cap():
    import gzip
    import tracemalloc
    from http.server import BaseHTTPRequestHandler

    from .servers._loopback import serve

    bomb = gzip.compress(b"{" + b" " * 50_000_000 + b"}", compresslevel=9)

    class Bomb(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(bomb)))
            self.end_headers()
            self.wfile.write(bomb)

        def log_message(self, *args: object) -> None:
            pass

    with serve(Bomb) as url:
        description = parse({"polling": {"max_body_bytes": 65_536}}, "test").effective
        with httpx.Client(base_url=url) as client:
            driver = Driver(client, description, VirtualClock())
            tracemalloc.start()
            exchange = driver.send("bomb", "GET", "/bomb")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert exchange.truncated and len(exchange.body) == 65_536
    assert peak < 5_000_000, f"{peak / 1e6:.1f} MB held while reading a 50 MB bomb"


@respx.mock
def test_a_gzip_body_within_the_cap_reads_whole():
    import gzip

    body = json.dumps({"status": "RUNNING", "pad": "x" * 100_000}).encode()
    respx.get(f"{BASE}/z").respond(
        200, content=gzip.compress(body), headers={"Content-Encoding": "gzip"}
    )
    driver, _ = make_driver()
    exchange = driver.send("z", "GET", "/z")
    assert not exchange.truncated and exchange.body == body


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
        return_value=status("SUCCESS", resourceUrl="https://evil.test/steal")
    )
    stolen = respx.route(host="evil.test").respond(200)
    driver, _ = make_driver(headers={"Authorization": "Bearer x"})
    run = driver.run("success")
    call = driver.resource_call("delete", run, "delete")
    assert call.exchange is None and "another origin" in (call.problem or "")
    assert not stolen.called


def test_deeply_nested_json_is_recorded_not_raised():
    exchange = Exchange(1, "x", "GET", "/", [], b"", 0.0, body=b"[" * 200_000)
    assert exchange.json_object() is None


def test_redactor_catches_escaped_forms_of_a_secret():
    secret = 'hun"ter 2\\x'
    redactor = Redactor([secret])
    body = json.dumps({"token": secret})
    assert secret not in redactor.text(body) and "hun" not in redactor.text(body)
    url = f"https://x.test/?k={quote(secret)}"
    assert "hun" not in redactor.text(url)


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
    poll = respx.get(f"{BASE}/op").mock(return_value=status("SUCCESS"))
    driver, _ = make_driver(cookies=mode)
    first = driver.submit("success")
    driver.submit("success")
    assert seen == sent
    driver.poll(first.status_url, "poll", jar=first.jar)
    assert poll.calls.last.request.headers.get("cookie") == (None if mode == "off" else "s=1")


@respx.mock
def test_a_status_read_that_fails_later_still_fails_status_200_json():
    from conformance.checks import status as checks
    from conformance.verdicts import ConformanceFailure

    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    respx.get(f"{BASE}/op").mock(side_effect=[status("RUNNING"), httpx.Response(500)])
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
        return status("SUCCESS" if done else "RUNNING")

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


def test_an_error_answer_tells_no_state_whatever_its_body():
    from conformance.driver import read_state

    dialect = parse({"dialect": {"name": "google-lro"}}, "t").effective.dialect
    assert read_state(dialect, 404, {"error": {"code": 5}}).told_by == "nothing"
    # With `done`, a body that is no operation at all (neither done nor a name) tells none.
    assert read_state(dialect, 200, {"error": {"code": 5}}).told_by == "nothing"
    assert read_state(dialect, 200, {"name": "operations/1"}).told_by == "done"


def test_a_secret_is_redacted_in_every_form_it_is_written_in_and_nothing_else_is():
    secret = 'p@ss w/"rd é'
    forms = [
        secret,
        'p@ss w/\\"rd \\u00e9',  # in JSON, ASCII-escaped
        'p@ss w/\\"rd é',  # in JSON, as UTF-8
        "p%40ss%20w%2F%22rd%20%C3%A9",  # percent-encoded, "/" too
        "p%40ss%20w/%22rd%20%C3%A9",  # percent-encoded in a path
        "p%40ss+w%2F%22rd+%C3%A9",  # in a form body
    ]
    redactor = Redactor([secret])
    for form in forms:
        assert redactor.text(f"a {form} b") == "a [secret] b", form
    # What holds none of them is left as it was: "null", "ul", and the quotes around JSON.
    untouched = 'null, full, "", p@ss, w/'
    assert redactor.text(untouched) == untouched
    assert Redactor([""]).text(untouched) == untouched and not Redactor([""]).active


def test_a_secret_across_the_cut_of_a_long_body_is_redacted_whole():
    secret = "s" * 3000
    body = b"x" * 1990 + secret.encode()
    exchange = Exchange(1, "poll", "GET", f"{BASE}/s", [], b"", 0.0, status=200, body=body)
    written = Redactor([secret]).exchange(exchange)
    assert "s" not in written["body"].replace("[secret]", "")
    assert written["body"].startswith("x" * 1990 + "[secret]")


# -- a status URL from the first of several sources (the azure dialect's monitor headers) ----

AZURE_OP = f"{BASE}/operations/op1"
MONITOR = {"id": "op1", "status": "Succeeded"}


def _azure_submission(**headers: str):
    respx.post(SUBMIT).respond(202, headers=headers)
    driver, _ = make_driver(dialect={"name": "azure"})
    return driver.submit("success")


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
