"""The suite catches every named fault of the simulator, and passes the correct one."""

from __future__ import annotations

import pytest

from conformance.catalogue import CATALOGUE, Level
from conformance.simulator import DIALECTS, FAULTS

# Every section of the catalogue has its cases now.
CORE = set(CATALOGUE)


def test_every_core_must_has_a_fault_that_breaks_it():
    broken = {req for f in FAULTS.values() for req, v in f.expect.items() if v == "FAIL"}
    musts = {r for r in CORE if CATALOGUE[r].level is Level.MUST}
    assert musts - broken == set()


def test_every_core_should_has_a_fault_that_breaks_it():
    broken = {req for f in FAULTS.values() for req, v in f.expect.items() if v == "WARN"}
    # The published contract's rules judge a document, not the server's behaviour: each is
    # broken by a document of its own in tests/checks/test_document.py.
    shoulds = {
        r
        for r in CORE
        if CATALOGUE[r].level is Level.SHOULD and CATALOGUE[r].section != "Published contract"
    }
    assert shoulds - broken == set()


def test_every_fault_names_catalogue_requirements_and_verdicts():
    for behaviour in FAULTS.values():
        assert behaviour.expect, f"{behaviour.name} says nothing about what it breaks"
        assert set(behaviour.expect) <= CATALOGUE.keys(), behaviour.name
        assert set(behaviour.expect.values()) <= {"FAIL", "WARN", "ERROR"}, behaviour.name
        for req_id, verdict in behaviour.expect.items():
            level = CATALOGUE[req_id].level
            if verdict == "FAIL":
                assert level is Level.MUST, f"{behaviour.name}: a {level.value} cannot FAIL"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_simulators_openapi_document_matches_its_routes(dialect):
    from starlette.routing import Route

    from conformance.simulator import Simulator
    from conformance.simulator._openapi import openapi_document

    simulator = Simulator(dialect=dialect)
    served = {
        (route.path, method.lower())
        for route in simulator.app.routes
        if isinstance(route, Route)
        for method in (route.methods or ())
        if method != "HEAD" and route.path != "/openapi.json"  # the document itself
    }
    document = openapi_document(simulator.wire)
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert documented == served
    accounts = document["paths"]["/v1/tenants/{tenant}/clouds/{cloud}/accounts"]
    assert str(simulator.wire.accepted_status) in accounts["post"]["responses"]
