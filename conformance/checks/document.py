"""The published contract, linted: what the OpenAPI document says of the asynchronous lifecycle.

Judged from the document alone, as written (`openapi._raw`): nothing here sends a request
beyond the document's own fetch. A PASS cites the JSON Pointers it read (and the fetch);
a FAIL names the pointer and what is missing there. A part that lives in another
document, which the suite never fetches, cannot be judged: SKIP, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..description import Description
from ..driver import Exchange
from ..openapi import (
    NOT_FETCHED,
    Part,
    Published,
    enum_values,
    json_media,
    operation_at,
    pointer,
    property_at,
    responses,
)
from ..verdicts import Blocked, ConformanceFailure, Inconclusive, NotDescribed, NotObserved, cite
from ._common import codes

__all__ = [
    "Contract",
    "acceptance_documented",
    "delete_documented",
    "disagreement",
    "documented_acceptance",
    "errors_documented",
    "json_documented",
    "monitor_disagreement",
    "monitor_documented",
    "states_documented",
    "usable",
]

_ELSEWHERE = "x-async-conformance-not-fetched"


def usable(published: Published | str | None) -> Published:
    """The loaded document, or why the cases that read it cannot run."""
    if published is None:
        raise NotDescribed(
            "the description names no OpenAPI document (openapi = '/openapi.json' or a file)"
        )
    if isinstance(published, str):
        raise Blocked(f"the OpenAPI document could not be used: {published}")
    return published


@dataclass(frozen=True)
class Contract:
    """The document as written, where it came from, and the submission it documents."""

    document: dict[str, Any]
    source: str
    exchange: Exchange | None
    method: str
    path: str

    @classmethod
    def of(cls, published: Published, description: Description) -> Contract:
        spec = description.scenarios.get("success")
        if spec is None:
            raise NotDescribed("the target description has no [scenarios.success]")
        raw = published.schema.raw_schema
        return cls(raw, published.source, published.exchange, spec.method, spec.path)

    def held(self, what: str, pointers: list[str]) -> None:
        """A PASS: what the document says, at which pointers, shown by its fetch."""
        shown = ", ".join(dict.fromkeys(pointers))
        if self.exchange is not None:
            cite(f"{what} ({shown})", [self.exchange])
        else:
            cite(f"{what} ({shown}, in {self.source})", [], file=self.source)

    def failed(
        self, requirement: str, observed: str, expected: str, hint: str
    ) -> ConformanceFailure:
        exchanges = [self.exchange] if self.exchange is not None else []
        return ConformanceFailure(requirement, observed, expected, exchanges, hint)

    @property
    def submission(self) -> tuple[str, Part]:
        found = operation_at(self.document, self.method, self.path)
        if found is None:
            raise NotObserved(
                f"the document has no {self.method} {self.path.split('?')[0]} (the success "
                "scenario's request); SCHEMA-RESPONSES says so"
            )
        return found


def disagreement(published: Published | str | None, description: Description, status: int) -> str:
    """Where the document gives the submission 2xx answers and not the code the server sent:
    the words to add to the live requirement's evidence (else "")."""
    if not isinstance(published, Published) or "success" not in description.scenarios:
        return ""
    contract = Contract.of(published, description)
    found = operation_at(contract.document, contract.method, contract.path)
    if found is None:
        return ""
    template, op = found
    documented = [c for c in responses(contract.document, op) if c.startswith("2")]
    if not documented or str(status) in documented or f"{status // 100}XX" in documented:
        return ""
    return (
        f"; the document gives {contract.method} {template} {', '.join(documented)} "
        f"({op.at}/responses), not {status}"
    )


#: The headers documents name a status monitor in.
MONITOR_HEADERS = ("Operation-Location", "Azure-AsyncOperation", "Location")


