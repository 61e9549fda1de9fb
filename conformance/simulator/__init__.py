"""The reference simulator: the contract as a Starlette app, with named faults and quirks."""

from ._app import Simulator, create_app
from ._store import Settings
from .faults import BEHAVIOURS, FAULTS, QUIRKS, RETENTION_FAULTS, Behaviour

__all__ = [
    "BEHAVIOURS",
    "FAULTS",
    "QUIRKS",
    "RETENTION_FAULTS",
    "Behaviour",
    "Settings",
    "Simulator",
    "create_app",
]
