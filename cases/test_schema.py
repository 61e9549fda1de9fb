"""The target's published OpenAPI document (Schemathesis inside the suite)."""

import pytest

from conformance.checks import document, schema


def _published(conformance):
    return document.usable(conformance.published())


@pytest.mark.requirement("SCHEMA-RESPONSES")
def test_answers_match_the_published_document(conformance):
    published = _published(conformance)
    run = conformance.run("success")
    answers = [run.submission.exchange, *(p.exchange for p in run.polls)]
    schema.answers_match_document(published, answers)


@pytest.mark.requirement("ROBUST-SUBMIT")
def test_requests_the_schema_forbids_get_no_server_error(conformance):
    published = _published(conformance)
    spec = conformance.description.scenarios["success"]
    schema.generated_submissions_refused(
        published, spec.method, spec.path, conformance.send_generated, conformance.budget
    )
