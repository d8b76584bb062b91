"""A real ``romas serve`` with the sample MAS, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess, running_server

SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"
CHROMIUM = os.environ.get("ROMAS_CHROMIUM", "/usr/bin/chromium")
# Generous bounds for a busy machine: how long a server may take to come up, and a page to show what it waits for.
START_S = 120.0
WAIT_MS = 60_000


@pytest.fixture
def chromium(database_url: str) -> Iterator[object]:
    """A browser, started after the database (Playwright's sync API holds an event loop the database fixtures must
    not meet); missing Chromium or Playwright skips, except under CI=true where it fails."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci:
            pytest.fail("CI=true but the playwright package is not installed")
        pytest.skip("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        if in_ci:
            pytest.fail(f"CI=true but there is no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def sample_server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """The bakery, started and left to finish its morning, so that what the test changes is all that moves."""
    with (
        running_server(database_url, tmp_path, extra_args=("--seed", str(SAMPLE)), timeout=START_S) as server,
        httpx.Client(base_url=server.url, timeout=20) as client,
    ):
        deadline = time.monotonic() + START_S
        while True:
            scheme = client.get("/organisations/shop/schemes/today")
            sold = any("the till rings" in x["text"] for x in client.get("/agents/sam/log").json()["lines"])
            if scheme.status_code == 200 and scheme.json()["satisfied"] and sold:
                break
            assert time.monotonic() < deadline, f"the sample did not finish:\n{server.output()[-3000:]}"
            time.sleep(0.25)
        yield server
