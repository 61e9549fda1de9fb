"""The report files every run writes: conformance.html, conformance.junit.xml, and their data."""

from __future__ import annotations

import json

import pytest

from conformance.clock import spoken as clock_label
from conformance.report import render_html, render_junit
from conformance.report._timeline import draw
from tests.support.paths import DATA


def _record(window: float = 300.0, probes: tuple[float, ...] = (299.5, 303.5)) -> dict:
    t0 = 1000.0
    reads = [
        {
            "exchange": 2 + i,
            "label": f"poll {i + 1}",
            "sent_at": t0 + t,
            "received_at": t0 + t,
            "status": 200,
            "error": None,
            "state": state,
            "role": role,
            "available": True,
            "gone": False,
        }
        for i, (t, state, role) in enumerate(
            [(0.0, "RUNNING", "running"), (1.0, "RUNNING", "running"), (2.0, "SUCCESS", "success")]
        )
    ]
    for n, t in enumerate(probes):
        gone = t > 1.0 + window
        reads.append(
            {
                "exchange": 10 + n,
                "label": "probe",
                "sent_at": t0 + t,
                "received_at": t0 + t,
                "status": 404 if gone else 200,
                "error": None,
                "state": None if gone else "SUCCESS",
                "role": None if gone else "success",
                "available": not gone,
                "gone": gone,
            }
        )
    return {
        "number": 1,
        "scenario": "success",
        "origin": "cases",
        "status_url": "/s/1",
        "operation_id": "1",
        "submitted": {"exchange": 1, "sent_at": t0, "received_at": t0, "status": 202},
        "reads": reads,
        "completed_between": [t0 + 1.0, t0 + 2.0],
        "outcome": "success",
        "window": {
            "kind": "completed",
            "seconds": window,
            "tolerance": 1.0,
            "starts_between": [t0 + 1.0, t0 + 2.0],
            "must_answer_until": t0 + 1.0 + window,
            "must_be_gone_after": t0 + 2.0 + window + 1.0,
        },
    }


def test_a_long_window_cuts_the_axis_and_keeps_each_probe_on_its_side():
    record = _record()
    drawing = draw(record)
    assert [p.name for p in drawing.panels] == ["run", "edge"]
    assert len(drawing.breaks) == 1
    zones = {b["cls"]: b for b in drawing.bands if b["cls"] in ("keep", "either", "expire")}
    inside, outside = drawing.probes[-2], drawing.probes[-1]
    assert inside["cls"] == "kept" and outside["cls"] == "gone"
    assert zones["keep"]["x"] <= inside["x"] <= zones["keep"]["x"] + zones["keep"]["w"]
    assert outside["x"] >= zones["expire"]["x"]
    # The edge gets room: the 4 s between the two probes are drawn wider than the 2 s run.
    assert outside["x"] - inside["x"] > 100
    assert all(10 <= a["x"] <= drawing.width - 14 for a in drawing.axis)


def test_a_short_window_is_one_linear_axis():
    drawing = draw(_record(window=3.0, probes=(4.5, 6.5)))
    assert [p.name for p in drawing.panels] == ["run"]
    assert not drawing.breaks
    xs = [t["x"] for t in drawing.ticks]
    assert xs == sorted(xs)


def test_an_operation_without_reads_still_draws():
    record = _record()
    record["reads"], record["completed_between"], record["window"] = [], None, None
    drawing = draw(record)
    assert drawing.bands and not drawing.probes


@pytest.mark.parametrize(
    ("seconds", "step", "label"),
    [
        (0.0, 1.0, "0 s"),
        (300.0, 60.0, "5 min"),
        (303.9, 0.1, "5 min 3.9 s"),
        (3600.0, 600.0, "1 h"),
        (3661.0, 1.0, "1 h 1 min 1 s"),
        (59.9996, 0.001, "1 min"),
        (-2.0, 1.0, "-2 s"),
    ],
)
def test_clock_labels_speak_minutes_and_hours(seconds, step, label):
    assert clock_label(seconds, step) == label


def test_junit_fails_a_warn_only_at_the_should_gate():
    case = {"nodeid": "cases/t.py::test_x", "verdict": "WARN", "duration_s": 0.1, "message": "m"}
    doc = {
        "target": {"url": "u"},
        "requirements": [{"id": "X", "level": "SHOULD", "cases": [case]}],
        "gate_mode": "must",
    }
    assert b"<failure" not in render_junit(doc) and b"<system-out>WARN X" in render_junit(doc)
    doc["gate_mode"] = "should"
    assert b'<failure message="m" type="WARN">' in render_junit(doc)


def test_html_renders_a_report_with_nothing_in_it():
    # A fixed document, not `planted`: this test renders in this process, where the mutation
    # run can see it, and the other run's seconds would be spent on every mutant it reaches.
    document = json.loads((DATA / "faulty.json").read_text(encoding="utf-8"))
    empty = {**document, "operations": [], "exchanges": [], "exchange_count": 0}
    empty["requirements"] = [
        {**r, "cases": [], "verdict": "NOT-COVERED", "reason": ""} for r in document["requirements"]
    ]
    html = render_html(empty)
    assert "No operation was accepted in this run." in html
    for operation in document["operations"]:
        assert operation["status_url"] not in html


def test_a_server_error_in_the_window_is_drawn_as_an_error_not_an_expiry():
    record = _record()
    inside = record["reads"][-2]
    inside.update(status=503, available=False, state="SUCCESS", role="success", gone=False)
    drawing = draw(record)
    assert [p["cls"] for p in drawing.probes[-2:]] == ["error", "gone"]


def test_junit_never_fails_an_info_warn():
    case = {"nodeid": "t.py::x", "verdict": "WARN", "duration_s": 0.0, "message": "m"}
    doc = {
        "target": {"url": "u"},
        "gate_mode": "should",
        "requirements": [{"id": "X", "level": "INFO", "cases": [case]}],
    }
    assert b"<failure" not in render_junit(doc)
