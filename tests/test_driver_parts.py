"""The driver's smaller parts: reading states, thinning long runs, the transcript, bodies."""

from __future__ import annotations

import gzip
import logging
import time
import zlib
from types import SimpleNamespace

import httpx
import pytest

from conformance.description import Role, parse
from conformance.driver import (
    MISSING,
    Exchange,
    Guard,
    Operations,
    Poll,
    Reading,
    RedactingFilter,
    Redactor,
    Run,
    Submission,
    Traced,
    Transcript,
    _body,
    field,
    link,
    read_state,
    run_budget,
)
from conformance.driver import _guard as _guard_module
from conformance.driver._body import read_body
from conformance.driver._thinning import FIELD_CHARS, thin_middle

from .test_driver import BASE, CLASSIC


def _dialect(**keys):
    return parse({"dialect": keys}, "t").effective.dialect


def _exchange(**values) -> Exchange:
    base = {
        "index": 0,
        "label": "l",
        "method": "GET",
        "url": f"{BASE}/op/1",
        "request_headers": [],
        "request_body": b"",
        "sent_at": 0.0,
        "status": 200,
    }
    return Exchange(**{**base, **values})


# --- _reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"": 1}, ""),  # no path names nothing, not the empty key
        (None, "a"),
        ({"a": [1]}, "a.-"),  # the place after a list's end
        ({"a": [1]}, "a.x"),
        ({"a": 1}, "a.b"),
        ({"a": [1]}, "/a/~2"),  # not a JSON Pointer at all
    ],
)
def test_a_path_that_reaches_nothing_is_missing(body, path):
    assert field(body, path) is MISSING


def test_a_dotted_path_escapes_what_json_pointer_reads_as_syntax():
    assert field({"a~b/c": {"d": 1}}, "a~b/c.d") == 1
    assert field({"a~1b": 2, "a/b": 3}, "a~1b") == 2


def test_missing_shows_and_pickles_as_itself():
    import pickle

    assert repr(MISSING) == "MISSING"
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


@pytest.mark.parametrize("status", [400, 404, 500])
def test_an_error_answer_tells_no_state_whatever_its_body(status):
    assert read_state(_dialect(), status, {"status": "SUCCESS"}) == Reading(None, None, "nothing")


def test_a_state_name_is_read_whole_with_its_raw_value():
    reading = read_state(_dialect(), None, {"status": "SUCCESS"})
    assert reading == Reading("SUCCESS", Role.SUCCESS, "field", "SUCCESS")
    assert read_state(_dialect(), 399, {"status": "FAILED"}).role is Role.FAILURE


def test_a_null_status_field_leaves_the_state_to_the_code():
    dialect = _dialect(http_states={"200": "success"})
    assert read_state(dialect, 200, {"status": None}) == Reading("SUCCESS", Role.SUCCESS, "http")
    assert read_state(dialect, 200, {"status": 7}) == Reading(None, None, "field", 7)


def test_a_done_dialect_without_a_body_falls_back_to_the_code():
    dialect = _dialect(name="google-lro", http_states={"200": "running"})
    assert read_state(dialect, 200, None) == Reading("running", Role.RUNNING, "http")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"done": "yes"}, Reading(None, None, "done", "yes")),
        ({"name": "op/1"}, Reading("running", Role.RUNNING, "done", MISSING)),
        ({"done": True}, Reading("succeeded", Role.SUCCESS, "done", True)),
        ({"done": True, "error": None}, Reading("succeeded", Role.SUCCESS, "done", True)),
        ({"done": True, "error": {}}, Reading("failed", Role.FAILURE, "done", True)),
        ({"done": False, "error": {}}, Reading("running", Role.RUNNING, "done", False)),
        ({"other": 1}, Reading(None, None, "nothing")),
    ],
)
def test_the_done_field_tells_the_state_exactly(body, expected):
    assert read_state(_dialect(name="google-lro"), 200, body) == expected


