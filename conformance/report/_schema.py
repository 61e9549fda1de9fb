"""Where the JSON Schema of conformance.json lives (shipped in the package)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SCHEMA_PATH"]

#: The JSON Schema (draft 2020-12) every conformance.json matches; `async-conformance schema`
#: prints this path.
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "conformance.schema.json"
