"""The verdict logic, condition by condition: each test fails if one condition is flipped.

The fault matrix shows that each simulator fault is caught; these show the rest: how
verdicts combine and gate a run, the second condition of each check (the one no fault
exercises), that a correct but unusual answer passes (no false FAIL), and parsing edges.
"""

from __future__ import annotations

import itertools

import httpx
import pytest
import respx

from conformance.catalogue import CATALOGUE, Level
from conformance.checks import delete, result, status, submission
from conformance.driver import Exchange, retry_after_seconds
from conformance.observations import Deletion
from conformance.report import Results
from conformance.report._results import CaseResult, RequirementResult
from conformance.verdicts import ConformanceFailure, Inconclusive, Verdict, worst

from .conftest import write
from .test_driver import BASE, SUBMIT, make_driver

STATUS = f"{BASE}/v1/operationStatus"

# -- how verdicts combine and gate a run -------------------------------------------

#: From least to most decisive: when several cases judge one requirement, the last wins.
ORDER = [Verdict.NOT_COVERED, Verdict.SKIP, Verdict.PASS, Verdict.WARN, Verdict.ERROR, Verdict.FAIL]


@pytest.mark.parametrize(("lesser", "greater"), list(itertools.combinations(ORDER, 2)))
def test_the_more_decisive_verdict_wins(lesser, greater):
    assert worst([lesser, greater]) is greater
    assert worst([greater, lesser]) is greater


def test_no_verdict_at_all_is_not_covered():
    assert worst([]) is Verdict.NOT_COVERED


def test_a_requirement_takes_its_worst_case_and_that_cases_reason():
    results = Results()
    for n, (verdict, message) in enumerate(
        [(Verdict.PASS, "seen"), (Verdict.WARN, "inconclusive: late"), (Verdict.PASS, "again")]
    ):
        results.collected("STATUS-DETAILS", f"case{n}")
        results.add(CaseResult(f"case{n}", "STATUS-DETAILS", verdict, message))
    found = next(r for r in results.requirements() if r.requirement.id == "STATUS-DETAILS")
    assert (found.verdict, found.reason) == (Verdict.WARN, "inconclusive: late")


def _one(level: Level) -> str:
    return next(r.id for r in CATALOGUE.values() if r.level is level)


@pytest.mark.parametrize(
    ("verdict", "level", "strict", "passes"),
    [
        (Verdict.FAIL, Level.MUST, False, False),
        (Verdict.FAIL, Level.SHOULD, False, False),
        (Verdict.ERROR, Level.MUST, False, False),
        (Verdict.ERROR, Level.SHOULD, False, False),
        (Verdict.WARN, Level.MUST, False, True),
        (Verdict.WARN, Level.MUST, True, False),
        (Verdict.WARN, Level.SHOULD, True, False),
        (Verdict.WARN, Level.INFO, True, True),
        (Verdict.PASS, Level.MUST, True, True),
        (Verdict.SKIP, Level.MUST, True, True),
        (Verdict.NOT_COVERED, Level.MUST, True, True),
    ],
)
def test_the_gate(verdict, level, strict, passes):
    judged = RequirementResult(CATALOGUE[_one(level)], verdict, "", [])
    fine = RequirementResult(CATALOGUE["SUBMIT-202"], Verdict.PASS, "", [])
    assert Results.gate([fine, judged], strict) is passes
    assert Results.gate([judged, fine], strict) is passes


def test_a_secret_in_a_failures_observed_text_is_redacted(run_suite, tmp_path, monkeypatch):
    secret = "tok-5e1d2c9a7b"
    monkeypatch.setenv("SECRET_HOST", f"{secret}.example")
    config = write(tmp_path / "target.toml", 'base_url = "http://${SECRET_HOST}"\n')
    run = run_suite(
        "--target=builtin", f"--target-config={config}", "--fault", "location-404", "-k", "location"
    )
    failure = next(c for c in run.requirement("SUBMIT-LOCATION")["cases"] if c["verdict"] == "FAIL")
    assert "[secret]" in failure["observed"] + failure["message"]
    assert secret not in run.result.stdout.str()
    assert secret not in run.json_text


# -- second conditions --------------------------------------------------------------


def _accepted(*answers: httpx.Response) -> None:
    respx.post(SUBMIT).mock(side_effect=list(answers))


