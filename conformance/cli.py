"""`async-conformance`: run the suite from an installed wheel, serve the simulator, compare runs."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .catalogue import cases_dir

__all__ = ["cases_dir", "main"]


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .clock import VirtualClock
    from .simulator import DIALECTS, FAULTS, QUIRKS, TEST_CLOCK_PATH, Settings, create_app

    try:
        settings = Settings(
            duration=args.duration,
            completed_window=args.completed_window,
            timed_out_window=args.timed_out_window,
            delete_delay=args.delete_delay,
            operation_timeout=args.operation_timeout,
            timeout_anchor=args.timeout_anchor,
        )
        # With --test-clock the simulator's time stands still until a client moves it.
        clock = VirtualClock(time.time()) if args.test_clock else None
        app = create_app(clock, settings, args.fault, args.test_clock, args.dialect)
    except ValueError as exc:
        print(f"async-conformance serve: {exc}", file=sys.stderr)
        return 2
    if args.list_faults:
        for kind, table in (("fault", FAULTS), ("quirk", QUIRKS)):
            for behaviour in table.values():
                where = (
                    ""
                    if behaviour.dialects == set(DIALECTS)
                    else (f" [{', '.join(d for d in DIALECTS if d in behaviour.dialects)} only]")
                )
                print(f"{kind:<6} {behaviour.name:<22} {behaviour.description}{where}")
        return 0
    shown = f" speaking {args.dialect}" if args.dialect != "cloudcenter" else ""
    shown += f" with {', '.join(args.fault)}" if args.fault else ""
    if args.test_clock:
        shown += f"{' and' if args.fault else ' with'} a test clock at {TEST_CLOCK_PATH}"
    print(f"reference simulator{shown} on http://{args.host}:{args.port} (Ctrl-C stops it)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _requirements(markdown: bool) -> int:
    from .report import CasesError, render_listing, render_markdown, shipped_cases

    if markdown:
        print(render_markdown())
        return 0
    # The cases the suite ships, collected as a run collects them (nothing is sent).
    try:
        folder = cases_dir()
        covering = shipped_cases(folder)
    except (FileNotFoundError, CasesError) as exc:
        print(
            f"async-conformance requirements: {exc}; reinstall async-conformance "
            "(`--markdown` prints the catalogue alone)",
            file=sys.stderr,
        )
        return 1
    print(f"The cases shipped in {folder}, by requirement (`async-conformance run` runs them):")
    print("\n".join(render_listing(covering)))
    return 0


def _diff(old: str, new: str, html: str | None) -> int:
    from .report import ReportError, diff_reports, load_report, render_diff_html, render_diff_text

    try:
        diff = diff_reports(load_report(old), load_report(new))
    except ReportError as exc:
        print(f"async-conformance diff: {exc}", file=sys.stderr)
        return 2
    if html is not None:
        path = Path(html)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_diff_html(diff), encoding="utf-8")
        except OSError as exc:
            problem = exc.strerror or str(exc)
            print(
                f"async-conformance diff: --html {html}: cannot be written ({problem}); "
                "name a file in a folder you can write to",
                file=sys.stderr,
            )
            return 2
    print(render_diff_text(diff))
    return 1 if diff.regressed else 0


def _joined(args: Sequence[str]) -> list[str]:
    """`--target-config x.toml` as `--target-config=x.toml`, the form pytest reads safely."""
    from .plugin import VALUE_OPTIONS

    out: list[str] = []
    items = iter(args)
    for arg in items:
        if arg in VALUE_OPTIONS:
            value = next(items, None)
            out.append(arg if value is None else f"{arg}={value}")
        else:
            out.append(arg)
    return out


def _run(pytest_args: Sequence[str]) -> int:
    # A fresh interpreter, so pytest imports (and may assertion-rewrite) the plugin itself.
    command = [sys.executable, "-m", "pytest", str(cases_dir()), "--rootdir", str(Path.cwd())]
    if (Path.cwd() / "conftest.py").is_file():
        # The cases live elsewhere, so pytest would not load the conftest.py here, where a
        # user's conformance_setup fixture is: loaded as a plugin (`-m` puts this folder first
        # on sys.path).
        command += ["-p", "conftest"]
    return subprocess.call([*command, *_joined(pytest_args)])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="async-conformance",
        description="Conformance suite for asynchronous HTTP APIs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run",
        help="run the conformance cases; every other argument goes to pytest",
        add_help=False,
    )
    sub.add_parser(
        "schemathesis-config",
        help="print the path of a Schemathesis config file that adds the suite's async checks",
    )
    sub.add_parser(
        "schema", help="print the path of the JSON Schema that every conformance.json matches"
    )
    requirements = sub.add_parser("requirements", help="print the requirement catalogue")
    requirements.add_argument("--markdown", action="store_true", help="as a Markdown table")
    diff = sub.add_parser(
        "diff",
        help="compare two conformance.json reports: what regressed, improved or changed",
        description="Compare two conformance.json reports, one line per requirement whose "
        "verdict moved (FAIL is worse than ERROR, ERROR worse than WARN). REGRESSED: into WARN, "
        "ERROR or FAIL from PASS, SKIP, NOT-COVERED or a lesser one of the three. IMPROVED: out "
        "of them to PASS, or to a lesser one (FAIL -> WARN). CHANGED: any other move, such as "
        "PASS -> SKIP (no longer observed) or SKIP -> PASS. ADDED, REMOVED: in one report only. "
        "A requirement that kept its verdict with another reason is not listed. Exit status: 0 "
        "no regression, 1 a regression or the gate went from pass to fail, 2 a file is missing "
        "or not a conformance report.",
    )
    diff.add_argument("old", metavar="OLD.json", help="the report to compare against")
    diff.add_argument("new", metavar="NEW.json", help="the report of the run to judge")
    diff.add_argument(
        "--html", metavar="PATH", help="also write the comparison as a self-contained HTML page"
    )
    init = sub.add_parser(
        "init",
        help="write a target description from a server's URL: its document, and with --probe "
        "its answers to one operation",
        description="Find the server's OpenAPI document, list the operations it marks as "
        "asynchronous, and write a target description for one of them, each key with where it "
        "was read. With --probe, start one operation and infer the dialect from the answers. "
        "Exit status: 0 written, 4 bad input (nothing written).",
    )
    from .init import add_arguments

    add_arguments(init)
    serve = sub.add_parser("serve", help="serve the reference simulator over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="a named fault or quirk (repeatable; --list-faults shows them)",
    )
    serve.add_argument("--list-faults", action="store_true", help="list faults and quirks")
    serve.add_argument(
        "--dialect",
        default="cloudcenter",
        help="how the simulator speaks: cloudcenter (default), azure, ogc-processes, google-lro",
    )
    serve.add_argument(
        "--duration", type=float, default=4.0, help="seconds an operation runs (default 4)"
    )
    serve.add_argument(
        "--delete-delay",
        type=float,
        default=2.0,
        help="seconds a deleted account lingers (default 2)",
    )
    serve.add_argument(
        "--completed-window",
        type=float,
        default=300.0,
        help="seconds a completed operation id stays (default 300)",
    )
    serve.add_argument(
        "--timed-out-window",
        type=float,
        default=3600.0,
        help="seconds a timed-out operation id stays (default 3600)",
    )
    serve.add_argument(
        "--operation-timeout",
        type=float,
        default=600.0,
        help="seconds after which a timeout-scenario operation times out (default 600)",
    )
    serve.add_argument(
        "--timeout-anchor",
        choices=("submission", "timeout"),
        default="submission",
        help="where a timed-out operation's window starts (default submission)",
    )
    serve.add_argument(
        "--test-clock",
        action="store_true",
        help="freeze the simulator's clock and serve the test-clock protocol, so the suite "
        "can move it (--clock control)",
    )
    if argv[:1] == ["run"]:
        return _run(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "requirements":
        return _requirements(args.markdown)
    if args.command == "diff":
        return _diff(args.old, args.new, args.html)
    if args.command == "init":
        from .init import run_init

        return run_init(args)
    if args.command == "schema":
        from .report import SCHEMA_PATH

        print(SCHEMA_PATH)
        return 0
    if args.command == "schemathesis-config":
        from .openapi import SCHEMATHESIS_CONFIG

        print(SCHEMATHESIS_CONFIG)
        return 0
    return _serve(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
