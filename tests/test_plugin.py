"""The plugin as users meet it: listing, markers, reports, header, secrets, inertness."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from conformance.catalogue import CATALOGUE
from tests.support.running import CASES, write


def test_list_requirements_shows_cases_and_gaps(pytester):
    result = pytester.runpytest_inprocess(
        str(CASES), "--list-requirements", "-p", "no:cacheprovider"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "Submission",
            "  SUBMIT-202 * MUST * An asynchronous call is accepted with 202*",
            "* source: *RFC 9110 §15.3.3",
            "* case: *test_submission.py::test_submission_is_accepted_with_202[[]success[]]",
            "  ROBUST-SUBMIT * MUST *",
            "* case: *test_robustness.py::test_malformed_submissions_are_refused",
        ]
    )
    result.assert_outcomes()  # listed, not run
    assert not (pytester.path / "reports").exists()


def test_list_requirements_shows_requirements_no_collected_case_covers(pytester):
    pytester.makepyfile(
        test_own="""
        import pytest

        @pytest.mark.requirement("SUBMIT-202")
        def test_accepted(conformance):
            pass
        """
    )
    result = pytester.runpytest_inprocess("--list-requirements", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["  SUBMIT-202 * MUST *", "* case: *test_own.py::test_accepted"])
    result.stdout.fnmatch_lines(["  ROBUST-IDS * MUST *", "* NOT-COVERED"])


def test_unknown_requirement_id_errors_that_case_only(pytester):
    pytester.makepyfile(
        test_user="""
        import pytest

        from conformance import cite

        @pytest.mark.requirement("SUBMIT-220")
        def test_typo(conformance):
            pass

        @pytest.mark.requirement("SUBMIT-202")
        def test_fine(conformance):
            accepted = conformance.run("success").submission.exchange
            assert accepted.status == 202
            cite("the submission answered 202", [accepted])
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unknown requirement id 'SUBMIT-220'. Did you mean SUBMIT-202?*"])


