"""Every HTTP exchange the suite makes, kept for verdicts and reports."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["Exchange", "RedactingFilter", "Redactor", "Transcript"]

#: Headers whose values never leave the process, whatever the user configured.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
EXCERPT_CHARS = 2000


@dataclass
class Exchange:
    """One request and what came back (or the transport error instead)."""

    index: int
    label: str
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    sent_at: float
    received_at: float = 0.0
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    error: str | None = None
    headers_dropped: int = 0  # answer headers past the caps: counted, not kept
    no_answer: bool = False  # no connection, or no answer within request_timeout
    body_dropped: int = 0  # bytes of a body let go after it was read (polling.keep_polls)
    #: An in-process app raised while answering: its traceback (the answer is the server's).
    app_traceback: str | None = None
    #: "setup", "teardown" or "cleanup": sent for the run's sake, never a verdict's evidence.
    role: str = ""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def latency(self) -> float:
        return self.received_at - self.sent_at

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body)

    def json_object(self) -> dict[str, Any] | None:
        try:
            value = self.json()
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None

    def describe(self) -> str:
        """One line for a failure message: `GET http://x/y -> 200`."""
        outcome = self.error if self.error else str(self.status)
        return f"#{self.index} {self.method} {self.url} -> {outcome}"


class Redactor:
    """Removes configured secrets and sensitive header values from what is written out."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Each secret also as it looks escaped in JSON, a Python repr or a URL; longest
        # first, so a secret that contains another is replaced whole.
        forms = {form for s in secrets if s for form in _forms(s)}
        self._secrets = sorted(forms, key=len, reverse=True)

    @property
    def active(self) -> bool:
        return bool(self._secrets)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, "[secret]")
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[list[str]]:
        return [
            [k, "[redacted]" if k.lower() in SENSITIVE_HEADERS else self.text(v)]
            for k, v in headers
        ]

    def exchange(self, exchange: Exchange) -> dict[str, Any]:
        def excerpt(body: bytes) -> str:
            # Redacted before it is cut: a secret across the cut would leave its first part.
            room = 4 * (EXCERPT_CHARS + max((len(s) for s in self._secrets), default=0))
            text = body[:room].decode("utf-8", errors="replace")
            return self.text(text)[:EXCERPT_CHARS]

        raised = exchange.app_traceback
        kept = {"app_traceback": self.text(raised)} if raised else {}
        if exchange.role:
            kept["role"] = exchange.role
        return {
            "index": exchange.index,
            "label": self.text(exchange.label),
            "method": exchange.method,
            "url": self.text(exchange.url),
            "request_headers": self.headers(exchange.request_headers),
            "request_body": excerpt(exchange.request_body),
            "sent_at": exchange.sent_at,
            "received_at": exchange.received_at,
            "status": exchange.status,
            "headers": self.headers(exchange.headers),
            "body": excerpt(exchange.body),
            "body_bytes": len(exchange.body) + exchange.body_dropped,
            "truncated": exchange.truncated or len(exchange.body) > EXCERPT_CHARS,
            "error": self.text(exchange.error) if exchange.error else None,
            "headers_dropped": exchange.headers_dropped,
            "body_dropped": exchange.body_dropped,
            **kept,
        }


def _forms(secret: str) -> set[str]:
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }


class RedactingFilter(logging.Filter):
    """Rewrites log records (httpx logs every URL at INFO) without the secrets."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = ()
        return True


class Transcript:
    """The ordered exchanges of one session; safe to append from several threads."""

    def __init__(self) -> None:
        self._exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def add(self, exchange: Exchange) -> Exchange:
        with self._lock:
            exchange.index = len(self._exchanges) + 1
            self._exchanges.append(exchange)
        return exchange

    def __iter__(self) -> Any:
        with self._lock:
            return iter(list(self._exchanges))

    def __len__(self) -> int:
        return len(self._exchanges)
