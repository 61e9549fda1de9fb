"""The report layer in detail: the diff, the results, the operations, the views, path by path."""

from __future__ import annotations

from conformance.report import (
    render_junit,
)


def test_junit_keeps_characters_beyond_the_basic_plane_and_escapes_what_xml_cannot_carry():
    document = {
        "target": {"url": "http://t.example"},
        "requirements": [
            {
                "id": "SUBMIT-202",
                "level": "MUST",
                "verdict": "FAIL",
                "cases": [{"nodeid": "t.py::test_x", "verdict": "FAIL", "message": "got 😀\ufffe"}],
            }
        ],
    }
    xml = render_junit(document).decode("utf-8")
    assert '<failure message="got 😀\\xfffe" type="FAIL">SUBMIT-202 (MUST): got 😀\\xfffe' in xml


def test_junit_shows_control_characters_as_the_html_does():
    from conformance.report._junit import _clean

    assert _clean("a\u202eb\x1bc\ud800\n") == "a\\u202eb\\x1bc\\xd800\n"
