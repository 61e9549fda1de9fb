"""Reading a body (`driver/_body.py`): the caps, compressed bodies, and bodies sent in parts."""

from __future__ import annotations

import gzip
import json
import time
import zlib
from types import SimpleNamespace

import httpx
import pytest
import respx

from conformance.clock import VirtualClock
from conformance.description import parse
from conformance.driver import (
    Driver,
    _body,
)
from conformance.driver._body import read_body
from tests.support.driving import (
    BASE,
    make_driver,
)


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


def _stored(body: bytes, wbits: int) -> bytes:
    """`body` deflated without compression (stored blocks): each input byte is one output byte."""
    packer = zlib.compressobj(level=0, wbits=wbits)
    return packer.compress(body) + packer.flush()


def test_a_compressed_body_is_inflated_only_one_byte_past_its_cap(monkeypatch):
    # A gzip bomb is inflated only as far as the cap needs (one byte more tells that there
    # was more), also when the first raw chunk inflates to less than the cap.
    inflated: list[int] = []
    real = _body._inflated

    def counted(raw, room):
        for out in real(raw, room):
            inflated.append(len(out))
            yield out

    monkeypatch.setattr(_body, "_inflated", counted)
    packer = zlib.compressobj(level=0, wbits=zlib.MAX_WBITS | 16)
    data = packer.compress(b"x" * 10_000) + packer.flush()
    chunks = _Chunks([data[:300], data[300:]])
    response = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=chunks)
    body, more = _body.read_body(response, 1000, time.monotonic() + 60, RuntimeError)
    assert (body, more) == (b"x" * 1000, True)
    assert inflated[0] < 1000  # the first chunk alone did not reach the cap
    assert sum(inflated) == 1001


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


@respx.mock
def test_body_reading_stops_at_the_cap():
    chunks = 0

    def endless():
        nonlocal chunks
        while True:
            chunks += 1
            yield b"y" * 1024

    respx.get(f"{BASE}/endless").mock(return_value=httpx.Response(200, content=endless()))
    driver, _ = make_driver(polling={"max_body_bytes": 4096})
    exchange = driver.send("endless", "GET", "/endless")
    assert exchange.truncated and len(exchange.body) == 4096
    assert chunks <= 6


@pytest.mark.slow  # a loopback server sends the bomb compressed, over a real connection
def test_a_gzip_bomb_is_inflated_only_as_far_as_the_cap():
    import tracemalloc
    from http.server import BaseHTTPRequestHandler

    from tests.servers._loopback import serve

    bomb = gzip.compress(b"{" + b" " * 50_000_000 + b"}", compresslevel=9)

    class Bomb(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(bomb)))
            self.end_headers()
            self.wfile.write(bomb)

        def log_message(self, *args: object) -> None:
            pass

    with serve(Bomb) as url:
        description = parse({"polling": {"max_body_bytes": 65_536}}, "test").effective
        with httpx.Client(base_url=url) as client:
            driver = Driver(client, description, VirtualClock())
            tracemalloc.start()
            exchange = driver.send("bomb", "GET", "/bomb")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert exchange.truncated and len(exchange.body) == 65_536
    assert peak < 5_000_000, f"{peak / 1e6:.1f} MB held while reading a 50 MB bomb"


@respx.mock
def test_a_gzip_body_within_the_cap_reads_whole():

    body = json.dumps({"status": "RUNNING", "pad": "x" * 100_000}).encode()
    respx.get(f"{BASE}/z").respond(
        200, content=gzip.compress(body), headers={"Content-Encoding": "gzip"}
    )
    driver, _ = make_driver()
    exchange = driver.send("z", "GET", "/z")
    assert not exchange.truncated and exchange.body == body
