"""The conformance.html writer: one self-contained page, rendered from the JSON document.

Everything the target sent is text to Jinja2's autoescaping, in the page and in
the SVG timelines alike; the page's own style and script are inline, and a
Content-Security-Policy allows those two (by hash) and nothing else, so a
`<script>` a server planted in a header or a body can never run here.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from collections import Counter
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from ..catalogue import DialectSource, cited
from ..clock import spoken
from ..verdicts import plain
from ._timeline import draw

__all__ = ["HTML_NAME", "render_html"]

HTML_NAME = "conformance.html"
VERDICT_ORDER = ("FAIL", "ERROR", "WARN", "BLOCKED", "PASS", "SKIP", "NOT-COVERED")
#: A case shows at most this many operation timelines inline; the rest are listed.
TIMELINES_PER_CASE = 3
#: The lifecycle model runs hundreds of operations: only the first are drawn.
MODEL_TIMELINES = 24


def _asset(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _visible(value: Any) -> Any:
    # Markup is the page's own (a macro's output, the style, the script): already finalized.
    if isinstance(value, str) and not isinstance(value, Markup):
        return plain(value, lines=True)
    return value


def _cited(requirement: dict[str, Any]) -> str:
    """A requirement's source line: its dialect's document first, where it defines the rule."""
    dialect = requirement.get("dialect_source")
    return cited(requirement["source"], DialectSource(**dialect) if dialect else None)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_visible,
    )
    env.filters["clock"] = spoken
    env.filters["px"] = lambda value: f"{value:.1f}"
    env.filters["id"] = id  # a case's key in the view
    env.filters["cited"] = _cited
    env.filters["pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
    return env


def _seconds(document: dict[str, Any]) -> float | None:
    if isinstance(document.get("duration_s"), (int, float)):
        return float(document["duration_s"])
    try:
        started = dt.datetime.fromisoformat(document["started_at"])
        return (dt.datetime.fromisoformat(document["finished_at"]) - started).total_seconds()
    except (KeyError, TypeError, ValueError):
        return None


def _view(document: dict[str, Any]) -> dict[str, Any]:
    """What the template shows, worked out once: lookups, counts, drawings."""
    exchanges = {e["index"]: e for e in document.get("exchanges", [])}
    operations = document.get("operations", [])
    owner: dict[int, dict[str, Any]] = {}
    for op in operations:
        owner[op["submitted"]["exchange"]] = op
        for read in op["reads"]:
            owner[read["exchange"]] = op
    shown: set[int] = set()
    case_number = 0
    cases: dict[int, dict[str, Any]] = {}
    for req in document["requirements"]:
        for case in req["cases"]:
            case_number += 1
            cited = sorted({i for ev in case.get("evidence", []) for i in ev["exchanges"]})
            shown.update(cited)
            related: list[dict[str, Any]] = []
            for index in cited + [e["index"] for e in case.get("exchanges", [])]:
                op = owner.get(index)
                if op is not None and all(op is not r for r in related):
                    related.append(op)
            cases[id(case)] = {"number": case_number, "cited": cited, "operations": related}
    by_origin = Counter(op["origin"] for op in operations)
    model = [op for op in operations if op["origin"] == "model" and op["reads"]][:MODEL_TIMELINES]
    anchored = [op for op in operations if op["origin"] != "model"] + model
    drawn = {op["number"]: op for op in anchored}
    for info in cases.values():
        for op in info["operations"][:TIMELINES_PER_CASE]:
            drawn.setdefault(op["number"], op)
    for op in drawn.values():  # every tick and dot links to its exchange in the transcript
        shown.add(op["submitted"]["exchange"])
        shown.update(r["exchange"] for r in op["reads"])
    times = [t for e in exchanges.values() for t in (e["sent_at"], e["received_at"]) if t]
    counts = Counter(r["verdict"] for r in document["requirements"])
    blocks: dict[str, list[str]] = {}  # a FAIL, and the requirements it kept from being judged
    for req in document["requirements"]:
        if req.get("blocked_by"):
            blocks.setdefault(req["blocked_by"], []).append(req["id"])
    return {
        "blocks": blocks,
        "origin": min(times) if times else 0.0,
        "counts": [(v, counts[v]) for v in VERDICT_ORDER if counts[v]],
        "levels": [
            level
            for level in ("MUST", "SHOULD", "INFO")
            if any(r["level"] == level for r in document["requirements"])
        ],
        "wall_seconds": _seconds(document),
        "contract_seconds": (max(times) - min(times)) if times else 0.0,
        "cases": cases,
        "exchanges": [exchanges[i] for i in sorted(shown) if i in exchanges],
        "exchange_total": len(exchanges),
        "drawings": {number: draw(op) for number, op in drawn.items()},
        "anchored": {op["number"] for op in anchored},
        "per_case": TIMELINES_PER_CASE,
        "case_operations": [op for op in operations if op["origin"] != "model"],
        "model_operations": model,
        "model_total": by_origin["model"],
    }


def render_html(document: dict[str, Any]) -> str:
    css, js = _asset("report.css"), _asset("report.js")
    csp = (
        f"default-src 'none'; style-src '{_hash(css)}'; script-src '{_hash(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    template = _environment().get_template("report.html.j2")
    return template.render(
        doc=document, view=_view(document), css=Markup(css), js=Markup(js), csp=csp
    )
