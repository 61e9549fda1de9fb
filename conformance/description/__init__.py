"""Target descriptions: TOML in, a checked `Description` out."""

from ._dialect import Dialect, Done, Role, States, fill_template, parse_source
from ._load import DescriptionError, Loaded, available_dialects, load, parse, parse_text
from ._model import GONE, SCENARIOS, ClockMode, Description, RequestSpec, ScenarioName, Step
from ._placeholders import fill as fill_placeholders
from ._placeholders import map_strings
from ._placeholders import named as placeholders_named

__all__ = [
    "GONE",
    "SCENARIOS",
    "ClockMode",
    "Description",
    "DescriptionError",
    "Dialect",
    "Done",
    "Loaded",
    "RequestSpec",
    "Role",
    "ScenarioName",
    "States",
    "Step",
    "available_dialects",
    "fill_placeholders",
    "fill_template",
    "load",
    "map_strings",
    "parse",
    "parse_source",
    "parse_text",
    "placeholders_named",
]
