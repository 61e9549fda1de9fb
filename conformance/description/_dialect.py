"""A dialect: how one family of APIs spells the long-running-operation pattern.

Where the status URL and the result come from, which fields hold the state, the
id, the message and the progress, how "done" is told, and which requirements of
the catalogue its contract has. Built-in dialects are data (`dialects/*.toml`);
a description overrides any key, or names its own dialect that `extends` one.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    model_validator,
)

from ..catalogue import UnknownRequirement, get

__all__ = ["Dialect", "Done", "Role", "States", "fill_template", "parse_source"]

#: Where a URL can come from, and what the part after the colon names.
STATUS_URL_KINDS = {"header": "a header name", "body": "a field", "link": "a link relation"}
RESULT_URL_KINDS = {**STATUS_URL_KINDS, "template": "a path with {id}"}
_BARE = {"request", "none"}  # result sources without an argument
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class Role(str, enum.Enum):
    """What a state means, whatever the dialect calls it."""

    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self is not Role.RUNNING

    def __str__(self) -> str:  # the value in messages, on every Python
        return str(self.value)


def fill_template(template: str, operation_id: str | None, lookup: Any) -> str | None:
    """A template with `{id}` and `{field.path}` filled in; None when a value is missing."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        found = operation_id if name == "id" else lookup(name)
        if not isinstance(found, (str, int)) or isinstance(found, bool) or found == "":
            missing = True
            return ""
        return str(found)

    filled = _PLACEHOLDER.sub(value, template)
    return None if missing else filled


def parse_source(value: str) -> tuple[str, str]:
    """`"header:Location"` -> `("header", "Location")`; `"request"` -> `("request", "")`."""
    kind, _, argument = value.partition(":")
    return kind.strip(), argument.strip()


def _source_check(
    kinds: dict[str, str], bare: frozenset[str] = frozenset()
) -> Callable[[str], str]:
    def check(value: str) -> str:
        kind, argument = parse_source(value)
        if kind in bare and not argument:
            return value
        forms = [f"'{k}:<{what}>'" for k, what in kinds.items()] + [f"'{b}'" for b in sorted(bare)]
        if kind not in kinds or not argument:
            raise ValueError(f"{value!r} is not a source; use one of {', '.join(forms)}")
        if kind == "template" and not _PLACEHOLDER.search(argument):
            raise ValueError(
                f"{value!r}: a template needs a placeholder: {{id}} for the operation id, "
                "or {field.path} for a value of the body"
            )
        if kind == "template" and not argument.startswith("/"):
            raise ValueError(f"{value!r}: a template is a path on the target, starting with /")
        return value

    return check


def _source(kinds: dict[str, str], bare: frozenset[str] = frozenset()) -> AfterValidator:
    return AfterValidator(_source_check(kinds, bare))


ResultUrlSource = Annotated[str, _source(RESULT_URL_KINDS, frozenset(_BARE))]
_one_status_source = _source_check({**STATUS_URL_KINDS, "template": "a path with {id}"})


