"""Target descriptions: TOML in, a checked `Description` out."""

from ._dialect import Dialect, Done, Role, States, fill_template, parse_source
from ._load import DescriptionError, Loaded, available_dialects, load, parse
from ._model import SCENARIOS, Description, RequestSpec, ScenarioName

__all__ = [
    "SCENARIOS",
    "Description",
    "DescriptionError",
    "Dialect",
    "Done",
    "Loaded",
    "RequestSpec",
    "Role",
    "ScenarioName",
    "States",
    "available_dialects",
    "fill_template",
    "load",
    "parse",
    "parse_source",
]
