"""The transcript (`transcript.py`): exchanges numbered, excerpts, and secrets redacted."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest

from conformance.driver import (
    Exchange,
    RedactingFilter,
    Redactor,
    Transcript,
)
from tests.support.driving import (
    BASE,
)
from tests.support.records import exchange_with

# 'pä ss/"w\'x' in each form it may be written in.
SECRET = "pä ss/\"w'x"


FORMS = [
    SECRET,
    "p\\u00e4 ss/\\\"w'x",  # JSON
    "pä ss/\\\"w'x",  # JSON, not ASCII only
    "pä ss/\"w\\'x",  # a Python repr
    "p%C3%A4%20ss%2F%22w%27x",  # a URL, every character quoted
    "p%C3%A4%20ss/%22w%27x",  # a URL path
    "p%C3%A4+ss%2F%22w%27x",  # a form
]


def test_a_secret_is_replaced_whole_before_a_shorter_one_that_sorts_after_it():
    # "b" sorts after "abc": replaced first, it would leave "a" and "c" of the longer
    # secret in the report.
    assert Redactor(["b", "abc"]).text("abc and b") == "[secret] and [secret]"


def test_the_transcript_numbers_exchanges_in_order():
    transcript = Transcript()
    first, second = exchange_with(index=9), exchange_with(index=9)
    assert transcript.add(first) is first
    transcript.add(second)
    assert [e.index for e in transcript] == [1, 2]
    assert len(transcript) == 2


@pytest.mark.parametrize("form", FORMS)
def test_a_secret_is_redacted_in_every_form_it_is_written_in(form):
    assert Redactor([SECRET]).text(f"<{form}>") == "<[secret]>"


def test_the_longest_secret_is_replaced_first_and_empty_ones_are_none():
    assert Redactor(["abc", "abcdef"]).text("abcdef abc") == "[secret] [secret]"
    assert Redactor(["s"]).active
    assert not Redactor([""]).active and not Redactor().active
    assert Redactor().text("abc") == "abc"


@pytest.mark.parametrize("name", ["Authorization", "proxy-authorization", "COOKIE", "Set-Cookie"])
def test_sensitive_headers_are_redacted_and_others_cleaned(name):
    redactor = Redactor(["tok"])
    headers = [(name, "value"), ("X-Api-Key", "k"), ("api-key", "k"), ("X-Other", "a tok b")]
    assert redactor.headers(headers) == [
        [name, "[redacted]"],
        ["X-Api-Key", "[redacted]"],
        ["api-key", "[redacted]"],
        ["X-Other", "a [secret] b"],
    ]


def test_an_exchange_is_written_out_without_its_secrets():
    ex = exchange_with(
        index=5,
        label="read tok",
        method="POST",
        url=f"{BASE}/x?key=tok",
        request_headers=[("Authorization", "Bearer tok")],
        request_body=b'{"k": "tok"}',
        sent_at=1.0,
        received_at=2.5,
        status=None,
        headers=[("X", "tok")],
        body=b"tok body",
        error="ConnectError: tok refused",
        headers_dropped=2,
        body_dropped=7,
    )
    assert Redactor(["tok"]).exchange(ex) == {
        "index": 5,
        "label": "read [secret]",
        "method": "POST",
        "url": f"{BASE}/x?key=[secret]",
        "request_headers": [["Authorization", "[redacted]"]],
        "request_body": '{"k": "[secret]"}',
        "sent_at": 1.0,
        "received_at": 2.5,
        "status": None,
        "headers": [["X", "[secret]"]],
        "body": "[secret] body",
        "body_bytes": 15,
        "truncated": False,
        "error": "ConnectError: [secret] refused",
        "headers_dropped": 2,
        "body_dropped": 7,
    }
    assert Redactor().exchange(exchange_with())["error"] is None


@pytest.mark.parametrize(("size", "truncated"), [(2000, False), (2001, True)])
def test_an_excerpt_is_cut_at_two_thousand_characters(size, truncated):
    out = Redactor().exchange(exchange_with(body=b"b" * size, truncated=False))
    assert (len(out["body"]), out["truncated"]) == (2000, truncated)
    assert Redactor().exchange(exchange_with(truncated=True))["truncated"] is True


def test_an_excerpt_of_wide_characters_is_two_thousand_characters_whole():
    wide = "\U0001f600" * 2001
    out = Redactor(["s"]).exchange(exchange_with(body=wide.encode()))
    assert out["body"] == wide[:2000]


def test_an_excerpt_shows_bytes_that_are_not_utf8_as_replacement_characters():
    assert Redactor().exchange(exchange_with(body=b"\xff ok"))["body"] == "\ufffd ok"


def test_an_excerpt_reads_far_enough_to_redact_long_secrets():
    secret = "a" * 100
    out = Redactor([secret, "b"]).exchange(exchange_with(body=(secret * 300).encode()))
    # 4 * (2000 + 100) bytes are read: 84 whole secrets.
    assert out["body"] == "[secret]" * 84


def test_log_records_are_written_without_secrets():
    record = logging.LogRecord("httpx", logging.INFO, "f", 1, "GET %s", ("/x?k=tok",), None)
    assert RedactingFilter(Redactor(["tok"])).filter(record) is True
    assert (record.msg, record.args) == ("GET /x?k=[secret]", ())


def test_an_apps_traceback_is_kept_redacted_with_the_exchange():

    exchange = Exchange(1, "submit", "POST", "http://a/", [], b"", 0.0, status=500)
    exchange.app_traceback = "Traceback: token s3cret"
    kept = Redactor(["s3cret"]).exchange(exchange)
    assert kept["app_traceback"] == "Traceback: token [secret]"


def test_redactor_hides_secrets_and_sensitive_headers():
    redactor = Redactor(["tok-123", "tok-123-long"])
    assert redactor.text("Bearer tok-123-long and tok-123") == "Bearer [secret] and [secret]"
    headers = redactor.headers([("Authorization", "x"), ("X-Trace", "tok-123")])
    assert headers == [["Authorization", "[redacted]"], ["X-Trace", "[secret]"]]


def test_deeply_nested_json_is_recorded_not_raised():
    exchange = Exchange(1, "x", "GET", "/", [], b"", 0.0, body=b"[" * 200_000)
    assert exchange.json_object() is None


def test_redactor_catches_escaped_forms_of_a_secret():
    secret = 'hun"ter 2\\x'
    redactor = Redactor([secret])
    body = json.dumps({"token": secret})
    assert secret not in redactor.text(body) and "hun" not in redactor.text(body)
    url = f"https://x.test/?k={quote(secret)}"
    assert "hun" not in redactor.text(url)


def test_a_secret_is_redacted_in_every_form_it_is_written_in_and_nothing_else_is():
    secret = 'p@ss w/"rd é'
    forms = [
        secret,
        'p@ss w/\\"rd \\u00e9',  # in JSON, ASCII-escaped
        'p@ss w/\\"rd é',  # in JSON, as UTF-8
        "p%40ss%20w%2F%22rd%20%C3%A9",  # percent-encoded, "/" too
        "p%40ss%20w/%22rd%20%C3%A9",  # percent-encoded in a path
        "p%40ss+w%2F%22rd+%C3%A9",  # in a form body
    ]
    redactor = Redactor([secret])
    for form in forms:
        assert redactor.text(f"a {form} b") == "a [secret] b", form
    # What holds none of them is left as it was: "null", "ul", and the quotes around JSON.
    untouched = 'null, full, "", p@ss, w/'
    assert redactor.text(untouched) == untouched
    assert Redactor([""]).text(untouched) == untouched and not Redactor([""]).active


def test_a_secret_across_the_cut_of_a_long_body_is_redacted_whole():
    secret = "s" * 3000
    body = b"x" * 1990 + secret.encode()
    exchange = Exchange(1, "poll", "GET", f"{BASE}/s", [], b"", 0.0, status=200, body=body)
    written = Redactor([secret]).exchange(exchange)
    assert "s" not in written["body"].replace("[secret]", "")
    assert written["body"].startswith("x" * 1990 + "[secret]")


def test_an_exchange_reads_headers_in_any_case_and_its_latency():
    ex = exchange_with(headers=[("Content-Type", "a"), ("content-type", "b")], sent_at=2.5)
    ex.received_at = 4.0
    assert ex.header("CONTENT-TYPE") == "a"
    assert ex.header("x") is None
    assert ex.latency == 1.5


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b'{"a": 1}', {"a": 1}), (b"[1]", None), (b"nope", None), (b"", None), (b"[" * 100_000, None)],
)
def test_json_object_is_the_body_only_when_it_is_a_json_object(body, expected):
    assert exchange_with(body=body).json_object() == expected


def test_an_exchange_describes_itself_in_one_line():
    assert exchange_with(index=3, status=204).describe() == f"#3 GET {BASE}/op/1 -> 204"
    failed = exchange_with(index=4, status=None, error="ReadTimeout: slow")
    assert failed.describe() == f"#4 GET {BASE}/op/1 -> ReadTimeout: slow"
