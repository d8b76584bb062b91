"""Queries for deployments, which live in the generic ``resources`` projection (stream type ``deployment``,
named by their number): the newest first, and the last number handed out."""

from __future__ import annotations

from sqlalchemy import Integer, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from romas.store.eventstore import ResourceRow, Store
from romas.store.tables import resources

DEPLOYMENT = "deployment"
_number = cast(resources.c.name, Integer)
"""Deployments are named by their number; ordering needs it as one."""


_NUMBERING_LOCK_KEY = 0x726F6D61736470  # "romasdp": any constant every romas process shares


async def lock_deployment_numbers(connection: AsyncConnection) -> None:
    """Serialise deploying transactions until commit (SQLite has one writer anyway), so the number one reads
    with :func:`last_deployment_number` is still free when it records its deployment."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _NUMBERING_LOCK_KEY})


async def last_deployment_number(connection: AsyncConnection) -> int:
    """The highest deployment number so far (0 before the first)."""
    query = select(func.max(_number)).where(resources.c.stream_type == DEPLOYMENT)
    return int((await connection.execute(query)).scalar() or 0)


async def list_deployments(store: Store, *, before: int | None, limit: int) -> list[ResourceRow]:
    """Deployments numbered below ``before`` (all of them when None), newest first."""
    query = select(resources).where(resources.c.stream_type == DEPLOYMENT)
    if before is not None:
        query = query.where(_number < before)
    query = query.order_by(_number.desc()).limit(limit)
    async with store.reads.connect() as conn:
        return [
            ResourceRow(
                stream_id=row["stream_id"],
                stream_type=row["stream_type"],
                parent=row["parent"],
                name=row["name"],
                revision=row["revision"],
                deleted=bool(row["deleted"]),
                state=row["state"],
                updated_at=row["updated_at"],
            )
            for row in (await conn.execute(query)).mappings()
        ]
