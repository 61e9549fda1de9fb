"""Setup steps against crafted answers (respx): captures, waits, refusals, and what a
description may name."""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.clock import VirtualClock
from conformance.description import DescriptionError, parse
from conformance.driver import Driver, Run, SetupFailed

BASE = "https://api.example.test"


def make_driver(raw: dict) -> Driver:
    description = parse({**raw, "base_url": BASE}, "test").effective
    client = httpx.Client(base_url=BASE)
    return Driver(client, description, VirtualClock())


def scenario(**extra: object) -> dict:
    return {"scenarios": {"success": {"path": "/v1/nodes/{setup.node}/provide", **extra}}}


def unnamed(**extra: object) -> dict:
    """A scenario that names no captured value (its setup alone is judged)."""
    return {"scenarios": {"success": {"path": "/v1/jobs", **extra}}}


CREATE = {"method": "POST", "path": "/v1/nodes", "capture": {"node": "/uuid", "tag": "header:ETag"}}


@respx.mock
def test_captured_values_fill_the_submission_and_its_resource_calls():
    respx.post(f"{BASE}/v1/nodes").respond(201, json={"uuid": "n-1"}, headers={"ETag": '"7"'})
    submitted = respx.post(f"{BASE}/v1/nodes/n-1/provide").respond(202)
    raw = scenario(setup=[CREATE], headers={"If-Match": "{setup.tag}"})
    raw["resource"] = {"read": {"method": "GET", "url": "/v1/nodes/{setup.node}"}}
    driver = make_driver(raw)
    submission = driver.submit("success")
    assert submitted.called
    assert submitted.calls.last.request.headers["If-Match"] == '"7"'
    assert submission.values["setup.node"] == "n-1"
    roles = [(e.label, e.role) for e in driver.transcript]
    assert roles[0] == ("setup: scenarios.success.setup step 1", "setup")
    assert roles[1] == ("submit success", "")


@respx.mock
def test_a_wait_repeats_its_request_until_the_field_has_its_value():
    states = iter(["enroll", "verifying", "manageable"])
    route = respx.get(f"{BASE}/v1/nodes/n-1").mock(
        side_effect=lambda request: httpx.Response(200, json={"state": next(states)})
    )
    respx.post(f"{BASE}/v1/nodes").respond(201, json={"uuid": "n-1"})
    respx.post(f"{BASE}/v1/nodes/n-1/provide").respond(202)
    wait = {"method": "GET", "path": "/v1/nodes/{setup.node}", "until": {"/state": "manageable"}}
    driver = make_driver(scenario(setup=[CREATE | {"capture": {"node": "/uuid"}}, wait]))
    driver.submit("success")
    assert route.call_count == 3
    labels = [e.label for e in driver.transcript]
    assert "setup: scenarios.success.setup step 2, again (3)" in labels


@respx.mock
def test_a_wait_that_runs_out_says_what_the_field_was():
    respx.post(f"{BASE}/v1/nodes").respond(201, json={"uuid": "n-1"})
    respx.get(f"{BASE}/v1/nodes/n-1").respond(200, json={"state": "enroll"})
    wait = {
        "method": "GET",
        "path": "/v1/nodes/{setup.node}",
        "until": {"/state": "manageable"},
        "budget": 5,
    }
    driver = make_driver(scenario(setup=[{**CREATE, "capture": {"node": "/uuid"}}, wait]))
    with pytest.raises(SetupFailed) as failed:
        driver.submit("success")
    assert failed.value.reason == (
        "setup failed: scenarios.success.setup step 2: after 5 s of waiting, "
        '/state is "enroll", not "manageable"'
    )
    # Not tried again: the next submission of the scenario fails at once, sending nothing.
    sent = len(driver.transcript)
    with pytest.raises(SetupFailed):
        driver.submit("success")
    assert len(driver.transcript) == sent


@respx.mock
@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (httpx.Response(400), "POST https://api.example.test/v1/nodes answered 400; expected 201"),
        (
            httpx.Response(201, json={"id": "n-1"}),
            "capture 'node': the answer has no value at '/uuid' (a string or a number)",
        ),
        (
            httpx.Response(201, json={"uuid": {"nested": 1}}),
            "capture 'node': the answer has no value at '/uuid' (a string or a number)",
        ),
    ],
)
def test_a_step_that_fails_names_the_step_and_what_went_wrong(answer, said):
    respx.post(f"{BASE}/v1/nodes").mock(return_value=answer)
    submitted = respx.post(url__startswith=f"{BASE}/v1/nodes/").respond(202)
    step = {"method": "POST", "path": "/v1/nodes", "expect": [201], "capture": {"node": "/uuid"}}
    driver = make_driver(scenario(setup=[step]))
    with pytest.raises(SetupFailed) as failed:
        driver.submit("success")
    assert failed.value.reason == f"setup failed: scenarios.success.setup step 1: {said}"
    assert not submitted.called  # the submission waits for its setup


