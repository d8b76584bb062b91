"""Alembic environment. ``romas`` passes its own connection in ``config.attributes["connection"]``;
``alembic`` run by hand opens one from ROMAS_DATABASE_URL or alembic.ini."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from romas.config import normalise_database_url
from romas.store.tables import metadata

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    url = normalise_database_url(os.environ.get("ROMAS_DATABASE_URL") or config.get_main_option("sqlalchemy.url") or "")
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    shared = config.attributes.get("connection")
    if shared is not None:
        _configure(shared)
    else:
        asyncio.run(_run_with_own_engine())
