"""One operation's timeline as shapes to draw: state over time, reads, completion, window.

Plain geometry for the HTML template (which escapes every text it draws). An
operation runs for seconds and is then kept for minutes or an hour, and what
matters at the window's end is a second or less: one linear axis would show
none of it. The axis is cut into panels (the run, the quiet middle, the
window's edge, anything after), each linear, with a break mark between them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from ..clock import spoken as clock_label

__all__ = ["Drawing", "draw"]

WIDTH = 760.0
LEFT, RIGHT = 10.0, 14.0
BREAK = 14.0  # the gap between two panels, where the break mark goes
HEIGHT = 104.0
STATE_Y, STATE_H = 16.0, 16.0
WINDOW_Y, WINDOW_H = 50.0, 12.0
AXIS_Y = 76.0
#: The classes of reads that found the id there, with a state.
ROLES = ("running", "success", "failure", "cancelled")
#: Each panel's share of the width, by what it shows.
SHARES = {"run": 0.32, "middle": 0.16, "edge": 0.40, "after": 0.12}
_STEPS = sorted(
    {m * 10.0**e for e in range(-3, 5) for m in (1, 2, 5)}
    | {15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 86400.0}
)


@dataclass
class Panel:
    name: str
    start: float
    end: float
    x: float = 0.0
    width: float = 0.0

    def at(self, t: float) -> float:
        span = self.end - self.start
        share = 0.5 if span <= 0 else (t - self.start) / span
        return self.x + self.width * min(max(share, 0.0), 1.0)


@dataclass
class Drawing:
    width: float = WIDTH
    height: float = HEIGHT
    bands: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    probes: list[dict[str, Any]] = field(default_factory=list)
    axis: list[dict[str, Any]] = field(default_factory=list)
    breaks: list[float] = field(default_factory=list)
    bracket: dict[str, Any] | None = None
    panels: list[Panel] = field(default_factory=list)

    def x(self, t: float) -> float:
        for panel in self.panels:
            if t <= panel.end:
                return panel.at(t)
        return self.panels[-1].at(t)


def _panels(record: dict[str, Any]) -> list[Panel]:
    t0 = record["submitted"]["sent_at"]
    reads = [r["sent_at"] for r in record["reads"]] + [r["received_at"] for r in record["reads"]]
    last = max([record["submitted"]["received_at"], *reads])
    bracket, window = record["completed_between"], record["window"]
    if window is None:
        return [Panel("run", t0, max(last, t0 + 1e-3))]
    until, gone = window["must_answer_until"], window["must_be_gone_after"]
    edge_pad = max(gone - until, window["tolerance"], window["seconds"] * 0.001, 1e-3)
    edge = Panel("edge", until - edge_pad, gone + edge_pad)
    if bracket is not None:
        run_end = bracket[1]
    else:  # no completion seen (a timed-out operation): the run is its reads before the edge
        early = [t for t in reads if t < edge.start]
        run_end = max([*early, window["starts_between"][1]])
    run_end = max(run_end, t0 + 1.0)
    if edge.start <= run_end + (run_end - t0):  # the window is short: one linear panel
        return [Panel("run", t0, max(last, gone + edge_pad))]
    panels = [Panel("run", t0, run_end)]
    if any(run_end < t < edge.start for t in reads):
        panels.append(Panel("middle", run_end, edge.start))
    panels.append(edge)  # without a middle, the break mark stands for the quiet time
    if last > edge.end:
        panels.append(Panel("after", edge.end, last))
    return panels


def _layout(panels: list[Panel]) -> None:
    usable = WIDTH - LEFT - RIGHT - BREAK * (len(panels) - 1)
    shares = [SHARES[p.name] for p in panels]
    x = LEFT
    for panel, share in zip(panels, shares, strict=True):
        panel.x, panel.width = x, usable * share / sum(shares)
        x += panel.width + BREAK


def _axis(drawing: Drawing, t0: float) -> None:
    for panel in drawing.panels:
        span = panel.end - panel.start
        wanted = 3 if panel.width > 120 else 2
        step = next((s for s in _STEPS if span / s <= wanted), _STEPS[-1])
        first = math.ceil((panel.start - t0) / step - 1e-9) * step
        t = first
        while t0 + t <= panel.end + 1e-9:
            x = panel.at(t0 + t)
            anchor = "start" if x < LEFT + 20 else "end" if x > WIDTH - RIGHT - 20 else "middle"
            drawing.axis.append({"x": x, "label": clock_label(t, step), "anchor": anchor})
            t += step
    for left, right in zip(drawing.panels, drawing.panels[1:], strict=False):
        drawing.breaks.append((left.x + left.width + right.x) / 2)


def _state_class(read: dict[str, Any]) -> str:
    """How a read is drawn: its state's role, or gone (an expired answer), or an error."""
    if read["error"] is not None:
        return "error"
    if read.get("gone"):
        return "gone"
    status = read["status"] or 0
    if not 200 <= status < 400:
        return "error"  # a server error is no expiry, whatever state its body names
    if read["role"] is not None:
        return str(read["role"])
    return "unknown"


