"""Transitions: the order of states, and where each scenario ends."""

import pytest

from conformance.checks import transitions

SCENARIOS = ["success", "failure"]


@pytest.mark.requirement("TRANS-MODEL")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_states_follow_the_model(conformance, scenario):
    transitions.follows_state_model(conformance.run(scenario), conformance.description)


@pytest.mark.requirement("TRANS-OUTCOME")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_ends_as_declared(conformance, scenario):
    transitions.expected_outcome(conformance.run(scenario), conformance.description)


@pytest.mark.requirement("TRANS-MODEL")
@pytest.mark.conformance_group("retention")
def test_terminal_state_holds_until_the_retention_probes(conformance):
    # Named for retention: it waits for the retention probes (`-k 'not retention'` skips it).
    observation = conformance.retention()
    retained = [r for r in observation.completed.values() if hasattr(r, "terminal")]
    transitions.terminal_state_holds(retained)
