"""PostgreSQL connections for the hottest reads, outside SQLAlchemy's pool.

Why: a checkout from SQLAlchemy's async pool runs through a greenlet and sets the isolation level (AUTOCOMMIT) on
every checkout and return; for a one-row read (every ``GET`` of a resource, every event-stream read after a commit)
that cost as much CPU as the query itself. These connections decode JSON columns exactly as the engine's do
(msgspec), so a row read here equals the same row read through SQLAlchemy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
from sqlalchemy.engine import URL

from romas.store.notify import listen_dsn


async def _codecs(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda data: msgspec.json.decode(data[1:]),
        schema="pg_catalog",
        format="binary",
    )
    await connection.set_type_codec(
        "json", encoder=str.encode, decoder=msgspec.json.decode, schema="pg_catalog", format="binary"
    )


async def _keep(connection: asyncpg.Connection) -> None:
    """Reads change no session state: skip asyncpg's reset query (a round trip at every release)."""


class ReadPool:
    """An asyncpg pool opened on first use (in the running event loop) and closed with the store."""

    def __init__(self, url: URL, size: int) -> None:
        self._dsn = listen_dsn(url)
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening: asyncio.Lock | None = None

    async def _open(self) -> asyncpg.Pool:
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=1,
                    max_size=self._size,
                    init=_codecs,
                    reset=_keep,
                    server_settings={"application_name": "romas", "timezone": "UTC"},
                )
        return self._pool

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
        pool = self._pool or await self._open()
        return list(await pool.fetch(sql, *args))

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
