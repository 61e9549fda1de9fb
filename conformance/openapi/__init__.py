"""OpenAPI both ways: the suite's checks inside Schemathesis, and Schemathesis inside the suite."""

from pathlib import Path

from ._document import NOT_FETCHED, Published, Unloaded, cut_elsewhere, grouped, load_published

__all__ = [
    "NOT_FETCHED",
    "SCHEMATHESIS_CONFIG",
    "Published",
    "Unloaded",
    "cut_elsewhere",
    "grouped",
    "load_published",
]

#: The Schemathesis configuration file that loads the suite's checks as hooks.
SCHEMATHESIS_CONFIG = Path(__file__).with_name("schemathesis.toml")
