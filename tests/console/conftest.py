"""A real ``romas serve`` with the sample MAS, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import BACKENDS
from tests.e2e.server import ServerProcess, keep_together, running_server, shared_server_of

SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"
CHROMIUM = os.environ.get("ROMAS_CHROMIUM", "/usr/bin/chromium")
# Generous bounds for a busy machine: how long a server may take to come up, and a page to show what it waits for.
START_S = 120.0
WAIT_MS = 60_000


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[tuple[Any, asyncio.AbstractEventLoop]]:
    """One Chromium for this worker's console tests (a launch costs about a CPU-second), and Playwright's event loop.

    Playwright's sync API marks its loop as this thread's running loop after each call; the database fixtures and the
    async tests run by this worker between the console tests could then not run a loop of their own. So the loop is
    marked running only while a console test runs (see ``chromium``). Missing Chromium or Playwright skips, except
    under CI=true where it fails."""
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
    playwright = sync_playwright().start()
    loop = asyncio.get_running_loop()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    except BaseException:
        playwright.stop()
        raise
    asyncio.events._set_running_loop(None)
    try:
        yield launched, loop
    finally:
        asyncio.events._set_running_loop(loop)
        try:
            launched.close()
        finally:
            playwright.stop()


@pytest.fixture
def chromium(request: pytest.FixtureRequest, chromium_browser: tuple[Any, asyncio.AbstractEventLoop]) -> Iterator[Any]:
    """The worker's browser, for one test: each page it opens is in a browser context of its own (cookies, storage),
    and whatever the test leaves open is closed after it. Set up after the test's database and torn down before it:
    both run the event loop of the database code, which may not meet Playwright's."""
    if "database_url" in request.fixturenames:
        request.getfixturevalue("database_url")
    launched, loop = chromium_browser
    asyncio.events._set_running_loop(loop)
    try:
        yield launched
    finally:
        try:
            for context in launched.contexts:
                context.close()
        finally:
            asyncio.events._set_running_loop(None)


@contextmanager
def bakery(database_url: str, workdir: Path) -> Iterator[ServerProcess]:
    """The bakery, started and left to finish its morning, so that what a test changes is all that moves."""
    with (
        running_server(database_url, workdir, extra_args=("--seed", str(SAMPLE)), timeout=START_S) as server,
        httpx.Client(base_url=server.url, timeout=20) as client,
    ):
        deadline = time.monotonic() + START_S
        while True:
            scheme = client.get("/organisations/shop/schemes/today")
            sold = any("the till rings" in x["text"] for x in client.get("/agents/sam/log").json()["lines"])
            if scheme.status_code == 200 and scheme.json()["satisfied"] and sold:
                break
            if time.monotonic() >= deadline:
                raise AssertionError(f"the sample did not finish:\n{_stalled(client)}\n{server.output()[-3000:]}")
            time.sleep(0.25)
        yield server


def _stalled(client: httpx.Client) -> str:
    """Where a morning that did not finish stands: the scheme, the agents, the messages not yet processed."""
    parts = [client.get("/organisations/shop/schemes/today").text]
    for status in ("accepted", "delivered"):
        parts.append(client.get("/messages", params={"status": status, "limit": 50}).text[:2000])
    agents = client.get("/agents", params={"limit": 100}).json()["_embedded"]["agents"]
    parts.append(str([(a["name"], a["state"], a.get("stopped_reason")) for a in agents]))
    return "\n".join(parts)


@pytest.fixture
def sample_server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """The bakery for one test, for a test that counts on the morning being all that happened."""
    with bakery(database_url, tmp_path) as server:
        yield server


@pytest.fixture(scope="module", params=BACKENDS)
def shared_sample_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """The bakery for the tests of a module that change only what the others do not look at (an agent of their own,
    or the shop's resources the others leave alone): its start and morning cost a few CPU-seconds."""
    with shared_server_of(request, tmp_path_factory, bakery) as server:
        yield server


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    keep_together(items, "shared_sample_server")
