"""Synchronous calls: the real state, in the response."""

import pytest

from conformance.checks import sync


@pytest.mark.requirement("SYNC-STATE")
def test_synchronous_call_answers_with_the_state(conformance):
    exchange = conformance.driver.sync_call()
    if exchange is None:
        pytest.skip("the target description declares no [sync] call")
    sync.answers_with_state(exchange, "the synchronous call")


@pytest.mark.requirement("SYNC-STATE")
def test_created_resource_reads_synchronously(conformance):
    sync.created_resource_reads(conformance.run("success"), conformance.driver)
