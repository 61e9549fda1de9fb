"""Target descriptions: TOML in, a checked `Description` out."""

from ._load import DescriptionError, Loaded, available_dialects, load, parse
from ._model import SCENARIOS, Description, Dialect, RequestSpec, ScenarioName

__all__ = [
    "SCENARIOS",
    "Description",
    "DescriptionError",
    "Dialect",
    "Loaded",
    "RequestSpec",
    "ScenarioName",
    "available_dialects",
    "load",
    "parse",
]
