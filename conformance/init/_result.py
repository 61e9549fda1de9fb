"""Where a finished operation's result is, as the probe saw it: asked once to be sure.

Candidates come from the last status answer (a URL field, a link whose relation names
a result, a `Location`), an AIP-151 `response.name` under the monitor's own prefix, or
the request URL of a PUT, which creates in place. The first that answers 2xx is taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..driver import Driver, Exchange, link
from ..driver import field as read_field
from ._probe import Observation
from ._scenario import Scenario
from ._vocabulary import RESULT_NAMES, url_fields

__all__ = ["Result", "find_result"]


@dataclass(frozen=True)
class Result:
    source: str  # a dialect's result_url: "body:resourceUrl", "link:<rel>", "request", ...
    cited: str
    read: Exchange | None = None  # the GET that showed it is there


def _rels(seen: Observation) -> list[str]:
    last = seen.polls[-1]
    body = last.json_object()
    rels: list[str] = []
    links = body.get("links") if isinstance(body, dict) else None
    for entry in links if isinstance(links, list) else ():
        rel = entry.get("rel") if isinstance(entry, dict) else None
        if isinstance(rel, str) and re.search(r"result", rel, re.I) and rel not in rels:
            rels.append(rel)
    for name, value in last.headers:
        if name.lower() == "link":
            rels += [r for r in re.findall(r'rel="?([^";,]+)', value) if "result" in r.lower()]
    return rels


def _candidates(seen: Observation, scenario: Scenario) -> list[tuple[str, str, str]]:
    """(source, URL, citation) in order of preference."""
    last = seen.polls[-1]
    n = last.index
    body = last.json_object()
    found: list[tuple[str, str, str]] = []
    running = {path for path, _ in url_fields(seen.polls[0].json_object(), RESULT_NAMES)}
    named = url_fields(body, RESULT_NAMES)
    # A field that holds a URL once the operation ended, and did not while it ran.
    appeared = [(p, v) for p, v in url_fields(body, (), any_name=True) if p not in running]
    for path, value in [*named, *(item for item in appeared if item not in named)]:
        if seen.monitor is not None and value == seen.monitor.url:
            continue  # the monitor's own URL (a `self` or `href` of the status) is no result
        found.append((f"body:{path}", value, f"exchange #{n}: field {path}"))
    for rel in _rels(seen):
        href = link(body, last.headers, rel)
        if href:
            found.append((f"link:{rel}", href, f"exchange #{n}: link rel={rel}"))
    location = last.header("location")
    if location and 300 <= (last.status or 0) < 400:
        found.append(("header:Location", location, f"exchange #{n}: Location header"))
    name = read_field(body, "response.name")
    monitor = seen.monitor
    if isinstance(name, str) and monitor is not None and monitor.source == "template:/v1/{id}":
        found.append(
            ("template:/v1/{response.name}", "/v1/" + name.lstrip("/"),
             f"exchange #{n}: field response.name, under the monitor's /v1/")
        )  # fmt: skip
    if scenario.method == "PUT":
        sub = seen.submission
        found.append(("request", sub.url, f"exchange #{sub.index}: a PUT creates where it is sent"))
    return found


def find_result(driver: Driver, seen: Observation, scenario: Scenario) -> Result | None:
    """The result's source, shown by a GET that answered 2xx; None when no candidate did."""
    for source, url, cited in _candidates(seen, scenario)[:4]:
        kind = source.partition(":")[0]
        target = (
            driver.on_target(url)
            if kind in ("template", "request")
            else driver.resolve(seen.polls[-1].url, url)
        )
        if isinstance(target, str) or not driver.same_origin(target):
            continue
        read = driver.send("init: result read", "GET", target)
        if read.error is None and 200 <= (read.status or 0) < 300:
            return Result(
                source, f"{cited}; GET answered {read.status} (exchange #{read.index})", read
            )
    return None
