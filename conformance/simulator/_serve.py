"""Serving an ASGI app over real HTTP on loopback: for `serve`, the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Literal

import uvicorn
from starlette.types import ASGIApp

__all__ = ["serve_in_thread"]


@contextlib.contextmanager
def serve_in_thread(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    lifespan: Literal["auto", "on", "off"] = "off",
    **tls: Any,
) -> Iterator[str]:
    """Run `app` with uvicorn in a background thread; yields its base URL, stops on exit.

    `lifespan`: uvicorn's setting ("auto" runs an app's startup and shutdown). `tls`:
    uvicorn's ssl_* settings (ssl_certfile, ssl_keyfile, ssl_ca_certs, ssl_cert_reqs),
    to serve HTTPS.
    """
    # IPPROTO_TCP explicitly: asyncio turns on TCP_NODELAY only for sockets that say so,
    # and without it every response waits out the peer's delayed ACK (about 40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Idle connections are kept a minute, not uvicorn's 5 s: on a busy machine a client may
    # reuse one just as the server closes it, and each such request has to go twice.
    config = uvicorn.Config(
        app, log_level="warning", lifespan=lifespan, timeout_keep_alive=60, **tls
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server on {host}:{port} did not start")
        time.sleep(0.01)
    try:
        scheme = "https" if tls.get("ssl_certfile") else "http"
        yield f"{scheme}://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
