"""Robustness: malformed submissions and unknown ids (a fixed coverage set, then Hypothesis)."""

import pytest

from conformance.checks import robustness


@pytest.mark.requirement("ROBUST-SUBMIT")
def test_malformed_submissions_are_refused(conformance):
    conformance.require_scenario("success")
    robustness.malformed_submissions_refused(
        conformance.submit_malformed,
        conformance.description.scenarios["success"].json_body,
        conformance.budget,
        conformance.after_an_operation,
    )


@pytest.mark.requirement("ROBUST-IDS")
def test_unknown_and_malformed_ids_are_refused(conformance):
    conformance.require_scenario("success")
    robustness.known_id_answers(conformance.run("success"))
    allowed = frozenset(conformance.description.retention.expired_status)
    robustness.unknown_ids_refused(
        conformance.probe_id, conformance.budget, allowed, conformance.issued_id()
    )
