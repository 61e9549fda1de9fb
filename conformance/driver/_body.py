"""Reading an answer's body within a byte cap and a deadline, compressed or not.

httpx inflates each network read whole before the caller sees it: a gzip bomb's
64 KiB read becomes 64 MiB at once, whatever cap the caller has. So gzip and deflate
bodies are read raw here and inflated with zlib's `max_length`, which never makes
more than the cap asks for. Other encodings are left to httpx.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator

import httpx

__all__ = ["read_body"]

#: zlib's window bits that take a gzip or a zlib header, whichever comes.
_AUTO = zlib.MAX_WBITS | 32


def _inflated(raw: Iterator[bytes], room: Callable[[], int]) -> Iterator[bytes]:
    """Inflate `raw` (gzip, zlib, or raw deflate), never more than `room()` bytes ahead."""
    decoder = zlib.decompressobj(_AUTO)
    # The bytes given so far, until two of them tell a gzip or zlib header from none: a body
    # whose first chunk is one byte is still read whole when it turns out raw deflate.
    head: bytes | None = b""
    for chunk in raw:
        data = chunk
        while data:
            try:
                out = decoder.decompress(data, max(room(), 1))
            except zlib.error:
                if head is None:
                    raise
                decoder = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate without a header
                data = head + data
                out = decoder.decompress(data, max(room(), 1))
            head = head + data if head is not None and len(head + data) < 2 else None
            yield out
            if room() <= 0:
                return
            data = decoder.unconsumed_tail


def read_body(
    response: httpx.Response, cap: int, deadline: float, timed_out: Callable[[], Exception]
) -> tuple[bytes, bool]:
    """The body up to `cap` bytes (decoded), and whether there was more."""
    body = bytearray()
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        chunks: Iterator[bytes] = _inflated(response.iter_raw(), lambda: cap + 1 - len(body))
    else:
        chunks = response.iter_bytes()
    try:
        for chunk in chunks:
            body += chunk
            if len(body) > cap:
                del body[cap:]
                return bytes(body), True
            if time.monotonic() > deadline:
                raise timed_out()
    except zlib.error as exc:
        raise httpx.DecodingError(f"the {encoding} body could not be inflated: {exc}") from None
    return bytes(body), False