def monitor_disagreement(
    published: Published | str | None, description: Description, answer: Exchange
) -> str:
    """Where the document names the monitor in a header the server's acceptance did not
    have: the words to add to the live requirement's evidence (else "")."""
    if not isinstance(published, Published) or "success" not in description.scenarios:
        return ""
    contract = Contract.of(published, description)
    if operation_at(contract.document, contract.method, contract.path) is None:
        return ""
    missing = []
    for _, documented in documented_acceptance(contract, description):
        for name in MONITOR_HEADERS:
            at = _header_at(documented, name)
            if at is not None and answer.header(name) is None:
                missing.append(f"{name} ({at})")
    if not missing:
        return ""
    return f"; the document names the monitor in {', '.join(missing)}, which the answer lacked"


def _elsewhere(node: Any) -> bool:
    """Whether a part is (or refers to) a part of another document, not fetched."""
    return _ELSEWHERE in repr(node)


def _judgeable(part: Part, what: str) -> None:
    if _elsewhere(part.node):
        raise NotObserved(f"{what} ({part.at}) is in another document: {NOT_FETCHED}")


def documented_acceptance(contract: Contract, description: Description) -> list[tuple[int, Part]]:
    """The answers the document gives the submission for the dialect's acceptance codes."""
    _, op = contract.submission
    answers = responses(contract.document, op)
    found = []
    for code in description.dialect.accepted_status:
        key = str(code) if str(code) in answers else f"{code // 100}XX"
        if key in answers:
            found.append((code, answers[key]))
    return found


def acceptance_documented(contract: Contract, description: Description) -> None:
    """DOC-ACCEPTED: the submission documents one of the dialect's acceptance codes."""
    template, op = contract.submission
    found = documented_acceptance(contract, description)
    accepted = description.dialect.accepted_status
    if not found:
        listed = ", ".join(responses(contract.document, op)) or "no answer"
        raise contract.failed(
            "DOC-ACCEPTED",
            observed=f"{contract.method} {template} documents {listed} ({op.at}/responses)",
            expected=f"{codes(accepted)} (the dialect's acceptance) among its answers",
            hint="Document the answer that accepts the work, with the code your server sends.",
        )
    shown = ", ".join(str(code) for code, _ in found)
    contract.held(f"{contract.method} {template} documents {shown}", [p.at for _, p in found])


def _monitor_at(contract: Contract, answer: Part, source: str) -> str | None:
    """Where the documented answer names the status monitor the dialect reads, if it does."""
    kind, _, argument = source.partition(":")
    if kind == "header":
        return _header_at(answer, argument)
    media = json_media(contract.document, answer, contract.submission[1].node.get("produces"))
    if media is None:
        return None
    field = "links" if kind == "link" else argument
    found = property_at(contract.document, media[1], field)
    if found is None and kind == "link":
        return _header_at(answer, "Link")
    return None if found is None else found.at


def _header_at(answer: Part, wanted: str) -> str | None:
    """The pointer of a header the answer documents, whatever its case."""
    node = answer.node if isinstance(answer.node, dict) else {}
    headers = node.get("headers")
    for name in headers if isinstance(headers, dict) else {}:
        if str(name).lower() == wanted.lower():
            return f"{answer.at}/headers/{pointer(str(name))[1:]}"
    return None


def monitor_documented(contract: Contract, description: Description) -> None:
    """DOC-MONITOR: the acceptance documents the header or field that names the monitor."""
    sources = [s for s in description.dialect.status_url_sources if not s.startswith("template:")]
    if not sources:
        raise NotObserved(
            "the dialect builds the status URL from a template "
            f"({description.dialect.status_url_text}): no header or field names it"
        )
    found = documented_acceptance(contract, description)
    if not found:
        raise NotObserved("the document gives the submission no acceptance (DOC-ACCEPTED)")
    pointers: list[str] = []
    missing: list[str] = []
    for code, answer in found:
        _judgeable(answer, f"the {code} answer")
        at = next((a for s in sources if (a := _monitor_at(contract, answer, s))), None)
        (pointers if at else missing).append(at or answer.at)
    if missing:
        raise contract.failed(
            "DOC-MONITOR",
            observed=f"{', '.join(missing)} names no status monitor",
            expected=f"the answer documents {description.dialect.status_url_text}",
            hint="Document the header (or field) your server names the status resource in.",
        )
    contract.held("the acceptance documents where its status monitor is named", pointers)