def test_plugin_is_inert_without_conformance_cases(pytester):
    pytester.makepyfile(test_plain="def test_ok():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "async-conformance:" not in result.stdout.str()
    assert not (pytester.path / "reports").exists()


def test_a_pass_that_cites_nothing_is_not_observed(pytester):
    pytester.makepyfile(
        test_user="""
        import pytest

        @pytest.mark.requirement("SUBMIT-202")
        def test_asserts_only(conformance):
            assert conformance.run("success").submission.exchange.status == 202
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    doc = json.loads((pytester.path / "reports" / "conformance.json").read_text())
    case = next(r for r in doc["requirements"] if r["id"] == "SUBMIT-202")["cases"][0]
    assert case["verdict"] == "SKIP" and case["message"].startswith("not observed")


@pytest.mark.parametrize(
    "args",
    [
        ["--target-config", "target.toml"],
        ["--report-dir", "out"],
        ["--target", "target.toml"],  # any value that names a file moves pytest's rootdir
    ],
)
def test_options_written_with_a_space_stop_before_anything_runs(pytester, args):
    pytester.path.joinpath("target.toml").write_text("", encoding="utf-8")
    result = pytester.runpytest_inprocess(str(CASES), *args, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*write {args[0]} {args[1]} as {args[0]}={args[1]}*"])
    assert not (pytester.path / "reports").exists()


def test_a_spaced_value_that_names_nothing_on_disk_is_fine(pytester):
    result = pytester.runpytest_inprocess(
        str(CASES), "--target", "builtin", "-p", "no:cacheprovider", "-k", "accepted_with"
    )
    assert result.ret == 0


def test_the_run_command_accepts_both_forms():
    from conformance.cli import _joined

    assert _joined(["--target-config", "t.toml", "-q", "--report-dir=out", "--fault", "x"]) == [
        "--target-config=t.toml",
        "-q",
        "--report-dir=out",
        "--fault=x",
    ]


def test_a_long_wall_clock_wait_is_announced_past_the_capture(pytester):
    pytester.makepyfile(
        test_waits="""
        import pytest
        from conformance.schedule import Slot

        @pytest.mark.requirement("RETAIN-COMPLETED")
        def test_waits(conformance):
            slot = Slot(0.0, "inside", lambda: None, about="the end of the window")
            conformance._waiting(252.0, slot, 3)
            conformance._waiting(4.0, slot, 0)  # too short to mention
            print("captured output")
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["async-conformance: waiting 4 min 12 s for the end of the window (3 more probes after it)"]
    )
    assert "waiting 4 s" not in result.stdout.str()
    assert "captured output" not in result.stdout.str()


def test_the_schedule_says_each_wait_before_it_starts():
    from conformance.clock import VirtualClock
    from conformance.schedule import Schedule

    clock = VirtualClock(0.0)
    schedule = Schedule(clock)
    heard: list[tuple[float, str, int]] = []
    schedule.at(10.0, "a", lambda: clock.now(), about="first")
    schedule.at(30.0, "b", lambda: clock.now(), about="second")
    schedule.run(lambda wait, slot, left: heard.append((wait, slot.about, left)))
    assert heard == [(10.0, "first", 1), (20.0, "second", 0)]


@pytest.mark.slow
@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_is_shown_even_with_a_broken_description(pytester, flag):
    # pytest hands --help the options untyped; a path option arrives as a string.
    result = pytester.runpytest_subprocess(
        str(CASES), "--report-dir=r", "--target-config=missing.toml", flag
    )
    assert result.ret == 0, result.stderr.str()
    assert "Traceback (most recent" not in result.stdout.str() + result.stderr.str()
    if flag == "--help":
        result.stdout.fnmatch_lines(["*--report-dir=DIR*"])


@pytest.mark.slow
def test_report_header_names_target_dialect_and_clock(run_suite):
    run = run_suite()
    run.result.stdout.fnmatch_lines(
        [
            "async-conformance: target builtin simulator (in-process), dialect cloudcenter, "
            "clock virtual, description builtin target description"
        ]
    )


@pytest.mark.slow
def test_conformance_json_is_complete(run_suite):
    run = run_suite()
    doc = run.document
    assert doc is not None
    assert doc["tool"]["name"] == "async-conformance" and doc["tool"]["version"]
    assert doc["clock"] == "virtual" and doc["dialect"] == "cloudcenter"
    assert doc["started_at"] <= doc["finished_at"]
    assert [r["id"] for r in doc["requirements"]] == list(CATALOGUE)
    robust = run.requirement("ROBUST-SUBMIT")
    # Malformed bodies from the scenario's own, and requests the published schema forbids.
    assert robust["verdict"] == "PASS" and len(robust["cases"]) == 2
    cases = run.requirement("RETAIN-COMPLETED")["cases"]
    kept = next(c for c in cases if "details" in c)["details"]["retention"]
    assert kept["window_s"] == 300 and kept["resolution_s"] > 0
    assert kept["window_start_between"][0] <= kept["window_start_between"][1]
    submit = run.requirement("SUBMIT-202")
    assert submit["level"] == "MUST" and submit["source"].endswith("RFC 9110 §15.3.3")
    assert {c["verdict"] for c in submit["cases"]} == {"PASS"} and len(submit["cases"]) == 2
    assert doc["exchange_count"] > 10


@pytest.mark.slow
def test_secrets_never_reach_any_output(run_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_TOKEN", "tok-very-secret-42")
    config = write(
        tmp_path / "target.toml",
        "[headers]\nAuthorization = 'Bearer ${SIM_TOKEN}'\nX-Tenant = 'tok-very-secret-42'\n"
        "[scenarios.success]\npath = '/v1/tenants/1/clouds/1/accounts'\n"
        "json = { name = 'x', note = '${SIM_TOKEN}' }\n",
    )
    junit = tmp_path / "junit.xml"
    run = run_suite(
        f"--target-config={config}", "--fault", "submit-200", f"--junitxml={junit}", "-v"
    )
    assert run.result.ret == 1
    outputs = [
        run.result.stdout.str(),
        run.result.stderr.str(),
        json.dumps(run.document),
        junit.read_text(),
        run.html,
        run.junit,
    ]
    for text in outputs:
        assert "tok-very-secret-42" not in text
    failure = next(c for c in run.requirement("SUBMIT-202")["cases"] if c["verdict"] == "FAIL")
    sent = failure["exchanges"][0]
    assert ["authorization", "[redacted]"] in sent["request_headers"]
    assert ["x-tenant", "[secret]"] in sent["request_headers"]
    assert "[secret]" in sent["request_body"]


@pytest.mark.slow
def test_junit_records_the_requirement_of_each_case(run_suite, tmp_path):
    junit = tmp_path / "junit.xml"
    run_suite(f"--junitxml={junit}")
    cases = ET.parse(junit).getroot().iter("testcase")
    props = {
        c.get("name"): {p.get("name"): p.get("value") for p in c.iter("property")} for c in cases
    }
    assert props["test_submission_is_accepted_with_202[success]"] == {
        "requirement": "SUBMIT-202",
        "level": "MUST",
    }


@pytest.mark.slow
def test_warn_shows_as_its_own_outcome(run_suite):
    run = run_suite("--fault", "failed-no-msg", "-v", "-k", "failure_says_why")
    run.result.stdout.fnmatch_lines(["*test_failure_says_why WARN*", "*1 warned*"])
    assert run.result.ret == 0


@pytest.mark.slow
def test_blocked_shows_as_its_own_outcome(run_suite):
    run = run_suite("--fault", "no-location", "-v", "-k", "status_answers_200")
    run.result.stdout.fnmatch_lines(["*test_status_answers_200_with_json*BLOCKED*"])


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["no-location"])
def test_blocked_cases_name_the_failure_and_say_why(run_suite, fault):
    run = run_suite("--fault", fault)
    assert run.verdicts["SUBMIT-LOCATION"] == "FAIL"
    assert run.verdicts["STATUS-200-JSON"] == "BLOCKED"
    assert run.requirement("STATUS-200-JSON")["blocked_by"] == "SUBMIT-LOCATION"
    case = next(c for c in run.requirement("STATUS-200-JSON")["cases"] if c["verdict"] == "BLOCKED")
    assert re.match(
        r"blocked by SUBMIT-LOCATION \(see #\d+\): the success run has no status to judge",
        case["message"],
    ), case["message"]


@pytest.mark.slow
def test_secret_in_the_base_url_is_redacted_everywhere(run_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH_TOKEN", "pathtok-99")
    config = write(
        tmp_path / "target.toml", "base_url = 'http://builtin.simulator/${PATH_TOKEN}'\n"
    )
    junit = tmp_path / "junit.xml"
    run = run_suite(
        f"--target-config={config}", "--target", "builtin", f"--junitxml={junit}", "-rA"
    )
    assert run.result.ret == 1  # every request goes to a path the simulator does not have
    assert run.verdicts["SUBMIT-202"] == "FAIL"
    outputs = (run.result.stdout.str(), json.dumps(run.document), junit.read_text(), run.html)
    for text in (*outputs, run.junit):
        assert "pathtok-99" not in text
    run.result.stdout.fnmatch_lines(["*http://builtin.simulator/[[]secret[]]/v1/tenants*"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "ret", "gate"),
    [
        ((), 0, "pass"),
        (("--gate=must",), 0, "pass"),
        (("--gate=should",), 1, "fail"),
        (("--strict-conformance",), 1, "fail"),
        (("--gate=none",), 0, "pass"),
    ],
)
def test_a_should_violation_fails_the_run_only_at_the_should_gate(run_suite, options, ret, gate):
    run = run_suite("--fault", "delete-content-length", "-k", "delete", *options)
    assert run.verdicts["DELETE-NO-CONTENT-LENGTH"] == "WARN"
    assert run.result.ret == ret
    assert run.document is not None and run.document["gate"] == gate


@pytest.mark.slow
def test_gate_none_reports_a_must_failure_and_exits_0(run_suite):
    run = run_suite("--fault", "submit-200", "-k", "submission", "--gate=none")
    assert run.verdicts["SUBMIT-202"] == "FAIL"
    assert run.result.ret == 0
    assert run.document is not None
    assert run.document["gate"] == "fail" and run.document["gate_mode"] == "none"
    run.result.stdout.fnmatch_lines(["*gate: FAIL (not enforced: --gate=none)*"])


@pytest.mark.slow
def test_strict_with_another_gate_is_a_usage_error(run_suite):
    run = run_suite("--strict-conformance", "--gate=none")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines(["*--strict-conformance means --gate=should*"])


@pytest.mark.slow
def test_the_terminal_ends_with_every_requirements_verdict(run_suite):
    run = run_suite("--fault", "submit-200", "-k", "submission")
    lines = run.result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.strip("= ") == "async-conformance")
    table = lines[start + 1 : start + 1 + len(CATALOGUE)]
    assert [line.split()[1] for line in table] == list(CATALOGUE)
    assert table[0].startswith("FAIL  SUBMIT-202 (MUST): Observed: 200")
    run.result.stdout.fnmatch_lines(["PASS  SUBMIT-LOCATION (MUST): *", "*requirements: *"])


@pytest.mark.slow
def test_collect_only_writes_no_report(run_suite):
    run = run_suite("--collect-only", "-q")
    assert run.result.ret == 0
    assert run.document is None
    assert not (run.report_dir / "conformance.html").exists()
