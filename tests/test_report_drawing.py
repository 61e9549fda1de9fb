"""What the report draws and lists at its edges: the timeline's axis, panels and zones at their
boundaries, the requirement listing's unknown ids, the diff's added rows and unreadable files,
and what the xdist controller hands on.

Operation records are made by hand (as in tests/test_timeline.py) with exact times, so a read
can sit on a panel's very first or last instant, or a label exactly 20 px from the right end.
"""

from __future__ import annotations

import json
import locale
from typing import Any

import pytest
from xdist.remote import Producer

from conformance.catalogue import CATALOGUE
from conformance.report import Controller, ReportError, load_report, render_diff_html
from conformance.report._listing import render_listing
from conformance.report._timeline import LEFT, RIGHT, WIDTH, Panel, draw

from .test_report_details import WAY_OUT, _diff, _doc, _req
from .test_report_parts import _node, _partial, _recorder

T0 = 1_000.0
ZONES = ("keep", "either", "expire")


def _read(n: int, at: float, t0: float = T0, **extra: Any) -> dict[str, Any]:
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


def _record(
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


RUN = [_read(2, 2.0), _read(3, 4.0)]


def _zones(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in draw(record).bands if b["cls"] in ZONES]


# -- the axis ---------------------------------------------------------------------------------


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
    drawing = draw(_record([_read(2, last)], completed=None, window=None))
    assert [a["label"] for a in drawing.axis] == labels


def test_a_label_twenty_pixels_from_the_right_end_is_still_centred():
    # The last read is placed so that the 2 s label falls exactly 20 px from the right end,
    # where a label starts to be anchored at its end to stay inside the drawing.
    usable = WIDTH - LEFT - RIGHT
    last = 2.0 / ((usable - 20) / usable)
    drawing = draw(_record([_read(2, 1.0, t0=0.0), _read(3, last, t0=0.0)], None, None, t0=0.0))
    label = drawing.axis[-1]
    assert (label["label"], label["x"]) == ("2 s", WIDTH - RIGHT - 20)
    assert label["anchor"] == "middle"
    at_the_end = draw(_record([_read(2, 2.0)], completed=None, window=None)).axis[-1]
    assert (at_the_end["label"], at_the_end["x"], at_the_end["anchor"]) == (
        "2 s",
        WIDTH - RIGHT,
        "end",
    )


# -- the panels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "panels"),
    [
        # The window's edge panel runs from 299 s to 308 s (until 302 s, gone 305 s, padded 3 s):
        # a read on its first or last instant is drawn in it, and makes no panel of its own.
        (_record([*RUN, _read(4, 299.0)]), ["run", "edge"]),
        (_record([*RUN, _read(4, 299.1)]), ["run", "edge"]),
        (_record([*RUN, _read(4, 298.9)]), ["run", "middle", "edge"]),
        (_record([*RUN, _read(4, 308.0)]), ["run", "edge"]),
        (_record([*RUN, _read(4, 308.1)]), ["run", "edge", "after"]),
        # Completed by 4 s: an edge panel starting by 8 s (twice the run) is drawn with it on one
        # linear axis; later, it gets a panel of its own.
        (_record(RUN, window=9.0), ["run"]),  # the edge panel would start at 8 s
        (_record(RUN, window=9.5), ["run", "edge"]),  # it starts at 8.5 s
        # Timed out, its window from the submission, edge panel from 1998 s: a read at that
        # instant is the edge's; a read before it is still the run's (one panel for both).
        (_record([_read(2, 2.0), _read(3, 1998.0)], None, 2000.0), ["run", "edge"]),
        (_record([_read(2, 2.0), _read(3, 1997.9)], None, 2000.0), ["run"]),
    ],
)
def test_a_read_on_a_panels_boundary_belongs_to_the_panel_it_starts_or_ends(record, panels):
    assert [p.name for p in draw(record).panels] == panels


def test_a_long_window_with_a_tight_edge_is_zoomed_to_a_thousandth_of_its_length():
    # 500 s, known to start at the submission, 0.2 s of tolerance: the edge panel shows half a
    # second either side of the edge, the window's thousandth, more than the tolerance.
    record = _record([_read(2, 2.0)], completed=None, window=500.0, tolerance=0.2)
    edge = draw(record).panels[-1]
    assert edge.name == "edge"
    assert edge.start == pytest.approx(T0 + 500.0 - 0.5)
    assert edge.end == pytest.approx(T0 + 500.2 + 0.5)


def test_a_panel_of_no_duration_draws_its_moment_in_its_middle():
    panel = Panel("run", 5.0, 5.0, x=10.0, width=100.0)
    assert panel.at(5.0) == 60.0


# -- the window's zones and the completion bracket ---------------------------------------------


def test_a_short_window_with_no_read_after_it_still_shows_where_the_id_must_be_gone():
    # A 3 s window drawn with the run: the drawing goes on past the must-be-gone moment (7 s +
    # tolerance) so that the expire zone is there, though no read came after it.
    drawing = draw(_record(RUN, window=3.0))
    zones = [b for b in drawing.bands if b["cls"] in ZONES]
    assert [z["cls"] for z in zones] == ["keep", "either", "expire"]
    expire = zones[-1]
    assert expire["title"] == "the id must be gone: 8.000 s to 11.000 s"
    assert expire["x"] + expire["w"] == pytest.approx(WIDTH - RIGHT)


