"""The cleanup against crafted answers (respx): what it lists, in what order it works, and
what --keep says is left."""

from __future__ import annotations

import httpx
import respx

from conformance.cleanup import CleanupReport, clean_up, interrupted, kept
from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import Driver

BASE = "https://api.example.test"
STATUS = f"{BASE}/v1/operationStatus"
RESOURCE = f"{BASE}/v1/things"


def make_driver(**scenario: object) -> Driver:
    raw = {
        "base_url": BASE,
        "scenarios": {"success": {"path": "/v1/things", **scenario}},
        "polling": {"interval": 1, "budget": 30},
        "cleanup": {"budget": 60},
    }
    description = parse(raw, "test").effective
    return Driver(httpx.Client(base_url=BASE), description, VirtualClock())


def _accept(number: int) -> None:
    respx.post(f"{BASE}/v1/things").mock(
        side_effect=[
            httpx.Response(202, headers={"Location": f"{STATUS}/op-{n}"}, json={})
            for n in range(1, number + 1)
        ]
    )


def _cleaned_until_interrupted(driver: Driver) -> CleanupReport:
    """The cleanup, stopped by a Ctrl-C the target's answer raises, and what it then says."""
    report = CleanupReport()
    try:
        clean_up(driver, report)
    except KeyboardInterrupt:
        interrupted(driver, report)
    return report


def _state(n: int, state: str) -> dict:
    return {"status": state, "resourceUrl": f"{RESOURCE}/r-{n}", "operationId": f"op-{n}"}


@respx.mock
def test_what_a_setup_made_without_a_teardown_is_listed_as_left():
    respx.post(f"{BASE}/v1/nodes").respond(201, json={"uuid": "n-1"})
    respx.get(f"{BASE}/v1/nodes/n-1").respond(200, json={})
    _accept(2)
    respx.get(f"{STATUS}/op-1").respond(200, json=_state(1, "FAILED"))
    respx.get(f"{STATUS}/op-2").respond(200, json=_state(2, "FAILED"))
    steps = [
        {"method": "POST", "path": "/v1/nodes", "capture": {"node": "/uuid"}},
        {"method": "GET", "path": "/v1/nodes/{setup.node}"},
    ]
    driver = make_driver(setup=steps)
    driver.run("success")
    report = clean_up(driver)
    (left,) = report.left
    assert left.what == "what scenarios.success.setup made (node=n-1)"
    assert left.how == "left: no teardown is described for what scenarios.success.setup made " + (
        "(POST /v1/nodes)"
    )
    # Reads alone make nothing: a setup of GETs leaves nothing to list.
    reading = make_driver(setup=[steps[1] | {"path": "/v1/nodes/n-1"}])
    reading.run("success")
    assert clean_up(reading).items == []


@respx.mock
def test_ended_operations_are_cleaned_before_waiting_for_running_ones():
    _accept(2)
    respx.get(f"{STATUS}/op-1").respond(200, json=_state(1, "RUNNING"))
    respx.get(f"{STATUS}/op-2").respond(200, json=_state(2, "SUCCESS"))
    deleted = respx.delete(f"{RESOURCE}/r-2").respond(204)
    driver = make_driver()
    first = driver.submit("success")
    driver.poll(first.status_url, "poll 1", jar=first.jar)  # still running
    second = driver.submit("success")
    driver.follow(second)
    sent_before = len(driver.transcript)
    report = clean_up(driver)
    cleanup = list(driver.transcript)[sent_before:]
    # The DELETE of the ended one goes out before the first read of the running one.
    assert cleanup[0].method == "DELETE" and cleanup[0].url == f"{RESOURCE}/r-2"
    assert deleted.called
    assert [item.operation for item in report.items] == [1, 2]  # listed in operation order
    assert report.items[1].removed and not report.items[0].removed
    assert report.items[0].how.startswith("unknown: it had not ended")


@respx.mock
def test_keep_lists_what_a_case_deleted_as_removed_and_an_unended_operation_as_unknown():
    _accept(3)
    respx.get(f"{STATUS}/op-1").respond(200, json=_state(1, "SUCCESS"))
    respx.get(f"{STATUS}/op-2").respond(200, json=_state(2, "SUCCESS"))
    respx.get(f"{STATUS}/op-3").respond(200, json=_state(3, "RUNNING"))
    respx.delete(f"{RESOURCE}/r-1").respond(204)
    respx.get(f"{RESOURCE}/r-1").respond(404)
    driver = make_driver()
    one = driver.run("success")
    driver.resource_call("delete", one, "delete resource")
    driver.send("read the deleted resource", "GET", f"{RESOURCE}/r-1")
    driver.run("success")
    third = driver.submit("success")
    driver.poll(third.status_url, "poll 1", jar=third.jar)
    sent = len(driver.transcript)
    report = kept(driver)
    assert len(driver.transcript) == sent, "--keep sends nothing"
    shown = {item.operation: (item.removed, item.how, item.url) for item in report.items}
    assert shown[1][0] is True and shown[1][1].startswith("deleted by the run (#")
    assert shown[2] == (False, "kept (--keep)", f"{RESOURCE}/r-2")
    assert shown[3][0] is False and "not seen to end" in shown[3][1]
    assert shown[3][2] == f"{STATUS}/op-3" and report.kept  # where to look


