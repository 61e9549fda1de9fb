"""The target's published OpenAPI document, loaded with Schemathesis.

Fetched through the driver (so the fetch is in the transcript and goes only where
the suite's credentials may go), or read from a file; then the operations the
suite drives are found in it by method and path.

The document is read alone. A `$ref` into another document (a schema published on
another host, a file beside it) is not followed: Schemathesis would fetch it itself,
outside the driver, from any host the document names. Such a reference is replaced,
before Schemathesis sees the document, by one that resolves nowhere; Schemathesis then
reports the operations that need it as operations it could not load (as its CLI lists
them under "errors"), and the suite uses the rest of the document. What could not be
loaded, and the other documents not fetched, are said once, in `Published.unloaded`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import schemathesis

from ..driver import Driver, Exchange

__all__ = ["NOT_FETCHED", "Published", "Unloaded", "cut_elsewhere", "grouped", "load_published"]

#: Where a reference into another document points instead: nowhere in the document.
_NOWHERE = "#/x-async-conformance-not-fetched/"
_CUT = re.compile(re.escape(_NOWHERE) + r"(\d+)")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Unloaded:
    """A part of the document that could not be used, and why.

    `part` is an operation (`POST /jobs`), a whole path (`/jobs`: every method under it),
    or one documented answer of an operation (`GET /jobs/{id}, answer 200`).
    """

    part: str
    reason: str
    #: The reason is a reference into another document, which the suite does not fetch.
    elsewhere: bool = False


@dataclass
class Published:
    """A loaded document: the Schemathesis schema, and where it came from."""

    schema: Any  # schemathesis.BaseSchema
    source: str
    exchange: Exchange | None = None  # the fetch, when it came from the target
    base_path: str = ""  # the target's base path, which the document's paths sit under
    #: The references into other documents that were cut out, by their number.
    elsewhere: tuple[str, ...] = ()
    _operations: list[Any | Unloaded] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        # Schemathesis yields an operation it could load as Ok, one it could not as Err
        # (with the path, the method when known, and its reason).
        for result in self.schema.get_all_operations():
            if hasattr(result, "ok"):
                self._operations.append(result.ok())
                continue
            error = result.err()
            path, method = getattr(error, "path", None), getattr(error, "method", None)
            part = f"{method.upper()} {path}" if method and path else (path or "the document")
            message = str(getattr(error, "message", error))
            refs = [self.elsewhere[int(n)] for n in _CUT.findall(message)]
            if refs:
                self._operations.append(Unloaded(part, _refers(refs), elsewhere=True))
            else:
                self._operations.append(Unloaded(part, _schemathesis_reason(error, message)))

    @property
    def unloaded(self) -> list[Unloaded]:
        """Every part of the document that cannot be used, in document order: the operations
        Schemathesis could not load, and the requests and answers of the others that refer
        to another document."""
        parts: list[Unloaded] = []
        for operation in self._operations:
            if isinstance(operation, Unloaded):
                parts.append(operation)
                continue
            if request := self.request_unloaded(operation):
                parts.append(request)
            responses = _raw(operation).get("responses")
            for key, answer in responses.items() if isinstance(responses, dict) else ():
                if part := self._answer(operation, str(key), answer):
                    parts.append(part)
        return parts

    def find(self, method: str, url: str | httpx.URL) -> Any | Unloaded | None:
        """The document's operation for a request, by method and path template: the one
        Schemathesis loaded, the `Unloaded` part standing in for it, or None if undocumented."""
        path = httpx.URL(str(url)).path
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path) :] or "/"
        for operation in self._operations:
            if isinstance(operation, Unloaded):
                method_of, _, template = operation.part.rpartition(" ")
                if method_of and method_of != method.upper():
                    continue
            elif operation.method.upper() == method.upper():
                template = operation.path
            else:
                continue
            if _template(template).fullmatch(path):
                return operation
        return None

    def operation(self, method: str, url: str | httpx.URL) -> Any | None:
        """The loaded operation for a request; None if undocumented or not loaded."""
        found = self.find(method, url)
        return None if isinstance(found, Unloaded) else found

    def answer_unloaded(self, operation: Any, status: int) -> Unloaded | None:
        """Why the answer `operation` documents for `status` cannot be judged, if it cannot.

        Schemathesis loads an operation whose answer schemas refer to another document,
        and then lets every answer through unchecked: that is no judgement.
        """
        responses = _raw(operation).get("responses")
        if not isinstance(responses, dict):
            return None
        keys = (str(status), f"{status // 100}XX", f"{status // 100}xx", "default")
        key = next((key for key in keys if key in responses), None)
        return None if key is None else self._answer(operation, key, responses[key])

    def _answer(self, operation: Any, key: str, answer: Any) -> Unloaded | None:
        refs = self._cut_below(answer)
        if not refs:
            return None
        return Unloaded(f"{operation.label}, answer {key}", _refers(refs), elsewhere=True)

    def request_unloaded(self, operation: Any) -> Unloaded | None:
        """Why the requests `operation` documents cannot be generated from it, if they cannot."""
        raw = _raw(operation)
        paths = self.schema.raw_schema.get("paths")
        item = paths.get(operation.path) if isinstance(paths, dict) else None
        shared = item.get("parameters") if isinstance(item, dict) else None  # the path's own
        refs = self._cut_below([shared, raw.get("parameters"), raw.get("requestBody")])
        if not refs:
            return None
        return Unloaded(f"{operation.label}, its request", _refers(refs), elsewhere=True)

    def _cut_below(self, node: Any) -> list[str]:
        """The cut references `node` reaches, following the document's own references."""
        root = self.schema.raw_schema
        found: list[str] = []
        seen: set[str] = set()
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                ref = item.get("$ref")
                if isinstance(ref, str) and ref not in seen:
                    seen.add(ref)
                    cut = _CUT.fullmatch(ref)
                    if cut:
                        found.append(self.elsewhere[int(cut.group(1))])
                    else:
                        stack.append(_pointer(root, ref))
                stack.extend(v for k, v in item.items() if k != "$ref")
        return found


