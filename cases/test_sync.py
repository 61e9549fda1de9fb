"""Synchronous calls: the real state, in the response."""

import pytest

from conformance.checks import sync
from conformance.checks._common import needs_terminal
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
    needs_terminal(run, "success", conformance.description.dialect.states)
    read = conformance.driver.resource_call("read", run, "read resource")
    if read is None:
        raise Blocked("the success run gave no resource URL (see RESULT-URL)", run.exchanges)
    sync.answers_with_state(read, "reading the created resource")
