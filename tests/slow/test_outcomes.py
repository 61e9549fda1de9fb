"""Every case's verdict, words and evidence, against every simulator behaviour, as approved.

The fault matrix (tests/slow/test_fault_matrix.py) runs the suite as users do and checks the
verdicts a behaviour must cause. This compares more, and faster: each case's whole outcome
(the verdict, the observed and expected text, the exchanges cited, the details the report
shows) with the outcome approved in `__snapshots__/test_outcomes.ambr`. A change to
any of them fails here until it is approved:

    pytest tests/slow/test_outcomes.py --snapshot-update    # then review the diff
"""

from __future__ import annotations

import pytest

from conformance.simulator import DIALECTS, FAULTS, QUIRKS
from conformance.verdicts import Verdict, worst
from tests.support.outcomes import PROPERTY_MODULES, cases, outcomes

BEHAVIOURS = {**FAULTS, **QUIRKS}
VARIANTS = [(d, None) for d in DIALECTS] + [
    (d, name)
    for name in sorted(BEHAVIOURS)
    for d in DIALECTS
    if "virtual" in BEHAVIOURS[name].clocks and d in BEHAVIOURS[name].dialects
]


def _worst(said: dict[str, str], requirement_of: dict[str, str]) -> dict[str, str]:
    """Each requirement's verdict: the worst of its cases'."""
    by_requirement: dict[str, list[Verdict]] = {}
    for case, text in said.items():
        verdict = Verdict(text.split(" ", 1)[0].rstrip(":"))
        by_requirement.setdefault(requirement_of[case], []).append(verdict)
    return {req: worst(verdicts).value for req, verdicts in by_requirement.items()}


@pytest.mark.parametrize(
    ("dialect", "behaviour"), VARIANTS, ids=[f"{d}-{b or 'correct'}" for d, b in VARIANTS]
)
def test_each_case_says_what_was_approved(snapshot, dialect, behaviour):
    said, requirement_of = outcomes(dialect, [behaviour] if behaviour else [])
    # No hand-written case concludes what the behaviour does not cause (the property cases,
    # not called here, catch some behaviours: the fault matrix checks those)...
    verdicts = _worst(said, requirement_of)
    expected = {} if behaviour is None else BEHAVIOURS[behaviour].expected(dialect)
    for req_id, verdict in verdicts.items():
        if verdict in ("FAIL", "WARN") or (verdict == "ERROR" and behaviour is None):
            assert expected.get(req_id) == verdict, (req_id, said)
    # ...and every word of every case, as approved.
    assert said == snapshot


#: The requirements the property and schema-driven cases judge, and the behaviours that
#: break one of them (in the default dialect: these cases take longer).
PROPERTY_REQUIREMENTS = {req for _, req, _, _ in cases(PROPERTY_MODULES)}
#: ...of which these no hand-written case judges.
ONLY_PROPERTY = PROPERTY_REQUIREMENTS - {req for _, req, _, _ in cases()}
PROPERTY_VARIANTS = [(d, None) for d in DIALECTS] + [
    ("cloudcenter", name)
    for name in sorted(BEHAVIOURS)
    if "virtual" in BEHAVIOURS[name].clocks
    and set(BEHAVIOURS[name].expected("cloudcenter")) & PROPERTY_REQUIREMENTS
]


@pytest.mark.parametrize(
    ("dialect", "behaviour"),
    PROPERTY_VARIANTS,
    ids=[f"{d}-{b or 'correct'}" for d, b in PROPERTY_VARIANTS],
)
def test_each_property_case_says_what_was_approved(snapshot, dialect, behaviour):
    said, requirement_of = outcomes(dialect, [behaviour] if behaviour else [], PROPERTY_MODULES)
    verdicts = _worst(said, requirement_of)
    expected = {} if behaviour is None else BEHAVIOURS[behaviour].expected(dialect)
    for req_id, verdict in verdicts.items():
        if verdict in ("FAIL", "WARN", "ERROR"):
            assert expected.get(req_id) == verdict, (req_id, said)
    # What only these cases judge, they catch (the fault matrix checks the rest end to end).
    for req_id, verdict in expected.items():
        if req_id in ONLY_PROPERTY and verdict in ("FAIL", "WARN"):
            assert verdicts.get(req_id) == verdict, (req_id, said)
    assert said == snapshot
