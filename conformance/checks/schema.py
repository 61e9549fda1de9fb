"""The target's own OpenAPI document: its answers match it, and its generated bad input is refused.

Both lean on Schemathesis: it validates a response against the operation the
document describes, and it generates requests that break the document's schema
(negative data) for the submission. The suite sends those through its own driver,
so they are recorded, redacted and bounded like every other exchange.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import given, reject
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.errors import FailureGroup

from .._words import counted
from ..budget import Budget
from ..driver import Exchange
from ..openapi import NOT_FETCHED, Published, Unloaded, grouped
from ..verdicts import ConformanceFailure, NotObserved, cite

__all__ = ["answers_match_document", "generated_submissions_refused"]

Send = Callable[[str, str, str, bytes | None, dict[str, str]], Exchange]


def _response(ex: Exchange) -> schemathesis.Response:
    """The recorded exchange as Schemathesis's response (its request rebuilt with requests)."""
    request = requests.Request(
        ex.method, ex.url, headers=dict(ex.request_headers), data=ex.request_body or None
    ).prepare()
    headers: dict[str, list[str]] = {}
    for name, value in ex.headers:
        headers.setdefault(name.lower(), []).append(value)
    return schemathesis.Response(
        ex.status or 0, headers, ex.body, request, elapsed=ex.latency, verify=True
    )


def _problems(group: BaseException) -> str:
    failures = group.exceptions if isinstance(group, FailureGroup) else [group]
    titles = [getattr(f, "title", type(f).__name__) for f in failures]
    first = str(getattr(failures[0], "message", failures[0])).strip().splitlines()
    detail = f" ({first[0][:160]})" if first else ""
    return "; ".join(dict.fromkeys(titles)) + detail


def answers_match_document(published: Published, exchanges: list[Exchange]) -> None:
    """Each answer the suite got from a documented operation matches what the document says."""
    judged: list[Exchange] = []
    let_go = 0
    unjudged: list[Unloaded] = []  # answers whose documented form could not be loaded
    for ex in exchanges:
        if ex.error is not None or ex.status is None:
            continue
        if ex.body_dropped:
            let_go += 1  # a middle read of a long operation: its text was not kept
            continue
        operation = published.find(ex.method, ex.url)
        if isinstance(operation, Unloaded):
            unjudged.append(operation)
            continue
        if operation is not None and (part := published.answer_unloaded(operation, ex.status)):
            unjudged.append(part)
            continue
        if operation is None and ex.status == 404:
            continue  # a route the server does not have either: SUBMIT-LOCATION's matter
        if operation is None:
            raise ConformanceFailure(
                "SCHEMA-RESPONSES",
                observed=f"{ex.method} {httpx.URL(ex.url).path} is not in the published document",
                expected="every operation of the asynchronous lifecycle documented",
                exchanges=[ex],
                hint=f"Add the operation to the document at {published.source}.",
            )
        try:
            operation.validate_response(_response(ex))
        except (AssertionError, FailureGroup) as failure:
            raise ConformanceFailure(
                "SCHEMA-RESPONSES",
                observed=f"{ex.method} {ex.url} answered {ex.status}: {_problems(failure)}",
                expected=f"the answer {operation.label} documents in {published.source}",
                exchanges=[ex],
            ) from None
        judged.append(ex)
    left_out = _left_out(unjudged, published.unloaded)
    if not judged and unjudged:
        raise NotObserved(f"no answer could be judged ({left_out})")
    if not judged:
        more = f" ({left_out})" if left_out else ""
        raise NotObserved(f"no answer of a documented operation to validate{more}")
    shown = ([published.exchange] if published.exchange else []) + judged
    were = "was" if let_go == 1 else "were"
    middle = counted(let_go, "middle read")
    notes = [f"{middle} of long operations {were} not kept whole"] if let_go else []
    notes += [left_out] if left_out else []
    said = f" ({'; '.join(notes)})" if notes else ""
    cite(f"{counted(len(judged), 'answer')} matched the published OpenAPI document{said}", shown)


def _left_out(unjudged: list[Unloaded], parts: list[Unloaded]) -> str:
    """The answers not judged, then every part of the document left out and why, each
    reason said once."""
    words = []
    if unjudged:
        names = ", ".join(dict.fromkeys(part.part for part in unjudged))
        words.append(f"{counted(len(unjudged), 'answer')} not judged, of {names}")
    if parts:
        words.append(f"left out of the document: {grouped(parts, False)}")
    if any(part.elsewhere for part in parts):
        words.append(NOT_FETCHED)
    return "; ".join(words)


def _body(case: Any) -> tuple[bytes | None, str | None]:
    body = getattr(case, "body", None)
    if type(body).__name__ == "NotSet":
        return None, None  # a body of None is JSON null (negative cases draw it): sent so
    if isinstance(body, bytes):
        return body, case.media_type
    try:
        return json.dumps(body).encode(), case.media_type or "application/json"
    except (TypeError, ValueError):
        return str(body).encode(), "text/plain"


def generated_submissions_refused(
    published: Published, method: str, path: str, send: Send, budget: Budget
) -> None:
    """Requests the document forbids, generated by Schemathesis for the submission: no 5xx."""
    operation = published.find(method, path)
    if isinstance(operation, Unloaded):
        why = grouped([operation])
        raise NotObserved(
            f"the submission's operation could not be loaded from the document: {why}"
        )
    if operation is None:
        raise NotObserved(f"the published document has no {method} {path}")
    if part := published.request_unloaded(operation):
        raise NotObserved(
            f"the submission's requests cannot be drawn from the document: {grouped([part])}"
        )
    seen: list[Exchange] = []

    @budget.seeded
    @budget.settings(budget.examples)
    @given(operation.as_strategy(GenerationMode.NEGATIVE))
    def refused(case: Any) -> None:
        content, media_type = _body(case)
        headers = {str(k): str(v) for k, v in (case.headers or {}).items()}
        if media_type is not None:
            headers.setdefault("Content-Type", media_type)
        try:
            url = httpx.URL(case.formatted_path).copy_merge_params(case.query or {})
        except (httpx.InvalidURL, ValueError, TypeError):
            reject()  # not a request at all: nothing a server could answer
        label = f"schema-generated submission {len(seen) + 1}"
        ex = send(label, case.method, str(url), content, headers)
        seen.append(ex)
        if ex.error is not None or (ex.status or 0) >= 500:
            raise ConformanceFailure(
                "ROBUST-SUBMIT",
                observed=f"a request {operation.label} forbids by its schema answered "
                f"{ex.error or ex.status}",
                expected="a refusal (4xx) or an acceptance, never a server error",
                exchanges=[ex],
                hint="Validate the request against your own schema before starting work. "
                + budget.replay_hint(),
            )

    with budget.running():
        try:
            refused()
        except Unsatisfiable:
            if seen:
                raise
            # A document that constrains nothing in the request (a body with no schema)
            # forbids nothing: no request can break it.
            raise NotObserved(
                f"the document forbids nothing in {operation.label}'s request (no schema "
                "for its body or parameters), so no request it forbids could be drawn"
            ) from None
    generated = counted(len(seen), "request")
    cite(f"{generated} generated from the document's schema got no server error", seen[:8])