def _read_title(read: dict[str, Any], t0: float) -> str:
    outcome = read["error"] or read["status"]
    state = f" {read['state']}" if read["state"] else ""
    when = clock_label(read["sent_at"] - t0, 0.001)
    return f"#{read['exchange']} {read['label']}: {outcome}{state} at {when}"


def draw(record: dict[str, Any]) -> Drawing:
    """The shapes of one operation record (see `operation_records`)."""
    t0 = record["submitted"]["sent_at"]
    drawing = Drawing(panels=_panels(record))
    _layout(drawing.panels)
    _axis(drawing, t0)
    reads = record["reads"]
    x = drawing.x
    # The state lane: each observed state holds, as far as the suite knows, until the next read.
    drawing.bands.append(
        {
            "x": x(t0),
            "y": STATE_Y,
            "w": max(x(reads[0]["sent_at"]) - x(t0), 0.5) if reads else 2.0,
            "h": STATE_H,
            "cls": "submitted",
            "title": f"submitted at 0 s (#{record['submitted']['exchange']})",
        }
    )
    for read, after in itertools.zip_longest(reads, reads[1:]):
        end = after["sent_at"] if after is not None else read["received_at"]
        drawing.bands.append(
            {
                "x": x(read["sent_at"]),
                "y": STATE_Y,
                "w": max(x(end) - x(read["sent_at"]), 1.5),
                "h": STATE_H,
                "cls": _state_class(read),
                "title": _read_title(read, t0),
            }
        )
        drawing.ticks.append(
            {"x": x(read["sent_at"]), "exchange": read["exchange"], "title": _read_title(read, t0)}
        )
    bracket = record["completed_between"]
    if bracket is not None:
        low, high = x(bracket[0]), x(bracket[1])
        drawing.bracket = {
            "x": low,
            "w": max(high - low, 2.0),
            "title": f"completed between {clock_label(bracket[0] - t0, 0.001)} "
            f"and {clock_label(bracket[1] - t0, 0.001)}",
        }
    window = record["window"]
    if window is not None:
        start = window["starts_between"][1]
        until, gone = window["must_answer_until"], window["must_be_gone_after"]
        end = drawing.panels[-1].end
        zones = [
            (start, until, "keep", "the id must answer (its window)"),
            (until, gone, "either", "either: the window's edge, its bracket and the tolerance"),
            (gone, end, "expire", "the id must be gone"),
        ]
        for a, b, cls, title in zones:
            if b > a:
                drawing.bands.append(
                    {
                        "x": x(a),
                        "y": WINDOW_Y,
                        "w": max(x(b) - x(a), 1.0),
                        "h": WINDOW_H,
                        "cls": cls,
                        "title": f"{title}: {clock_label(a - t0, 0.001)} to "
                        f"{clock_label(b - t0, 0.001)}",
                    }
                )
        for read in reads:
            if read["sent_at"] >= start:
                drawing.probes.append(
                    {
                        "x": x(read["sent_at"]),
                        "cls": "kept" if _state_class(read) in ROLES else _state_class(read),
                        "exchange": read["exchange"],
                        "title": _read_title(read, t0),
                    }
                )
    return drawing