@respx.mock
def test_an_interrupted_cleanup_keeps_what_it_did_and_lists_the_rest_as_left():
    _accept(2)
    respx.get(f"{STATUS}/op-1").respond(200, json=_state(1, "SUCCESS"))
    respx.get(f"{STATUS}/op-2").respond(200, json=_state(2, "SUCCESS"))
    respx.delete(f"{RESOURCE}/r-1").respond(204)

    def ctrl_c(request: httpx.Request) -> httpx.Response:  # a second Ctrl-C, mid-cleanup
        raise KeyboardInterrupt

    respx.delete(f"{RESOURCE}/r-2").mock(side_effect=ctrl_c)
    driver = make_driver()
    driver.run("success")
    driver.run("success")
    report = _cleaned_until_interrupted(driver)
    shown = [(item.operation, item.removed, item.how) for item in report.items]
    assert shown == [
        (1, True, "deleted (DELETE answered 204)"),
        (2, False, "left: the cleanup was interrupted before it"),
    ]
    assert report.left[0].url == f"{RESOURCE}/r-2"


@respx.mock
def test_an_accepted_submission_with_nothing_to_follow_is_listed_as_unknown():
    respx.post(f"{BASE}/v1/things").respond(202, json={})  # no Location
    driver = make_driver()
    driver.submit("success")
    report = clean_up(driver)
    (left,) = report.items
    assert left.what == "whatever a success submission made" and not left.removed
    assert left.how.startswith("unknown: #1 POST https://api.example.test/v1/things answered 202")
    assert kept(driver).items[0].how == left.how  # --keep says the same
    # A refused submission made nothing: nothing to list.
    respx.post(f"{BASE}/v1/refused").respond(400)
    refused = make_driver(path="/v1/refused")
    refused.submit("success")
    assert clean_up(refused).items == []


@respx.mock
def test_an_interrupted_cleanup_tells_teardowns_apart_by_what_they_undo():
    # Two setups that capture nothing: their teardowns read the same, and are two things.
    _accept(2)
    for n in (1, 2):
        respx.get(f"{STATUS}/op-{n}").respond(200, json=_state(n, "FAILED"))
    respx.put(url__regex=rf"{BASE}/v1/buckets/.*").respond(201)
    calls = []

    def ctrl_c_second(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return httpx.Response(204)

    respx.delete(url__regex=rf"{BASE}/v1/buckets/.*").mock(side_effect=ctrl_c_second)
    driver = make_driver(
        setup=[{"method": "PUT", "path": "/v1/buckets/b-{uuid}"}],
        teardown=[{"method": "DELETE", "path": "/v1/buckets/b-{uuid}"}],
    )
    driver.run("success")
    driver.run("success")
    report = _cleaned_until_interrupted(driver)
    assert [(item.removed, item.how) for item in report.items] == [
        (True, "done (1 step)"),
        (False, "left: the cleanup was interrupted before it"),
    ]
    assert report.items[0].what == report.items[1].what == "scenarios.success.teardown"


@respx.mock
def test_an_answer_outside_2xx_without_a_status_url_made_nothing_to_list():
    respx.post(f"{BASE}/v1/things").respond(300, json={})
    driver = make_driver()
    driver.submit("success")
    assert driver.operations.untraced == [] and clean_up(driver).items == []


def test_a_resource_call_naming_a_value_this_operation_lacks_says_which():
    from conformance.driver import Exchange, Run, Submission

    raw = {
        "base_url": BASE,
        "scenarios": {
            "success": {
                "path": "/v1/things",
                "setup": [{"method": "POST", "path": "/v1/nodes", "capture": {"node": "/id"}}],
            }
        },
        "resource": {"read": {"method": "GET", "url": "/v1/nodes/{setup.node}"}},
    }
    description = parse(raw, "test").effective
    driver = Driver(httpx.Client(base_url=BASE), description, VirtualClock())
    exchange = Exchange(1, "submit failure", "POST", f"{BASE}/v1/things", [], b"", 0.0, status=202)
    call = driver.resource_call_url("read", Run(Submission("failure", exchange)))
    assert not isinstance(call, httpx.URL)
    assert call.problem == (
        "'/v1/nodes/{setup.node}' names {setup.node}, which this operation's setup did not give"
    )