@dataclass(frozen=True)
class Read:
    """A documented GET whose 200 answer has the dialect's state field."""

    template: str
    answer: Part  # its documented 200 answer
    media: str  # the JSON media type it is documented with
    schema: Part  # that answer's JSON schema
    state: Part  # the state field's schema


def status_reads(contract: Contract, description: Description) -> list[Read]:
    """The documented GETs whose 200 answer has the dialect's state field."""
    field = description.dialect.status_field
    found = []
    for template, item in (contract.document.get("paths") or {}).items():
        op = item.get("get") if isinstance(item, dict) and "{" in str(template) else None
        if not isinstance(op, dict):
            continue
        at = pointer("paths", str(template), "get")
        answer = responses(contract.document, Part(op, at)).get("200")
        media = json_media(contract.document, answer, op.get("produces")) if answer else None
        state = property_at(contract.document, media[1], field) if media else None
        if answer is not None and media is not None and state is not None:
            found.append(Read(str(template), answer, media[0], media[1], state))
    return found


def _reads(contract: Contract, description: Description) -> list[Read]:
    dialect = description.dialect
    if not dialect.status_field:
        raise NotObserved(
            "the dialect tells the state by "
            + ("its done field" if dialect.done else "the HTTP code")
            + ", not by a state name"
        )
    reads = status_reads(contract, description)
    if not reads:
        raise NotObserved(
            f"no GET in the document answers 200 with a `{dialect.status_field}` field, so "
            "its status read cannot be told (or its schema is in another document)"
        )
    return reads


def states_documented(contract: Contract, description: Description) -> None:
    """DOC-STATES: the status read's state field has an enum of the dialect's names only.

    A GET is taken as the status read when its answer also has the dialect's id field, or
    when its state enum lists one of the dialect's names; another GET with a field of that
    name (a resource's own status) is not judged by the dialect's names.
    """
    dialect = description.dialect
    names = dialect.states.all
    problems, pointers, unlisted = [], [], []
    for read in _reads(contract, description):
        template, schema, state = read.template, read.schema, read.state
        enum = enum_values(contract.document, state)
        shaped = property_at(contract.document, schema, dialect.id_field) is not None
        if not shaped and not (enum and set(map(str, enum)) & names):
            if enum is None:
                unlisted.append(f"GET {template} ({state.at})")
            continue
        if enum is None:
            problems.append(f"GET {template} gives `{dialect.status_field}` no enum ({state.at})")
            continue
        where = (
            f"{state.at}/enum"
            if isinstance(state.node, dict) and "enum" in state.node
            else state.at
        )
        extra = [str(v) for v in enum if v not in names]
        if extra:
            problems.append(f"GET {template} lists {', '.join(extra)} ({where})")
        pointers.append(where)
    if problems:
        raise contract.failed(
            "DOC-STATES",
            observed="; ".join(problems),
            expected=f"an enum of the dialect's state names only ({', '.join(sorted(names))})",
            hint="List the states your server reports, as it spells them.",
        )
    if pointers:
        contract.held("the status read's states are listed, each one the dialect's", pointers)
        return
    if unlisted:
        exchanges = [contract.exchange] if contract.exchange is not None else []
        raise Inconclusive(
            "DOC-STATES",
            f"{', '.join(unlisted)} give `{dialect.status_field}` no enum; if one is the status "
            "read, its state names are not listed",
            exchanges,
        )
    raise NotObserved(
        f"no GET answers a `{dialect.status_field}` that lists one of the dialect's state "
        "names, nor has its id field: the status read is not told"
    )