@pytest.mark.parametrize(
    ("when", "value", "role"),
    [
        ("set", {"r": 1}, Role.SUCCESS),
        ("set", None, Role.RUNNING),
        ("null", None, Role.SUCCESS),
        ("null", 0, Role.RUNNING),
        ("true", 1, None),
    ],
)
def test_done_when_set_or_null(when, value, role):
    dialect = _dialect(status_field="", done={"field": "d", "when": when})
    assert read_state(dialect, 200, {"operationId": "1", "d": value}).role is role


def test_done_when_set_and_the_field_absent_is_running():
    dialect = _dialect(status_field="", done={"field": "d", "when": "set"})
    assert read_state(dialect, 200, {"operationId": "1"}).role is Role.RUNNING


def test_a_code_whose_role_has_no_state_names_shows_the_role():
    dialect = _dialect(http_states={"200": "cancelled", "201": "failure"})
    assert read_state(dialect, 200, None) == Reading("cancelled", Role.CANCELLED, "http")
    assert read_state(dialect, 201, None) == Reading("FAILED", Role.FAILURE, "http")
    assert read_state(dialect, 202, None) == Reading(None, None, "nothing")


def test_links_in_the_body_skip_entries_that_are_not_usable():
    body = {
        "links": [
            "not a link",
            {"rel": "other", "href": "/other"},
            {"rel": "results", "href": 3},
            {"rel": "results", "href": ""},
            {"rel": "results", "href": "/html", "type": "text/html"},
            {"rel": "results", "href": "/json", "type": "application/json"},
        ]
    }
    assert link(body, [], "results") == "/json"
    assert link({"links": [{"rel": "results", "href": "/only"}]}, [], "results") == "/only"
    assert link([{"rel": "results", "href": "/x"}], [], "results") is None


def test_a_link_header_is_found_among_other_headers_in_any_case():
    headers = [
        ("Content-Type", "application/json"),
        ("LINK", '</a>; title="x=y"; REL="self",  < /b/c > ; type=json; rel="next results"'),
    ]
    assert link(None, headers, "results") == " /b/c "
    assert link(None, headers, "self") == "/a"
    assert link(None, headers, "next") == " /b/c "
    assert link(None, headers, "nex") is None
    odd = [("Link", '</op/X>; rel="x=y Xray"')]
    assert link(None, odd, "Xray") == "/op/X"
    assert link(None, [("Link", '</y>; rel="Xs"')], "Xs") == "/y"
    # An extension relation is a URI (RFC 8288), and a URI may hold "=" in its query.
    status_rel = "https://rels.example/status?v=2"
    assert link(None, [("Link", f'</op/7>; rel="{status_rel}"')], status_rel) == "/op/7"


def test_a_body_link_wins_over_a_link_header():
    headers = [("Link", '</header>; rel="results"')]
    assert link({"links": [{"rel": "results", "href": "/body"}]}, headers, "results") == "/body"
    assert link({"links": []}, headers, "results") == "/header"


# --- _thinning --------------------------------------------------------------------------------

DIALECT = _dialect()
READ_HEADERS = frozenset({"retry-after", "content-type"})


def _poll(status=200, state="RUNNING", content_type="application/json", error=None, **extra):
    body = {"operationId": "op1", "status": state, **extra}
    headers = [("Content-Type", content_type), ("Retry-After", "1"), ("X-Trace", "t")]
    exchange = _exchange(status=status, headers=headers, body=b"0123456789", error=error)
    reading = read_state(DIALECT, status, body)
    return Poll(exchange, body, reading, 1.0, None)


def _run_of(polls, keep, terminal=None, dialect=DIALECT) -> Run:
    run = Run(Submission("success", _exchange()))
    run.terminal_index = terminal
    for poll in polls:
        run.polls.append(poll)
        thin_middle(run, keep, dialect, READ_HEADERS)
    return run


def _thinned(run: Run) -> list[int]:
    return [n for n, p in enumerate(run.polls) if p.thinned]


def _thin_one(body, dialect=DIALECT) -> Poll:
    """The middle one of three reads alike, thinned."""
    poll = _run_of([_poll(**body) for _ in range(3)], keep=1, dialect=dialect).polls[1]
    assert poll.thinned
    return poll


