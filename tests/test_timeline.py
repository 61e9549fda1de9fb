"""The timeline's geometry: which panels an operation gets, and where each thing is drawn.

Operation records made by hand, for what the fixed runs of tests/test_rendering.py do not
show: reads after the window's edge, a quiet middle with reads in it, a timed-out operation
with no completion seen, error and expired answers, and a window shorter than the run.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from conformance.report._timeline import LEFT, RIGHT, WIDTH, draw

T0 = 1_000.0


def _read(n: int, at: float, state: str | None = "RUNNING", **extra: Any) -> dict[str, Any]:
    role = {"RUNNING": "running", "SUCCESS": "success", None: None, "ODD": None}[state]
    return {
        "exchange": n,
        "label": f"poll {n}",
        "sent_at": T0 + at,
        "received_at": T0 + at,  # the virtual clock: no time passes in an exchange
        "status": 200,
        "error": None,
        "state": state,
        "role": role,
        "gone": False,
        **extra,
    }


def _record(
    reads: list[dict[str, Any]],
    bracket: tuple[float, float] | None = (2.0, 4.0),
    window: float | None = 300.0,
) -> dict[str, Any]:
    starts = bracket if bracket is not None else (0.0, 0.0)
    return {
        "submitted": {"exchange": 1, "sent_at": T0, "received_at": T0 + 0.01},
        "reads": reads,
        "completed_between": None if bracket is None else [T0 + bracket[0], T0 + bracket[1]],
        "window": None
        if window is None
        else {
            "seconds": window,
            "tolerance": 1.0,
            "starts_between": [T0 + starts[0], T0 + starts[1]],
            "must_answer_until": T0 + starts[0] + window,
            "must_be_gone_after": T0 + starts[1] + window + 1.0,
        },
    }


RUN = [_read(2, 2.0), _read(3, 4.0, "SUCCESS"), _read(4, 4.0, "SUCCESS")]
EDGE = [_read(5, 301.5, "SUCCESS"), _read(6, 306.0, None, status=404, gone=True)]
#: Every panel: the run, reads in the quiet middle, the edge, and a read long after it.
EVERY = [*RUN, _read(9, 150.0, "SUCCESS"), *EDGE, _read(7, 900.0, None)]


def _names(record: dict[str, Any]) -> list[str]:
    return [p.name for p in draw(record).panels]


@pytest.mark.parametrize(
    ("reads", "bracket", "window", "panels"),
    [
        (RUN, (2.0, 4.0), None, ["run"]),  # no window: the run alone
        (RUN + EDGE, (2.0, 4.0), 300.0, ["run", "edge"]),  # a break stands for the quiet time
        ([*RUN, _read(9, 150.0, "SUCCESS"), *EDGE], (2.0, 4.0), 300.0, ["run", "middle", "edge"]),
        (
            RUN + EDGE + [_read(7, 900.0, None, status=404, gone=True)],
            (2.0, 4.0),
            300.0,
            ["run", "edge", "after"],
        ),
        (RUN + EDGE, (2.0, 4.0), 3.0, ["run"]),  # a window shorter than the run: one panel
        (
            [_read(2, 2.0), _read(3, 3601.0, None, status=404, gone=True)],
            None,
            3600.0,
            ["run", "edge"],
        ),  # timed out: the run is its reads before the edge
    ],
)
def test_the_panels_an_operation_gets(reads, bracket, window, panels):
    assert _names(_record(reads, bracket, window)) == panels


def test_panels_follow_each_other_in_time_and_across_the_width():
    record = _record(EVERY)
    drawing = draw(record)
    panels = drawing.panels
    assert panels[0].start == T0 and panels[0].x == LEFT
    for left, right in itertools.pairwise(panels):
        assert left.end == right.start
        assert left.x + left.width < right.x  # the break between them
    last = panels[-1]
    assert last.x + last.width == pytest.approx(WIDTH - RIGHT)
    assert len(drawing.breaks) == len(panels) - 1
    assert last.end == T0 + 900.0  # the "after" panel ends at the last answer


def test_time_maps_to_x_in_order_and_within_the_drawing():
    record = _record(EVERY)
    drawing = draw(record)
    times = [T0 + t for t in (0, 1, 2, 4, 10, 150, 290, 300, 302, 306, 310, 600, 900, 5000)]
    xs = [drawing.x(t) for t in times]
    assert xs == sorted(xs)
    assert xs[0] == LEFT and xs[-1] == pytest.approx(WIDTH - RIGHT)
    assert drawing.x(T0 - 50) == LEFT  # before the start: at the left edge


def test_the_edges_panel_is_padded_by_the_tolerance_or_the_edge_itself():
    record = _record(RUN + EDGE)
    edge = draw(record).panels[-1]
    until, gone = record["window"]["must_answer_until"], record["window"]["must_be_gone_after"]
    pad = gone - until  # 4 s here, more than the tolerance and a thousandth of the window
    assert (edge.start, edge.end) == (until - pad, gone + pad)
    wide = copy.deepcopy(record)
    wide["window"]["tolerance"] = 9.0
    edge = draw(wide).panels[-1]
    assert (edge.start, edge.end) == (until - 9.0, gone + 9.0)


@pytest.mark.parametrize(
    ("read", "cls"),
    [
        (_read(2, 2.0, "RUNNING"), "running"),
        (_read(2, 2.0, "SUCCESS"), "success"),
        (_read(2, 2.0, "ODD"), "unknown"),
        (_read(2, 2.0, None, status=404, gone=True), "gone"),
        (_read(2, 2.0, "SUCCESS", status=500), "error"),  # a 500 is no state, whatever it says
        (_read(2, 2.0, "SUCCESS", status=400), "error"),
        (_read(2, 2.0, "SUCCESS", status=399), "success"),
        (_read(2, 2.0, "SUCCESS", status=199), "error"),
        (_read(2, 2.0, None, status=None, error="timed out"), "error"),
    ],
)
def test_each_read_is_drawn_as_its_state_or_what_went_wrong(read, cls):
    drawing = draw(_record([read], bracket=None, window=None))
    band = drawing.bands[1]
    assert band["cls"] == cls
    assert band["title"].startswith("#2 poll 2: ")
    assert band["title"].endswith(" at 2.000 s")


def test_reads_in_the_window_are_its_probes():
    drawing = draw(_record(RUN + EDGE))
    assert [p["exchange"] for p in drawing.probes] == [3, 4, 5, 6]  # from the window's start
    assert [p["cls"] for p in drawing.probes] == ["kept", "kept", "kept", "gone"]


def test_the_window_is_drawn_as_keep_either_and_expire():
    drawing = draw(_record(RUN + EDGE + [_read(7, 900.0, None, status=404, gone=True)]))
    zones = [b for b in drawing.bands if b["cls"] in ("keep", "either", "expire")]
    assert [z["cls"] for z in zones] == ["keep", "either", "expire"]
    assert zones[0]["title"] == "the id must answer (its window): 4.000 s to 5 min 2.000 s"
    assert zones[1]["x"] == zones[0]["x"] + zones[0]["w"]
    assert drawing.bracket is not None
    assert drawing.bracket["title"] == "completed between 2.000 s and 4.000 s"


def test_the_axis_labels_stay_inside_the_drawing():
    drawing = draw(_record(EVERY))
    assert drawing.axis
    for label in drawing.axis:
        assert LEFT <= label["x"] <= WIDTH - RIGHT
        if label["x"] < LEFT + 20:
            assert label["anchor"] == "start"
        elif label["x"] > WIDTH - RIGHT - 20:
            assert label["anchor"] == "end"
        else:
            assert label["anchor"] == "middle"
    assert drawing.axis[0]["label"] == "0 s"


def test_a_drawing_is_the_same_every_time(snapshot):
    record = _record(EVERY)
    assert draw(record) == snapshot
