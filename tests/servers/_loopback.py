"""Serving a test server's handler on 127.0.0.1 in a thread: the plumbing every one shares."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["serve"]


class _LoopbackServer(ThreadingHTTPServer):
    request_queue_size = 64  # the stdlib's 5 resets bursts of concurrent clients
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:  # quiet
        pass


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free port of 127.0.0.1; yields the base URL and stops on exit."""
    server = _LoopbackServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
