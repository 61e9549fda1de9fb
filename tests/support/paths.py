"""Where things are, wherever a test module sits in `tests/`."""

from __future__ import annotations

from pathlib import Path

__all__ = ["APPS", "DATA", "ROOT", "TESTS"]

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
DATA = TESTS / "data"
APPS = TESTS / "apps"
