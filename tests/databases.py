"""Fresh, migrated databases for tests: a copied SQLite file, or a PostgreSQL database cloned from a template.

Every test gets its own database, so tests never see each other's events. With ``CI=true`` an unreachable
PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from romas.store.engine import create_engine
from romas.store.migrate import head_revision, upgrade

PG_HOST = os.environ.get("ROMAS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ROMAS_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("ROMAS_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("ROMAS_TEST_PG_DB", "postgres")
_counter = itertools.count()
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
"""The databases every database test runs on, as fixture parameters."""


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


class NotReusable(Exception):
    """A test left its database in a state that emptying it would not undo (another schema revision)."""


async def _empty(name: str, head: str | None) -> None:
    """Give a used database back its just-migrated state: every table emptied, identities restarted.

    Dropping a database makes PostgreSQL checkpoint (seconds on a busy machine) and a test suite drops hundreds;
    emptying one takes milliseconds. The events table refuses TRUNCATE through a trigger: as a superuser in the
    ``replica`` role, ordinary triggers do not fire."""
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=name, timeout=5)
    try:
        await conn.execute("SET lock_timeout = '5s'")
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        if await conn.fetchval("SELECT to_regclass('public.alembic_version') IS NULL"):
            raise NotReusable(name)
        if await conn.fetchval("SELECT string_agg(version_num, ',') FROM alembic_version") != head:
            raise NotReusable(name)
        tables = await conn.fetch(
            "SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
        identities = await conn.fetch(
            "SELECT quote_ident(c.relname) AS t, quote_ident(a.attname) AS col FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND a.attidentity <> '' AND NOT a.attisdropped"
        )
        # The event log's guards fire always, even for a replica session: the owner switches them off for the
        # emptying and back on in the same transaction, so no other session ever sees the log unguarded.
        guards = await conn.fetch(
            "SELECT quote_ident(c.relname) AS t, quote_ident(g.tgname) AS g FROM pg_trigger g "
            "JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND g.tgenabled = 'A' AND NOT g.tgisinternal"
        )
        # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE replaces every table's files.
        statements = ["SET session_replication_role = replica", "SET synchronous_commit = off"]
        statements += [f"ALTER TABLE {row['t']} DISABLE TRIGGER {row['g']}" for row in guards]
        statements += [f"DELETE FROM {row['t']}" for row in tables]
        statements += [f"ALTER TABLE {row['t']} ENABLE ALWAYS TRIGGER {row['g']}" for row in guards]
        statements += [f"ALTER TABLE {row['t']} ALTER COLUMN {row['col']} RESTART" for row in identities]
        async with conn.transaction():
            await conn.execute(";\n".join(statements))
    finally:
        await conn.close()


class PostgresTemplate:
    """A migrated template database, and the databases cloned from it; a database a test has finished with is
    emptied and handed to the next test of this process rather than dropped."""

    def __init__(self) -> None:
        self.name = f"romas_tmpl_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{self.name}"'))
        asyncio.run(_migrate(pg_url(self.name)))
        self.head = head_revision()
        self.spare: list[str] = []

    def fresh(self) -> tuple[str, str]:
        if self.spare:
            name = self.spare.pop()
            return name, pg_url(name)
        name = f"romas_t_{os.getpid()}_{next(_counter)}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        return name, pg_url(name)

    def release(self, name: str) -> None:
        """The test is over: keep the database, emptied, for the next test (or drop it when that fails)."""
        try:
            asyncio.run(_empty(name, self.head))
        except (NotReusable, OSError, TimeoutError, asyncpg.PostgresError):
            self.drop(name)
            return
        self.spare.append(name)

    @staticmethod
    def drop(name: str) -> None:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        for name in self.spare:
            self.drop(name)
        self.spare.clear()
        self.drop(self.name)


@contextmanager
def fresh_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    """A fresh migrated database on ``backend`` ("sqlite" or "postgres"), dropped when the block ends: for one test
    (``database_url``) or for the tests of a module that share a server."""
    if backend == "sqlite":
        sqlite: SqliteTemplate = request.getfixturevalue("sqlite_template")
        yield sqlite.fresh(folder)
        return
    pg: PostgresTemplate = request.getfixturevalue("postgres_template")
    name, url = pg.fresh()
    try:
        yield url
    finally:
        pg.release(name)
