"""Status: what the operation-status resource answers while the id is available."""

import pytest

from conformance.checks import status
from conformance.verdicts import Blocked

SCENARIOS = ["success", "failure"]


@pytest.mark.requirement("STATUS-200-JSON")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_status_answers_200_with_json(conformance, scenario):
    status.answers_200_json(conformance.run(scenario))


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
    driver = conformance.driver
    # The once-read twin goes first: if anything, the often-read one should lag behind.
    once, often = conformance.submit("success"), conformance.submit("success")
    for sub in (often, once):
        if sub.status_url is None:
            raise Blocked(f"no status URL to read: {sub.location_problem}", [sub.exchange])
    burst = driver.burst(often.status_url, 6, "read often")
    control = driver.poll(once.status_url, "read once")
    status.reads_are_safe(
        burst, control, conformance.description, exact=conformance.target.clock != "real"
    )


@pytest.mark.requirement("STATUS-DETAILS")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_running_status_gives_details(conformance, scenario):
    status.details_while_running(conformance.run(scenario), conformance.description)


@pytest.mark.requirement("STATUS-RETRY-AFTER")
def test_poller_honours_retry_after(conformance):
    run = conformance.run("success")
    if not status.honours_retry_after(run, conformance.description.polling.budget):
        pytest.skip("the target sent no Retry-After, so there was nothing to honour")
