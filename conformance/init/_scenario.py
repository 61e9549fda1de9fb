"""The success scenario `init` writes: an asynchronous operation's request, from the document.

Parameters take the value the document gives them (an example, a default, the only
enum value); a PUT's last path parameter, which names what it creates, is fresh in
every submission (`{uuid}`). The body is the document's example, else the smallest
valid body Schemathesis draws from its schema. What the document does not give is
said, with the option that gives it, never made up.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from ..description import placeholders_named
from ._discovery import AsyncOperation, local, pointer

__all__ = ["Scenario", "scenario_for"]

_PARAMETER = re.compile(r"\{([^{}/]+)\}")
_JSON = re.compile(r"^application/(?:[\w.+-]+\+)?json\b")


@dataclass
class Scenario:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Where each part came from, by the description key it fills ("path", "json", ...).
    cited: dict[str, str] = field(default_factory=dict)
    #: What the document did not give, each with the option that gives it.
    missing: list[str] = field(default_factory=list)


def _value(document: dict[str, Any], parameter: dict[str, Any]) -> Any:
    """The value the document gives a parameter, or None."""
    schema = local(document, parameter.get("schema") or parameter)
    if "example" in parameter:
        return parameter["example"]
    examples = parameter.get("examples")
    for example in examples.values() if isinstance(examples, dict) else ():
        example = local(document, example)
        if isinstance(example, dict) and "value" in example:
            return example["value"]
    if isinstance(schema, dict):
        for key in ("example", "default"):
            if key in schema:
                return schema[key]
        enum = schema.get("enum")
        if isinstance(enum, list) and len(enum) == 1:
            return enum[0]
    return None


def _text(value: Any) -> str:
    """A parameter's value as a URL writes it: JSON's true and false, numbers as they are."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _parameters(document: dict[str, Any], op: AsyncOperation) -> list[dict[str, Any]]:
    item = document["paths"][op.path]
    shared, own = item.get("parameters"), item[op.method.lower()].get("parameters")
    raw = [*(shared if isinstance(shared, list) else []), *(own if isinstance(own, list) else [])]
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in raw:  # the operation's own override the path's (OpenAPI 3, 4.8.10)
        parameter = local(document, entry)
        if isinstance(parameter, dict) and isinstance(parameter.get("name"), str):
            by_key[(str(parameter.get("in")), parameter["name"])] = parameter
    return list(by_key.values())


def _fill_path(
    document: dict[str, Any], op: AsyncOperation, parameters: list[dict[str, Any]], s: Scenario
) -> None:
    by_name = {p["name"]: p for p in parameters if p.get("in") == "path"}
    names = _PARAMETER.findall(op.path)
    path, unknown = op.path, []
    for i, name in enumerate(names):
        value = _value(document, by_name.get(name, {}))
        if value is None and op.method == "PUT" and i == len(names) - 1:
            value = "async-conformance-{uuid}"  # what the PUT creates: new every time
        if value is None or isinstance(value, (dict, list)):
            unknown.append(name)
            continue
        path = path.replace("{" + name + "}", quote(_text(value), safe=""))
    if unknown:
        shown = re.sub(r"\{(" + "|".join(map(re.escape, unknown)) + r")\}", "...", path)
        s.missing.append(
            f"the document gives no example of {', '.join('{' + n + '}' for n in unknown)} in "
            f"{op.label}: pass --operation '{op.method} {shown}' with the values filled in"
        )
    query: list[tuple[str, str]] = []
    for parameter in parameters:
        if parameter.get("in") == "query" and parameter.get("required"):
            value = _value(document, parameter)
            if value is None:
                s.missing.append(
                    f"the required query parameter {parameter['name']!r} of {op.label} has "
                    "no example in the document: pass --operation with it in the path"
                )
            elif isinstance(value, list):  # form style, exploded: name=a&name=b
                query += [(parameter["name"], _text(v)) for v in value]
            elif not isinstance(value, dict):
                query.append((parameter["name"], _text(value)))
    s.path = path + ("?" + urlencode(query, quote_via=quote) if query else "")
    s.cited["path"] = f"openapi: {op.at}"


