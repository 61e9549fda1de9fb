"""Regenerate docs/report.png, the README's picture of the HTML report.

    python docs/make_screenshot.py

Runs the suite against the simulator with ids that expire early (a FAIL to show),
then photographs the report in Debian's Chromium, filtered to what needs action.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--report-dir={out}",
                "--fault=retention-short",
            ],
            cwd=HERE.parent,
            check=False,
            capture_output=True,
        )
        report = Path(out) / "conformance.html"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 1700})
            page.goto(report.as_uri() + "#filter?verdict=FAIL,WARN,ERROR")
            page.screenshot(path=str(HERE / "report.png"), full_page=False)
            browser.close()
    print(f"wrote {HERE / 'report.png'}")


if __name__ == "__main__":
    main()
