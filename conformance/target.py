"""Which server a run drives, with which clock: resolved once, from options and files."""

from __future__ import annotations

import enum
import importlib
import os
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .description import ClockMode, Loaded, load, parse_text
from .simulator.faults import DIALECTS, check_names

__all__ = ["Target", "TargetError", "TargetKind", "resolve"]


class TargetKind(str, enum.Enum):
    BUILTIN = "builtin"  # the reference simulator, in-process
    ASGI = "asgi"  # a user's ASGI app, in-process
    LIVE = "live"  # a server over HTTP

    @property
    def in_process(self) -> bool:
        return self is not TargetKind.LIVE

    def __str__(self) -> str:  # the value in messages, on every Python
        return str(self.value)


class TargetError(ValueError):
    """An impossible combination of target, clock and faults; the message names the fix."""


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    url: str
    clock: ClockMode
    behaviours: frozenset[str]
    loaded: Loaded
    app: Any = None  # the ASGI app of an "asgi" target
    simulator_dialect: str = "cloudcenter"  # the dialect the built-in simulator speaks
    app_package: str = ""  # the top package of an "asgi" target's module (its time is patched)

    @property
    def label(self) -> str:
        if self.kind is TargetKind.BUILTIN:
            dialect = (
                ""
                if self.simulator_dialect == "cloudcenter"
                else f" speaking {self.simulator_dialect}"
            )
            return f"builtin simulator{dialect} (in-process)"
        if self.kind is TargetKind.ASGI:
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


def _undescribed_success(source: str, url: str) -> str:
    """Why a server with no success scenario is not run: the suite sends only what it was told."""
    return (
        f"the target description {source} has no [scenarios.success], the request that starts "
        f"an operation on {url}; the suite sends nothing it was not told, so nothing was sent. "
        "Describe it in a TOML file and pass --target-config=target.toml, e.g.:\n\n"
        "    [scenarios.success]\n"
        '    method = "POST"\n'
        '    path = "/v1/jobs"              # where your server accepts work\n'
        '    json = { name = "conformance-{uuid}" }\n\n'
        "README.md, 'Describing your server', lists every key."
    )


def _builtin_description(path: Path | None, dialect: str) -> Loaded:
    """The simulator's own description; a file of the user's overrides it key by key."""
    name = "builtin.toml" if dialect == "cloudcenter" else f"builtin-{dialect}.toml"
    text = resources.files("conformance.targets").joinpath(name).read_text()
    if path is not None:
        return load(path, None, under=tomllib.loads(text))
    suffix = "" if dialect == "cloudcenter" else f" ({dialect})"
    return parse_text(text, f"builtin target description{suffix}")


def resolve(
    target: str,
    config_path: Path | None,
    pyproject: Path | None,
    clock: str | None,
    behaviours: list[str],
    *,
    given: Loaded | None = None,
) -> Target:
    """The target to run against. `given`: a description already loaded (init's, which
    is being written), used instead of the file and not required to describe a scenario."""
    app: Any = None
    app_package = ""
    dialect = "cloudcenter"
    if target == "builtin" or target.startswith("builtin:"):
        dialect = target.partition(":")[2] or dialect
        if dialect not in DIALECTS:
            raise TargetError(
                f"--target {target!r}: the simulator speaks {', '.join(DIALECTS)}; "
                f"use --target=builtin:NAME with one of them."
            )
        loaded = given or _builtin_description(config_path, dialect)
        kind, url = TargetKind.BUILTIN, loaded.effective.base_url or "http://builtin.simulator"
    elif target.startswith("asgi:"):
        app = _import_app(target.removeprefix("asgi:"))
        app_package = target.removeprefix("asgi:").partition(":")[0].partition(".")[0]
        loaded = given or load(config_path, pyproject)
        kind, url = TargetKind.ASGI, loaded.effective.base_url or "http://asgi.app"
    elif target.startswith(("http://", "https://")):
        try:
            if not httpx.URL(target).host:
                raise ValueError("no host")
        except (httpx.InvalidURL, ValueError) as exc:
            raise TargetError(f"--target {target!r} is not a usable URL ({exc}).") from None
        loaded = given or load(config_path, pyproject, base_url=target)
        kind, url = TargetKind.LIVE, target
    else:
        raise TargetError(
            f"--target {target!r} is neither 'builtin', 'asgi:MODULE:APP' nor an http(s) URL. "
            "Use --target builtin for the in-process simulator (builtin:azure and the like "
            "for one speaking another dialect), asgi:myservice.main:app for your ASGI app "
            "in-process, or the base URL of your server, e.g. --target http://127.0.0.1:8080."
        )
    chosen = clock or loaded.effective.clock
    mode = (
        ClockMode(chosen) if chosen else (ClockMode.VIRTUAL if kind.in_process else ClockMode.REAL)
    )
    if mode is ClockMode.VIRTUAL and not kind.in_process:
        raise TargetError(
            f"--clock virtual needs an in-process target, but {url} is a live server whose "
            "clock the suite cannot move. Use --clock control if the server offers the "
            "test-clock endpoint, else --clock real."
        )
    if behaviours and kind is not TargetKind.BUILTIN:
        raise TargetError("--fault applies to --target builtin only; a live server has its own.")
    try:
        names = check_names(behaviours, dialect)
    except ValueError as exc:
        raise TargetError(f"--fault: {exc}") from None
    if (
        given is None
        and kind is not TargetKind.BUILTIN
        and "success" not in loaded.effective.scenarios
    ):
        raise TargetError(_undescribed_success(loaded.source, url))
    return Target(kind, url, mode, names, loaded, app, dialect, app_package)
