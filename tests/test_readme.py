"""README.md stays true: the requirement table, the example description, the commands."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from pydantic import BaseModel

from conformance.description import Description, parse_text
from conformance.report import render_markdown
from tests.support.paths import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _example_toml() -> str:
    match = re.search(r"```toml\n# target.toml\n(.*?)```", README, re.S)
    assert match, "README.md lost its annotated target.toml"
    return match.group(1)


def test_requirement_table_matches_the_catalogue():
    match = re.search(
        r"<!-- requirements:start -->\n(.*?)\n<!-- requirements:end -->", README, re.S
    )
    assert match
    assert match.group(1) == render_markdown(), (
        "regenerate it with `async-conformance requirements --markdown`"
    )


def test_example_description_is_valid(monkeypatch):
    monkeypatch.setenv("STAGING_TOKEN", "x")
    loaded = parse_text(_example_toml(), "README example")
    assert set(loaded.effective.scenarios) == {"success", "failure", "timeout"}


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        keys.add(key)
        annotation: Any = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        for sub in candidates:
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                keys |= _keys(sub, key + ".")
    return keys


def _present(data: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in data.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _present(value, prefix + key + ".")
        if isinstance(value, list):  # an array of tables: the keys of its tables together
            for item in value:
                if isinstance(item, dict):
                    keys |= _present(item, prefix + key + ".")
    return keys


def test_example_description_shows_every_key():
    present = _present(tomllib.loads(_example_toml()))
    # Scenario keys are per scenario; the example shows them under [scenarios.success].
    present |= {k.replace("scenarios.success.", "sync.") for k in present}
    present |= {k.replace("resource.read.", "resource.delete.") for k in present}
    # A teardown step has a setup step's keys.
    present |= {k.replace("setup.", "teardown.") for k in present if k.startswith("setup.")}
    missing = {k for k in _keys(Description) if not k.startswith("scenarios")} - present
    assert missing == set()


@pytest.mark.source_tree  # .ci/run is not among what the mutation run copies
def test_ci_runs_the_quick_start_commands():
    commands = re.findall(r"```bash\n(python3 -m pip install .*?)\n```", README)
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in commands:
        assert command in ci


def test_the_own_case_example_passes_with_evidence(pytester):
    match = re.search(r"## Writing your own cases.*?```python\n(.*?)```", README, re.S)
    assert match, "README.md lost its own-case example"
    pytester.makepyfile(test_own=match.group(1))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
