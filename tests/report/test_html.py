"""The report layer in detail: the diff, the results, the operations, the views, path by path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.report import (
    _html,
)
from tests.support.paths import DATA

T0 = 1_000.0


def _exchange_record(index: int, sent: float, received: float) -> dict[str, Any]:
    return {"index": index, "sent_at": sent, "received_at": received}


def _operation(number: int, origin: str, submitted: int, reads: list[int]) -> dict[str, Any]:
    return {
        "number": number,
        "origin": origin,
        "submitted": {"exchange": submitted, "sent_at": T0, "received_at": T0},
        "reads": [
            {
                "exchange": i,
                "label": f"poll {i}",
                "sent_at": T0 + i,
                "received_at": T0 + i,
                "status": 200,
                "error": None,
                "state": "RUNNING",
                "role": "running",
                "gone": False,
            }
            for i in reads
        ],
        "completed_between": None,
        "window": None,
    }


def _case(
    nodeid: str, cited: tuple[list[int], ...] = (), looked: tuple[int, ...] = ()
) -> dict[str, Any]:
    return {
        "nodeid": nodeid,
        "verdict": "PASS",
        "evidence": [{"what": "w", "exchanges": list(e)} for e in cited],
        "exchanges": [{"index": i} for i in looked],
    }


VIEW_DOCUMENT: dict[str, Any] = {
    "duration_s": 2,
    "exchanges": [
        *(_exchange_record(i, T0 + i, T0 + i + 0.5) for i in range(1, 9)),
        _exchange_record(9, T0 + 20, 0.0),  # no answer: its time is no time
        _exchange_record(40, T0 + 10, T0 + 10.5),
    ],
    "operations": [
        _operation(1, "cases", 1, [2]),
        _operation(2, "model", 3, [4]),
        *(_operation(n, "model", n + 2, []) for n in range(3, 7)),
    ],
    "requirements": [
        {
            "id": "A",
            "level": "SHOULD",
            "verdict": "WARN",
            "cases": [_case("a1", ([4, 2], [40, 9, 42]), (5, 6, 7, 8))],
        },
        {"id": "B", "level": "INFO", "verdict": "PASS", "cases": [_case("b1"), _case("b2")]},
        {"id": "C", "level": "SHOULD", "verdict": "WARN", "cases": []},
    ],
}


def test_the_view_of_a_report_works_out_cases_operations_and_exchanges_once():
    view = _html._view(VIEW_DOCUMENT)
    ops = VIEW_DOCUMENT["operations"]
    a1, b1, b2 = (c for r in VIEW_DOCUMENT["requirements"] for c in r["cases"])
    assert view["origin"] == T0 + 1
    assert view["contract_seconds"] == 19.0
    assert view["counts"] == [("WARN", 2), ("PASS", 1)]
    assert view["levels"] == ["SHOULD", "INFO"]
    assert view["wall_seconds"] == 2.0 and isinstance(view["wall_seconds"], float)
    assert view["cases"] == {
        id(a1): {"number": 1, "cited": [2, 4, 9, 40, 42], "operations": ops},
        id(b1): {"number": 2, "cited": [], "operations": []},
        id(b2): {"number": 3, "cited": [], "operations": []},
    }
    # Cited, and every exchange of a drawn operation: the case's first three operations.
    assert [e["index"] for e in view["exchanges"]] == [1, 2, 3, 4, 5, 9, 40]
    assert view["exchange_total"] == 10
    assert sorted(view["drawings"]) == [1, 2, 3]
    assert view["anchored"] == {1, 2}
    assert view["per_case"] == 3
    assert view["case_operations"] == [ops[0]]
    assert view["model_operations"] == [ops[1]]
    assert view["model_total"] == 5


def test_the_view_of_a_report_without_exchanges_starts_at_zero():
    view = _html._view(
        {"requirements": [{"id": "A", "level": "MUST", "verdict": "FAIL", "cases": []}]}
    )
    assert (view["origin"], view["contract_seconds"], view["wall_seconds"]) == (0.0, 0.0, None)
    assert (view["counts"], view["levels"], view["exchanges"], view["drawings"]) == (
        [("FAIL", 1)],
        ["MUST"],
        [],
        {},
    )
    assert (view["model_total"], view["case_operations"], view["model_operations"]) == (0, [], [])


def test_the_view_draws_only_the_first_model_operations():
    operations = [_operation(n, "model", 2 * n, [2 * n + 1]) for n in range(1, 27)]
    view = _html._view({"requirements": [], "operations": operations})
    assert [op["number"] for op in view["model_operations"]] == list(range(1, 25))
    assert view["anchored"] == set(range(1, 25))
    assert view["model_total"] == 26


@pytest.mark.parametrize(
    ("times", "seconds"),
    [
        ({"duration_s": 1.5, "started_at": "2026-01-01T00:00:00"}, 1.5),
        ({"started_at": "2026-01-01T00:00:00", "finished_at": "2026-01-01T00:01:02.5"}, 62.5),
        (
            {
                "duration_s": "2",
                "started_at": "2026-01-01T00:00:00",
                "finished_at": "2026-01-01T00:00:03",
            },
            3.0,
        ),
        ({"started_at": "2026-01-01T00:00:00"}, None),
        ({"started_at": "then", "finished_at": "now"}, None),
        ({"started_at": None, "finished_at": "2026-01-01T00:00:03"}, None),
        ({}, None),
    ],
)
def test_the_wall_time_is_the_duration_or_from_start_to_finish(times, seconds):
    assert _html._seconds(times) == seconds


def test_an_asset_is_the_template_folders_file():
    folder = Path(_html.__file__).parent / "templates"
    assert _html._asset("report.css") == (folder / "report.css").read_text(encoding="utf-8")


def test_the_page_carries_its_style_and_script_verbatim_and_details_as_written():
    document = json.loads((DATA / "correct.json").read_text("utf-8"))
    case = document["requirements"][0]["cases"][0]
    case["details"] = {"note": "naïve ✓"}
    html = _html.render_html(document)
    css, js = _html._asset("report.css"), _html._asset("report.js")
    assert f"<style>{css}</style>" in html and f"<script>{js}</script>" in html
    # The policy allows those two by their hashes (its quotes escaped in the attribute).
    policy = f"style-src '{_html._hash(css)}'; script-src '{_html._hash(js)}'"
    assert policy.replace("'", "&#39;") in html
    assert "<pre>{\n  &#34;note&#34;: &#34;naïve ✓&#34;\n}</pre>" in html
