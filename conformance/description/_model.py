"""The target description: how the suite drives one server.

Each model forbids unknown keys, so a typo in a TOML file is an error that
names the key, never a silently ignored setting. Defaults are those of the
cloudcenter dialect; README.md documents every key.
"""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any, Literal

import httpx
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    model_validator,
)

from ._dialect import Dialect, Role, States

__all__ = [
    "Cleanup",
    "ClockMode",
    "Description",
    "Dialect",
    "Polling",
    "RequestSpec",
    "Resource",
    "ResourceCall",
    "Retention",
    "Role",
    "Scenario",
    "States",
    "Step",
]


class ClockMode(str, enum.Enum):
    """Who moves time (README, "Time")."""

    VIRTUAL = "virtual"  # the suite, in-process
    CONTROL = "control"  # the suite, through the target's test-clock endpoint
    REAL = "real"  # nobody: the wall clock

    def __str__(self) -> str:  # the value in messages, on every Python
        return str(self.value)


#: Cookies a server sets: kept per operation (default), in one jar for the run, or dropped.
CookieMode = Literal["per-operation", "shared", "off"]
#: What an id or a resource that no longer exists may answer.
GONE = (404, 410)
ScenarioName = Literal["success", "failure", "timeout"]
SCENARIOS: tuple[ScenarioName, ...] = ("success", "failure", "timeout")


def _ascii_values(headers: dict[str, str]) -> dict[str, str]:
    for name, value in headers.items():
        if not (name.isascii() and value.isascii()):
            # Never echo the value: it may hold an expanded secret.
            raise ValueError(f"header {name!r} must have an ASCII name and value")
    return headers


def _method(value: str) -> str:
    if not value.isascii() or not value.isalpha():
        raise ValueError(f"{value!r} is not an HTTP method such as GET, POST or DELETE")
    return value.upper()


def _path(value: str) -> str:
    if not value.startswith("/") or value.startswith("//") or "://" in value:
        raise ValueError(
            f"{value!r} must be a path on the target (such as /_test/clock), not a URL"
        )
    return value


def _http_url(value: str) -> str:
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{value!r} must be an absolute http:// or https:// URL")
    return value


Headers = Annotated[dict[str, str], AfterValidator(_ascii_values)]
Method = Annotated[str, AfterValidator(_method)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class RequestSpec(_Model):
    """One HTTP request the suite sends: a submission or a synchronous call."""

    method: Method = "POST"
    path: str
    json_body: Any = Field(default=None, alias="json")
    headers: Headers = Field(default_factory=dict)


#: A name a setup step captures a value into: `{setup.<name>}` then names the value.
_CAPTURE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _capture_name(value: str) -> str:
    if not _CAPTURE_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} must be letters, digits, _ or -, starting with a letter or _ "
            "(it is used as {setup.<name>})"
        )
    return value


def _source(value: str) -> str:
    if value.startswith("/") or value == "" or (value.startswith("header:") and value[7:].strip()):
        return value
    raise ValueError(
        f"{value!r} is neither a JSON Pointer into the answer's body (such as /uuid, or '' "
        "for the whole body) nor a header (such as header:ETag)"
    )


def _pointer(value: str) -> str:
    if value.startswith("/"):
        return value
    raise ValueError(f"{value!r} is not a JSON Pointer into the answer's body (such as /state)")


class Step(_Model):
    """One request of a setup or a teardown, sent as written; what it captures names a value.

    With `until`, the request is repeated every polling.interval until each field has its
    value, for at most `budget` seconds: a wait for an object to reach a state.
    """

    method: Method
    #: A path on the target, or a URL (a captured one, say: `{setup.node_url}`).
    path: str = Field(validation_alias=AliasChoices("path", "url"))
    json_body: Any = Field(default=None, alias="json")
    headers: Headers = Field(default_factory=dict)
    #: The codes that mean the step worked; empty: any 2xx.
    expect: list[Annotated[int, Field(ge=100, le=599)]] = []
    #: Placeholder name -> where its value is: a JSON Pointer, or `header:<name>`.
    capture: dict[
        Annotated[str, AfterValidator(_capture_name)], Annotated[str, AfterValidator(_source)]
    ] = {}
    #: JSON Pointer -> the value to wait for.
    until: dict[Annotated[str, AfterValidator(_pointer)], Any] = {}
    budget: PositiveFloat | None = None  # seconds for `until`; default: polling.budget

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        if self.budget is not None and not self.until:
            raise ValueError('budget bounds a wait: it needs until = { "/field" = value }')
        return self


class Scenario(RequestSpec):
    """A scenario's request, with what must happen before each submission and at the end."""

    #: Sent before each submission of this scenario; its captures are that submission's.
    setup: list[Step] = []
    #: Sent at the end of the run, once for each submission whose setup ran.
    teardown: list[Step] = []


class Cleanup(_Model):
    """What the run removes at its end (also when it fails or is interrupted)."""

    #: Seconds the whole cleanup may take, whatever is left of the run budget.
    budget: PositiveFloat = 120.0
    #: False: the operations' resources are left (the teardowns still run).
    delete_resources: bool = True


class ResourceCall(_Model):
    """How to reach a created resource; `url` may name {resource_url} and {operation_id}."""

    method: Method
    url: str = "{resource_url}"


class Resource(_Model):
    read: ResourceCall = ResourceCall(method="GET")
    delete: ResourceCall = ResourceCall(method="DELETE")


