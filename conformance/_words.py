"""Words the suite writes about counts."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str, plural: str = "") -> str:
    """`n` with the noun in its number: "1 status read", "2 status reads"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
