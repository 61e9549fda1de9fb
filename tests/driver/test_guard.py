"""The guard (`driver/_guard.py`): the run budget, requests refused, and answers that never come."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import httpx
import pytest
import respx

from conformance.description import parse
from conformance.driver import (
    Guard,
    run_budget,
)
from conformance.driver import _guard as _guard_module
from tests.servers._loopback import serve
from tests.support.driving import BASE, CLASSIC, make_driver
from tests.support.live import SIMULATOR_TOML
from tests.support.running import write

WINDOWS = {
    "polling": {"budget": 11, "delete_budget": 13, "request_timeout": 3},
    "retention": {"completed": 100, "timed_out": 50, "tolerance": 7},
}


class _HangingStatus(BaseHTTPRequestHandler):
    """Accepts every submission, then never answers its status URL."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"operationId": "1", "status": "RUNNING"}'
        self.send_response(202)
        self.send_header("Location", "/v1/operationStatus/1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        time.sleep(30)  # longer than any request_timeout here; the server thread is a daemon

    def log_message(self, *args: object) -> None:
        pass


def _description(**overrides):
    return parse({**CLASSIC, "base_url": BASE, **WINDOWS, **overrides}, "t").effective


def _guard(limit: int = 2) -> Guard:
    return Guard(_description(polling={**WINDOWS["polling"], "unanswered_limit": limit}))


def _get(path: str, method: str = "GET") -> httpx.Request:
    return httpx.Request(method, BASE + path)


def test_the_run_budget_is_derived_from_windows_and_budgets():
    # 2 * (100 + 7) + 4 * 11 + 13 + 30 * 3
    assert run_budget(_description()) == 361


def test_the_run_budget_counts_the_operation_timeout_where_windows_start_there():
    retention = {**WINDOWS["retention"], "timeout_anchor": "timeout", "operation_timeout": 80}
    # 2 * (50 + 80 + 7) + 4 * 11 + 13 + 30 * 3
    assert run_budget(_description(retention=retention)) == 421


def test_the_operation_timeout_counts_for_nothing_where_windows_start_at_submission():
    retention = {**WINDOWS["retention"], "timed_out": 200, "operation_timeout": 80}
    # 2 * (200 + 7) + 4 * 11 + 13 + 30 * 3
    assert run_budget(_description(retention=retention)) == 561


def test_a_run_budget_given_is_taken_as_it_is():
    polling = {**WINDOWS["polling"], "run_budget": 0.5}
    assert run_budget(_description(polling=polling)) == 0.5


def test_a_spent_run_budget_refuses_every_request():
    guard = _guard()
    assert guard.budget == 361
    assert 360 < guard.deadline - time.monotonic() <= 361
    assert guard.stopped is None and guard.refusal(_get("/op/1")) is None
    guard.deadline = time.monotonic() - 0.01
    words = "the run budget of 361 s is spent (polling.run_budget)"
    assert guard.stopped == words
    assert guard.refusal(_get("/op/1")) == words


def test_the_run_budget_is_spent_only_once_its_deadline_is_passed(monkeypatch):
    guard = _guard()
    monkeypatch.setattr(_guard_module, "time", SimpleNamespace(monotonic=lambda: guard.deadline))
    assert guard.stopped is None


def test_an_endpoint_at_the_root_is_named_by_its_method():
    guard = _guard(limit=1)
    guard.unanswered(_get("/x"), httpx.ReadTimeout("slow"))
    assert guard.refusal(_get("/y")) == (
        "GET /... stopped answering (1 request in a row got no answer: ReadTimeout); "
        "nothing more is sent there"
    )


def test_an_endpoint_is_given_up_after_the_limit_and_only_that_endpoint():
    guard = _guard(limit=2)
    assert guard.unanswered(_get("/op/1"), httpx.ReadTimeout("slow")) is True
    assert guard.refusal(_get("/op/2")) is None
    guard.unanswered(_get("/op/2"), httpx.ReadTimeout("slow"))
    assert guard.refusal(_get("/op/3")) == (
        "GET /op/... stopped answering (2 requests in a row got no answer: ReadTimeout); "
        "nothing more is sent there"
    )
    for other in (_get("/op/3", "POST"), _get("/other/1"), httpx.Request("GET", "https://b/op/1")):
        assert guard.refusal(other) is None
    assert guard.stopped is None


def test_an_answer_between_failures_resets_the_count():
    guard = _guard(limit=2)
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    guard.answered(_get("/op/2"))
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    assert guard.refusal(_get("/op/1")) is None


def test_an_answer_elsewhere_resets_the_target_but_not_the_endpoint():
    guard = _guard(limit=2)
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    guard.answered(_get("/fine/1"))
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    assert guard.stopped is None
    assert guard.refusal(_get("/op/1")).startswith("GET /op/... stopped answering (2 requests")


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")])
def test_the_target_is_given_up_when_connections_fail(error):
    guard = _guard(limit=1)
    request = httpx.Request("GET", "http://host.test:8080/op/1")
    assert guard.unanswered(request, error) is True
    words = (
        f"http://host.test:8080 stopped answering (1 request in a row got no answer: "
        f"{type(error).__name__}); nothing more is sent there"
    )
    assert guard.stopped == words
    assert guard.refusal(_get("/anything/else")) == words


def test_an_error_with_an_answer_of_sorts_counts_for_nothing():
    guard = _guard(limit=1)
    assert guard.unanswered(_get("/op/1"), httpx.RemoteProtocolError("reset")) is False
    assert guard.refusal(_get("/op/1")) is None


def test_the_words_keep_the_first_error_that_gave_an_endpoint_up():
    guard = _guard(limit=1)
    guard.unanswered(_get("/op/1"), httpx.ReadTimeout("slow"))
    guard.unanswered(_get("/op/1"), httpx.WriteTimeout("slow"))
    assert "got no answer: ReadTimeout)" in guard.refusal(_get("/op/1"))


def test_one_failure_below_the_limit_gives_nothing_up():
    guard = _guard(limit=3)
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    assert guard.refusal(_get("/op/1")) is None


@respx.mock
def test_an_endpoint_that_stops_answering_is_given_up_and_others_are_not():
    hang = respx.get(url__regex=rf"{BASE}/op/\d+").mock(side_effect=httpx.ReadTimeout("slow"))
    other = respx.get(f"{BASE}/fine").respond(200)
    driver, _ = make_driver(polling={"unanswered_limit": 2})
    first, second = driver.send("a", "GET", "/op/1"), driver.send("b", "GET", "/op/2")
    assert first.no_answer and second.no_answer
    third = driver.send("c", "GET", "/op/3")
    assert hang.call_count == 2  # every status URL is one endpoint: the third is not sent
    assert third.error is not None and third.error.startswith("not sent: GET /op/... stopped")
    assert driver.send("d", "GET", "/fine").status == 200 and other.called


@respx.mock
def test_an_answer_in_between_resets_the_count():
    route = respx.get(url__regex=rf"{BASE}/op/\d+")
    route.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(200), httpx.ReadTimeout("x")]
    driver, _ = make_driver(polling={"unanswered_limit": 2})
    for n in range(3):
        driver.send(str(n), "GET", f"/op/{n}")
    route.side_effect = None
    route.return_value = httpx.Response(200)
    assert driver.send("again", "GET", "/op/9").status == 200


