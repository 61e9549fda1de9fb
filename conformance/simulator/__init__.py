"""The reference simulator: the contract as a Starlette app, with named faults and quirks."""

from ._app import TEST_CLOCK_PATH, Simulator, create_app
from ._serve import serve_in_thread
from ._store import Settings
from .faults import BEHAVIOURS, DIALECTS, FAULTS, QUIRKS, RETENTION_FAULTS, Behaviour

__all__ = [
    "BEHAVIOURS",
    "DIALECTS",
    "FAULTS",
    "QUIRKS",
    "RETENTION_FAULTS",
    "TEST_CLOCK_PATH",
    "Behaviour",
    "Settings",
    "Simulator",
    "create_app",
    "serve_in_thread",
]
