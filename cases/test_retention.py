"""Retention: how long an operation id stays available, and what it answers after."""

import pytest

from conformance.checks import retention

#: The retention schedule is one shared observation: under pytest-xdist these cases share a worker.
pytestmark = pytest.mark.conformance_group("retention")

COMPLETED = ["success", "failure"]


def _retained(conformance, scenario):
    return retention.observed_operation(conformance.retained(scenario), scenario)


def _record(record_property, conformance, retained):
    observation = conformance.retention()
    tolerance = conformance.description.retention.tolerance
    details = retained.details(observation.resolution, tolerance)
    details["margin_s"] = observation.margin
    record_property("retention", details)


@pytest.mark.requirement("RETAIN-COMPLETED")
@pytest.mark.parametrize("scenario", COMPLETED)
def test_completed_id_is_kept_for_its_window(conformance, record_property, scenario):
    retained = _retained(conformance, scenario)
    _record(record_property, conformance, retained)
    retention.kept_for_window("RETAIN-COMPLETED", retained, conformance.description)


@pytest.mark.requirement("EXPIRE-COMPLETED")
@pytest.mark.parametrize("scenario", COMPLETED)
def test_completed_id_is_gone_after_its_window(conformance, record_property, scenario):
    retained = _retained(conformance, scenario)
    _record(record_property, conformance, retained)
    retention.gone_after_window("EXPIRE-COMPLETED", retained, conformance.description)


@pytest.mark.requirement("RETAIN-TIMEOUT")
def test_timed_out_id_is_kept_for_its_window(conformance, record_property):
    retained = _retained(conformance, "timeout")
    _record(record_property, conformance, retained)
    description = conformance.description
    retention.kept_for_window("RETAIN-TIMEOUT", retained, description, description.timeout_states)


@pytest.mark.requirement("RETAIN-TIMEOUT")
def test_timed_out_id_is_gone_after_its_window(conformance, record_property):
    retained = _retained(conformance, "timeout")
    _record(record_property, conformance, retained)
    retention.gone_after_window("RETAIN-TIMEOUT", retained, conformance.description)


@pytest.mark.requirement("EXPIRED-404")
def test_expired_and_unknown_ids_answer_not_found(conformance):
    observation = conformance.retention()
    found = [*observation.completed.values(), observation.timed_out]
    expired = [r.outside.result for r in found if hasattr(r, "outside") and r.outside.result]
    retention.expired_ids_answer_not_found(
        conformance.description,
        observation.never_issued,
        expired,
        observation.never_issued_skipped,
    )