def test_only_reads_between_the_first_and_last_keep_are_thinned():
    run = _run_of([_poll() for _ in range(8)], keep=2)
    assert _thinned(run) == [2, 3, 4, 5]
    assert (run.thinned, run.notable) == (4, 0)


def test_the_terminal_read_is_never_thinned():
    run = _run_of([_poll() for _ in range(8)], keep=2, terminal=3)
    assert _thinned(run) == [2, 4, 5]


@pytest.mark.parametrize(
    "changed",
    [
        {"status": 201},
        {"state": "SUCCESS"},
        {"content_type": "text/plain"},
        {"error": "reset"},
        {"extra": 1},
    ],
)
def test_a_read_that_looks_new_is_kept_whole_up_to_keep_of_them(changed):
    polls = [_poll() for _ in range(9)]
    polls[3], polls[5] = _poll(**changed), _poll(**changed)
    run = _run_of(polls, keep=2)
    # 3 and 4 differ from the read before (4 changes back), 5 is over the limit of notables.
    assert _thinned(run) == [2, 5, 6]
    assert (run.thinned, run.notable) == (3, 2)


def test_a_read_is_compared_with_the_shape_its_neighbour_had_before_it_was_thinned():
    run = _run_of([_poll(padding="p") for _ in range(7)], keep=1)
    assert _thinned(run) == [1, 2, 3, 4, 5]
    assert run.notable == 0


def test_fields_past_the_first_fifty_do_not_make_a_read_look_new():
    many = {f"a{n:02}": 1 for n in range(50)}  # before operationId and status, sorted
    polls = [_poll(**many, b1=1) for _ in range(5)]
    polls[2] = _poll(**many, b0=1)
    run = _run_of(polls, keep=1)
    assert _thinned(run) == [1, 2, 3]


def test_a_thinned_read_keeps_what_the_checks_read():
    run = _run_of([_poll(msg="m", progress=3, padding="p") for _ in range(3)], keep=1)
    poll = run.polls[1]
    ex = poll.exchange
    assert (ex.body, ex.body_dropped) == (b"", 10)
    assert ex.headers == [("Content-Type", "application/json"), ("Retry-After", "1")]
    assert ex.headers_dropped == 1  # X-Trace
    assert poll.body == {"operationId": "op1", "status": "RUNNING", "msg": "m", "progress": 3}
    assert poll.state == "RUNNING" and poll.thinned


def test_dropped_headers_add_to_those_dropped_before():
    polls = [_poll() for _ in range(3)]
    polls[1].exchange.headers_dropped = 5
    assert _run_of(polls, keep=1).polls[1].exchange.headers_dropped == 6


def test_a_field_missing_does_not_stop_the_others_from_being_kept():
    assert _thin_one({"progress": 3}).body == {
        "operationId": "op1",
        "status": "RUNNING",
        "progress": 3,
    }


def test_long_fields_are_cut_dropped_or_emptied_at_field_chars():
    at = FIELD_CHARS
    assert at == 1024
    body = {
        "operationId": "i" * (at + 1),
        "msg": "  " + "m" * at + "tail",
        "progress": ["x" * (at - 3)],  # its JSON is FIELD_CHARS + 1 characters
    }
    poll = _thin_one(body)
    assert poll.body == {"status": "RUNNING", "msg": "m" * at, "progress": []}
    assert poll.reading.raw == "RUNNING"


def test_fields_at_field_chars_are_kept_as_they_are():
    at = 1024
    body = {"operationId": "i" * at, "msg": " " + "m" * (at - 1), "progress": ["x" * (at - 4)]}
    blank = {"msg": " " * (at + 1)}
    poll = _thin_one(body)
    assert poll.body == {"status": "RUNNING", **body}
    poll = _thin_one(blank)
    assert poll.body["msg"] == " " * at