@respx.mock
def test_two_operations_with_one_id_in_their_bodies_are_not_unique():
    """Distinct status URLs, but the 202 bodies name one id."""
    _accepted(
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
    _accepted(
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


def _run_with(accepted: httpx.Response, *reads: httpx.Response):  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).mock(return_value=accepted)
    respx.get(f"{STATUS}/op1").mock(side_effect=list(reads))
    driver, _ = make_driver(polling={"interval": 1, "budget": 30})
    return driver, driver.run("success")


def _status(state: str, **extra: object) -> httpx.Response:
    return httpx.Response(200, json={"operationId": "op1", "status": state, **extra})


ACCEPTED = httpx.Response(
    202, headers={"Location": "/v1/operationStatus/op1"}, json={"operationId": "op1"}
)


@respx.mock
def test_a_202_json_body_without_the_status_field_does_not_describe_the_status():
    driver, run = _run_with(ACCEPTED, *[_status("SUCCESS")] * 3)
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
    driver, run = _run_with(accepted, *[_status("SUCCESS")] * 3)
    submission.body_describes_status(run, driver.description)


@respx.mock
def test_state_names_are_case_sensitive():
    driver, run = _run_with(ACCEPTED, _status("running"), *[_status("SUCCESS")] * 3)
    with pytest.raises(ConformanceFailure, match="'running'"):
        status.state_names_known(run, driver.description)


@pytest.mark.parametrize("code", [403, 404, 500])
@respx.mock
def test_a_result_that_answers_an_error_is_not_the_result(code):
    done = _status("SUCCESS", resourceUrl="/v1/tenants/1/clouds/1/accounts/7")
    driver, run = _run_with(ACCEPTED, *[done] * 3)
    respx.get(f"{BASE}/v1/tenants/1/clouds/1/accounts/7").respond(code)
    with pytest.raises(ConformanceFailure, match=f"answered {code}"):
        result.success_names_resource(run, driver)


@respx.mock
def test_a_result_that_answers_200_is_the_result():
    done = _status("SUCCESS", resourceUrl="/v1/tenants/1/clouds/1/accounts/7")
    driver, run = _run_with(ACCEPTED, *[done] * 3)
    respx.get(f"{BASE}/v1/tenants/1/clouds/1/accounts/7").respond(200, json={"id": "7"})
    result.success_names_resource(run, driver)


@pytest.mark.parametrize("message", ["", "   ", "\n\t", None, 42])
@respx.mock
def test_a_failure_without_a_message_in_words_has_none(message):
    driver, run = _run_with(ACCEPTED, *[_status("FAILED", msg=message)] * 3)
    with pytest.raises(ConformanceFailure) as failure:
        result.failure_has_message(run, driver.description)
    assert failure.value.requirement.id == "RESULT-FAILED-MSG"


@respx.mock
def test_a_failure_with_a_message_has_one():
    driver, run = _run_with(ACCEPTED, *[_status("FAILED", msg=" quota exceeded ")] * 3)
    result.failure_has_message(run, driver.description)


def _exchange(status: int, body: bytes = b"", **headers: str) -> Exchange:
    return Exchange(
        1, "x", "DELETE", f"{BASE}/r/1", [], b"", 0.0, 0.1, status, list(headers.items()), body
    )


def _deletion(delete_answer: Exchange, *reads: Exchange) -> Deletion:
    return Deletion(run=None, delete=delete_answer, reads=list(reads))  # type: ignore[arg-type]


@pytest.mark.parametrize("last", [500, 200])
def test_a_resource_that_answers_other_than_404_after_delete_is_not_gone(last):
    deletion = _deletion(_exchange(204), _exchange(200), _exchange(last))
    with pytest.raises(ConformanceFailure) as failure:
        delete.gone_after_delete(deletion, 5.0)
    assert failure.value.requirement.id == "DELETE-GONE"


def test_a_resource_unavailable_after_delete_is_not_gone_either():
    # A 503 shows neither that the resource is there nor that it is gone: WARN, not PASS.
    deletion = _deletion(_exchange(204), _exchange(200), _exchange(503))
    with pytest.raises(Inconclusive) as inconclusive:
        delete.gone_after_delete(deletion, 5.0)
    assert inconclusive.value.requirement.id == "DELETE-GONE"


@pytest.mark.parametrize("last", [404, 410])
def test_a_resource_that_answers_404_or_410_after_delete_is_gone(last):
    delete.gone_after_delete(_deletion(_exchange(204), _exchange(200), _exchange(last)), 5.0)


@pytest.mark.parametrize(
    ("code", "body", "length", "holds"),
    [
        (204, b"", None, True),
        (204, b"", "0", True),
        (204, b"", "5", False),  # over HTTP/1.1 the body is dropped; its length still tells
        (204, b"{}", None, False),
        (200, b"", None, False),
        (202, b"", None, False),
    ],
)
def test_delete_answers_204_with_no_content(code, body, length, holds):
    headers = {"content-length": length} if length is not None else {}
    deletion = _deletion(_exchange(code, body, **headers))
    if holds:
        delete.answers_204(deletion)
    else:
        with pytest.raises(ConformanceFailure):
            delete.answers_204(deletion)


# -- a correct but unusual server passes (no false FAIL) -----------------------------


@pytest.mark.parametrize(
    "details", [{"msg": "copying"}, {"progress": 40}, {"msg": "copying", "progress": 40}]
)
@respx.mock
def test_running_with_either_a_message_or_a_progress_gives_details(details):
    running = httpx.Response(200, json={"operationId": "op1", "status": "RUNNING", **details})
    driver, run = _run_with(ACCEPTED, running, running, *[_status("SUCCESS")] * 3)
    status.details_while_running(run, driver.description)


@respx.mock
def test_running_with_neither_gives_no_details():
    running = httpx.Response(200, json={"operationId": "op1", "status": "RUNNING", "msg": " "})
    driver, run = _run_with(ACCEPTED, running, *[_status("SUCCESS")] * 3)
    with pytest.raises(ConformanceFailure, match="neither"):
        status.details_while_running(run, driver.description)


@respx.mock
def test_a_retry_after_wait_cut_short_by_the_budget_is_excused():
    accepted = httpx.Response(
        202, headers={"Location": "/v1/operationStatus/op1", "Retry-After": "100"}
    )
    respx.post(SUBMIT).mock(return_value=accepted)
    respx.get(f"{STATUS}/op1").mock(return_value=_status("RUNNING"))
    driver, _ = make_driver(polling={"interval": 1, "budget": 10})
    run = driver.run("success")
    assert run.polls[0].waited == 10  # cut at the budget's end
    status.honours_retry_after(run, 10)


@respx.mock
def test_a_retry_after_the_poller_did_not_wait_for_is_a_failure():
    accepted = httpx.Response(
        202, headers={"Location": "/v1/operationStatus/op1", "Retry-After": "5"}
    )
    _, run = _run_with(accepted, *[_status("SUCCESS")] * 3)
    run.polls[0].waited = 4.0  # as a poller that did not wait would have it
    with pytest.raises(ConformanceFailure, match="waited 4 s"):
        status.honours_retry_after(run, 30)


@respx.mock
def test_confirmation_polls_stay_in_the_first_half_of_the_retention_window():
    """A correct server may forget the id when the window ends: confirming must not reach it."""
    respx.post(SUBMIT).mock(return_value=ACCEPTED)
    respx.get(f"{STATUS}/op1").mock(side_effect=[_status("RUNNING"), *[_status("SUCCESS")] * 9])
    driver, _ = make_driver(polling={"interval": 1}, retention={"completed": 3, "tolerance": 0.5})
    run = driver.run("success")
    terminal = run.terminal
    assert terminal is not None
    last = run.polls[-1].exchange.sent_at
    assert last - terminal.exchange.sent_at <= 3 / 2


# -- parsing edges ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["\u0663", "\uff13", "\u00b3", "1\u0660", "-1", "1.5", " "])
def test_retry_after_is_ascii_digits_or_an_http_date(value):
    assert retry_after_seconds(value, 0.0) is None


@pytest.mark.parametrize(("value", "seconds"), [("0", 0.0), ("7", 7.0), (" 12 ", 12.0)])
def test_retry_after_delay_seconds(value, seconds):
    assert retry_after_seconds(value, 0.0) == seconds


# -- what a server sends is shown as text ----------------------------------------------


def test_control_characters_are_escapes_on_one_line_or_keeping_lines():
    from conformance.verdicts import plain

    sent = "ok\r\nFAIL\x1b[31m\u202etxt\x00\tend"
    assert plain(sent) == "ok\\x0d\\x0aFAIL\\x1b[31m\\u202etxt\\x00\tend"
    assert plain(sent, lines=True) == "ok\r\nFAIL\\x1b[31m\\u202etxt\\x00\tend"


def test_junit_shows_control_characters_as_the_html_does():
    from conformance.report._junit import _clean

    assert _clean("a\u202eb\x1bc\ud800\n") == "a\\u202eb\\x1bc\\xd800\n"
