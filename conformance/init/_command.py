"""`async-conformance init`: from a URL to a reviewed description, in one command.

Bad input (no document, one that does not load, no asynchronous operation, a probe
that gets no 2xx) ends with exit 4 and what was tried; nothing is written then.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from ..description import DescriptionError, parse, placeholders_named
from ..driver import Redactor
from ..openapi import operation_at
from ..verdicts import plain
from ._discovery import AsyncOperation, async_operations, pointer
from ._finding import Found, NotFound, find_document
from ._inference import infer
from ._probe import Observation, probe
from ._result import find_result
from ._scenario import Scenario, scenario_for
from ._writing import Written, render

__all__ = ["add_arguments", "run_init"]

BAD_INPUT = 4


class Stop(Exception):
    """Bad input: the message says what was tried and what to pass instead."""


_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    ("--target", {"required": True, "metavar": "URL",
                  "help": "the server's base URL (or builtin[:DIALECT], asgi:MODULE:APP)"}),
    ("--openapi", {"metavar": "PATH|URL",
                   "help": "the OpenAPI document, where the server does not publish it "
                           "where servers usually do"}),
    ("--operation", {"metavar": "'METHOD PATH'",
                     "help": "the operation to start, as the table lists it or with its "
                             "path filled in"}),
    ("--status-url", {"metavar": "SOURCE",
                      "help": "where the status URL is, where the answer does not say: a "
                              "dialect's status_url (template:/tasks/{id}, header:NAME, "
                              "body:FIELD, link:REL)"}),
    ("--json", {"metavar": "BODY",
                "help": "the body to submit (JSON), instead of the document's example"}),
    ("--header", {"action": "append", "default": [], "metavar": "'NAME: VALUE'",
                  "help": "sent with every request and written to the description; a "
                          "${VAR} is written as the reference, never its value"}),
    ("--probe", {"action": "store_true",
                 "help": "start one operation on the target and infer the dialect from "
                         "its answers"}),
    ("--yes", {"action": "store_true",
               "help": "with --probe: start the operation without asking"}),
    ("--output", {"default": "target.toml", "metavar": "PATH",
                  "help": "where to write the description (default target.toml)"}),
    ("--force", {"action": "store_true", "help": "overwrite --output if it exists"}),
    ("--interval", {"type": float, "default": 1.0,
                    "help": "seconds between status reads when the server sends no "
                            "Retry-After (default 1)"}),
    ("--budget", {"type": float, "default": 300.0,
                  "help": "seconds the probed operation may take to end (default 300)"}),
]  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for flag, options in _ARGUMENTS:
        parser.add_argument(flag, **options)


def _headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, colon, content = value.partition(":")
        if (
            not colon
            or not name.strip()
            or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip())
        ):
            raise Stop(f"--header {value.split(':')[0]!r}...: write it as 'Name: value'")
        headers[name.strip()] = content.strip()
    return headers


#: The dialect a sign in the document speaks for, the most telling first.
_SPOKEN = (
    ("AIP-151 Operation response", "google-lro"),
    ("Operation-Location header", "azure"),
    ("Azure-AsyncOperation header", "azure"),
    ("x-ms-long-running-operation", "azure"),
    ("Prefer: respond-async", "ogc-processes"),
)


def _documented_dialect(op: AsyncOperation | None) -> tuple[str, str] | None:
    """The built-in dialect the operation's signs speak for, and the sign; None: the
    default dialect's (a 202 with a Location)."""
    for sign in op.signs if op is not None else ():
        for what, dialect in _SPOKEN:
            if sign.what == what:
                return dialect, f"openapi: {sign.at} ({what})"
    return None


def _mounted(args: argparse.Namespace, document: dict[str, Any] | None, seen: Observation) -> str:
    """Where a 404 to the submission may come from: the document's paths sit below a base
    path (Swagger 2 `basePath`, OpenAPI 3 `servers`) that the target's URL lacks."""
    if document is None or seen.submission.status != 404:
        return ""
    servers = document.get("servers")
    first = servers[0] if isinstance(servers, list) and servers else None
    url = first.get("url") if isinstance(first, dict) else None
    base = document.get("basePath") or (httpx.URL(url).path if isinstance(url, str) else "")
    base = str(base).rstrip("/")
    live = args.target.startswith(("http://", "https://"))
    if not base or (live and httpx.URL(args.target).path.rstrip("/").endswith(base)):
        return ""
    said = f"; the document's paths sit below {base}: pass"
    if live:
        return f"{said} --target={args.target.rstrip('/')}{base}"
    sub = seen.submission
    return f"{said} --operation '{sub.method} {base}{httpx.URL(sub.url).path}'"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _check_source(source: str) -> None:
    from ..description import parse

    try:
        parse({"dialect": {"status_url": source}}, "--status-url")
    except DescriptionError as exc:
        raise Stop(
            str(exc).replace("target description --status-url is not usable:\n  - ", "")
        ) from None


