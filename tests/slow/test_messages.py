"""What the suite says is true: reasons, headers and the real-clock wait it announces."""

from __future__ import annotations

from tests.support.running import write


def test_a_run_of_one_case_file_says_the_rest_was_not_selected(run_suite):
    run = run_suite("-k", "test_delete")
    assert run.requirement("SUBMIT-202")["reason"] == "not selected in this run"
    assert run.requirement("SUBMIT-202")["verdict"] == "NOT-COVERED"


def test_the_header_names_the_dialect_as_described(run_suite, tmp_path):
    config = write(
        tmp_path / "t.toml",
        '[dialect]\nname = "acme"\nextends = "azure"\nstatus_field = "state"\n',
    )
    run = run_suite("--target=builtin", f"--target-config={config}", "-k", "nothing-matches")
    run.result.stdout.fnmatch_lines(
        ["*dialect acme (extends azure), keys overridden: status_field,*"]
    )


def test_the_announced_wall_clock_wait_counts_only_declared_scenarios(run_suite, tmp_path):
    config = write(
        tmp_path / "t.toml",
        '[scenarios.success]\npath = "/x"\n[retention]\ncompleted = 20\ntimed_out = 3600\n',
    )
    run = run_suite(
        "--target=http://127.0.0.1:9", f"--target-config={config}", "--collect-only", "-q"
    )
    # No timeout scenario: the hour-long window is never waited for.
    run.result.stdout.fnmatch_lines(["*the retention cases wait about 25 s*"])
