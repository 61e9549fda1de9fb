"""Which server a run drives, with which clock: resolved once, from options and files."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from .description import Loaded, load, parse
from .description._load import tomllib
from .simulator.faults import check_names

__all__ = ["ASGI", "BUILTIN", "Target", "TargetError", "resolve"]

BUILTIN = "builtin"
ASGI = "asgi"
CLOCK_MODES = ("virtual", "control", "real")


class TargetError(ValueError):
    """An impossible combination of target, clock and faults; the message names the fix."""


@dataclass(frozen=True)
class Target:
    kind: str  # "builtin" (in-process simulator), "asgi" (a user's app, in-process) or "live"
    url: str
    clock: str
    behaviours: frozenset[str]
    loaded: Loaded
    app: Any = None  # the ASGI app of an "asgi" target

    @property
    def label(self) -> str:
        if self.kind == BUILTIN:
            return "builtin simulator (in-process)"
        if self.kind == ASGI:
            return f"{self.url} (ASGI app, in-process)"
        return self.url


def _import_app(spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise TargetError(
            f"--target asgi:{spec} names no app; use asgi:MODULE:ATTRIBUTE, "
            "e.g. --target asgi:myservice.main:app"
        )
    if os.getcwd() not in sys.path:  # as uvicorn does, so a module in the current folder imports
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise TargetError(f"--target asgi:{spec}: cannot import {module_name}: {exc!r}") from None
    app = getattr(module, attribute, None)
    if not callable(app):
        raise TargetError(f"--target asgi:{spec}: {module_name} has no ASGI app {attribute!r}")
    return app


def _builtin_description(path: Path | None) -> Loaded:
    if path is not None:
        return load(path, None)
    text = resources.files("conformance.targets").joinpath("builtin.toml").read_text()
    return parse(tomllib.loads(text), "builtin target description")


def resolve(
    target: str,
    config_path: Path | None,
    pyproject: Path | None,
    clock: str | None,
    behaviours: list[str],
) -> Target:
    app: Any = None
    if target == BUILTIN:
        loaded = _builtin_description(config_path)
        kind, url = BUILTIN, loaded.effective.base_url or "http://builtin.simulator"
    elif target.startswith("asgi:"):
        app = _import_app(target.removeprefix("asgi:"))
        loaded = load(config_path, pyproject)
        kind, url = ASGI, loaded.effective.base_url or "http://asgi.app"
    elif target.startswith(("http://", "https://")):
        try:
            if not httpx.URL(target).host:
                raise ValueError("no host")
        except (httpx.InvalidURL, ValueError) as exc:
            raise TargetError(f"--target {target!r} is not a usable URL ({exc}).") from None
        loaded = load(config_path, pyproject, base_url=target)
        kind, url = "live", target
    else:
        raise TargetError(
            f"--target {target!r} is neither 'builtin', 'asgi:MODULE:APP' nor an http(s) URL. "
            "Use --target builtin for the in-process simulator, asgi:myservice.main:app for "
            "your ASGI app in-process, or the base URL of your server, e.g. "
            "--target http://127.0.0.1:8080."
        )
    mode = clock or loaded.effective.clock or ("virtual" if kind in (BUILTIN, ASGI) else "real")
    if mode not in CLOCK_MODES:
        raise TargetError(f"--clock {mode!r} is not a clock mode; use one of {CLOCK_MODES}.")
    if mode == "virtual" and kind not in (BUILTIN, ASGI):
        raise TargetError(
            f"--clock virtual needs an in-process target, but {url} is a live server whose "
            "clock the suite cannot move. Use --clock control if the server offers the "
            "test-clock endpoint, else --clock real."
        )
    if behaviours and kind != BUILTIN:
        raise TargetError("--fault applies to --target builtin only; a live server has its own.")
    try:
        names = check_names(behaviours)
    except ValueError as exc:
        raise TargetError(f"--fault: {exc}") from None
    return Target(kind, url, mode, names, loaded, app)
