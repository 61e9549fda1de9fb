"""Resolving the target: what a user is told when a live server is not described."""

from __future__ import annotations

import pytest

from conformance.target import TargetError, resolve


def test_a_live_target_without_a_success_scenario_is_refused_with_an_example_to_copy(tmp_path):
    config = tmp_path / "target.toml"
    config.write_text("[polling]\ninterval = 1\n")
    with pytest.raises(TargetError) as refused:
        resolve("https://api.example.test", config, None, "real", [])
    assert str(refused.value).splitlines() == [
        f"the target description {config} has no [scenarios.success], the request that "
        "starts an operation on https://api.example.test; the suite sends nothing it was "
        "not told, so nothing was sent. Describe it in a TOML file and pass "
        "--target-config=target.toml, e.g.:",
        "",
        "    [scenarios.success]",
        '    method = "POST"',
        '    path = "/v1/jobs"              # where your server accepts work',
        '    json = { name = "conformance-{uuid}" }',
        "",
        "README.md, 'Describing your server', lists every key.",
    ]
