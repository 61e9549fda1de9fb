"""The HTML report in a real browser: Debian's Chromium, driven headless by Playwright.

`.ci/run` installs the `chromium` package; no browser is downloaded. Outside CI,
without Chromium, these tests are skipped with the way to install it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.simulator._hooks import PLANTED_SCRIPT
from tests.support.running import suite_in_subprocess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: As root in a container, and with this machine's closed network: no sandbox, no calls home.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# In CI a missing browser fails these tests; elsewhere it skips them, saying how to get one.
if not os.environ.get("CI") and (
    not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None
):
    pytest.skip(
        "needs Debian's chromium (`apt-get install chromium`) and playwright (`pip install "
        "-e '.[dev]'`); CI has both",
        allow_module_level=True,
    )
from playwright.sync_api import Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a run where the ids expire early and the target plants markup."""
    out = tmp_path_factory.mktemp("browser") / "reports"
    faults = ("--fault=retention-short", "--fault=markup-in-text")
    suite_in_subprocess(out, "--conformance-profile=smoke", *faults)
    return out / "conformance.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, report: Any) -> Iterator[tuple[Page, list[str]]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(report.as_uri())
    yield page, problems
    page.close()


def test_the_failing_requirement_shows_as_fail(page):
    p, problems = page
    row = p.locator("tr.req-row", has=p.locator("code", has_text="RETAIN-COMPLETED"))
    assert row.get_attribute("data-verdict") == "FAIL"
    assert row.locator(".verdict").first.inner_text() == "FAIL"
    assert p.locator("#gate").inner_text().startswith("Gate: FAIL")
    assert problems == []


def test_a_filter_hides_the_passing_ones_and_the_link_keeps_it(page):
    p, problems = page
    passing = p.locator("tr.req-row[data-verdict=PASS]")
    assert passing.first.is_visible()
    p.locator("input[data-filter=verdict][value=PASS]").uncheck()
    assert not passing.first.is_visible()
    assert p.locator("tr.req-row[data-verdict=FAIL]").first.is_visible()
    assert "PASS" not in p.evaluate("location.hash") and "verdict=" in p.evaluate("location.hash")
    shown = p.locator("#shown-count").inner_text()
    # The link opens on the same view.
    p.goto(p.url)
    p.reload()
    assert not p.locator("tr.req-row[data-verdict=PASS]").first.is_visible()
    assert not p.locator("input[data-filter=verdict][value=PASS]").is_checked()
    assert p.locator("#shown-count").inner_text() == shown
    p.locator("input[data-filter=verdict][value=PASS]").check()
    p.fill("#search", "retain-timeout")
    visible = [r for r in p.locator("tr.req-row").all() if r.is_visible()]
    assert [r.locator("code").first.inner_text() for r in visible] == ["RETAIN-TIMEOUT"]
    assert problems == []


def test_the_retention_timeline_shows_the_probes(page):
    p, problems = page
    case = p.locator("#req-RETAIN-COMPLETED article.case").first
    case.scroll_into_view_if_needed()
    probes = case.locator("svg circle.probe")
    assert probes.count() >= 2
    assert probes.first.is_visible()
    # Inside the window, the probe found the id gone: the picture says so too.
    assert case.locator("svg circle.probe.gone").count() >= 1
    assert case.locator("svg rect.band.keep").count() == 1
    assert problems == []


def test_script_planted_by_the_target_did_not_run(page):
    p, problems = page
    assert p.evaluate("window.__planted") is None
    assert p.title() != "planted" and p.title().startswith("Conformance report")
    # It is there, as text, for the reader to see.
    assert PLANTED_SCRIPT in (p.locator("#transcript").text_content() or "")
    assert problems == []
