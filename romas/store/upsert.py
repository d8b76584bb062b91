"""INSERT ... ON CONFLICT DO UPDATE, spelled for whichever database the connection has."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def upsert(connection: AsyncConnection, table: Table, values: dict[str, Any], key: list[str]) -> None:
    module: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = module.insert(table).values(**values)
    updates = {name: statement.excluded[name] for name in values if name not in key}
    await connection.execute(statement.on_conflict_do_update(index_elements=key, set_=updates))
