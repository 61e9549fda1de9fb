"""Delete: 204 at once, the resource gone in the background."""

import pytest

from conformance.checks import delete


@pytest.mark.requirement("DELETE-204")
def test_delete_answers_204_without_content(conformance):
    delete.answers_204(conformance.deletion())


@pytest.mark.requirement("DELETE-NO-CONTENT-LENGTH")
def test_delete_204_has_no_content_length(conformance):
    delete.no_content_length(conformance.deletion())


@pytest.mark.requirement("DELETE-GONE")
def test_deleted_resource_disappears(conformance):
    delete.gone_after_delete(conformance.deletion(), conformance.description.polling.delete_budget)
