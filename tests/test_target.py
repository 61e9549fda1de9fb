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


def test_a_target_of_no_known_kind_is_refused_with_every_form_a_target_takes():
    with pytest.raises(TargetError) as refused:
        resolve("ftp://x", None, None, None, [])
    assert str(refused.value) == (
        "--target 'ftp://x' is neither 'builtin', 'asgi:MODULE:APP' nor an http(s) URL. "
        "Use --target builtin for the in-process simulator (builtin:azure and the like "
        "for one speaking another dialect), asgi:myservice.main:app for your ASGI app "
        "in-process, or the base URL of your server, e.g. --target http://127.0.0.1:8080."
    )


def test_a_virtual_clock_for_a_live_server_is_refused_naming_the_clocks_that_work(tmp_path):
    config = tmp_path / "target.toml"
    config.write_text('[scenarios.success]\nmethod = "POST"\npath = "/jobs"\n')
    with pytest.raises(TargetError) as refused:
        resolve("https://api.example.test", config, None, "virtual", [])
    assert str(refused.value) == (
        "--clock virtual needs an in-process target, but https://api.example.test is a live "
        "server whose clock the suite cannot move. Use --clock control if the server offers "
        "the test-clock endpoint, else --clock real."
    )
