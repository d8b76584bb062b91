"""Agent checkpoints: the mental state to restart from, written with what it already processed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from romas.store.eventstore import Store, Writer
from romas.store.tables import checkpoints
from romas.store.upsert import upsert


@dataclass(frozen=True, slots=True)
class Checkpoint:
    agent: str
    code_revision: int
    state: dict[str, Any]
    updated_at: datetime


async def save(writer: Writer, agent: str, code_revision: int, state: dict[str, Any], at: datetime) -> None:
    await upsert(
        writer.connection,
        checkpoints,
        {"agent": agent, "code_revision": code_revision, "state": state, "updated_at": at},
        ["agent"],
    )


async def discard(writer: Writer, agent: str) -> None:
    await writer.connection.execute(delete(checkpoints).where(checkpoints.c.agent == agent))


async def load(store: Store, agent: str) -> Checkpoint | None:
    async with store.reads.connect() as conn:
        row = (await conn.execute(select(checkpoints).where(checkpoints.c.agent == agent))).mappings().first()
    if row is None:
        return None
    return Checkpoint(row["agent"], row["code_revision"], row["state"], row["updated_at"])
