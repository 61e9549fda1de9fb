"""The driver: one lifecycle engine on httpx, for live servers and in-process apps alike."""

from ._guard import Guard, run_budget
from ._lifecycle import (
    CONNECTIONS,
    GONE_STATUSES,
    MIN_WAIT_SHARE,
    Call,
    Driver,
    Ended,
    Poll,
    Run,
    Submission,
    retry_after_seconds,
    stopped_at,
)
from ._operations import Operations, Traced
from ._reading import MISSING, Reading, field, link, read_state
from ._setup import (
    READS,
    Hook,
    Prepared,
    SetupFailed,
    SetupTarget,
    StepFailed,
    run_steps,
    unfilled_names,
)
from ._transcript import Exchange, RedactingFilter, Redactor, Transcript
from ._transport import AppHost, AppRaised, AppStartupFailed, PortalTransport, hosted

__all__ = [
    "CONNECTIONS",
    "GONE_STATUSES",
    "MIN_WAIT_SHARE",
    "MISSING",
    "READS",
    "AppHost",
    "AppRaised",
    "AppStartupFailed",
    "Call",
    "Driver",
    "Ended",
    "Exchange",
    "Guard",
    "Hook",
    "Operations",
    "Poll",
    "PortalTransport",
    "Prepared",
    "Reading",
    "RedactingFilter",
    "Redactor",
    "Run",
    "SetupFailed",
    "SetupTarget",
    "StepFailed",
    "Submission",
    "Traced",
    "Transcript",
    "field",
    "hosted",
    "link",
    "read_state",
    "retry_after_seconds",
    "run_budget",
    "run_steps",
    "stopped_at",
    "unfilled_names",
]