@respx.mock
def test_the_run_wide_setup_is_made_once_and_its_values_reach_every_scenario():
    tenants = respx.post(f"{BASE}/v1/tenants").respond(201, json={"id": 42})
    submitted = respx.post(f"{BASE}/v1/tenants/42/jobs").respond(202)
    raw = {
        "setup": [{"method": "POST", "path": "/v1/tenants", "capture": {"tenant": "/id"}}],
        "scenarios": {"success": {"path": "/v1/tenants/{setup.tenant}/jobs"}},
    }
    driver = make_driver(raw)
    driver.submit("success")
    driver.submit("success")
    assert tenants.call_count == 1
    assert submitted.call_count == 2
    labels = [(e.label, e.role) for e in driver.transcript]
    assert labels == [
        ("setup: setup step 1", "setup"),
        ("submit success", ""),
        ("submit success", ""),
    ]


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (
            scenario(setup=[{"method": "POST", "path": "/v1/nodes/{setup.other}"}]),
            "scenarios.success.setup.0.path = '/v1/nodes/{setup.other}' holds {setup.other}",
        ),
        (
            # A step may name only what an earlier step captured.
            scenario(
                setup=[
                    {"method": "GET", "path": "/x/{setup.node}"},
                    {"method": "POST", "path": "/v1/nodes", "capture": {"node": "/uuid"}},
                ]
            ),
            "scenarios.success.setup.0.path = '/x/{setup.node}' holds {setup.node}",
        ),
        (
            # The run-wide setup's steps, too, name only what an earlier one captured.
            {
                **unnamed(),
                "setup": [
                    {"method": "GET", "path": "/t/{setup.t}"},
                    {"method": "POST", "path": "/t", "capture": {"t": "/id"}},
                ],
            },
            "setup.0.path = '/t/{setup.t}' holds {setup.t}",
        ),
        (
            # The hook is called after a scope's steps: they cannot use what it gives.
            {
                **scenario(setup=[{"method": "PUT", "path": "/v1/nodes/{setup.node}/manage"}]),
                "setup_hook": ["node"],
            },
            "scenarios.success.setup.0.path = '/v1/nodes/{setup.node}/manage' holds {setup.node}",
        ),
        (
            scenario(setup=[{"method": "POST", "path": "/v1/nodes", "capture": {"node": "uuid"}}]),
            "'uuid' is neither a JSON Pointer into the answer's body",
        ),
        (
            unnamed(setup=[{"method": "GET", "path": "/v1/nodes", "budget": 5}]),
            "budget bounds a wait: it needs until",
        ),
        (
            unnamed(setup=[{"method": "POST", "path": "/v1/nodes", "capture": {"a b": "/id"}}]),
            "'a b' must be letters, digits, _ or -",
        ),
        (
            unnamed(setup=[{"path": "/v1/nodes"}]),
            "missing key 'scenarios.success.setup.0.method'",
        ),
    ],
)
def test_a_setup_that_cannot_work_is_refused_before_any_request(raw, said):
    with pytest.raises(DescriptionError) as refused:
        parse(raw, "t")
    assert said in str(refused.value)


def test_what_the_hook_gives_may_be_used_after_the_steps():
    raw = {
        "setup_hook": ["node"],
        "scenarios": {
            "success": {
                "path": "/v1/nodes/{setup.node}/provide",
                "teardown": [{"method": "DELETE", "path": "/v1/nodes/{setup.node}"}],
            }
        },
        "teardown": [{"method": "DELETE", "path": "/v1/pools/{setup.node}"}],
        "resource": {"read": {"method": "GET", "url": "/v1/nodes/{setup.node}"}},
    }
    assert parse(raw, "t").effective.setup_hook == ["node"]


@respx.mock
def test_a_step_naming_a_value_nobody_gave_sends_nothing():
    respx.post(f"{BASE}/v1/jobs").respond(202)
    raw = {**unnamed(), "setup_hook": ["node"]}
    driver = make_driver(raw)
    driver.preparation.hook = lambda scope, target: {}  # gives no "node"
    with pytest.raises(SetupFailed, match=r"returned no value for \['node'\]"):
        driver.submit("success")


