"""The probe: one submission, followed to its end, with nothing described but the request.

It asks only URLs the server's answers give, or the document's status paths filled with
a value the answer gave. The first candidate that answers is the status monitor; it is
read until a state word, a `done` flag or the HTTP code says the operation ended, or the
budget is spent. Every request is the driver's, so the transcript numbers them, and what
`init` writes cites them as `exchange #N`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..description import Role, fill_template
from ..description import fill_placeholders as fill
from ..driver import MIN_WAIT_SHARE, MISSING, Driver, Exchange, link, retry_after_seconds
from ..driver import field as read_field
from ._discovery import AsyncOperation
from ._scenario import Scenario
from ._vocabulary import (
    ID_NAMES,
    MONITOR_NAMES,
    MONITOR_RELS,
    leaves,
    role_of,
    state_fields,
    url_fields,
)

__all__ = ["Monitor", "Observation", "probe"]

#: Headers that name a status monitor, in the order the Azure guidelines prefer them.
MONITOR_HEADERS = ("Operation-Location", "Azure-AsyncOperation", "Location")
#: Candidate monitors asked before the probe gives up on finding one.
MAX_CANDIDATES = 6


@dataclass(frozen=True)
class Monitor:
    source: str  # a dialect's status_url source: "header:Location", "template:/jobs/{id}"
    url: str
    cited: str
    id_field: str = ""  # the field whose value fills a template's {id}


@dataclass
class Observation:
    submission: Exchange
    monitor: Monitor | None = None
    polls: list[Exchange] = field(default_factory=list)
    #: How the end was told: "field:<path>", "done", "http", or "" (it did not end).
    told_by: str = ""
    final_role: Role | None = None
    #: Monitors asked that did not answer as one, with what they answered.
    refused: list[tuple[Monitor, Exchange]] = field(default_factory=list)
    problem: str = ""
    given: bool = False  # the user said where the monitor is (--status-url)
    #: Monitors named on another origin, never followed: (monitor, the URL it resolves to).
    elsewhere: list[tuple[Monitor, str]] = field(default_factory=list)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [b for b in (e.json_object() for e in self.polls) if b is not None]


def _ids(body: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(field, value) of the body's fields that may be an id, the likeliest first."""
    found = [
        (p, str(v))
        for p, v in leaves(body, depth=1)
        if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v)
    ]
    rank = {n: i for i, n in enumerate(ID_NAMES)}

    def order(item: tuple[str, str]) -> tuple[int, int]:
        if item[0] in rank:
            return 0, rank[item[0]]
        return (1 if re.search(r"(?:^|[._a-z])(?:id|Id|ID)$", item[0]) else 2), 0

    return [item for item in sorted(found, key=order) if order(item)[0] < 2]


def _given(submission: Exchange, source: str) -> list[Monitor]:
    """The monitor where the user said it is (--status-url), for each way to fill it."""
    kind, _, argument = source.partition(":")
    body = submission.json_object()
    cited = "--status-url"
    if kind == "header":
        value = submission.header(argument)
        return [Monitor(source, value, cited)] if value else []
    if kind == "body":
        value = read_field(body, argument)
        return [Monitor(source, value, cited)] if isinstance(value, str) and value else []
    if kind == "link":
        href = link(body, submission.headers, argument)
        return [Monitor(source, href, cited)] if href else []
    found = []
    for id_field, value in _ids(body) if "{id}" in argument else [("", "")]:
        url = fill_template(argument, value or None, lambda path: read_field(body, path))
        if url is not None:
            where = f"{cited}, its {{id}} the field {id_field}" if id_field else cited
            found.append(Monitor(source, url, f"{where} of exchange #{submission.index}", id_field))
    return found


def candidates(
    submission: Exchange,
    document: dict[str, Any] | None,
    op: AsyncOperation | None,
    given: str | None = None,
) -> list[Monitor]:
    """Where the status monitor may be: where the user said, else from the answer, then
    from the document."""
    if given is not None:
        return _given(submission, given)
    n = submission.index
    found: list[Monitor] = []
    for name in MONITOR_HEADERS:
        value = submission.header(name)
        if value:
            found.append(Monitor(f"header:{name}", value, f"exchange #{n}: {name} header"))
    body = submission.json_object()
    for rel in MONITOR_RELS:
        href = link(body, submission.headers, rel)
        if href:
            found.append(Monitor(f"link:{rel}", href, f"exchange #{n}: link rel={rel}"))
    for path, value in url_fields(body, MONITOR_NAMES):
        found.append(Monitor(f"body:{path}", value, f"exchange #{n}: field {path}"))
    ids = _ids(body)
    for method, path, at in op.status if op is not None else ():
        names = re.findall(r"\{([^{}/]+)\}", path)
        if method != "GET" or len(names) != 1:
            continue
        for id_field, value in ids:
            template = path.replace("{" + names[0] + "}", "{id}")
            url = path.replace("{" + names[0] + "}", value)
            cited = f"openapi: {at}, its {{{names[0]}}} the field {id_field} of exchange #{n}"
            found.append(Monitor(f"template:{template}", url, cited, id_field))
    aip_name = body.get("name") if body is not None else None
    operation = body is not None and ("done" in body or "metadata" in body)
    if operation and isinstance(aip_name, str) and "/" in aip_name:
        # AIP-151: an Operation (name, done, metadata) is polled at GET /v1/{name}.
        url = "/v1/" + aip_name.lstrip("/")
        found.append(
            Monitor("template:/v1/{id}", url, f"exchange #{n}: field name, as AIP-151", "name")
        )
    unique: dict[str, Monitor] = {}
    for monitor in found:
        unique.setdefault(monitor.url + "|" + monitor.source, monitor)
    return list(unique.values())