def test_nested_fields_share_their_parents_when_thinned():
    dialect = _dialect(
        message_field="detail.msg",
        progress_field="/detail/p~1q~0r",
        error_field="detail.err",
        done={"field": "x.done"},
    )
    body = {"detail": {"msg": "m", "p/q~r": 5, "err": 0, "o": 1}, "x": {"done": False}}
    poll = _thin_one(body, dialect)
    assert poll.body == {
        "operationId": "op1",
        "status": "RUNNING",
        "detail": {"msg": "m", "p/q~r": 5, "err": 0},
        "x": {"done": False},
    }


# --- _transcript ------------------------------------------------------------------------------


def test_an_exchange_reads_headers_in_any_case_and_its_latency():
    ex = _exchange(headers=[("Content-Type", "a"), ("content-type", "b")], sent_at=2.5)
    ex.received_at = 4.0
    assert ex.header("CONTENT-TYPE") == "a"
    assert ex.header("x") is None
    assert ex.latency == 1.5


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b'{"a": 1}', {"a": 1}), (b"[1]", None), (b"nope", None), (b"", None), (b"[" * 100_000, None)],
)
def test_json_object_is_the_body_only_when_it_is_a_json_object(body, expected):
    assert _exchange(body=body).json_object() == expected


def test_an_exchange_describes_itself_in_one_line():
    assert _exchange(index=3, status=204).describe() == f"#3 GET {BASE}/op/1 -> 204"
    failed = _exchange(index=4, status=None, error="ReadTimeout: slow")
    assert failed.describe() == f"#4 GET {BASE}/op/1 -> ReadTimeout: slow"