def _media(document: dict[str, Any], op: AsyncOperation) -> tuple[Any, str] | None:
    """The JSON media type object of the request body (OpenAPI 3) or the body parameter
    (Swagger 2), with its pointer."""
    raw = document["paths"][op.path][op.method.lower()]
    body = local(document, raw.get("requestBody"))
    content = body.get("content") if isinstance(body, dict) else None
    if isinstance(content, dict):
        for name, media in content.items():
            if _JSON.match(str(name)):
                return local(document, media), f"{op.at}/requestBody/content/{pointer(name)[1:]}"
    listed = raw.get("parameters")
    for i, parameter in enumerate(listed if isinstance(listed, list) else []):
        parameter = local(document, parameter)
        if isinstance(parameter, dict) and parameter.get("in") == "body":
            return parameter, f"{op.at}/parameters/{i}"
    return None


def _example(document: dict[str, Any], media: Any, at: str) -> tuple[Any, str] | None:
    if not isinstance(media, dict):
        return None
    if "example" in media:
        return media["example"], f"{at}/example"
    examples = media.get("examples")
    for name, example in examples.items() if isinstance(examples, dict) else ():
        example = local(document, example)
        if isinstance(example, dict) and "value" in example:
            return example["value"], f"{at}/examples/{pointer(name)[1:]}/value"
    schema = local(document, media.get("schema"))
    if isinstance(schema, dict) and "example" in schema:
        return schema["example"], f"{at}/schema/example"
    return None


def _generated(document: dict[str, Any], op: AsyncOperation) -> Any:
    """The smallest body Schemathesis draws from the operation's schema; None when it
    cannot draw one (a schema in another document, which is never fetched)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, find, settings
    from schemathesis import GenerationMode

    from ..openapi import cut_elsewhere

    cut, _ = cut_elsewhere(document)
    try:
        schema = schemathesis.openapi.from_dict(cut, config=schemathesis.Config())
        operation: Any = schema[op.path][op.method]
        case = find(
            operation.as_strategy(GenerationMode.POSITIVE),
            lambda case: True,
            settings=settings(
                database=None,
                max_examples=20,
                phases=[Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
                deadline=None,
            ),
        )
    except Exception:  # Schemathesis refuses schemas in many ways: no body, said once
        return None
    return getattr(case, "body", None)


def _body_required(document: dict[str, Any], op: AsyncOperation) -> bool:
    raw = document["paths"][op.path][op.method.lower()]
    body = local(document, raw.get("requestBody"))
    return isinstance(body, dict) and body.get("required") is True


def _unsendable(s: Scenario, where: str) -> None:
    """An example whose text a description would read as a placeholder or a variable."""
    named = placeholders_named(s.json) - {"uuid", "n"}
    variables = "${" in json.dumps(s.json)
    if named or variables:
        shown = ", ".join(sorted("{" + n + "}" for n in named)) or "${...}"
        s.missing.append(
            f"the document's example ({where}) holds {shown}, which a description reads as a "
            "placeholder or a variable: pass --json with a body without it"
        )


def scenario_for(document: dict[str, Any], op: AsyncOperation, concrete: str | None) -> Scenario:
    """The request that starts `op`; `concrete` is the user's own path for it, if given."""
    s = Scenario(op.method, concrete or op.path)
    parameters = _parameters(document, op)
    if concrete is None:
        _fill_path(document, op, parameters, s)
    else:
        s.cited["path"] = f"--operation, {op.label} in the document ({op.at})"
    if any(sign.what == "Prefer: respond-async" for sign in op.signs):
        s.headers["Prefer"] = "respond-async"  # OGC: asked for, else it may answer at once
        s.cited["headers"] = f"openapi: {op.at}/parameters (Prefer: respond-async)"
    media = _media(document, op)
    if media is None:
        if _body_required(document, op):
            s.missing.append(
                f"{op.label} takes a body that is not JSON, which a description cannot send: "
                "choose another operation with --operation"
            )
        return s
    found = _example(document, *media)
    if found is not None:
        s.json, where = found
        s.cited["json"] = f"openapi: {where}"
        _unsendable(s, where)
        return s
    body = _generated(document, op)
    if body is None:
        s.missing.append(
            f"the body of {op.label} has no example in the document and none could be drawn "
            "from its schema: pass --json with a body it accepts"
        )
    else:
        s.json = body
        s.cited["json"] = f"drawn by Schemathesis from the schema at openapi: {media[1]}/schema"
    return s
