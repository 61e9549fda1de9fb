"""The target's published OpenAPI document, loaded with Schemathesis.

Fetched through the driver (so the fetch is in the transcript and goes only where
the suite's credentials may go), or read from a file; then the operations the
suite drives are found in it by method and path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import schemathesis

from ..driver import Driver, Exchange

__all__ = ["Published", "load_published"]


@dataclass
class Published:
    """A loaded document: the Schemathesis schema, and where it came from."""

    schema: Any  # schemathesis.BaseSchema
    source: str
    exchange: Exchange | None = None  # the fetch, when it came from the target
    base_path: str = ""  # the target's base path, which the document's paths sit under

    def operation(self, method: str, url: str | httpx.URL) -> Any | None:
        """The document's operation for a request, matched by method and path template."""
        path = httpx.URL(str(url)).path
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path) :] or "/"
        for result in self.schema.get_all_operations():
            operation = result.ok()
            if operation is None or operation.method.upper() != method.upper():
                continue
            if _template(operation.path).fullmatch(path):
                return operation
        return None


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def load_published(driver: Driver, source: str, base_dir: Path) -> Published | str:
    """Load the document from the target or a file; else the problem, in words."""
    exchange = None
    if source.startswith(("http://", "https://", "/")):
        url = driver.on_target(source)
        if isinstance(url, str):
            return f"openapi = {source!r} {url}"
        if not driver.same_origin(url):
            return driver.off_origin("the OpenAPI document", source, url)
        exchange = driver.send("OpenAPI document", "GET", url)
        if exchange.error is not None or exchange.status != 200:
            return f"GET {url} answered {exchange.error or exchange.status}, not the document"
        text, where = exchange.body.decode("utf-8", errors="replace"), f"GET {url}"
    else:
        path = base_dir / source
        try:
            text, where = path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            return f"openapi = {source!r}: {exc.strerror or exc}"
    try:
        # An explicit configuration: a schemathesis.toml of the user's must not change this.
        schema = schemathesis.openapi.from_file(text, config=schemathesis.Config())
    except Exception as exc:  # Schemathesis refuses documents in many ways: report, not crash
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"{where} could not be loaded as OpenAPI: {type(exc).__name__}: {first}"
    base = httpx.URL(str(driver.client.base_url)).path.rstrip("/")
    return Published(schema, source, exchange, base)
