"""Fixtures shared by every test: a fresh database per test on each backend, a store, an API client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from romas.config import Settings
from romas.store.engine import create_engine
from romas.store.eventstore import Store
from tests import durations
from tests.databases import BACKENDS, PostgresTemplate, SqliteTemplate, fresh_database, require_postgres


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: two workers more than the cores. Many tests mostly wait (for the servers they start, for their
    agents), and a core would idle while its only worker waits; PYTEST_XDIST_AUTO_NUM_WORKERS still decides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 2


# Seconds assumed for a test missing from the record (a new one): by its markers.
UNRECORDED_S = {"slow": 30.0, "e2e": 10.0}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest first, by the recorded durations (``tests/durations.py``), dealt round-robin to the workers.

    A long test started last runs alone at the end while the other workers idle. The work-stealing scheduler
    gives each worker a contiguous share of this list and idle workers steal from the end of another's share,
    so each share begins with its part of the long tests instead of one worker getting them all."""
    recorded = durations.load()

    def seconds(item: pytest.Item) -> float:
        if item.nodeid in recorded:
            return recorded[item.nodeid]
        for marker, assumed in UNRECORDED_S.items():
            if item.get_closest_marker(marker):
                return assumed
        return 0.0

    items.sort(key=seconds, reverse=True)
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if workers > 1:
        items[:] = [item for share in range(workers) for item in items[share::workers]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    require_postgres()
    template = PostgresTemplate()
    yield template
    template.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database on each backend."""
    with fresh_database(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    engine = create_engine(database_url, pool_size=25)
    store = Store(engine)
    try:
        yield store
    finally:
        await store.dispose()


@pytest.fixture(scope="session")
def apps() -> dict[Settings, Litestar]:
    """This worker's applications, by the settings they were made with, their database aside (see
    :func:`romas.server.reuse_app`)."""
    return {}


@pytest.fixture
async def client(settings: Settings, apps: dict[Settings, Litestar]) -> AsyncIterator[AsyncTestClient[object]]:
    """A client of an application on this test's database. Building an application costs more than most API
    tests, so a worker builds one and readies it for each test: its state, counters and store are the test's own."""
    from romas.server import create_app, reuse_app

    key = replace(settings, database_url="")
    app = apps.get(key)
    app = create_app(settings) if app is None else reuse_app(app, settings)
    apps[key] = app
    async with AsyncTestClient(app=app, base_url="http://romas.test") as test_client:
        yield test_client
