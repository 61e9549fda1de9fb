"""The reference simulator: the contract as a Starlette app, with named faults and quirks."""

from ._app import Simulator, create_app
from ._store import Settings
from .faults import BEHAVIOURS, FAULTS, QUIRKS, Behaviour

__all__ = ["BEHAVIOURS", "FAULTS", "QUIRKS", "Behaviour", "Settings", "Simulator", "create_app"]
