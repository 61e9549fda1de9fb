"""Synchronous calls: the real state, in the response."""

import pytest

from conformance.checks import sync


@pytest.mark.requirement("SYNC-STATE")
def test_synchronous_call_answers_with_the_state(conformance):
    sync.described_call_answers(conformance.sync_call())


@pytest.mark.requirement("SYNC-STATE")
def test_created_resource_reads_synchronously(conformance):
    sync.created_resource_reads(conformance.run("success"), conformance.driver)
