"""Where the target publishes its OpenAPI document: the paths servers usually use, or the one given.

Then the landing page's `service-desc` link (RFC 8631, as OGC API servers publish it).
Only the target's own origin is asked, each candidate once, through the driver (so the
requests are in the transcript and carry the user's headers). A candidate is taken when
it answers 200 with a JSON or YAML object that says `openapi` or `swagger`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from ..driver import Driver, Exchange, link

__all__ = ["CANDIDATES", "Found", "NotFound", "find_document"]

#: Where frameworks publish the document, the commonest first: FastAPI and most Python
#: servers; pygeoapi and other OGC servers; Swagger 2 servers; springdoc (v3) and
#: springfox (v2); ASP.NET's Swashbuckle; the YAML forms.
CANDIDATES = (
    "/openapi.json",
    "/openapi?f=json",
    "/swagger.json",
    "/v3/api-docs",
    "/v2/api-docs",
    "/swagger/v1/swagger.json",
    "/api-docs",
    "/openapi.yaml",
    "/openapi",
)
_ACCEPT = "application/json, application/vnd.oai.openapi+json, application/yaml;q=0.9"


@dataclass(frozen=True)
class Found:
    document: dict[str, Any]
    #: What the description's `openapi` key says: a path on the target, a URL, or a file.
    source: str
    exchange: Exchange | None = None
    file: bool = False  # read from a file: `source` is its absolute path


@dataclass(frozen=True)
class NotFound:
    problem: str
    tried: list[str] = field(default_factory=list)


def _parsed(text: str) -> dict[str, Any] | str:
    """The document as an object, or why it is not one."""
    try:
        value: Any = json.loads(text)
    except ValueError:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"neither JSON nor YAML ({first})"
    if not isinstance(value, dict):
        return f"a {type(value).__name__}, not an object"
    if "openapi" not in value and "swagger" not in value:
        return "an object without an `openapi` or `swagger` version"
    if not isinstance(value.get("paths", {}), dict):
        return "a document whose `paths` is not an object"
    return value


def _fetch(driver: Driver, url: httpx.URL) -> tuple[Exchange, dict[str, Any] | str]:
    exchange = driver.send("OpenAPI document", "GET", url, headers={"Accept": _ACCEPT})
    if exchange.error is not None:
        return exchange, exchange.error
    if exchange.status != 200:
        return exchange, f"answered {exchange.status}"
    if exchange.truncated:
        return exchange, (
            f"a document larger than {driver.description.polling.max_body_bytes} bytes, which "
            "is read no further: download it and pass --openapi=FILE"
        )
    return exchange, _parsed(exchange.body.decode("utf-8", errors="replace"))


def _given(driver: Driver, given: str, base_dir: Path) -> Found | NotFound:
    on_target = given.startswith(("http://", "https://")) or (
        given.startswith("/") and not Path(given).is_file()  # an absolute path to a file: read
    )
    if on_target:
        url = driver.on_target(given)
        if isinstance(url, str):
            return NotFound(f"--openapi {given!r} {url}")
        if not driver.same_origin(url):
            return NotFound(
                f"--openapi {given!r} is on another origin than the target; init reads "
                "documents from the target itself, or from a file: download it and pass "
                "--openapi=FILE"
            )
        exchange, parsed = _fetch(driver, url)
        if isinstance(parsed, str):
            return NotFound(f"GET {url}: {parsed}", [str(url)])
        return Found(parsed, given, exchange)
    path = base_dir / given
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = getattr(exc, "strerror", None) or str(exc)
        return NotFound(f"--openapi {given!r}: {problem}")
    parsed = _parsed(text)
    if isinstance(parsed, str):
        return NotFound(f"--openapi {given!r} is {parsed}")
    return Found(parsed, str(path.resolve()), file=True)


def find_document(driver: Driver, given: str | None, base_dir: Path) -> Found | NotFound:
    """The document the user gave, else the first candidate the target publishes."""
    if given is not None:
        return _given(driver, given, base_dir)
    base = httpx.URL(str(driver.client.base_url))
    prefix = base.path.rstrip("/")
    # Under the target's own path first (an API mounted at /api), then at the origin's root.
    places = [(c, c) for c in CANDIDATES]
    if prefix:
        places += [(c, str(base.copy_with(raw_path=c.encode()))) for c in CANDIDATES]
    tried: list[str] = []
    for source, where in places:
        url = driver.on_target(where)
        if isinstance(url, str):  # pragma: no cover - the candidates are fixed paths
            continue
        exchange, parsed = _fetch(driver, url)
        tried.append(f"{url} ({parsed if isinstance(parsed, str) else 'a document'})")
        if not isinstance(parsed, str):
            return Found(parsed, source if where == source else str(url), exchange)
        if exchange.no_answer:
            return NotFound("the target does not answer", tried)
    described = _service_desc(driver, tried)
    if described is not None:
        return described
    return NotFound("no OpenAPI document found on the target", tried)


def _service_desc(driver: Driver, tried: list[str]) -> Found | None:
    """The document the landing page links as its `service-desc` (RFC 8631; OGC API)."""
    landing = driver.send("landing page", "GET", "", headers={"Accept": "application/json"})
    # Of several (HTML and JSON forms), `link` takes the JSON one.
    href = link(landing.json_object(), landing.headers, "service-desc")
    tried.append(f"{landing.url} ({'a service-desc link' if href else 'no service-desc link'})")
    if not href:
        return None
    url = driver.on_target(href)
    if isinstance(url, str) or not driver.same_origin(url):
        tried.append(f"{href} (not on the target's origin: not fetched)")
        return None
    exchange, parsed = _fetch(driver, url)
    tried.append(f"{url} ({parsed if isinstance(parsed, str) else 'a document'})")
    if isinstance(parsed, str):
        return None
    base = str(driver.client.base_url).rstrip("/")
    source = str(url)[len(base) :] if str(url).startswith(base + "/") else str(url)
    return Found(parsed, source, exchange)