class Polling(_Model):
    interval: PositiveFloat = 1.0
    request_timeout: PositiveFloat = 10.0
    budget: PositiveFloat = 300.0
    delete_budget: PositiveFloat = 60.0
    concurrency: int = Field(default=5, ge=2, le=1000)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: Requests in a row to one endpoint that got no answer before it is given up.
    unanswered_limit: int = Field(default=2, ge=1)
    #: Wall seconds the whole run may take; 0: derived from the windows and budgets.
    run_budget: float = Field(default=0.0, ge=0)
    #: Headers kept of one answer, by count and bytes; the rest are counted, not kept.
    max_headers: int = Field(default=100, ge=10)
    max_header_bytes: int = Field(default=16_384, ge=1024)
    #: Reads of one operation kept whole at its start and at its end; those between keep
    #: what the checks judge (the state, the code, the dialect's fields), not their text.
    keep_polls: int = Field(default=10, ge=1)


#: The requirements that judge the retention windows.
RETENTION_RULES = ("RETAIN-COMPLETED", "EXPIRE-COMPLETED", "RETAIN-TIMEOUT")


class Retention(_Model):
    #: False: how long the server keeps an id is not described (what `init` writes): the
    #: retention rules are SKIP "not described", and nothing waits for a window.
    known: bool = True
    completed: PositiveFloat = 300.0
    timed_out: PositiveFloat = 3600.0
    tolerance: float = Field(default=5.0, ge=0)
    timeout_anchor: Literal["submission", "timeout"] = "submission"
    operation_timeout: float = Field(default=0.0, ge=0)
    timeout_state: str | None = None  # default: any of the dialect's running states
    expired_status: list[int] = [404]

    @model_validator(mode="after")
    def _consistent(self) -> Retention:
        for window in ("completed", "timed_out"):
            if self.tolerance >= getattr(self, window):
                raise ValueError(
                    f"tolerance ({self.tolerance:g} s) must be smaller than the "
                    f"{window} window ({getattr(self, window):g} s)"
                )
        if self.timeout_anchor == "timeout" and self.operation_timeout <= 0:
            raise ValueError(
                "timeout_anchor = 'timeout' needs operation_timeout, the seconds after "
                "which the target times an operation out"
            )
        bad = [code for code in self.expired_status if code not in GONE]
        if bad:
            raise ValueError(f"expired_status may list 404 and 410 only, not {bad}")
        return self


class Tls(_Model):
    """How the suite checks a live target's certificate, and proves its own."""

    verify: bool = True  # False: any certificate is taken (said in the header)
    ca_bundle: str | None = None  # PEM file of the CAs to trust instead of the system's
    client_cert: str | None = None  # PEM file with the client certificate (and its key)
    client_key: str | None = None  # PEM file with the key, when not in client_cert

    @model_validator(mode="after")
    def _consistent(self) -> Tls:
        if self.client_key is not None and self.client_cert is None:
            raise ValueError("client_key needs client_cert, the certificate it belongs to")
        if not self.verify and self.ca_bundle is not None:
            raise ValueError("ca_bundle is for verifying; with verify = false it would be unused")
        return self


class Description(_Model):
    base_url: HttpUrl | None = None
    clock: ClockMode | None = None
    test_clock_path: Annotated[str, AfterValidator(_path)] = "/_test/clock"
    #: Where the target publishes its OpenAPI document: a path on the target, a URL, or a file.
    openapi: str | None = None
    allowed_origins: list[HttpUrl] = Field(default_factory=list)
    headers: Headers = Field(default_factory=dict)
    cookies: CookieMode = "per-operation"
    #: Nothing the user did not describe is sent: no scenario, no synchronous call by default.
    scenarios: dict[ScenarioName, Scenario] = {}
    sync: RequestSpec | None = None
    #: Sent once before the first request of the run, and at its end.
    setup: list[Step] = []
    teardown: list[Step] = []
    #: The placeholder names the user's `conformance_setup` fixture returns ({setup.<name>}).
    setup_hook: list[Annotated[str, AfterValidator(_capture_name)]] = []
    cleanup: Cleanup = Cleanup()
    resource: Resource = Resource()
    dialect: Dialect
    polling: Polling = Polling()
    retention: Retention = Retention()
    tls: Tls = Tls()

    @model_validator(mode="after")
    def _timeout_state_known(self) -> Description:
        state = self.retention.timeout_state
        if state is not None and self.dialect.states.role(state) is None:
            raise ValueError(
                f"retention.timeout_state {state!r} is not a state "
                f"of the dialect; use one of {sorted(self.dialect.states.all)}"
            )
        return self

    @property
    def not_judged(self) -> dict[str, str]:
        """The requirements this description leaves unjudged, each with the SKIP's words:
        those the dialect's contract lacks, and the retention rules when the windows are
        not described."""
        skipped = {r: f"not in the {self.dialect.name} dialect's contract: {why}"
                   for r, why in self.dialect.not_applicable.items()}  # fmt: skip
        if not self.retention.known:
            for rule in RETENTION_RULES:
                skipped.setdefault(
                    rule,
                    "not described: the description does not say how long the server keeps "
                    "an operation's id ([retention] known = false); set completed and "
                    "timed_out to check it",
                )
        return skipped

    @property
    def timeout_states(self) -> list[str]:
        """The states a timed-out operation may show until it expires."""
        state = self.retention.timeout_state
        return [state] if state is not None else list(self.dialect.states.running)
