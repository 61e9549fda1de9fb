"""The requirement catalogue: every rule the suite judges, with a stable ID.

IDs are part of the public surface (CI scripts, reports and dashboards key on
them): never rename one; retire it and add a new one instead.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CATALOGUE",
    "DIALECT_DEFINES",
    "VENDOR_PAGE",
    "DialectSource",
    "Level",
    "Requirement",
    "UnknownRequirement",
    "cases_dir",
    "cited",
    "dialect_source",
    "get",
]


class Level(str, enum.Enum):
    MUST = "MUST"  # a violation is FAIL and fails the gate
    SHOULD = "SHOULD"  # a violation is WARN; fails the gate only with --strict
    INFO = "INFO"  # recorded, never fails


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    section: str
    title: str
    source: str


def _r(id: str, level: Level, section: str, title: str, source: str) -> Requirement:
    return Requirement(id, level, section, title, source)


_MUST, _SHOULD, _INFO = Level.MUST, Level.SHOULD, Level.INFO
_PAGE = "Vendor page 'Synchronous and Asynchronous Calls'"
#: The document the catalogue states its rules from: the default dialect's (cloudcenter) own.
VENDOR_PAGE = _PAGE

CATALOGUE: dict[str, Requirement] = {
    r.id: r
    for r in [
        # Submission
        _r(
            "SUBMIT-202",
            _MUST,
            "Submission",
            "An asynchronous call is accepted with 202 Accepted (or the codes the dialect "
            "declares), not with another code.",
            f"{_PAGE}, Asynchronous; RFC 9110 §15.3.3",
        ),
        _r(
            "SUBMIT-LOCATION",
            _MUST,
            "Submission",
            "The acceptance names the operation-status resource (in Location, or where the "
            "dialect says); a relative reference resolves against the request URI; another "
            "origin is followed only when allowed.",
            f"{_PAGE}, Asynchronous steps 1-2; RFC 9110 §10.2.2; RFC 3986 §5",
        ),
        _r(
            "SUBMIT-UNIQUE",
            _MUST,
            "Submission",
            "Each accepted submission has an operation id and status URL of its own, "
            "also when submissions run concurrently.",
            f"{_PAGE}, Operation ID Availability",
        ),
        _r(
            "SUBMIT-NONBLOCKING",
            _SHOULD,
            "Submission",
            "The 202 comes back before the work is done, not after it.",
            f"{_PAGE}, Asynchronous",
        ),
        _r(
            "SUBMIT-BODY",
            _SHOULD,
            "Submission",
            "A 202 body, when there is one, is JSON describing the operation's current status.",
            "RFC 9110 §15.3.3",
        ),
        # Status
        _r(
            "STATUS-200-JSON",
            _MUST,
            "Status",
            "GET on the status URL answers 200 (or a code the dialect declares) with a JSON "
            "object while the id is available.",
            f"{_PAGE}, Asynchronous step 2",
        ),
        _r(
            "STATUS-STATE-NAMES",
            _MUST,
            "Status",
            "The status field holds one of the dialect's state names, and nothing else.",
            f"{_PAGE}, Call States",
        ),
        _r(
            "STATUS-ID-MATCH",
            _MUST,
            "Status",
            "An operation id in the status body is the id of the status URL that returned it.",
            f"{_PAGE}, Operation ID Availability",
        ),
        _r(
            "STATUS-SAFE",
            _MUST,
            "Status",
            "Polling is safe: reading the status does not move the operation along.",
            "RFC 9110 §9.2.1",
        ),
        _r(
            "STATUS-DETAILS",
            _SHOULD,
            "Status",
            "While running, the status gives details (message, progress); progress stays "
            "within 0..100 and never goes down.",
            f"{_PAGE}, Asynchronous step 2",
        ),
        _r(
            "STATUS-MEDIA-TYPE",
            _SHOULD,
            "Status",
            "The acceptance and status bodies are labelled with a JSON media type "
            "(application/json, or a type ending in +json).",
            "RFC 8259 §11; RFC 9110 §8.3",
        ),
        _r(
            "STATUS-RETRY-AFTER",
            _INFO,
            "Status",
            "Retry-After on a 202 or a running status is honoured by the poller.",
            "RFC 9110 §10.2.3",
        ),
        # Transitions
        _r(
            "TRANS-MODEL",
            _MUST,
            "Transitions",
            "States move only from running to running or to a terminal state; a terminal "
            "state never changes while the id is available.",
            f"{_PAGE}, Call States",
        ),
        _r(
            "TRANS-OUTCOME",
            _MUST,
            "Transitions",
            "A scenario declared to succeed ends in the success state, one declared to fail "
            "in the failure state, within the operation budget: every accepted submission, "
            "also when several run at once.",
            f"{_PAGE}, Asynchronous step 3",
        ),
        # Result
        _r(
            "RESULT-URL",
            _MUST,
            "Result",
            "A successful operation names the resource it produced, and GET on that URL "
            "answers 2xx.",
            f"{_PAGE}, Asynchronous step 3",
        ),
        _r(
            "RESULT-FAILED-MSG",
            _SHOULD,
            "Result",
            "A failed operation says why in its message field.",
            f"{_PAGE}, Asynchronous step 2",
        ),
        # Synchronous calls
        _r(
            "SYNC-STATE",
            _MUST,
            "Synchronous calls",
            "A synchronous call answers 2xx with the real state in its body, and a resource "
            "created asynchronously can then be read synchronously.",
            f"{_PAGE}, Synchronous",
        ),
        # Delete
        _r(
            "DELETE-204",
            _MUST,
            "Delete",
            "DELETE answers 204 No Content, with no content.",
            f"{_PAGE}, introduction; RFC 9110 §15.3.5",
        ),
        _r(
            "DELETE-NO-CONTENT-LENGTH",
            _SHOULD,
            "Delete",
            "A 204 carries no Content-Length header.",
            "RFC 9110 §8.6",
        ),
        _r(
            "DELETE-GONE",
            _MUST,
            "Delete",
            "After the 204 the resource disappears within the delete budget: GET answers 404.",
            f"{_PAGE}, introduction (deleted in the background)",
        ),
        # Retention
        _r(
            "RETAIN-COMPLETED",
            _MUST,
            "Retention",
            "A completed operation, succeeded or failed, stays available for the completed "
            "window (default 5 minutes) after it completed.",
            f"{_PAGE}, Operation ID Availability",
        ),
        _r(
            "EXPIRE-COMPLETED",
            _MUST,
            "Retention",
            "Once the completed window and the tolerance have passed, the id is gone.",
            f"{_PAGE}, Operation ID Availability",
        ),
        _r(
            "RETAIN-TIMEOUT",
            _MUST,
            "Retention",
            "An operation that times out stays available for the timed-out window "
            "(default 1 hour), then is gone.",
            f"{_PAGE}, Operation ID Availability",
        ),
        _r(
            "EXPIRED-404",
            _MUST,
            "Retention",
            "An expired or never-issued id answers 404 (or 410 where allowed), never 2xx or 5xx.",
            f"{_PAGE}, Operation ID Availability; RFC 9110 §15.5.5",
        ),
        # Robustness
        _r(
            "ROBUST-SUBMIT",
            _MUST,
            "Robustness",
            "A malformed submission answers 4xx and starts no operation.",
            "RFC 9110 §15.5",
        ),
        _r(
            "SCHEMA-RESPONSES",
            _SHOULD,
            "Robustness",
            "Where the target publishes an OpenAPI document, its answers to the submission "
            "and the status reads match what the document says of them.",
            "OpenAPI 3.1 §4.8.16 (Responses Object)",
        ),
        _r(
            "ROBUST-IDS",
            _MUST,
            "Robustness",
            "A random or malformed operation id answers 404 or 400; nothing answers 5xx.",
            "RFC 9110 §15.5, §15.6",
        ),
        # The published contract: the OpenAPI document, read as written
        _r(
            "DOC-ACCEPTED",
            _SHOULD,
            "Published contract",
            "The published document gives the submission the acceptance code the dialect "
            "declares (202, or the dialect's codes).",
            "OpenAPI 3.1 §4.8.16 (Responses Object); Azure OpenAPI validator, "
            "LongRunningResponseStatusCode (R2005)",
        ),
        _r(
            "DOC-MONITOR",
            _SHOULD,
            "Published contract",
            "The documented acceptance names where the status monitor is: the header "
            "(Location, Operation-Location, ...) or the field the dialect reads it from.",
            "Azure OpenAPI validator, LroLocationHeader (ARM RPC-Async-V1-07); OpenAPI 3.1 "
            "§4.8.17 (Response Object, headers)",
        ),
        _r(
            "DOC-STATES",
            _SHOULD,
            "Published contract",
            "The status read's documented schema has the dialect's state field, with an enum "
            "of the dialect's state names and no others.",
            "Azure API style guide (Spectral ruleset), az-lro-response-schema; OpenAPI 3.1 "
            "§4.8.24 (Schema Object)",
        ),
        _r(
            "DOC-DELETE-204",
            _SHOULD,
            "Published contract",
            "A documented DELETE of what the operation made answers 204 with no content.",
            f"{_PAGE}, introduction; Azure API style guide (Spectral ruleset), "
            "az-delete-204-response",
        ),
        _r(
            "DOC-JSON",
            _SHOULD,
            "Published contract",
            "The acceptance's body and the status read's are documented with a JSON media type.",
            "OpenAPI 3.1 §4.8.14 (Media Type Object); RFC 8259",
        ),
        _r(
            "DOC-ERRORS",
            _SHOULD,
            "Published contract",
            "The submission and the status read document their error answers (a 4XX, 5XX or "
            "default answer).",
            "Azure API style guide (Spectral ruleset), az-default-response; Azure OpenAPI "
            "validator, LroErrorContent",
        ),
    ]
}


#: What a dialect defines of a rule: its codes, its header, its fields, its state names. Where a
#: run's dialect follows a document of its own, that document is the rule's first source; the
#: vendor page states the same rule for its own product. The other rules (safety, media types,
#: deletion, retention windows, bad input) are the catalogue's alone: no built-in dialect sets
#: them (a dialect that has no part of them lists them in `not_applicable`).
DIALECT_DEFINES: dict[str, str] = {
    "SUBMIT-202": "its acceptance codes",
    "SUBMIT-LOCATION": "where the acceptance names the status resource",
    "STATUS-200-JSON": "its status codes",
    "STATUS-STATE-NAMES": "its state names",
    "STATUS-ID-MATCH": "its operation id field",
    "STATUS-DETAILS": "its message and progress fields",
    "TRANS-MODEL": "which of its states run and which end",
    "TRANS-OUTCOME": "its success and failure states",
    "RESULT-URL": "where a success names its result",
    "RESULT-FAILED-MSG": "the field that says why an operation failed",
}


@dataclass(frozen=True)
class DialectSource:
    """The document of a run's dialect, where it defines part of a requirement."""

    dialect: str  # the dialect's name
    document: str  # its `source`
    defines: str  # what of the rule it defines (DIALECT_DEFINES)

    def as_dict(self) -> dict[str, str]:
        return {"dialect": self.dialect, "document": self.document, "defines": self.defines}


