"""The conformance.json writer: the single source every other report format reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["write_atomically", "write_json"]


def write_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to `path` so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def write_json(path: Path, document: dict[str, Any]) -> Path:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return write_atomically(path, text.encode("utf-8"))