def test_a_captured_name_may_be_used_in_the_resource_and_the_teardown():
    raw = scenario(
        setup=[CREATE],
        teardown=[{"method": "DELETE", "path": "/v1/nodes/{setup.node}", "expect": [204, 404]}],
    )
    raw["resource"] = {"delete": {"method": "DELETE", "url": "/v1/nodes/{setup.node}"}}
    raw["teardown"] = [{"method": "DELETE", "path": "/v1/tenants/{uuid}"}]
    described = parse(raw, "t").effective
    assert described.scenarios["success"].teardown[0].expect == [204, 404]


@respx.mock
@pytest.mark.parametrize(
    ("status", "works"), [(200, True), (204, True), (302, False), (409, False)]
)
def test_a_step_without_expect_works_on_any_2xx_only(status, works):
    respx.post(f"{BASE}/v1/prepare").respond(status)
    submitted = respx.post(f"{BASE}/v1/jobs").respond(202)
    driver = make_driver(unnamed(setup=[{"method": "POST", "path": "/v1/prepare"}]))
    if works:
        driver.submit("success")
    else:
        with pytest.raises(SetupFailed, match=f"answered {status}; expected a 2xx"):
            driver.submit("success")
    assert submitted.called is works


@respx.mock
def test_a_step_sends_its_body_and_captures_numbers_and_booleans_as_text():
    made = respx.post(f"{BASE}/v1/nodes").respond(201, json={"n": 42, "ok": True, "ratio": 0.5})
    submitted = respx.post(f"{BASE}/v1/jobs").respond(202)
    step = {
        "method": "POST",
        "path": "/v1/nodes",
        "json": {"name": "node-{n}", "tags": ["{uuid}"]},
        "capture": {"number": "/n", "flag": "/ok", "ratio": "/ratio"},
    }
    raw = unnamed(setup=[step], json={"id": "{setup.number}-{setup.flag}-{setup.ratio}"})
    driver = make_driver(raw)
    submission = driver.submit("success")
    sent = made.calls.last.request
    assert sent.read() == (
        b'{"name":"node-1","tags":["' + submission.values["uuid"].encode() + b'"]}'
    )
    assert submitted.calls.last.request.read() == b'{"id":"42-true-0.5"}'


@respx.mock
def test_a_first_step_that_worked_but_captured_nothing_still_gets_its_teardown():
    respx.post(f"{BASE}/v1/nodes").respond(200, json={})
    step = {"method": "POST", "path": "/v1/nodes", "capture": {"node": "/uuid"}}
    teardown = [{"method": "DELETE", "path": "/v1/nodes/{setup.node}"}]
    driver = make_driver(unnamed(setup=[step], teardown=teardown))
    with pytest.raises(SetupFailed):
        driver.submit("success")
    (prepared,) = driver.preparation.prepared
    assert not prepared.refused  # a 200 may have made a node: its teardown is tried


@respx.mock
def test_a_scenario_with_a_teardown_alone_is_taken_apart_at_the_end():
    respx.post(f"{BASE}/v1/jobs").respond(202)
    teardown = [{"method": "DELETE", "path": "/v1/things/{uuid}"}]
    driver = make_driver(unnamed(teardown=teardown))
    submission = driver.submit("success")
    (prepared,) = driver.preparation.prepared
    assert prepared.teardown and prepared.values["uuid"] == submission.values["uuid"]
    plain = make_driver(unnamed())
    plain.submit("success")
    assert plain.preparation.prepared == []


@pytest.mark.parametrize(
    ("teardown", "refused"),
    [
        (
            [
                {"method": "POST", "path": "/a", "capture": {"lock": "/id"}},
                {"method": "DELETE", "path": "/a/{setup.lock}"},
            ],
            False,
        ),
        (
            [
                {"method": "DELETE", "path": "/a/{setup.lock}"},
                {"method": "POST", "path": "/a", "capture": {"lock": "/id"}},
            ],
            True,
        ),
    ],
)
def test_a_teardown_step_names_what_an_earlier_teardown_step_captured(teardown, refused):
    raw = unnamed(teardown=teardown)
    if refused:
        with pytest.raises(DescriptionError, match=r"scenarios.success.teardown.0.path"):
            parse(raw, "t")
    else:
        assert len(parse(raw, "t").effective.scenarios["success"].teardown) == 2


@respx.mock
def test_the_sync_call_fills_in_the_operation_id_and_the_setup_values():
    respx.post(f"{BASE}/v1/nodes").respond(201, json={"uuid": "n-1"})
    respx.post(f"{BASE}/v1/nodes/n-1/provide").respond(
        202, json={"operationId": "op-9", "status": "RUNNING"}
    )
    called = respx.get(f"{BASE}/v1/nodes/n-1/ops/op-9").respond(200)
    raw = scenario(setup=[{"method": "POST", "path": "/v1/nodes", "capture": {"node": "/uuid"}}])
    raw["sync"] = {"method": "GET", "path": "/v1/nodes/{setup.node}/ops/{operation_id}"}
    driver = make_driver(raw)
    submission = driver.submit("success")
    call = driver.sync_call(Run(submission))
    assert call.exchange is not None and called.called


