"""Status: what the operation-status resource answers while the id is available."""

import pytest

from conformance.checks import status

SCENARIOS = ["success", "failure"]


@pytest.mark.requirement("STATUS-200-JSON")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_status_answers_200_with_json(conformance, scenario):
    status.answers_200_json(conformance.run(scenario), conformance.description)


@pytest.mark.requirement("STATUS-STATE-NAMES")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_status_uses_known_state_names(conformance, scenario):
    status.state_names_known(conformance.run(scenario), conformance.description)


@pytest.mark.requirement("STATUS-ID-MATCH")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_status_names_its_own_operation(conformance, scenario):
    status.id_matches_url(conformance.run(scenario), conformance.description)


@pytest.mark.requirement("STATUS-SAFE")
def test_reading_the_status_does_not_change_it(conformance):
    conformance.require_scenario("success")
    exact = conformance.target.clock != "real"  # virtual or test clock: time stands still
    status.reads_are_safe(conformance.safety_trial, conformance.description, exact=exact)


@pytest.mark.requirement("STATUS-DETAILS")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_running_status_gives_details(conformance, scenario):
    status.details_while_running(conformance.run(scenario), conformance.description)


@pytest.mark.requirement("STATUS-MEDIA-TYPE")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_bodies_are_labelled_as_json(conformance, scenario):
    status.json_media_type(conformance.run(scenario))


@pytest.mark.requirement("STATUS-RETRY-AFTER")
def test_poller_honours_retry_after(conformance):
    run = conformance.run("success")
    status.honours_retry_after(run, conformance.description.polling.budget)