def _operation(text: str) -> tuple[str, str]:
    method, _, path = text.strip().partition(" ")
    if not method.isalpha() or not path.strip().startswith("/"):
        raise Stop(
            f"--operation {text!r}: write it as 'METHOD /path', e.g. --operation 'POST /jobs'"
        )
    return method.upper(), path.strip()


def _matches(template: str, path: str) -> bool:
    pattern = re.sub(r"\\\{[^{}/]+\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path.split("?")[0]) is not None


def _chosen(
    document: dict[str, Any] | None, found: list[AsyncOperation], wanted: tuple[str, str] | None
) -> tuple[AsyncOperation | None, str | None]:
    """The operation to start, and the user's own filled-in path for it (None: the document's)."""
    if wanted is None:
        if not found:
            raise Stop(
                "the document marks no operation as asynchronous (no 202, no Location, "
                "Operation-Location or Azure-AsyncOperation header, no "
                "x-ms-long-running-operation, no AIP-151 Operation, no Prefer: respond-async); "
                "name the one to probe with "
                "--operation 'METHOD /path' (and --json BODY)"
            )
        # The strongest sign first: a 201 with a Location alone is also how a synchronous
        # create answers.
        weak = [
            op for op in found if {s.what for s in op.signs} == {"201 response with a Location"}
        ]
        return next((op for op in found if op not in weak), found[0]), None
    method, path = wanted
    for op in found:
        if op.method == method and (op.path == path or _matches(op.path, path)):
            return op, None if op.path == path else path
    for template, item in ((document or {}).get("paths") or {}).items():
        op_doc = item.get(method.lower()) if isinstance(item, dict) else None
        if isinstance(op_doc, dict) and (template == path or _matches(template, path)):
            at = pointer("paths", template, method.lower())
            op = AsyncOperation(method, template, at, ())
            return op, None if template == path else path
    return None, path


def _table(found: list[AsyncOperation], chosen: AsyncOperation | None) -> list[str]:
    if not found:
        return ["The document marks no operation as asynchronous."]
    lines = ["Asynchronous operations in the document:"]
    width = max(len(op.label) for op in found)
    for op in found:
        mark = "*" if op is chosen else " "
        signs = ", ".join(s.what for s in op.signs)
        tied = ", ".join(f"{m} {p}" for m, p, _ in (*op.status, *op.dismiss)) or "-"
        lines.append(f" {mark} {op.label:<{width}}  signs: {signs}; status/dismiss: {tied}")
    return lines


def _dismiss(
    document: dict[str, Any] | None,
    seen: Observation,
    id_value: str | None,
    dialect: str,
    mount: str,
) -> tuple[str, str] | None:
    """Where a job is dismissed in the ogc-processes dialect, whose Dismiss class deletes a
    job at the job's own URL: the DELETE the document gives there, else that URL."""
    if seen.monitor is None or not id_value or dialect != "ogc-processes":
        # Elsewhere a DELETE of the operation's own record is not the resource's deletion:
        # the id's retention windows would be judged on a record the suite deleted.
        return None
    first = seen.polls[0]
    path = httpx.URL(first.url).path
    if not path.endswith("/" + id_value):
        return None
    if mount and path.startswith(mount + "/"):
        path = path[len(mount) :]  # as the description's paths are: below the base URL
    for template, item in ((document or {}).get("paths") or {}).items():
        names = re.findall(r"\{([^{}/]+)\}", template)
        if (
            isinstance(item, dict)
            and "delete" in item
            and len(names) == 1
            and _matches(template, path)
        ):
            url = template.replace("{" + names[0] + "}", "{operation_id}")
            at = pointer("paths", template, "delete")
            return url, f"openapi: {at}, its {{{names[0]}}} the operation id"
    url = path[: -len(id_value)] + "{operation_id}"
    return url, f"the job's status URL (exchange #{first.index}), where OGC dismisses a job"


def _suffixes(path: str) -> list[int]:
    """Where the document's paths may start in a request path: at its root, or below the
    base path the server is mounted at (each `/` in turn)."""
    return [i for i, c in enumerate(path) if c == "/"]


def _id_value(seen: Observation, id_field: str | None) -> str | None:
    from ..driver import field

    for exchange in (seen.submission, *seen.polls):
        value = field(exchange.json_object(), id_field or "")
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
    return None


def _confirm(scenario: Scenario, target: str, ask: Callable[[str], str]) -> None:
    said = f"init --probe starts one operation on {target}: {scenario.method} {scenario.path}"
    if not sys.stdin.isatty():
        raise Stop(f"{said}; pass --yes to allow it (no terminal to ask on)")
    if ask(f"{said}. Go on? [y/N] ").strip().lower() not in ("y", "yes"):
        raise Stop(
            "not probed: nothing was started. Leave out --probe to write the description "
            "from the document alone"
        )


def run_init(args: argparse.Namespace, ask: Callable[[str], str] = input) -> int:
    from ..session import ConformanceSession
    from ..target import TargetError, resolve

    out = Path(args.output)
    redact: Callable[[str], str] = str
    try:
        if out.exists() and not args.force:
            raise Stop(
                f"{out} exists; pass --force to overwrite it, or --output=PATH for another file"
            )
        headers = _headers(args.header)
        wanted = _operation(args.operation) if args.operation else None
        if args.status_url is not None:
            _check_source(args.status_url)
        body = None
        if args.json is not None:
            import json

            try:
                body = json.loads(args.json, parse_constant=_no_constant)
            except ValueError as exc:
                raise Stop(f"--json is not JSON ({exc})") from None
            named = placeholders_named(body) - {"uuid", "n"}
            if named or "${" in args.json:
                shown = ", ".join(sorted("{" + n + "}" for n in named)) or "${...}"
                raise Stop(
                    f"--json holds {shown}: a description fills only {{uuid}} and {{n}} in a "
                    "body (fresh in each submission); write the value itself"
                )
        _positive(args)
        try:
            loaded = parse({"headers": headers}, "--header")
            target = resolve(args.target, None, None, None, [], given=loaded)
        except (DescriptionError, TargetError) as exc:
            raise Stop(str(exc)) from None
        redact = Redactor(loaded.secrets).text  # a server may echo a secret anywhere
        today = datetime.date.today().isoformat()  # before an app's clock is the date
        session = ConformanceSession(target)
        try:
            return _session(args, session, headers, wanted, body, out, ask, today)
        finally:
            session.close()
    except Stop as stop:
        print(plain(redact(f"async-conformance init: {stop}"), lines=True), file=sys.stderr)
        return BAD_INPUT


def _session(
    args: argparse.Namespace,
    session: Any,
    headers: dict[str, str],
    wanted: tuple[str, str] | None,
    body: Any,
    out: Path,
    ask: Callable[[str], str],
    today: str,
) -> int:
    driver = session.driver
    redact = session.redactor.text
    found_doc = find_document(driver, args.openapi, Path.cwd())
    document = found_doc.document if isinstance(found_doc, Found) else None
    if isinstance(found_doc, NotFound) and (wanted is None or args.openapi is not None):
        tried = "".join(f"\n  - {redact(t)}" for t in found_doc.tried)
        raise Stop(
            f"{redact(found_doc.problem)}{' (tried:' + tried + ')' if tried else ''}\n"
            "Pass --openapi=PATH|URL where the document is, or --operation 'METHOD /path' "
            "and --json BODY to probe without one"
        )
    found = async_operations(document) if document is not None else []
    op, concrete = _chosen(document, found, wanted)
    for line in _table(found, op):
        print(line)
    if op is None:
        assert wanted is not None
        scenario = Scenario(wanted[0], wanted[1], cited={"path": "--operation"})
    else:
        scenario = scenario_for(document or {}, op, concrete)
    if body is not None:
        scenario.json, scenario.cited["json"] = body, "--json"
        scenario.missing = [m for m in scenario.missing if "body" not in m]
    if scenario.missing:
        raise Stop("\n  - ".join(["the request cannot be written yet:", *scenario.missing]))
    written = Written(args.target, scenario, headers=headers)
    if isinstance(found_doc, Found):
        # A file as the description names files: from the description's own folder.
        written.openapi = (
            os.path.relpath(found_doc.source, out.resolve().parent)
            if found_doc.file
            else found_doc.source
        )
        fetched = found_doc.exchange
        written.openapi_cited = (
            f"exchange #{fetched.index}: GET answered 200" if fetched else "--openapi"
        )
    if args.probe:
        if not args.yes:
            _confirm(scenario, args.target, ask)
        _probed(args, driver, scenario, document, op, written, redact)
    else:
        written.notes.append(
            "written from the document alone; `init --probe` checks it against the server and "
            "infers the dialect from its answers"
        )
        written.documented_dialect = _documented_dialect(op)
    command = "async-conformance init " + " ".join(shlex.quote(a) for a in _shown(args))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(redact(render(written, command, today)), encoding="utf-8")
    except OSError as exc:
        raise Stop(f"--output {out}: cannot be written ({exc.strerror or exc})") from None
    for exchange in driver.transcript:
        print(redact(f"  {exchange.describe()}"))
    print(f"Wrote {out}. Review it, then run:")
    print(f"  pytest --target={shlex.quote(args.target)} --target-config={shlex.quote(str(out))}")
    return 0


def _probed(
    args: argparse.Namespace,
    driver: Any,
    scenario: Scenario,
    document: dict[str, Any] | None,
    op: AsyncOperation | None,
    written: Written,
    redact: Callable[[str], str],
) -> None:
    seen = probe(driver, scenario, document, op, args.interval, args.budget, args.status_url)
    if seen.problem and not (seen.monitor is None and seen.elsewhere and not seen.refused):
        last = f"\n  {list(driver.transcript)[-1].describe()}"
        raise Stop(f"the probe stopped: {seen.problem}{_mounted(args, document, seen)}{last}")
    if seen.monitor is None:  # named on another origin: what the acceptance showed, no more
        written.notes.append(
            f"{seen.problem}: the keys after status_url are the base dialect's, not seen. If "
            "that origin is your server's, list it in allowed_origins and run init again"
        )
        said = f"async-conformance init: {seen.problem}; the description says so"
        print(plain(redact(said)), file=sys.stderr)
    result = find_result(driver, seen, scenario) if seen.polls else None
    written.inferred = inferred = infer(seen, result, document)
    for sign in op.signs if op is not None else ():
        name = sign.what.removesuffix(" header")
        if name != sign.what and seen.submission.header(name) is None:
            inferred.differs.append(
                f"it documents the {name} header at {sign.at}; the acceptance (exchange "
                f"#{seen.submission.index}) had none"
            )
    id_key = inferred.keys.get("id_field")
    id_value = _id_value(seen, id_key.value if id_key else None)
    mount = httpx.URL(str(driver.client.base_url)).path.rstrip("/")
    written.dismiss = _dismiss(document, seen, id_value, inferred.base, mount)
    deleted = written.dismiss is not None  # the job itself is what the run deletes
    if result is not None and result.read is not None and document is not None and not deleted:
        path = httpx.URL(result.read.url).path
        if not any(operation_at(document, "DELETE", path[i:]) for i in _suffixes(path)):
            written.undeletable = (
                f"the document gives no DELETE of the result ({path}, exchange "
                f"#{result.read.index}): nothing to judge a deletion by"
            )
    if seen.final_role is not None and seen.final_role.value != "success":
        written.notes.append(
            f"the probed operation ended {seen.final_role.value}, not success: give "
            "[scenarios.success] a request that succeeds, and keep this one as the failure scenario"
        )


def _positive(args: argparse.Namespace) -> None:
    for flag in ("interval", "budget"):
        value = getattr(args, flag)
        if not math.isfinite(value) or value <= 0:
            raise Stop(f"--{flag} {value}: give a number of seconds greater than 0")


def _shown(args: argparse.Namespace) -> Sequence[str]:
    """The command's arguments as given, for the file's first line (header values left out)."""
    shown = [f"--target={args.target}"]
    for flag in ("openapi", "operation", "output"):
        if getattr(args, flag) is not None:
            shown.append(f"--{flag}={getattr(args, flag)}")
    shown += [f"--header={h.split(':')[0]}: ..." for h in args.header]
    shown += [f"--{f}" for f in ("probe", "yes") if getattr(args, f)]
    return shown