def dialect_source(requirement_id: str, dialect: str, document: str) -> DialectSource | None:
    """The dialect's document for this requirement: None where the dialect defines nothing of
    it, names no document, or follows the vendor page itself (cloudcenter)."""
    defines = DIALECT_DEFINES.get(requirement_id)
    if defines is None or not document.strip() or document.strip() == VENDOR_PAGE:
        return None
    return DialectSource(dialect, document.strip(), defines)


def cited(source: str, dialect: DialectSource | None) -> str:
    """A requirement's source line: the catalogue's `source`, or, where the dialect defines the
    rule, the dialect's document first and the vendor page as stating it for its own product."""
    if dialect is None:
        return source
    parts = source.split("; ")
    general = [part for part in parts if not part.startswith(VENDOR_PAGE)]
    vendor = [part.removeprefix(VENDOR_PAGE).lstrip(", ") for part in parts if part not in general]
    line = f"{dialect.document}, for {dialect.defines} (dialect {dialect.dialect})"
    if vendor:
        page = VENDOR_PAGE[0].lower() + VENDOR_PAGE[1:]
        line += f"; as the {page} states it for its own product: {'; '.join(vendor)}"
    return "; ".join([line, *general])


class UnknownRequirement(LookupError):
    def __init__(self, requirement_id: str) -> None:
        close = difflib.get_close_matches(requirement_id, CATALOGUE, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        super().__init__(
            f"unknown requirement id {requirement_id!r}.{hint} "
            "`pytest --list-requirements` prints the catalogue."
        )


def get(requirement_id: str) -> Requirement:
    try:
        return CATALOGUE[requirement_id]
    except KeyError:
        raise UnknownRequirement(requirement_id) from None


#: The installed package: a wheel holds the cases in `_cases` inside it, a checkout beside it.
_PACKAGE = Path(__file__).resolve().parent


def cases_dir() -> Path:
    """The conformance cases, which cover the catalogue: inside the installed package, or
    beside it in a checkout."""
    for candidate in (_PACKAGE / "_cases", _PACKAGE.parent / "cases"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the conformance cases are missing from this installation")