def grouped(parts: Iterable[Unloaded], explain: bool = True) -> str:
    """Parts and their reasons, each reason said once: 'GET /a, GET /b: refers to …'; with
    `explain`, why the suite did not fetch the other documents named, once at the end."""
    by_reason: dict[str, list[str]] = {}
    elsewhere = False
    for part in parts:
        names = by_reason.setdefault(part.reason, [])
        if part.part not in names:
            names.append(part.part)
        elsewhere = elsewhere or part.elsewhere
    said = "; ".join(
        ", ".join(names[:6])
        + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        + f": {reason}"
        for reason, names in by_reason.items()
    )
    return f"{said} ({NOT_FETCHED})" if elsewhere and explain else said


#: Why a reference into another document was not followed.
NOT_FETCHED = (
    "the suite fetches no other document: it reads the named document alone "
    "and sends requests only to the target"
)


def _refers(refs: list[str]) -> str:
    documents = list(dict.fromkeys(ref.split("#", 1)[0] or ref for ref in refs))
    return "refers to " + ", ".join(documents[:3]) + (", …" if len(documents) > 3 else "")


def _schemathesis_reason(error: BaseException, message: str) -> str:
    """Schemathesis's reason on one line: 'Unresolvable reference in the schema (Reference: …)'."""
    lines = [line.strip() for line in message.splitlines()]
    lines = [line for line in lines if line and line != "Error details:"]
    if not lines:
        return type(error).__name__
    return lines[0] + (f" ({'; '.join(lines[1:])})" if len(lines) > 1 else "")


def _raw(operation: Any) -> dict[str, Any]:
    """The operation's own definition in the document, as written."""
    raw = getattr(getattr(operation, "definition", None), "raw", None)
    return raw if isinstance(raw, dict) else {}


def _pointer(root: Any, ref: str) -> Any:
    """What a reference inside the document names (None where it names nothing)."""
    if not ref.startswith("#"):
        return None
    node = root
    for token in ref[1:].split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def cut_elsewhere(document: Any) -> tuple[Any, tuple[str, ...]]:
    """The document with each reference into another document pointed nowhere, and those
    references, numbered as the pointers that replace them."""
    elsewhere: dict[str, int] = {}
    cut = copy.deepcopy(document)
    stack = [cut]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                number = elsewhere.setdefault(ref, len(elsewhere))
                item["$ref"] = f"{_NOWHERE}{number}"
            stack.extend(item.values())
    return cut, tuple(elsewhere)


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
    return _loaded(text, where, source, exchange, driver)


def _loaded(
    text: str, where: str, source: str, exchange: Exchange | None, driver: Driver
) -> Published | str:
    # An explicit configuration: a schemathesis.toml of the user's must not change this.
    config = schemathesis.Config()
    try:
        # Parsed by Schemathesis (YAML or JSON, its way), then loaded again with every
        # reference into another document cut out, before anything resolves one.
        parsed = schemathesis.openapi.from_file(text, config=config).raw_schema
        document, elsewhere = cut_elsewhere(parsed)
        schema = schemathesis.openapi.from_dict(document, config=config)
        base = httpx.URL(str(driver.client.base_url)).path.rstrip("/")
        return Published(schema, source, exchange, base, elsewhere)
    except Exception as exc:  # Schemathesis refuses documents in many ways: report, not crash
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"{where} could not be loaded as OpenAPI: {type(exc).__name__}: {first}"