def test_the_transcript_numbers_exchanges_in_order():
    transcript = Transcript()
    first, second = _exchange(index=9), _exchange(index=9)
    assert transcript.add(first) is first
    transcript.add(second)
    assert [e.index for e in transcript] == [1, 2]
    assert len(transcript) == 2


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
    ex = _exchange(
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
    assert Redactor().exchange(_exchange())["error"] is None


@pytest.mark.parametrize(("size", "truncated"), [(2000, False), (2001, True)])
def test_an_excerpt_is_cut_at_two_thousand_characters(size, truncated):
    out = Redactor().exchange(_exchange(body=b"b" * size, truncated=False))
    assert (len(out["body"]), out["truncated"]) == (2000, truncated)
    assert Redactor().exchange(_exchange(truncated=True))["truncated"] is True


def test_an_excerpt_of_wide_characters_is_two_thousand_characters_whole():
    wide = "\U0001f600" * 2001
    out = Redactor(["s"]).exchange(_exchange(body=wide.encode()))
    assert out["body"] == wide[:2000]


def test_an_excerpt_shows_bytes_that_are_not_utf8_as_replacement_characters():
    assert Redactor().exchange(_exchange(body=b"\xff ok"))["body"] == "\ufffd ok"


def test_an_excerpt_reads_far_enough_to_redact_long_secrets():
    secret = "a" * 100
    out = Redactor([secret, "b"]).exchange(_exchange(body=(secret * 300).encode()))
    # 4 * (2000 + 100) bytes are read: 84 whole secrets.
    assert out["body"] == "[secret]" * 84


def test_log_records_are_written_without_secrets():
    record = logging.LogRecord("httpx", logging.INFO, "f", 1, "GET %s", ("/x?k=tok",), None)
    assert RedactingFilter(Redactor(["tok"])).filter(record) is True
    assert (record.msg, record.args) == ("GET /x?k=[secret]", ())


# --- _body ------------------------------------------------------------------------------------


class _Chunks(httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self):
        yield from self.chunks


def _response(chunks: list[bytes], encoding: str | None = None) -> httpx.Response:
    headers = {"Content-Encoding": encoding} if encoding else {}
    return httpx.Response(200, headers=headers, stream=_Chunks(chunks))


def _late() -> Exception:
    return RuntimeError("late")


def _read(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    return read_body(response, cap, time.monotonic() + 60, _late)


@pytest.mark.parametrize(
    ("cap", "expected"), [(7, (b"abcdef", False)), (6, (b"abcdef", False)), (5, (b"abcde", True))]
)
def test_a_body_is_read_up_to_its_cap(cap, expected):
    assert _read(_response([b"abc", b"def"]), cap) == expected


def test_a_body_past_the_deadline_raises_what_the_caller_gives():
    with pytest.raises(RuntimeError, match="late"):
        read_body(_response([b"abc", b"def"]), 100, time.monotonic() - 1, _late)
    # A body that reached its cap has ended: the deadline no longer matters.
    assert read_body(_response([b"abc"]), 2, time.monotonic() - 1, _late) == (b"ab", True)


def test_a_body_read_at_its_deadline_exactly_is_not_late(monkeypatch):
    monkeypatch.setattr(_body, "time", SimpleNamespace(monotonic=lambda: 100.0))
    assert read_body(_response([b"abc"]), 10, 100.0, _late) == (b"abc", False)
    with pytest.raises(RuntimeError):
        read_body(_response([b"abc"]), 10, 99.9, _late)


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", " GZIP ", "deflate"])
def test_a_compressed_body_is_inflated_within_its_cap(encoding):
    data = gzip.compress(b"x" * 100_000)
    assert _read(_response([data], encoding), 1000) == (b"x" * 1000, True)
    small = gzip.compress(b"hello")
    assert _read(_response([small[:5], small[5:12], small[12:]], encoding), 5) == (b"hello", False)


@pytest.mark.parametrize("split", [1, 3])
@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_is_inflated_with_or_without_its_zlib_header(wbits, split):
    # Split after one byte: too few to tell a header from none.
    packer = zlib.compressobj(wbits=wbits)
    data = packer.compress(b"hello deflate") + packer.flush()
    chunks = [data[:split], data[split:]]
    assert _read(_response(chunks, "deflate"), 100) == (b"hello deflate", False)


def _stored(body: bytes, wbits: int) -> bytes:
    """`body` deflated without compression (stored blocks): each input byte is one output byte."""
    packer = zlib.compressobj(level=0, wbits=wbits)
    return packer.compress(body) + packer.flush()


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS | 16, -zlib.MAX_WBITS], ids=["gzip", "raw"])
def test_inflating_never_runs_further_ahead_than_the_room_left(wbits):
    # A compressed bomb must not be inflated whole in memory: each step yields at most the
    # room left (and one byte when there is none, so that the end is seen). Raw deflate is
    # read by the second decoder, after the first found no header.
    chunks = list(_body._inflated(iter([_stored(b"abcdef", wbits)]), lambda: 1))
    assert [c for c in chunks if c] == [b"a", b"b", b"c", b"d", b"e", b"f"]


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS | 16, -zlib.MAX_WBITS], ids=["gzip", "raw"])
def test_inflating_stops_once_the_room_is_used_up(wbits):
    data = _stored(b"abcdefgh", wbits)
    out = bytearray()

    def room() -> int:
        return 3 - len(out)

    # Byte by byte: the first decoder needs two to tell that raw deflate has no header.
    for chunk in _body._inflated(iter(data[i : i + 1] for i in range(len(data))), room):
        out += chunk
    assert bytes(out) == b"abc"


def test_a_zlib_stream_broken_after_its_two_header_bytes_is_not_retried_as_raw_deflate():
    broken = b"\x78\x9c\xff" + b"\x00" * 8  # a sound zlib header, then no such block type
    with pytest.raises(httpx.DecodingError) as caught:
        _read(_response([broken[i : i + 1] for i in range(len(broken))], "deflate"), 100)
    assert str(caught.value) == (
        "the deflate body could not be inflated: "
        "Error -3 while decompressing data: invalid block type"
    )


def test_a_body_that_does_not_inflate_is_a_decoding_error():
    with pytest.raises(httpx.DecodingError) as caught:
        _read(_response([b"\xff not compressed"], "gzip"), 100)
    assert str(caught.value) == (
        "the gzip body could not be inflated: Error -3 while decompressing data: invalid block type"
    )