def _state(
    exchange: Exchange, state_field: str, running_codes: set[int]
) -> tuple[str, Role | None]:
    """How this answer tells its state, and the role it tells (RUNNING or None: not ended).

    A `done: true` (AIP-151) ends it whatever a state field says; a `done` that is false,
    or left out of an Operation (proto3 JSON omits a false), does not.
    """
    body = exchange.json_object()
    if body is not None and body.get("done") is True:
        failed = body.get("error") not in (None, {}, "")
        return "done", Role.FAILURE if failed else Role.SUCCESS
    if state_field:
        return f"field:{state_field}", role_of(read_field(body, state_field))
    if body is not None and ("done" in body or {"name", "metadata"} <= body.keys()):
        return "done", None
    code = exchange.status or 0
    if code in running_codes:
        return "http", None
    if running_codes and 200 <= code < 400:
        return "http", Role.SUCCESS
    return "", None


def probe(
    driver: Driver,
    scenario: Scenario,
    document: dict[str, Any] | None,
    op: AsyncOperation | None,
    interval: float,
    budget: float,
    given: str | None = None,
) -> Observation:
    """Submit the scenario once and follow its operation to its end (or the budget);
    `given`: where the user said the status URL is (a dialect's status_url source)."""
    values = {"uuid": str(uuid.uuid4()), "n": "1"}  # as the suite fills a scenario's
    submission = driver.send(
        "init: submission",
        scenario.method,
        fill(scenario.path, values),
        json=fill(scenario.json, values),
        headers=fill(dict(scenario.headers), values),
    )
    seen = Observation(submission, given=given is not None)
    if submission.error is not None or not (200 <= (submission.status or 0) < 300):
        seen.problem = (
            f"the submission {scenario.method} {scenario.path} answered "
            f"{submission.error or submission.status}, not a 2xx acceptance"
        )
        return seen
    start = driver.clock.now()
    for monitor in candidates(submission, document, op, given)[:MAX_CANDIDATES]:
        # As the suite resolves it: a reference the answer gave, against the request's URL
        # (RFC 3986 §5); a template's path, on the target.
        url = (
            driver.on_target(monitor.url)
            if monitor.source.startswith("template:")
            else driver.resolve(submission.url, monitor.url)
        )
        if isinstance(url, str):
            continue
        if not driver.same_origin(url):
            seen.elsewhere.append((monitor, str(url)))  # not followed: another origin
            continue
        first = driver.send("init: status read 1", "GET", url)
        if first.error is None and first.status is not None and 200 <= first.status < 400:
            seen.monitor, seen.polls = monitor, [first]
            break
        seen.refused.append((monitor, first))
    if seen.monitor is None:
        seen.problem = _no_monitor(seen)
        return seen
    _follow(driver, seen, httpx.URL(str(url)), start, interval, budget)
    return seen


def _follow(
    driver: Driver, seen: Observation, url: httpx.URL, start: float, interval: float, budget: float
) -> None:
    first = seen.polls[0]
    fields = state_fields(first.json_object()) or state_fields(seen.submission.json_object())
    state_field = fields[0] if fields else ""
    running_codes = {202} if first.status == 202 and not state_field else set()
    while True:
        last = seen.polls[-1]
        if read_field(last.json_object(), state_field) is MISSING or not state_field:
            # A state field that shows up later, or moves (one name while queued, another
            # while running): read from this answer again.
            found = state_fields(last.json_object())
            state_field = found[0] if found else state_field
        seen.told_by, role = _state(last, state_field, running_codes)
        if role is not None and role is not Role.RUNNING:
            seen.final_role = role
            return
        if last.error is not None or (last.status or 0) >= 400:
            seen.problem = f"the status monitor answered {last.error or last.status} while polled"
            return
        waited = driver.clock.now() - start
        if waited >= budget:
            seen.problem = (
                f"the operation did not end within {budget:g} s (--budget); "
                f"it last said {_said(last, state_field)}, which init does not know as the "
                "end of an operation: give it longer with --budget, or, if that is a state "
                "that ends it, write the description by hand (README, 'Describing your server')"
            )
            return
        pause = retry_after_seconds(last.header("retry-after"), driver.clock.now())
        # As the suite polls: a Retry-After of 0 is no reason for a busy loop.
        wait = max(pause if pause is not None else interval, interval * MIN_WAIT_SHARE)
        driver.clock.sleep(min(wait, budget - waited))
        seen.polls.append(driver.send(f"init: status read {len(seen.polls) + 1}", "GET", url))


def _said(exchange: Exchange, state_field: str) -> str:
    if state_field:
        return f"{state_field} = {read_field(exchange.json_object(), state_field)!r}"
    return f"HTTP {exchange.status}"


def _no_monitor(seen: Observation) -> str:
    sub = seen.submission
    said = f"the acceptance (exchange #{sub.index}, {sub.status})"
    if not seen.refused and seen.elsewhere:
        monitor, url = seen.elsewhere[0]
        return (
            f"the status monitor {url} ({monitor.cited}) is on another origin, which init does "
            "not follow"
        )
    if not seen.refused and seen.given:
        return f"{said} has nothing --status-url names"
    if not seen.refused:
        return (
            f"{said} names no status monitor: no {', '.join(MONITOR_HEADERS)} header, no link "
            "or URL field, and the document ties no status operation to it; say where it is "
            "with --status-url (e.g. --status-url='template:/tasks/{id}')"
        )
    asked = "; ".join(
        f"{m.source} -> {e.error or e.status} (exchange #{e.index})" for m, e in seen.refused
    )
    return f"no candidate status monitor answered 2xx: {asked}"
