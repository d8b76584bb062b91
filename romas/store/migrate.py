"""Alembic driven from code: ``romas db upgrade`` and the server's own upgrade of an empty database."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from romas.store.engine import WRITE_OPTION


def migrations_dir() -> Path:
    """The package's ``migrations/`` (shipped in the wheel), unless ``ROMAS_MIGRATIONS_DIR`` names another."""
    candidates = [
        os.environ.get("ROMAS_MIGRATIONS_DIR"),
        str(Path(__file__).resolve().parents[1] / "migrations"),
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "env.py").is_file():
            return Path(candidate)
    raise FileNotFoundError("cannot find the migrations folder; set ROMAS_MIGRATIONS_DIR")


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str | None:
    """The migrations shipped with this romas: read once (they do not change while it runs)."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def _read_version(connection: Connection) -> str | None:
    """Read alembic_version directly: MigrationContext logs two INFO lines each time, and /ready asks often."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    if len(versions) > 1:  # several heads: let Alembic say what it makes of it
        return MigrationContext.configure(connection).get_current_revision()
    return versions[0] if versions else None


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_read_version)


async def upgrade(engine: AsyncEngine, target: str = "head") -> None:
    async with engine.connect() as connection:
        connection = await connection.execution_options(**{WRITE_OPTION: True})
        await connection.run_sync(lambda sync: command.upgrade(_config(sync), target))
        await connection.commit()


async def is_up_to_date(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()