def test_the_resource_may_name_what_the_success_setup_captured_only():
    create = {"method": "POST", "path": "/v1/nodes", "capture": {"node": "/uuid"}}
    resource = {"read": {"method": "GET", "url": "/v1/nodes/{setup.node}"}}
    raw = {"scenarios": {"success": {"path": "/v1/jobs", "setup": [create]}}, "resource": resource}
    assert parse(raw, "t").effective.resource.read.url == "/v1/nodes/{setup.node}"
    other = {
        "scenarios": {
            "success": {"path": "/v1/jobs"},
            "failure": {"path": "/v1/jobs", "setup": [create]},
        },
        "resource": resource,
    }
    with pytest.raises(DescriptionError, match=r"resource.read.url .* holds \{setup.node\}"):
        parse(other, "t")


@respx.mock
def test_a_step_on_another_origin_is_not_sent_and_says_so():
    elsewhere = respx.post("https://elsewhere.test/v1/nodes").respond(201)
    submitted = respx.post(f"{BASE}/v1/jobs").respond(202)
    driver = make_driver(
        unnamed(setup=[{"method": "POST", "path": "https://elsewhere.test/v1/nodes"}])
    )
    with pytest.raises(SetupFailed) as failed:
        driver.submit("success")
    said = failed.value.reason.removeprefix("setup failed: scenarios.success.setup step 1: ")
    assert said.startswith("the step's URL 'https://elsewhere.test/v1/nodes' is on another origin")
    assert not elsewhere.called and not submitted.called


@respx.mock
def test_a_wait_sleeps_no_further_than_its_deadline():
    polled = respx.get(f"{BASE}/v1/nodes").respond(200, json={"state": "enroll"})
    wait = {
        "method": "GET",
        "path": "/v1/nodes",
        "until": {"/state": "manageable"},
        "budget": 2.5,
    }
    driver = make_driver(unnamed(setup=[wait]))  # polls each second, the default
    start = driver.clock.now()
    with pytest.raises(SetupFailed, match=r"after 2\.5 s of waiting"):
        driver.submit("success")
    # Asked at 0, 1 and 2 s, then once more at the deadline, half a second later.
    assert driver.clock.now() - start == 2.5
    assert polled.call_count == 4


@respx.mock
def test_values_adopted_from_another_process_stand_for_the_run_wide_setup():
    tenants = respx.post(f"{BASE}/v1/tenants").respond(201, json={"id": 7})
    adopted = respx.post(f"{BASE}/v1/tenants/42/jobs").respond(202)
    made_here = respx.post(f"{BASE}/v1/tenants/7/jobs").respond(202)
    raw = {
        "setup": [{"method": "POST", "path": "/v1/tenants", "capture": {"tenant": "/id"}}],
        "scenarios": {"success": {"path": "/v1/tenants/{setup.tenant}/jobs"}},
    }
    driver = make_driver(raw)
    driver.preparation.adopt_run_values({"uuid": "u-1", "setup.tenant": "42"})
    submission = driver.submit("success")
    assert submission.values["setup.tenant"] == "42"
    assert adopted.called
    assert not tenants.called and not made_here.called


@respx.mock
def test_the_hook_may_give_a_listed_name_for_the_scenario_rather_than_the_run():
    submitted = respx.post(f"{BASE}/v1/nodes/n-1/provide").respond(202)
    scopes: list[str] = []

    def hook(scope, target):
        scopes.append(scope)
        return {} if scope == "run" else {"node": "n-1"}

    driver = make_driver({**scenario(), "setup_hook": ["node"]})
    driver.preparation.hook = hook
    submission = driver.submit("success")
    assert scopes == ["run", "success"]
    assert submission.values["setup.node"] == "n-1" and submitted.called


@respx.mock
def test_a_hook_that_gives_a_scenario_no_listed_name_fails_its_setup():
    submitted = respx.post(url__startswith=f"{BASE}/v1/nodes/").respond(202)
    driver = make_driver({**scenario(), "setup_hook": ["node"]})
    driver.preparation.hook = lambda scope, target: {}
    with pytest.raises(SetupFailed) as failed:
        driver.submit("success")
    assert failed.value.reason == (
        "setup failed: conformance_setup('success'): returned no value for ['node'], "
        "which setup_hook in the description lists"
    )
    assert not submitted.called
