"""The profiles (`budget.py`): inputs per property, lifecycles and steps, and the seed."""

from __future__ import annotations

import importlib
import sys

import hypothesis
from hypothesis import Phase
from hypothesis import strategies as st

from conformance.budget import PROFILES, Budget


def _draws(budget: Budget) -> list[object]:
    seen: list[object] = []

    @hypothesis.settings(max_examples=300, derandomize=True, database=None, phases=[Phase.generate])
    @hypothesis.given(st.one_of(st.integers(), st.text(max_size=12)))
    def record(value: object) -> None:
        seen.append(value)

    with budget.running():
        record()
    return seen


def test_a_local_module_loaded_later_does_not_change_what_is_drawn(tmp_path, monkeypatch):
    # Hypothesis mixes in constants from the source of local modules loaded so far; which
    # are loaded depends on the cases selected, so a rerun of the same seed would draw
    # other inputs than the report showed.
    before = _draws(Budget())
    numbers = ", ".join(str(918273645 + 7 * n) for n in range(300))
    words = ", ".join(f"'zq{n}'" for n in range(300))
    (tmp_path / "planted_constants.py").write_text(
        f"NUMBERS = [{numbers}]\nWORDS = [{words}]\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(tmp_path)
    monkeypatch.delitem(sys.modules, "planted_constants", raising=False)
    importlib.import_module("planted_constants")
    after = _draws(Budget())
    assert after == before


def test_outside_the_budget_hypothesis_keeps_its_own_ways(tmp_path, monkeypatch):
    # Only the suite's own draws are pinned: a user's Hypothesis tests in the same process
    # still see their module's constants once the property case is over.
    from hypothesis.internal.conjecture import providers

    with Budget().running():
        inside = providers._get_local_constants()
    outside = providers._get_local_constants()
    assert not inside.integers and not inside.strings
    assert outside is not inside


def test_the_profiles_grow_the_model():
    quick, full = PROFILES["quick"], PROFILES["full"]
    assert full.sequences > quick.sequences and full.steps > quick.steps
    assert Budget().replay_hint() == ""