def test_with_no_tolerance_and_an_exactly_known_start_nothing_is_drawn_as_either():
    # Timed out, so the window starts at the submission; with no tolerance its two ends meet.
    record = _record([_read(2, 2.0), _read(3, 2001.0)], None, 2000.0, tolerance=0.0)
    assert [z["cls"] for z in _zones(record)] == ["keep", "expire"]


def test_window_zones_under_two_pixels_wide_abut_without_overlapping():
    # A 5 s window seen from a read 1472 s later, all on one axis (half a pixel a second): the
    # keep and either zones are 3 s, 1.5 px each.
    record = _record([*RUN, _read(4, 1472.0)], window=5.0)
    keep, either, expire = _zones(record)
    assert keep["w"] == either["w"] == pytest.approx(1.5)
    assert keep["x"] + keep["w"] == pytest.approx(either["x"])
    assert either["x"] + either["w"] == pytest.approx(expire["x"])


def test_a_completion_bracket_spans_exactly_its_first_to_last_possible_moment():
    # One pixel a second: completed between 2 s and 4.5 s is a bracket 2.5 px wide.
    drawing = draw(_record([_read(2, 736.0)], completed=(2.0, 4.5), window=None))
    assert drawing.bracket is not None
    assert drawing.bracket["x"] == drawing.x(T0 + 2.0)
    assert drawing.bracket["x"] + drawing.bracket["w"] == pytest.approx(drawing.x(T0 + 4.5))


def test_a_submission_never_polled_is_a_hairline_at_the_start():
    drawing = draw(_record([], completed=None, window=None))
    (submitted,) = drawing.bands
    assert (submitted["cls"], submitted["x"]) == ("submitted", LEFT)
    assert 0 < submitted["w"] <= 2.0  # seen, and claiming no duration
    assert drawing.ticks == [] and drawing.probes == []


# -- the requirement listing ------------------------------------------------------------------


def test_an_id_the_catalogue_lacks_is_listed_with_every_case_marked_with_it():
    covering = {req_id: ["cases/t.py::ok"] for req_id in CATALOGUE}
    covering["NO-SUCH"] = ["cases/a.py::one", "cases/b.py::two"]
    assert render_listing(covering)[-1] == (
        f"  {'NO-SUCH':<26} UNKNOWN requirement, marked on: cases/a.py::one, cases/b.py::two"
    )


# -- the diff ---------------------------------------------------------------------------------


def test_an_added_or_removed_requirement_has_no_note_in_the_html():
    html = render_diff_html(_diff(_doc(_req("GONE", "FAIL")), _doc(_req("NEW", "PASS"))))
    assert '<h2 class="ADDED">ADDED (1)</h2>' in html
    assert '<h2 class="REMOVED">REMOVED (1)</h2>' in html
    assert "<td></td>\n<td>PASS</td>" in html  # added: no old verdict, the new one plainly
    assert "<td>FAIL</td>\n<td></td>" in html  # removed: the old verdict, no new one
    assert 'class="note">(' not in html


def test_a_report_that_cannot_be_read_says_why_in_the_systems_words(tmp_path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    path = tmp_path / "file" / "conformance.json"
    with pytest.raises(ReportError) as error:
        load_report(path)
    assert str(error.value) == f"{path}: cannot be read (Not a directory); {WAY_OUT}"


def test_a_report_is_read_as_utf8_whatever_the_locale(tmp_path):
    # conformance.json is written as UTF-8 with its text as is; a user whose locale is not
    # UTF-8 (an ASCII "C" locale here, cp1252 on Windows) must read the same report.
    path = tmp_path / "conformance.json"
    reason = "Observed: the state “DONE” — naïve"
    path.write_text(json.dumps(_doc(_req("A", "FAIL", reason)), ensure_ascii=False), "utf-8")
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        report = load_report(path)
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)
    assert report.requirements["A"].reason == reason


# -- the xdist controller ---------------------------------------------------------------------


def test_a_finished_workers_collection_and_its_abort_reach_the_recorder():
    recorder = _recorder()
    controller = Controller(recorder, {}, None, each=False)
    partial = _partial(
        1,
        covering={"SUBMIT-202": ["cases/t.py::accepted"]},
        selected=["SUBMIT-202"],
        aborted="the target went away",
    )
    controller.pytest_testnodedown(_node("gw0", partial), None)
    assert recorder.results.covering["SUBMIT-202"] == ["cases/t.py::accepted"]
    assert recorder.results.selected == {"SUBMIT-202"}
    assert recorder.aborted == "worker gw0: the target went away"


@pytest.mark.parametrize("debug", [False, True])
def test_the_group_scheduler_logs_only_when_xdists_debug_log_is_on(tmp_path, capsys, debug):
    controller = Controller(_recorder(), {}, tmp_path, each=False)
    config = type("Config", (), {"getvalue": staticmethod({"tx": ["2*popen"]}.get)})()
    scheduler = controller.pytest_xdist_make_scheduler(config, Producer("dsession", enabled=debug))
    scheduler.log("scheduling")
    assert capsys.readouterr().err == ("[loadscopesched] scheduling\n" if debug else "")
