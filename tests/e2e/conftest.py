"""End-to-end fixtures: a real server per test, or per module for tests that can share one, on each database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import BACKENDS
from tests.e2e.bridges import bridge_server
from tests.e2e.server import ServerProcess, keep_together, running_server, shared_server_of


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(database_url, tmp_path) as process:
        yield process


@pytest.fixture(scope="module", params=BACKENDS)
def shared_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the tests of a module that leave each other alone (agents of their own names, nothing that
    counts what the others made): a start costs about a CPU-second, more than many of these tests."""
    with shared_server_of(request, tmp_path_factory, running_server) as process:
        yield process


@pytest.fixture(scope="module", params=BACKENDS)
def shared_bridge_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One server, allowed to reach the brokers and services on 127.0.0.1, for the bridge tests of a module that
    keep to artefacts and agents of their own."""
    with shared_server_of(request, tmp_path_factory, bridge_server) as process:
        yield process


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    keep_together(items, "shared_server")
    keep_together(items, "shared_bridge_server")
