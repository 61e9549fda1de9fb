"""What the driver records (`driver/_records.py`): a Retry-After value read as seconds, and a
submission that crosses to another process with its cookies."""

from __future__ import annotations

import pickle
import time

import pytest
import respx

from conformance.driver import retry_after_seconds
from tests.support.driving import SUBMIT, make_driver


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0", 0.0), ("Thu, 01 Jan 1970 00:01:40 GMT", 60.0), ("soon", None), (None, None)],
)
def test_retry_after_values(value, expected):
    assert retry_after_seconds(value, now=40.0) == expected


def test_a_retry_after_date_in_the_past_means_now():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", time.time()) == 0.0


@pytest.mark.parametrize("value", ["\u0663", "\uff13", "\u00b3", "1\u0660", "-1", "1.5", " "])
def test_retry_after_is_ascii_digits_or_an_http_date(value):
    assert retry_after_seconds(value, 0.0) is None


@respx.mock
def test_a_pickled_submission_carries_its_cookies_in_a_jar_of_its_own():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op", "Set-Cookie": "s=1; Path=/"})
    driver, _ = make_driver()
    submission = driver.submit("success")
    copy = pickle.loads(pickle.dumps(submission))
    assert copy.jar is not None and copy.jar is not submission.jar
    assert copy.jar.get("s") == "1"
    assert (copy.scenario, copy.location, copy.status_url) == (
        "success",
        "/op",
        submission.status_url,
    )
    assert submission.jar is not None and submission.jar.get("s") == "1"  # the original keeps it


@respx.mock
def test_a_pickled_submission_without_cookies_has_none():
    respx.post(SUBMIT).respond(202, headers={"Location": "/op"})
    driver, _ = make_driver(cookies="off")
    submission = driver.submit("success")
    assert submission.jar is None
    assert pickle.loads(pickle.dumps(submission)).jar is None
