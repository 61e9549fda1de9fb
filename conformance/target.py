"""Which server a run drives, with which clock: resolved once, from options and files."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx

from .description import Loaded, load, parse
from .description._load import tomllib
from .simulator.faults import check_names

__all__ = ["BUILTIN", "Target", "TargetError", "resolve"]

BUILTIN = "builtin"
CLOCK_MODES = ("virtual", "control", "real")


class TargetError(ValueError):
    """An impossible combination of target, clock and faults; the message names the fix."""


@dataclass(frozen=True)
class Target:
    kind: str  # "builtin" (in-process simulator) or "live" (an HTTP server)
    url: str
    clock: str
    behaviours: frozenset[str]
    loaded: Loaded

    @property
    def label(self) -> str:
        return "builtin simulator (in-process)" if self.kind == BUILTIN else self.url


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
    if target == BUILTIN:
        loaded = _builtin_description(config_path)
        kind, url = BUILTIN, loaded.effective.base_url or "http://builtin.simulator"
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
            f"--target {target!r} is neither 'builtin' nor an http(s) URL. "
            "Use --target builtin for the in-process simulator, or the base URL of your "
            "server, e.g. --target http://127.0.0.1:8080."
        )
    mode = clock or loaded.effective.clock or ("virtual" if kind == BUILTIN else "real")
    if mode not in CLOCK_MODES:
        raise TargetError(f"--clock {mode!r} is not a clock mode; use one of {CLOCK_MODES}.")
    if mode == "virtual" and kind != BUILTIN:
        raise TargetError(
            f"--clock virtual needs an in-process target, but {url} is a live server whose "
            "clock the suite cannot move. Use --clock real."
        )
    if mode == "control":
        raise TargetError(
            "--clock control is not available in this version; use --clock virtual with "
            "--target builtin, or --clock real."
        )
    if behaviours and kind != BUILTIN:
        raise TargetError("--fault applies to --target builtin only; a live server has its own.")
    try:
        names = check_names(behaviours)
    except ValueError as exc:
        raise TargetError(f"--fault: {exc}") from None
    return Target(kind, url, mode, names, loaded)
