"""The driver: one lifecycle engine on httpx, for live servers and in-process apps alike."""

from ..transcript import Exchange, RedactingFilter, Redactor, Transcript
from ._guard import Guard, run_budget
from ._lifecycle import GONE_STATUSES, MIN_WAIT_SHARE, Driver
from ._operations import Operations, Traced
from ._reading import MISSING, Reading, field, link, read_state
from ._records import Call, Ended, Poll, Run, Submission, retry_after_seconds, stopped_at
from ._sender import CONNECTIONS, Sender
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
    "Sender",
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
