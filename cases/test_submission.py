"""Submission: how the target accepts asynchronous work."""

import pytest

from conformance.checks import document, submission

SCENARIOS = ["success", "failure"]


@pytest.mark.requirement("SUBMIT-202")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_submission_is_accepted_with_202(conformance, scenario):
    run = conformance.run(scenario)
    status = run.submission.exchange.status
    # Where the published document says another code, the success case says so, once.
    documented = (
        document.disagreement(conformance.published(), conformance.description, status)
        if scenario == "success" and status is not None
        else ""
    )
    submission.accepted_with_202(run, conformance.description, documented)


@pytest.mark.requirement("SUBMIT-LOCATION")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_location_names_the_status_resource(conformance, scenario):
    run = conformance.run(scenario)
    documented = (
        document.monitor_disagreement(
            conformance.published(), conformance.description, run.submission.exchange
        )
        if scenario == "success"
        else ""
    )
    submission.location_names_status(run, conformance.description, documented)


@pytest.mark.requirement("SUBMIT-UNIQUE")
def test_concurrent_submissions_get_distinct_ids(conformance):
    submission.ids_unique(conformance.concurrent().submissions)


@pytest.mark.requirement("TRANS-OUTCOME")
def test_concurrent_submissions_all_end_as_declared(conformance):
    submission.concurrent_runs_end_as_declared(
        conformance.concurrent(), conformance.run("success"), conformance.description
    )


@pytest.mark.requirement("SUBMIT-NONBLOCKING")
def test_submission_answers_before_the_work_is_done(conformance):
    submission.not_blocking(conformance.run("success"), conformance.description)


@pytest.mark.requirement("SUBMIT-BODY")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_accepted_body_describes_the_status(conformance, scenario):
    submission.body_describes_status(conformance.run(scenario), conformance.description)