def test_a_compressed_body_broken_after_its_start_is_a_decoding_error():
    data = gzip.compress(bytes(range(256)) * 64)
    broken = data[:20] + b"\xff" * 40 + data[60:]
    with pytest.raises(httpx.DecodingError) as caught:
        _read(_response([broken[:20], broken[20:]], "gzip"), 100_000)
    # The gzip decoder's words: a broken later chunk is not retried as raw deflate.
    assert str(caught.value) == (
        "the gzip body could not be inflated: "
        "Error -3 while decompressing data: invalid bit length repeat"
    )


# --- _operations ------------------------------------------------------------------------------


def _submission(url: str | None) -> Submission:
    return Submission("success", _exchange(), status_url=None if url is None else httpx.URL(url))


def test_operations_are_numbered_as_accepted_and_unfollowed_ones_are_not():
    operations = Operations()
    operations.accepted(_submission(None))
    operations.accepted(_submission(f"{BASE}/op/1"))
    operations.accepted(_submission(f"{BASE}/op/2"))
    assert [(t.number, t.origin) for t in operations] == [(1, "cases"), (2, "cases")]
    assert len(operations) == 2


def test_operations_made_meanwhile_are_the_named_makers_until_it_ends():
    operations = Operations()
    with pytest.raises(KeyError), operations.made_by("probes"):
        operations.accepted(_submission(f"{BASE}/op/1"))
        with operations.made_by("retention"):
            operations.accepted(_submission(f"{BASE}/op/2"))
        operations.accepted(_submission(f"{BASE}/op/3"))
        raise KeyError
    operations.accepted(_submission(f"{BASE}/op/4"))
    assert [t.origin for t in operations] == ["probes", "retention", "probes", "cases"]


def test_reads_follow_their_operation_also_where_it_moved():
    operations = Operations()
    operations.accepted(_submission(f"{BASE}/op/1"))
    operations.accepted(_submission(f"{BASE}/op/2"))
    first, second = list(operations)
    operations.read(httpx.URL(f"{BASE}/op/1"), "a")
    operations.read(f"{BASE}/elsewhere", "lost")
    operations.moved(f"{BASE}/op/1", f"{BASE}/moved/1")
    operations.moved(f"{BASE}/op/2", f"{BASE}/op/1")  # already someone's: stays theirs
    operations.moved(f"{BASE}/unknown", f"{BASE}/op/9")
    operations.read(f"{BASE}/moved/1", "b")
    operations.read(f"{BASE}/op/1", "c")
    operations.read(f"{BASE}/op/9", "lost")
    assert (first.reads, second.reads) == (["a", "b", "c"], [])


def test_adopted_operations_are_numbered_after_this_ones():
    operations = Operations()
    operations.accepted(_submission(f"{BASE}/op/1"))
    others = [Traced(1, _submission(f"{BASE}/x/1"), "probes"), Traced(1, _submission(None))]
    operations.adopt(others)
    assert [(t.number, t.origin) for t in operations] == [(1, "cases"), (2, "probes"), (3, "cases")]


# --- _guard -----------------------------------------------------------------------------------

WINDOWS = {
    "polling": {"budget": 11, "delete_budget": 13, "request_timeout": 3},
    "retention": {"completed": 100, "timed_out": 50, "tolerance": 7},
}


def _description(**overrides):
    return parse({**CLASSIC, "base_url": BASE, **WINDOWS, **overrides}, "t").effective


def test_the_run_budget_is_derived_from_windows_and_budgets():
    # 2 * (100 + 7) + 4 * 11 + 13 + 30 * 3
    assert run_budget(_description()) == 361


def test_the_run_budget_counts_the_operation_timeout_where_windows_start_there():
    retention = {**WINDOWS["retention"], "timeout_anchor": "timeout", "operation_timeout": 80}
    # 2 * (50 + 80 + 7) + 4 * 11 + 13 + 30 * 3
    assert run_budget(_description(retention=retention)) == 421


def test_the_operation_timeout_counts_for_nothing_where_windows_start_at_submission():
    retention = {**WINDOWS["retention"], "timed_out": 200, "operation_timeout": 80}
    # 2 * (200 + 7) + 4 * 11 + 13 + 30 * 3
    assert run_budget(_description(retention=retention)) == 561


