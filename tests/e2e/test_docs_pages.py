"""The API reference pages render in a real browser from the server's own assets, with no internet."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import ServerProcess, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Cosmetic images a page may ask for elsewhere (ReDoc's "powered by" logo); blocked, and harmless when missing.
COSMETIC = {"image"}


def _chromium_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Debian's chromium (apt-get install -y chromium)")
        pytest.skip("no chromium on this machine (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("docs")
    with running_server(f"sqlite+aiosqlite:///{workdir / 'romas.db'}", workdir) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.mark.parametrize(
    ("page_path", "open_section"),
    [("/schema", "agents"), ("/schema/scalar", "agents"), ("/schema/swagger", None), ("/schema/redoc", None)],
)
def test_reference_page_shows_the_operations_offline(
    docs_server: ServerProcess, browser: Any, tmp_path: Path, page_path: str, open_section: str | None
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[tuple[str, str]] = []

    def only_this_server(route: Any) -> None:
        request = route.request
        if request.url.startswith((docs_server.url, "data:")):
            route.continue_()
        else:
            outside.append((request.resource_type, request.url))
            route.abort()

    page.route("**/*", only_this_server)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(docs_server.url + page_path)
    if open_section is not None:
        # Scalar renders a tag's operations when its section is opened.
        page.get_by_text(open_section, exact=True).first.click()
    operation = page.get_by_text("/agents/{name}").first
    operation.wait_for(timeout=90_000)
    operation.scroll_into_view_if_needed()
    shot = tmp_path / f"{page_path.strip('/').replace('/', '-')}.png"
    page.screenshot(path=str(shot))
    page.close()
    assert shot.stat().st_size > 10_000
    assert [(kind, url) for kind, url in outside if kind not in COSMETIC] == []
    assert [url for url in failed if url.startswith(docs_server.url)] == []
