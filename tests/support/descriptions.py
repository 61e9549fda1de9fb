"""What a target description refuses, and the words it refuses it with."""

from __future__ import annotations

import pytest

from conformance.description import (
    DescriptionError,
    parse,
)

STATUS_FORMS = (
    "'header:<a header name>', 'body:<a field>', 'link:<a link relation>', "
    "'template:<a path with {id}>'"
)


def unusable(*lines: str, source: str = "t") -> str:
    """The whole message for a description that parses as TOML but fails the checks."""
    return (
        f"target description {source} is not usable:\n  - "
        + "\n  - ".join(lines)
        + "\nREADME.md, 'Describing your server', lists every key with its default."
    )


def error_of(raw: dict, source: str = "t", base_url: str | None = None) -> str:
    with pytest.raises(DescriptionError) as info:
        parse(raw, source, base_url)
    return str(info.value)
