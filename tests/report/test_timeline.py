"""Timelines (`report/_timeline.py`): operations turned into shapes on an axis cut into panels."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from conformance.report._timeline import LEFT, RIGHT, WIDTH, Panel, draw

T0 = 1_000.0


ZONES = ("keep", "either", "expire")


def _drawn_read(n: int, at: float, t0: float = T0, **extra: Any) -> dict[str, Any]:
    """A read that found the operation running, `at` seconds after the submission."""
    return {
        "exchange": n,
        "label": f"poll {n}",
        "sent_at": t0 + at,
        "received_at": t0 + at,  # the virtual clock: no time passes in an exchange
        "status": 200,
        "error": None,
        "state": "RUNNING",
        "role": "running",
        "gone": False,
        **extra,
    }


def _drawn_record(
    reads: list[dict[str, Any]],
    completed: tuple[float, float] | None = (2.0, 4.0),
    window: float | None = 300.0,
    tolerance: float = 1.0,
    t0: float = T0,
) -> dict[str, Any]:
    """An operation record; with no completion, the window starts at the submission (a
    timed-out operation, its start known exactly)."""
    start = completed if completed is not None else (0.0, 0.0)
    return {
        "submitted": {"exchange": 1, "sent_at": t0, "received_at": t0},
        "reads": reads,
        "completed_between": None if completed is None else [t0 + completed[0], t0 + completed[1]],
        "window": None
        if window is None
        else {
            "seconds": window,
            "tolerance": tolerance,
            "starts_between": [t0 + start[0], t0 + start[1]],
            "must_answer_until": t0 + start[0] + window,
            "must_be_gone_after": t0 + start[1] + window + tolerance,
        },
    }


DRAWN_RUN = [_drawn_read(2, 2.0), _drawn_read(3, 4.0)]


def _zones(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in draw(record).bands if b["cls"] in ZONES]


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


@pytest.mark.timeout(2)  # a wrong fallback step would label a days-long span every 2 ms
@pytest.mark.parametrize(
    ("last", "labels"),
    [
        (3.0, ["0 s", "1 s", "2 s", "3 s"]),  # three steps fit exactly: a label at each
        (3.5, ["0 s", "2 s"]),  # just over three: the next step up
        # Longer than three of the longest step (a day): labelled every day all the same.
        (4 * 86_400.0, ["0 s", "24 h", "48 h", "72 h", "96 h"]),
    ],
)
def test_the_axis_is_labelled_at_about_three_round_steps_across_the_drawing(last, labels):
    drawing = draw(_drawn_record([_drawn_read(2, last)], completed=None, window=None))
    assert [a["label"] for a in drawing.axis] == labels


def test_a_label_twenty_pixels_from_the_right_end_is_still_centred():
    # The last read is placed so that the 2 s label falls exactly 20 px from the right end,
    # where a label starts to be anchored at its end to stay inside the drawing.
    usable = WIDTH - LEFT - RIGHT
    last = 2.0 / ((usable - 20) / usable)
    drawing = draw(
        _drawn_record(
            [_drawn_read(2, 1.0, t0=0.0), _drawn_read(3, last, t0=0.0)], None, None, t0=0.0
        )
    )
    label = drawing.axis[-1]
    assert (label["label"], label["x"]) == ("2 s", WIDTH - RIGHT - 20)
    assert label["anchor"] == "middle"
    at_the_end = draw(_drawn_record([_drawn_read(2, 2.0)], completed=None, window=None)).axis[-1]
    assert (at_the_end["label"], at_the_end["x"], at_the_end["anchor"]) == (
        "2 s",
        WIDTH - RIGHT,
        "end",
    )


@pytest.mark.parametrize(
    ("record", "panels"),
    [
        # The window's edge panel runs from 299 s to 308 s (until 302 s, gone 305 s, padded 3 s):
        # a read on its first or last instant is drawn in it, and makes no panel of its own.
        (_drawn_record([*DRAWN_RUN, _drawn_read(4, 299.0)]), ["run", "edge"]),
        (_drawn_record([*DRAWN_RUN, _drawn_read(4, 299.1)]), ["run", "edge"]),
        (_drawn_record([*DRAWN_RUN, _drawn_read(4, 298.9)]), ["run", "middle", "edge"]),
        (_drawn_record([*DRAWN_RUN, _drawn_read(4, 308.0)]), ["run", "edge"]),
        (_drawn_record([*DRAWN_RUN, _drawn_read(4, 308.1)]), ["run", "edge", "after"]),
        # Completed by 4 s: an edge panel starting by 8 s (twice the run) is drawn with it on one
        # linear axis; later, it gets a panel of its own.
        (_drawn_record(DRAWN_RUN, window=9.0), ["run"]),  # the edge panel would start at 8 s
        (_drawn_record(DRAWN_RUN, window=9.5), ["run", "edge"]),  # it starts at 8.5 s
        # Timed out, its window from the submission, edge panel from 1998 s: a read at that
        # instant is the edge's; a read before it is still the run's (one panel for both).
        (
            _drawn_record([_drawn_read(2, 2.0), _drawn_read(3, 1998.0)], None, 2000.0),
            ["run", "edge"],
        ),
        (_drawn_record([_drawn_read(2, 2.0), _drawn_read(3, 1997.9)], None, 2000.0), ["run"]),
    ],
)
def test_a_read_on_a_panels_boundary_belongs_to_the_panel_it_starts_or_ends(record, panels):
    assert [p.name for p in draw(record).panels] == panels


def test_a_long_window_with_a_tight_edge_is_zoomed_to_a_thousandth_of_its_length():
    # 500 s, known to start at the submission, 0.2 s of tolerance: the edge panel shows half a
    # second either side of the edge, the window's thousandth, more than the tolerance.
    record = _drawn_record([_drawn_read(2, 2.0)], completed=None, window=500.0, tolerance=0.2)
    edge = draw(record).panels[-1]
    assert edge.name == "edge"
    assert edge.start == pytest.approx(T0 + 500.0 - 0.5)
    assert edge.end == pytest.approx(T0 + 500.2 + 0.5)


def test_a_panel_of_no_duration_draws_its_moment_in_its_middle():
    panel = Panel("run", 5.0, 5.0, x=10.0, width=100.0)
    assert panel.at(5.0) == 60.0


def test_a_short_window_with_no_read_after_it_still_shows_where_the_id_must_be_gone():
    # A 3 s window drawn with the run: the drawing goes on past the must-be-gone moment (7 s +
    # tolerance) so that the expire zone is there, though no read came after it.
    drawing = draw(_drawn_record(DRAWN_RUN, window=3.0))
    zones = [b for b in drawing.bands if b["cls"] in ZONES]
    assert [z["cls"] for z in zones] == ["keep", "either", "expire"]
    expire = zones[-1]
    assert expire["title"] == "the id must be gone: 8.000 s to 11.000 s"
    assert expire["x"] + expire["w"] == pytest.approx(WIDTH - RIGHT)


def test_with_no_tolerance_and_an_exactly_known_start_nothing_is_drawn_as_either():
    # Timed out, so the window starts at the submission; with no tolerance its two ends meet.
    record = _drawn_record(
        [_drawn_read(2, 2.0), _drawn_read(3, 2001.0)], None, 2000.0, tolerance=0.0
    )
    assert [z["cls"] for z in _zones(record)] == ["keep", "expire"]


def test_window_zones_under_two_pixels_wide_abut_without_overlapping():
    # A 5 s window seen from a read 1472 s later, all on one axis (half a pixel a second): the
    # keep and either zones are 3 s, 1.5 px each.
    record = _drawn_record([*DRAWN_RUN, _drawn_read(4, 1472.0)], window=5.0)
    keep, either, expire = _zones(record)
    assert keep["w"] == either["w"] == pytest.approx(1.5)
    assert keep["x"] + keep["w"] == pytest.approx(either["x"])
    assert either["x"] + either["w"] == pytest.approx(expire["x"])


def test_a_completion_bracket_spans_exactly_its_first_to_last_possible_moment():
    # One pixel a second: completed between 2 s and 4.5 s is a bracket 2.5 px wide.
    drawing = draw(_drawn_record([_drawn_read(2, 736.0)], completed=(2.0, 4.5), window=None))
    assert drawing.bracket is not None
    assert drawing.bracket["x"] == drawing.x(T0 + 2.0)
    assert drawing.bracket["x"] + drawing.bracket["w"] == pytest.approx(drawing.x(T0 + 4.5))


def test_a_submission_never_polled_is_a_hairline_at_the_start():
    drawing = draw(_drawn_record([], completed=None, window=None))
    (submitted,) = drawing.bands
    assert (submitted["cls"], submitted["x"]) == ("submitted", LEFT)
    assert 0 < submitted["w"] <= 2.0  # seen, and claiming no duration
    assert drawing.ticks == [] and drawing.probes == []


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
