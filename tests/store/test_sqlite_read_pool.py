"""SQLite's reads: in the event loop's thread when the database lets them in at once, else waiting in a thread."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from romas.store.read_pool import SqliteReadPool

pytestmark = pytest.mark.anyio


def _database(path: Path) -> None:
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (n INTEGER)")
    setup.execute("INSERT INTO t VALUES (1), (2)")
    setup.close()


async def test_a_read_sees_what_was_committed_in_the_loop_s_thread(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    _database(path)
    pool = SqliteReadPool(str(path), 2)
    try:
        assert await pool.fetch("SELECT n FROM t ORDER BY n", ()) == [(1,), (2,)]
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("INSERT INTO t VALUES (3)")
        writer.close()
        assert await pool.fetch("SELECT count(*) FROM t", ()) == [(3,)]
        assert pool._all == [], "read in the loop's thread: no aiosqlite connection opened"
    finally:
        await pool.close()


async def test_a_read_waits_out_a_busy_database_in_a_thread(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    _database(path)
    # A connection that holds the database in exclusive locking mode keeps WAL readers out: the read waits (in a
    # thread, as every read used to) until it lets go, instead of failing or holding the event loop.
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (3)")
    pool = SqliteReadPool(str(path), 1)
    try:
        read = asyncio.create_task(pool.fetch("SELECT count(*) FROM t", ()))
        await asyncio.sleep(0.3)
        assert not read.done(), "waiting, while the loop goes on"
        holder.execute("COMMIT")
        holder.close()
        assert await asyncio.wait_for(read, 30) == [(3,)]
        assert len(pool._all) == 1
        assert await pool.fetch("SELECT count(*) FROM t", ()) == [(3,)]
    finally:
        await pool.close()


async def test_a_read_that_fails_otherwise_raises(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    _database(path)
    pool = SqliteReadPool(str(path), 1)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await pool.fetch("SELECT * FROM missing", ())
        with pytest.raises(sqlite3.OperationalError):  # query_only: a read connection writes nothing
            await pool.fetch("INSERT INTO t VALUES (9)", ())
    finally:
        await pool.close()
