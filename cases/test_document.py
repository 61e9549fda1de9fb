"""The published contract: the OpenAPI document's account of the lifecycle, read as written."""

import pytest

from conformance.checks import document


def _contract(conformance):
    published = document.usable(conformance.published())
    return document.Contract.of(published, conformance.description)


@pytest.mark.requirement("DOC-ACCEPTED")
def test_the_document_gives_the_acceptance_code(conformance):
    document.acceptance_documented(_contract(conformance), conformance.description)


@pytest.mark.requirement("DOC-MONITOR")
def test_the_document_names_where_the_status_monitor_is(conformance):
    document.monitor_documented(_contract(conformance), conformance.description)


@pytest.mark.requirement("DOC-STATES")
def test_the_document_lists_the_state_names(conformance):
    document.states_documented(_contract(conformance), conformance.description)


@pytest.mark.requirement("DOC-DELETE-204")
def test_the_document_gives_delete_204_without_content(conformance):
    document.delete_documented(_contract(conformance), conformance.description)


@pytest.mark.requirement("DOC-JSON")
def test_the_document_gives_the_bodies_as_json(conformance):
    document.json_documented(_contract(conformance), conformance.description)


@pytest.mark.requirement("DOC-ERRORS")
def test_the_document_gives_the_error_answers(conformance):
    document.errors_documented(_contract(conformance), conformance.description)