@respx.mock
def test_a_reset_is_an_answer_of_sorts_and_gives_nothing_up():
    route = respx.get(f"{BASE}/op/1").mock(side_effect=httpx.RemoteProtocolError("reset"))
    driver, _ = make_driver(polling={"unanswered_limit": 1})
    for _ in range(3):
        driver.send("r", "GET", "/op/1")
    assert route.call_count == 3


@pytest.mark.slow
@respx.mock
def test_nothing_is_sent_once_the_run_budget_is_spent():
    route = respx.get(f"{BASE}/x").respond(200)
    driver, _ = make_driver(polling={"run_budget": 0.05})
    assert driver.send("before", "GET", "/x").status == 200
    time.sleep(0.1)
    late = driver.send("after", "GET", "/x")
    assert route.call_count == 1
    assert late.error == "not sent: the run budget of 0.05 s is spent (polling.run_budget)"


@pytest.mark.slow
def test_a_status_url_that_never_answers_ends_the_run_quickly(run_suite, tmp_path):
    timeout, budget = 0.5, 2.0
    toml = SIMULATOR_TOML.replace("[polling]\n", f"[polling]\nrequest_timeout = {timeout}\n")
    toml = toml.replace("budget = 5\n", f"budget = {budget}\n")
    config = write(tmp_path / "target.toml", toml)
    with serve(_HangingStatus) as url:
        started = time.monotonic()
        run = run_suite(f"--target={url}", f"--target-config={config}", "-k", "not model")
        took = time.monotonic() - started
    assert run.result.ret == 1
    assert took < 2 * timeout + budget + 6, took  # the suite's own start-up and the rest
    reasons = [c.get("message", "") for r in run.document["requirements"] for c in r["cases"]]
    assert any(
        "stopped answering (2 requests in a row got no answer: ReadTimeout)" in m for m in reasons
    )
    assert run.verdicts["STATUS-200-JSON"] in ("ERROR", "FAIL", "WARN")


@pytest.mark.slow
def test_an_unreachable_target_is_one_message_and_exit_1(run_suite, tmp_path):
    config = write(tmp_path / "target.toml", SIMULATOR_TOML)
    started = time.monotonic()
    run = run_suite("--target=http://127.0.0.1:9", f"--target-config={config}")
    assert time.monotonic() - started < 10
    assert run.result.ret == 1
    out = run.result.stdout.str()
    assert out.count("cannot be reached") == 1
    assert "Is it running, and is --target the right address?" in out
    assert run.document is not None and run.document["gate"] == "fail"
    assert "cannot be reached" in run.document["aborted"]
    assert run.document["exchange_count"] == 1
    assert "gate: FAIL (the run stopped early)" in out
