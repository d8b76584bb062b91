"""Fresh, migrated databases for tests: a copied SQLite file, or a PostgreSQL database cloned from a template.

Every test gets its own database, so tests never see each other's events. With ``CI=true`` an unreachable
PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from pathlib import Path

import asyncpg
import pytest

from romas.store.engine import create_engine
from romas.store.migrate import upgrade

PG_HOST = os.environ.get("ROMAS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ROMAS_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("ROMAS_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("ROMAS_TEST_PG_DB", "postgres")
_counter = itertools.count()


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_available() -> bool:
    try:
        asyncio.run(_admin("SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    return True


def require_postgres() -> None:
    if postgres_available():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but PostgreSQL is not reachable at {PG_HOST}:{PG_PORT}")
    pytest.skip(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT}")


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


class SqliteTemplate:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{self.path}"))

    def fresh(self, folder: Path) -> str:
        target = folder / f"romas-{next(_counter)}.db"
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"


class PostgresTemplate:
    def __init__(self) -> None:
        self.name = f"romas_tmpl_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{self.name}"'))
        asyncio.run(_migrate(pg_url(self.name)))
        self.created: list[str] = []

    def fresh(self) -> tuple[str, str]:
        name = f"romas_t_{os.getpid()}_{next(_counter)}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        return name, pg_url(name)

    @staticmethod
    def drop(name: str) -> None:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self.drop(self.name)
