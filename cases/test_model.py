"""The lifecycle model: drawn sequences of calls and clock moves, judged at every answer."""

import pytest

from conformance.checks.model import model_holds
from conformance.model import MODEL_REQUIREMENTS


@pytest.mark.conformance_last
@pytest.mark.conformance_group("model")
@pytest.mark.parametrize(
    "requirement",
    [pytest.param(r, marks=pytest.mark.requirement(r), id=r) for r in MODEL_REQUIREMENTS],
)
def test_lifecycle_model(conformance, requirement):
    model_holds(conformance.model(), requirement)
