"""Synchronous calls: the real state, in the response."""

import pytest

from conformance.checks import sync
from conformance.checks._common import needs_terminal
from conformance.description import Role
from conformance.verdicts import Blocked


@pytest.mark.requirement("SYNC-STATE")
def test_synchronous_call_answers_with_the_state(conformance):
    exchange = conformance.driver.sync_call()
    if exchange is None:
        pytest.skip("the target description declares no [sync] call")
    sync.answers_with_state(exchange, "the synchronous call")


@pytest.mark.requirement("SYNC-STATE")
def test_created_resource_reads_synchronously(conformance):
    run = conformance.run("success")
    needs_terminal(run, Role.SUCCESS)
    read = conformance.driver.resource_call("read", run, "read resource")
    if read.exchange is None:
        raise Blocked(f"no resource to read: {read.problem}", run.exchanges[-1:])
    sync.answers_with_state(read.exchange, "reading the created resource")
