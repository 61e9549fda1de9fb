"""Where an accepted operation's status resource is: the first of the dialect's sources
the answer carries, resolved, and followed only on the target's own origin."""

from __future__ import annotations

from typing import Any

from ..description import Dialect, fill_template, parse_source
from ._reading import field as body_field
from ._reading import link
from ._records import Submission
from ._sender import Sender

__all__ = ["find_status_url"]


def find_status_url(sender: Sender, submission: Submission, body: dict[str, Any] | None) -> None:
    """The status URL from the first of the dialect's sources the answer carries.

    The first present is the one: a later source is not tried when an earlier one
    names a URL that cannot be followed (the server chose that one).
    """
    exchange, dialect = submission.exchange, sender.description.dialect
    if exchange.error is not None:
        submission.location_problem = f"the submission got no answer: {exchange.error}"
        return
    found: tuple[str, str, str] | None = None  # the source, its kind, its value
    for source in dialect.status_url_sources:
        kind, argument = parse_source(source)
        value = _source_value(kind, argument, submission, body)
        if isinstance(value, str) and value:
            found = source, kind, value
            break
    if found is None:
        accepted = exchange.status in dialect.accepted_status
        answer = (
            ""
            if accepted
            else (f"answered {exchange.status}, not {_codes(dialect.accepted_status)}, and ")
        )
        submission.location_problem = f"the submission {answer}gave {_looked_for(dialect)}"
        return
    source, kind, value = found
    submission.location, submission.location_source = value, source
    resolved = (
        sender.resolve(exchange.url, value) if kind != "template" else sender.on_target(value)
    )
    shown = f"{value!r}{_from(dialect, source)}"
    if isinstance(resolved, str):
        submission.location_problem = f"the status URL {shown} {resolved}"
        return
    if not sender.same_origin(resolved):
        submission.location_problem = sender.off_origin("the status URL", value, resolved)
        if len(dialect.status_url_sources) > 1:
            submission.location_problem += f" (It came from {source}.)"
        submission.off_origin = True
        return
    submission.status_url = resolved


def _source_value(
    kind: str, argument: str, submission: Submission, body: dict[str, Any] | None
) -> Any:
    """What one source holds in the submission's answer (None or MISSING: nothing)."""
    exchange = submission.exchange
    if kind == "header":
        return exchange.header(argument)
    if kind == "body":
        return body_field(body, argument)
    if kind == "link":
        return link(body, exchange.headers, argument)
    return fill_template(argument, submission.operation_id, lambda p: body_field(body, p))


def _from(dialect: Dialect, source: str) -> str:
    """` (from header:X)` where the dialect names several sources, else nothing."""
    return f" (from {source})" if len(dialect.status_url_sources) > 1 else ""


def _looked_for(dialect: Dialect) -> str:
    """What an answer without a status URL lacks, naming every source looked for."""
    sources = [parse_source(s) for s in dialect.status_url_sources]
    if all(kind == "header" for kind, _ in sources):
        names = [name for _, name in sources]
        if len(names) == 1:
            return f"no {names[0]} header"
        listed = ", ".join(names[:-1]) + f" or {names[-1]}"
        return f"none of the headers {listed} (looked for in that order)"
    wheres = []
    for kind, argument in sources:
        if kind == "header":
            wheres.append(f"no {argument} header")
        elif kind == "body":
            wheres.append(f"no status URL in the body field {argument!r}")
        elif kind == "link":
            wheres.append(f"no link with relation {argument!r}")
        else:
            id_from = repr(dialect.id_field) if dialect.id_field else "no id field in the dialect"
            wheres.append(f"no value for every placeholder of {argument!r} (id: {id_from})")
    return "; ".join(wheres)


def _codes(codes: list[int]) -> str:
    return " or ".join(map(str, codes))