def test_a_run_budget_given_is_taken_as_it_is():
    polling = {**WINDOWS["polling"], "run_budget": 0.5}
    assert run_budget(_description(polling=polling)) == 0.5


def _guard(limit: int = 2) -> Guard:
    return Guard(_description(polling={**WINDOWS["polling"], "unanswered_limit": limit}))


def _get(path: str, method: str = "GET") -> httpx.Request:
    return httpx.Request(method, BASE + path)


def test_a_spent_run_budget_refuses_every_request():
    guard = _guard()
    assert guard.budget == 361
    assert 360 < guard.deadline - time.monotonic() <= 361
    assert guard.stopped is None and guard.refusal(_get("/op/1")) is None
    guard.deadline = time.monotonic() - 0.01
    words = "the run budget of 361 s is spent (polling.run_budget)"
    assert guard.stopped == words
    assert guard.refusal(_get("/op/1")) == words


def test_the_run_budget_is_spent_only_once_its_deadline_is_passed(monkeypatch):
    guard = _guard()
    monkeypatch.setattr(_guard_module, "time", SimpleNamespace(monotonic=lambda: guard.deadline))
    assert guard.stopped is None


def test_an_endpoint_at_the_root_is_named_by_its_method():
    guard = _guard(limit=1)
    guard.unanswered(_get("/x"), httpx.ReadTimeout("slow"))
    assert guard.refusal(_get("/y")) == (
        "GET /... stopped answering (1 request in a row got no answer: ReadTimeout); "
        "nothing more is sent there"
    )


def test_an_endpoint_is_given_up_after_the_limit_and_only_that_endpoint():
    guard = _guard(limit=2)
    assert guard.unanswered(_get("/op/1"), httpx.ReadTimeout("slow")) is True
    assert guard.refusal(_get("/op/2")) is None
    guard.unanswered(_get("/op/2"), httpx.ReadTimeout("slow"))
    assert guard.refusal(_get("/op/3")) == (
        "GET /op/... stopped answering (2 requests in a row got no answer: ReadTimeout); "
        "nothing more is sent there"
    )
    for other in (_get("/op/3", "POST"), _get("/other/1"), httpx.Request("GET", "https://b/op/1")):
        assert guard.refusal(other) is None
    assert guard.stopped is None


def test_an_answer_between_failures_resets_the_count():
    guard = _guard(limit=2)
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    guard.answered(_get("/op/2"))
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    assert guard.refusal(_get("/op/1")) is None


def test_an_answer_elsewhere_resets_the_target_but_not_the_endpoint():
    guard = _guard(limit=2)
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    guard.answered(_get("/fine/1"))
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    assert guard.stopped is None
    assert guard.refusal(_get("/op/1")).startswith("GET /op/... stopped answering (2 requests")


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")])
def test_the_target_is_given_up_when_connections_fail(error):
    guard = _guard(limit=1)
    request = httpx.Request("GET", "http://host.test:8080/op/1")
    assert guard.unanswered(request, error) is True
    words = (
        f"http://host.test:8080 stopped answering (1 request in a row got no answer: "
        f"{type(error).__name__}); nothing more is sent there"
    )
    assert guard.stopped == words
    assert guard.refusal(_get("/anything/else")) == words


def test_an_error_with_an_answer_of_sorts_counts_for_nothing():
    guard = _guard(limit=1)
    assert guard.unanswered(_get("/op/1"), httpx.RemoteProtocolError("reset")) is False
    assert guard.refusal(_get("/op/1")) is None


def test_the_words_keep_the_first_error_that_gave_an_endpoint_up():
    guard = _guard(limit=1)
    guard.unanswered(_get("/op/1"), httpx.ReadTimeout("slow"))
    guard.unanswered(_get("/op/1"), httpx.WriteTimeout("slow"))
    assert "got no answer: ReadTimeout)" in guard.refusal(_get("/op/1"))


def test_one_failure_below_the_limit_gives_nothing_up():
    guard = _guard(limit=3)
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    guard.unanswered(_get("/op/1"), httpx.ConnectError("refused"))
    assert guard.refusal(_get("/op/1")) is None
