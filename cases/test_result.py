"""Result: what a finished operation hands back."""

import pytest

from conformance.checks import result


@pytest.mark.requirement("RESULT-URL")
def test_success_names_a_readable_resource(conformance):
    result.success_names_resource(conformance.run("success"), conformance.driver)


@pytest.mark.requirement("RESULT-FAILED-MSG")
def test_failure_says_why(conformance):
    result.failure_has_message(conformance.run("failure"), conformance.description)
