"""conformance.json (`report/_json.py`): what is written, and written whole."""

from __future__ import annotations

import json

from conformance.report._json import write_atomically, write_json


def test_a_half_written_report_left_by_an_interrupted_run_is_gone_after_the_next_write(tmp_path):
    # A run killed between writing and renaming leaves conformance.json.tmp behind; the next
    # report is written through that same name, so the folder holds the report and nothing else.
    (tmp_path / "conformance.json.tmp").write_bytes(b'{"half": ')
    path = write_json(tmp_path / "conformance.json", {"verdict": "PASS"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conformance.json"]
    assert path.read_text(encoding="utf-8") == '{\n  "verdict": "PASS"\n}\n'


def test_a_report_is_written_whole_into_folders_that_do_not_exist_yet(tmp_path):
    path = tmp_path / "reports" / "nightly" / "conformance.json"
    assert write_json(path, {"reason": "naïve ✓", "n": [1]}) == path
    assert path.read_bytes() == '{\n  "reason": "naïve ✓",\n  "n": [\n    1\n  ]\n}\n'.encode()
    assert write_atomically(path, b"again") == path  # the folder is there now: no error
    assert path.read_bytes() == b"again"
    assert sorted(p.name for p in path.parent.iterdir()) == ["conformance.json"]
    assert json.loads(write_json(tmp_path / "r.json", {}).read_text(encoding="utf-8")) == {}


def test_a_reader_of_the_old_report_keeps_reading_it_whole_while_a_new_one_is_written(tmp_path):
    path = write_atomically(tmp_path / "conformance.json", b"old report")
    with path.open("rb") as reader:
        write_atomically(path, b"new")
        assert reader.read() == b"old report"
    assert path.read_bytes() == b"new"