def _status_sources(value: Any) -> str | list[str]:
    """One source, or a non-empty list of distinct ones in order of preference."""
    if isinstance(value, str):
        return _one_status_source(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(
            f'{value!r} is neither a source ("header:Location") nor a list of sources in '
            'order of preference (["header:Operation-Location", "header:Location"])'
        )
    if not value:
        raise ValueError(
            "an empty list names no source; give at least one, e.g. "
            '["header:Operation-Location", "header:Location"]'
        )
    seen: set[str] = set()
    for source in value:
        _one_status_source(source)
        kind, argument = parse_source(source)
        key = f"{kind}:{argument.lower() if kind == 'header' else argument}"
        if key in seen:
            raise ValueError(f"{source!r} is listed twice; name each source once")
        seen.add(key)
    return list(value)


#: One source, or several in order of preference: the first present in an answer is taken.
StatusUrlSources = Annotated[str | list[str], PlainValidator(_status_sources)]


def _known_requirements(table: dict[str, str]) -> dict[str, str]:
    for requirement_id, reason in table.items():
        try:
            get(requirement_id)
        except UnknownRequirement as exc:
            raise ValueError(str(exc)) from None
        if not reason.strip():
            raise ValueError(f"not_applicable.{requirement_id} needs a reason, shown with SKIP")
    return table


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class States(_Model):
    """State names by role; a role's names are exact and case-sensitive."""

    running: list[str]
    success: list[str]
    failure: list[str]
    cancelled: list[str] = []

    @model_validator(mode="after")
    def _disjoint(self) -> States:
        seen: dict[str, str] = {}
        for role in Role:
            names = getattr(self, role.value)
            if not names and role is not Role.CANCELLED:
                raise ValueError(f"states.{role.value} must name at least one state")
            for name in names:
                if name in seen:
                    raise ValueError(
                        f"state {name!r} is listed under both {seen[name]} and {role.value}"
                    )
                seen[name] = role.value
        return self

    @property
    def all(self) -> frozenset[str]:
        return frozenset(name for role in Role for name in getattr(self, role.value))

    @property
    def terminal(self) -> frozenset[str]:
        return self.all - frozenset(self.running)

    def role(self, state: str | None) -> Role | None:
        for role in Role:
            if state in getattr(self, role.value):
                return role
        return None

    def names(self, role: Role) -> list[str]:
        return list(getattr(self, role.value))

    def unknown(self, value: object) -> str:
        """Why `value` tells no state, with the listed name it most likely meant."""
        listed = sorted(self.all)
        said = f"the state {value!r} is not among dialect.states ({', '.join(listed)})"
        if not isinstance(value, str):
            return said
        same = [n for n in listed if n.casefold() == value.strip().casefold()]
        close = same or difflib.get_close_matches(value, listed, n=1, cutoff=0.75)
        return f"{said}; did you mean {close[0]!r}?" if close else said


class Done(_Model):
    """Finished-ness told by a field rather than a state name (AIP-151's `done`)."""

    field: str
    #: "true": done when the field is true (absent or false: running);
    #: "null": done once the field is null or absent; "set": done once it is set.
    when: Literal["true", "null", "set"] = "true"


class Dialect(_Model):
    name: str
    extends: str | None = None
    #: The document this dialect follows, shown in the report.
    source: str = ""
    #: The codes a submission may be accepted with.
    accepted_status: list[Annotated[int, Field(ge=200, le=299)]] = [202]
    #: Where the status URL comes from: one source, or a list in order of preference.
    status_url: StatusUrlSources = "header:Location"
    #: A poll that carries the status URL's header (the one the submission named it in)
    #: moves polling to the URL it names.
    status_url_moves: StrictBool = False
    #: The codes the status resource answers while the id is available.
    status_codes: list[Annotated[int, Field(ge=200, le=399)]] = [200]
    status_field: str = "status"
    done: Done | None = None
    #: Set (not null) on a finished operation that failed, where `done` tells finished-ness.
    error_field: str = ""
    #: The state's role from the HTTP code, where the body names none.
    http_states: dict[Annotated[int, Field(ge=200, le=399)], Role] = {}
    id_field: str = "operationId"
    result_url: ResultUrlSource = "body:resourceUrl"
    message_field: str = "msg"
    progress_field: str = "progress"
    states: States
    #: Requirements this dialect's contract does not have, each with the reason (SKIP).
    not_applicable: Annotated[dict[str, str], AfterValidator(_known_requirements)] = {}

    @property
    def status_answers(self) -> list[int]:
        """Every code the status resource may answer while the id is available: the status
        codes, and those the dialect maps to a state."""
        return sorted({*self.status_codes, *self.http_states})

    @property
    def status_url_sources(self) -> tuple[str, ...]:
        """The status URL's sources, in order of preference."""
        return (self.status_url,) if isinstance(self.status_url, str) else tuple(self.status_url)

    @property
    def status_url_text(self) -> str:
        """The sources in words: `header:Operation-Location, then header:Location`."""
        return ", then ".join(self.status_url_sources)

    @model_validator(mode="after")
    def _state_is_told_somehow(self) -> Dialect:
        if not self.accepted_status:
            raise ValueError("accepted_status must name at least one code")
        if not self.status_codes:
            raise ValueError("status_codes must name at least one code")
        if not (self.status_field or self.done or self.http_states):
            raise ValueError(
                "the dialect gives no way to tell the state: set status_field, done, or http_states"
            )
        return self
