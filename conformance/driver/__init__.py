"""The driver: one lifecycle engine on httpx, for live servers and in-process apps alike."""

from ._lifecycle import Driver, Poll, Run, Submission, retry_after_seconds
from ._transcript import Exchange, RedactingFilter, Redactor, Transcript
from ._transport import PortalTransport

__all__ = [
    "Driver",
    "Exchange",
    "Poll",
    "PortalTransport",
    "RedactingFilter",
    "Redactor",
    "Run",
    "Submission",
    "Transcript",
    "retry_after_seconds",
]