def _deletes(contract: Contract, description: Description) -> list[tuple[str, Part]]:
    """The documented DELETEs of what the submission makes: at [resource] delete's url
    where it names a path, and one {parameter} below the submission's path."""
    template, _ = contract.submission
    base = template.rstrip("/")
    templates = []
    url = description.resource.delete.url
    if "{resource_url}" not in url:
        hit = operation_at(contract.document, "DELETE", url.replace("{operation_id}", "id"))
        templates += [hit[0]] if hit else []
    for candidate in map(str, contract.document.get("paths") or {}):
        rest = candidate[len(base) :]
        if candidate.startswith(base + "/{") and rest.count("/") == 1 and rest.endswith("}"):
            templates.append(candidate)
    found = []
    for candidate in dict.fromkeys(templates):
        located = operation_at(contract.document, "DELETE", candidate)
        if located is not None and located[0] == candidate:
            found.append((candidate, located[1]))
    return found


def delete_documented(contract: Contract, description: Description) -> None:
    """DOC-DELETE-204: a documented DELETE of what the operation made answers 204, no content."""
    deletes = _deletes(contract, description)
    if not deletes:
        raise NotObserved(
            "the document has no DELETE of what the submission makes (none one {parameter} "
            "below its path, nor at [resource] delete's url)"
        )
    problems, pointers = [], []
    for template, op in deletes:
        answer = responses(contract.document, op).get("204")
        if answer is None:
            listed = ", ".join(responses(contract.document, op)) or "no answer"
            problems.append(f"DELETE {template} documents {listed}, not 204 ({op.at}/responses)")
        elif isinstance(answer.node, dict) and (
            answer.node.get("content") or answer.node.get("schema")
        ):
            problems.append(f"DELETE {template} documents content for 204 ({answer.at})")
        else:
            pointers.append(answer.at)
    if problems:
        raise contract.failed(
            "DOC-DELETE-204",
            observed="; ".join(problems),
            expected="204 No Content, with no content",
            hint="Document the DELETE's 204 answer, with no body.",
        )
    contract.held("the DELETE documents 204 with no content", pointers)


def json_documented(contract: Contract, description: Description) -> None:
    """DOC-JSON: the acceptance's body (if any) and the status read are documented as JSON."""
    problems: list[str] = []
    pointers: list[str] = []
    for _, answer in documented_acceptance(contract, description):
        has_body = isinstance(answer.node, dict) and (
            answer.node.get("content") or answer.node.get("schema")
        )
        if not has_body:
            continue  # an acceptance without a body documents no media type to judge
        media = json_media(contract.document, answer, contract.submission[1].node.get("produces"))
        (pointers if media else problems).append(
            answer.at if media is None else f"{answer.at} ({media[0]})"
        )
    for read in status_reads(contract, description):
        pointers.append(f"{read.answer.at} ({read.media})")
    if problems:
        raise contract.failed(
            "DOC-JSON",
            observed=f"{', '.join(problems)} documents no JSON media type",
            expected="application/json (or a +json type) for the acceptance and status bodies",
            hint="Document the bodies with the JSON media type your server sends.",
        )
    if not pointers:
        raise NotObserved("the document gives neither the acceptance nor a status read a body")
    contract.held("the acceptance and status bodies are documented as JSON", pointers)


def errors_documented(contract: Contract, description: Description) -> None:
    """DOC-ERRORS: the submission and the status read document an error answer."""
    template, op = contract.submission
    checked = [(f"{contract.method} {template}", op)]
    if description.dialect.status_field:
        for read in status_reads(contract, description):
            op = contract.document["paths"][read.template]["get"]
            checked.append(
                (f"GET {read.template}", Part(op, pointer("paths", read.template, "get")))
            )
    problems, pointers = [], []
    for label, part in checked:
        answers = responses(contract.document, part)
        errors = [c for c in answers if c[:1] in ("4", "5") or c == "default"]
        if errors:
            pointers.append(f"{part.at}/responses/{errors[0]}")
        else:
            problems.append(
                f"{label} documents {', '.join(answers) or 'no answer'} ({part.at}/responses)"
            )
    if problems:
        raise contract.failed(
            "DOC-ERRORS",
            observed="; ".join(problems),
            expected="an error answer (4XX, 5XX or default) for each",
            hint="Document what your server answers to a bad request and an unknown id.",
        )
    contract.held("the submission and status read document their errors", pointers)
