"""OpenAPI both ways: the suite's checks inside Schemathesis, and Schemathesis inside the suite."""

from pathlib import Path

from ._document import NOT_FETCHED, Published, Unloaded, cut_elsewhere, grouped, load_published
from ._raw import (
    METHODS,
    Part,
    enum_values,
    follow,
    json_media,
    local,
    operation_at,
    pointer,
    property_at,
    responses,
    template_pattern,
)

__all__ = [
    "METHODS",
    "NOT_FETCHED",
    "SCHEMATHESIS_CONFIG",
    "Part",
    "Published",
    "Unloaded",
    "cut_elsewhere",
    "enum_values",
    "follow",
    "grouped",
    "json_media",
    "load_published",
    "local",
    "operation_at",
    "pointer",
    "property_at",
    "responses",
    "template_pattern",
]

#: The Schemathesis configuration file that loads the suite's checks as hooks.
SCHEMATHESIS_CONFIG = Path(__file__).with_name("schemathesis.toml")
