"""Bounded against a target that stops answering: endpoints given up, a run budget, one message."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import httpx
import respx

from .conftest import write
from .servers._loopback import serve
from .test_driver import BASE, make_driver
from .test_live import SIMULATOR_TOML


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


@respx.mock
def test_nothing_is_sent_once_the_run_budget_is_spent():
    route = respx.get(f"{BASE}/x").respond(200)
    driver, _ = make_driver(polling={"run_budget": 0.05})
    assert driver.send("before", "GET", "/x").status == 200
    time.sleep(0.1)
    late = driver.send("after", "GET", "/x")
    assert route.call_count == 1
    assert late.error == "not sent: the run budget of 0.05 s is spent (polling.run_budget)"


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
