"""Read a target description from TOML, check it, and expand `${VAR}` references."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ._model import Description
from ._placeholders import misplaced

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["DescriptionError", "Loaded", "available_dialects", "load", "parse", "parse_text"]

PYPROJECT_TABLE = "tool.async-conformance"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class DescriptionError(ValueError):
    """A target description that cannot be used; the message names the key and the way out."""


@dataclass(frozen=True)
class Loaded:
    """A checked description: `effective` drives requests, `described` is safe to print."""

    source: str
    described: Description
    effective: Description
    secrets: frozenset[str]
    #: The dialect as the header names it: its name, what it extends, what was overridden.
    dialect_label: str = "cloudcenter"


def available_dialects() -> list[str]:
    files = resources.files("conformance.dialects").iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def _builtin_dialect(name: str) -> dict[str, Any]:
    text = resources.files("conformance.dialects").joinpath(f"{name}.toml").read_text()
    return dict(tomllib.loads(text))


def _dialect_table(user: dict[str, Any], source: str) -> dict[str, Any]:
    """The user's [dialect] table over the built-in one it names or extends."""
    user = dict(user)
    if "result_url_field" in user:  # the older spelling of result_url = "body:<field>"
        field = user.pop("result_url_field")
        if not isinstance(field, str):
            raise DescriptionError(
                f"{source}: dialect.result_url_field = {field!r} must be a field name; "
                'or write result_url = "body:<field>"'
            )
        user.setdefault("result_url", f"body:{field}" if field else "none")
    name, extends = user.get("name", "cloudcenter"), user.get("extends")
    builtin = available_dialects()
    if extends is not None and (not isinstance(extends, str) or extends not in builtin):
        raise DescriptionError(
            f"{source}: dialect.extends = {extends!r} is not a built-in dialect; "
            f"use one of {builtin}."
        )
    if extends is None and (not isinstance(name, str) or name not in builtin):
        raise DescriptionError(
            f"{source}: dialect.name = {name!r} is not a known dialect; use one of {builtin}, "
            f"or keep your name and add extends = one of them to start from its keys."
        )
    base = _builtin_dialect(extends or name)
    base.pop("extends", None)
    return {**_merge(base, user), "name": name}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        # A request's body is one value: the newer replaces it whole.
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "json":
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _expand(value: Any, where: str, source: str, secrets: set[str]) -> Any:
    """Replace `${VAR}` in strings with the environment's value, remembering it as secret."""
    if isinstance(value, dict):
        return {
            k: _expand(v, f"{where}.{k}".lstrip("."), source, secrets) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_expand(v, f"{where}[{i}]", source, secrets) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DescriptionError(
                f"{source}: {where} refers to ${{{name}}}, but the environment variable "
                f"{name} is not set. Export it before the run, or remove the reference."
            )
        secret = os.environ[name]
        if secret:
            secrets.add(secret)
        return secret

    return _ENV_REF.sub(substitute, value)


def _field_names(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed at `loc`, walking the model classes along the path."""
    current: Any = model
    for part in loc:
        if _is_model(current):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        else:  # a table of models (scenarios.<name>) or a list: the model it holds
            args = getattr(current, "__args__", ())
            current = next((a for a in args if _is_model(a)), args[-1] if args else None)
    if not _is_model(current):  # an optional table (sync, dialect.done): X | None
        current = next((a for a in getattr(current, "__args__", ()) if _is_model(a)), None)
    return [f.alias or n for n, f in current.model_fields.items()] if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _explain(error: ValidationError, source: str, secrets: set[str]) -> DescriptionError:
    lines = []
    for item in error.errors():
        loc = tuple(p for p in item["loc"] if p not in ("function-after", "[key]"))
        key = ".".join(str(p) for p in loc) or "(top level)"
        if item["type"] == "extra_forbidden":
            allowed = _field_names(Description, loc[:-1])
            lines.append(f"unknown key {key!r}; allowed here: {', '.join(allowed)}")
        elif item["type"] == "missing":
            lines.append(f"missing key {key!r}")
        elif item["type"] == "value_error":
            where = f"{key}: " if loc else ""
            lines.append(f"{where}{str(item['msg']).removeprefix('Value error, ')}")
        else:
            lines.append(f"{key} = {item['input']!r}: {item['msg']}")
    text = "\n  - ".join(lines)
    for secret in sorted(secrets, key=len, reverse=True):  # a value from ${NAME} is a secret
        for form in _quoted_forms(secret):
            text = text.replace(form, "[secret]")
    return DescriptionError(
        f"target description {source} is not usable:\n  - {text}"
        "\nREADME.md, 'Describing your server', lists every key with its default."
    )


def _quoted_forms(secret: str) -> list[str]:
    """`secret` as a message may show it: inside a repr() of a value that holds it (quoted
    with ' unless the value holds ' and no ", and then with each ' escaped), and as is."""
    return [repr('"' + secret)[2:-1], repr(secret)[1:-1], secret]


def parse(raw: dict[str, Any], source: str, base_url: str | None = None) -> Loaded:
    """Check a description given as a dict (a TOML document, or a pyproject table)."""
    raw = dict(raw)
    if base_url is not None:
        raw["base_url"] = base_url
    user_dialect = raw.get("dialect", {})
    if not isinstance(user_dialect, dict):
        raise DescriptionError(f"{source}: dialect must be a table, not {user_dialect!r}")
    raw["dialect"] = _dialect_table(user_dialect, source)
    problems = misplaced(raw)  # as written: a ${NAME} is not a placeholder, nor its value
    if problems:
        raise DescriptionError(
            f"target description {source} is not usable:\n  - "
            + "\n  - ".join(problems)
            + "\nREADME.md, 'Describing your server', lists every key with its default."
        )
    secrets: set[str] = set()
    expanded = _expand(raw, "", source, secrets)  # an unset variable is named before any check
    try:
        effective = Description.model_validate(expanded)
    except ValidationError as exc:
        raise _explain(exc, source, secrets) from None
    try:
        described = Description.model_validate(raw)  # as written, ${NAME} and all
    except ValidationError:
        # A ${NAME} where the value itself is checked (a URL, a path, a method): the checked
        # form serves, and the report redacts its secrets as it does everywhere.
        described = effective
    return Loaded(source, described, effective, frozenset(secrets), _label(user_dialect))


def _label(user: dict[str, Any]) -> str:
    name, extends = user.get("name", "cloudcenter"), user.get("extends")
    overridden = sorted(_flat_keys({k: v for k, v in user.items() if k not in ("name", "extends")}))
    label = f"{name} (extends {extends})" if extends else str(name)
    if overridden:
        shown = ", ".join(overridden[:6]) + (", ..." if len(overridden) > 6 else "")
        label += f", keys overridden: {shown}"
    return label


def _flat_keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        if isinstance(value, dict) and value and key != "http_states":
            keys |= _flat_keys(value, f"{prefix}{key}.")
        else:
            keys.add(prefix + key)
    return keys


def parse_text(text: str, source: str, base_url: str | None = None) -> Loaded:
    """Check a description given as TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DescriptionError(f"target description {source} is not valid TOML: {exc}") from None
    return parse(raw, source, base_url)


def load(
    path: Path | None,
    pyproject: Path | None,
    base_url: str | None = None,
    under: dict[str, Any] | None = None,
) -> Loaded:
    """Load from `path`, else from `[tool.async-conformance]` in `pyproject`, else defaults;
    `under`: a description the file's keys override, table by table."""
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DescriptionError(
                f"target description {path} does not exist; check the --target-config path."
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DescriptionError(
                f"target description {path} cannot be read as UTF-8 text: {exc}"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise DescriptionError(f"target description {path} is not valid TOML: {exc}") from None
        return parse(_merge(under or {}, raw), str(path), base_url)
    if pyproject is not None and pyproject.is_file():
        try:
            document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DescriptionError(f"{pyproject} is not valid TOML: {exc}") from None
        tool = document.get("tool", {})
        table = tool.get("async-conformance") if isinstance(tool, dict) else None
        if table is not None and not isinstance(table, dict):
            raise DescriptionError(
                f"{pyproject}: [{PYPROJECT_TABLE}] must be a table of settings, not {table!r}"
            )
        if table is not None:
            return parse(table, f"{pyproject} [{PYPROJECT_TABLE}]", base_url)
    return parse({}, "(defaults)", base_url)
