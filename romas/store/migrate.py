"""Alembic driven from code: ``romas db upgrade`` and the server's own upgrade of an empty database.

Importing Alembic costs a server's start a tenth of a second of CPU, and a server whose database is current
(every start but the first) needs only the newest revision's name: Alembic is imported when it has work to do.
"""

from __future__ import annotations

import ast
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from romas.store.engine import WRITE_OPTION

if TYPE_CHECKING:
    from alembic.config import Config


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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str | None:
    """The migrations shipped with this romas: read once (they do not change while it runs)."""
    return _single_head(migrations_dir() / "versions") or _alembic_head()


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def _single_head(versions: Path) -> str | None:
    """The newest revision when the migrations form one line, read from the scripts' ``revision`` and
    ``down_revision`` without importing them; None for anything else (no scripts, branches, merges,
    computed names), which Alembic then reads."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        names: dict[str, object] = {}
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                try:
                    names[target.id] = ast.literal_eval(value)
                except ValueError:
                    return None
        revision, parent = names.get("revision"), names.get("down_revision")
        if not isinstance(revision, str) or not (parent is None or isinstance(parent, str)):
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _read_version(connection: Connection) -> str | None:
    """Read alembic_version directly: MigrationContext logs two INFO lines each time, and /ready asks often."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    if len(versions) > 1:  # several heads: let Alembic say what it makes of it
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return versions[0] if versions else None


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_read_version)


async def upgrade(engine: AsyncEngine, target: str = "head") -> None:
    from alembic import command

    async with engine.connect() as connection:
        connection = await connection.execution_options(**{WRITE_OPTION: True})
        await connection.run_sync(lambda sync: command.upgrade(_config(sync), target))
        await connection.commit()


async def is_up_to_date(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()
