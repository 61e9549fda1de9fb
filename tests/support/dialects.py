"""Target descriptions of the simulator speaking each dialect, and the timing they share."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def readme_example(dialect: str) -> str:
    """The description README.md shows for `dialect`: the tests use it word for word."""
    match = re.search(rf"```toml\n# dialect example: {dialect} .*?\n(.*?)```", README, re.S)
    assert match, f"README.md lost its {dialect} example"
    return match.group(1)


RETENTION = """
[retention]
completed = 2.0
timed_out = 4.0
tolerance = 1.0
"""


TIMING = """
[polling]
interval = 0.05
budget = 4
delete_budget = 4
request_timeout = 5
concurrency = 3
"""


AZURE = readme_example("azure") + TIMING + RETENTION


GOOGLE = readme_example("google-lro") + TIMING


OGC = readme_example("ogc-processes") + TIMING
