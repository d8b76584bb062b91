"""Agent checkpoints: the mental state to restart from, written with what it already processed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import delete, select

from romas.records import record
from romas.store.eventstore import Store, Writer
from romas.store.raw import document, raw_statement
from romas.store.tables import checkpoints


@record
class Checkpoint:
    agent: str
    code_revision: int
    state: dict[str, Any]
    updated_at: datetime


# Every flush of the runtime saves the agents that processed something: straight through the driver, in one
# round trip for all of them.
_SAVE = raw_statement(
    "INSERT INTO checkpoints (agent, code_revision, state, updated_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (agent) DO UPDATE SET code_revision = excluded.code_revision, state = excluded.state, "
    "updated_at = excluded.updated_at"
)


def encoded_part(value: Any) -> msgspec.Raw:
    """A part of a checkpoint's state encoded ahead, embedded as it is when the state is saved: what an agent's
    snapshot keeps of its beliefs and plans that did not change since its last checkpoint."""
    return msgspec.Raw(msgspec.json.encode(value))


async def save(writer: Writer, agent: str, code_revision: int, state: dict[str, Any], at: datetime) -> None:
    await save_many(writer, [(agent, code_revision, state)], at)


async def save_many(writer: Writer, saved: Sequence[tuple[str, int, dict[str, Any]]], at: datetime) -> None:
    """Checkpoints of several agents: ``(agent, code revision, state)`` each."""
    updated_at = writer.instant(at)
    await writer.run_many(_SAVE, [(agent, revision, document(state), updated_at) for agent, revision, state in saved])


async def discard(writer: Writer, agent: str) -> None:
    await writer.execute(delete(checkpoints).where(checkpoints.c.agent == agent))


async def load(store: Store, agent: str) -> Checkpoint | None:
    async with store.reads.connect() as conn:
        row = (await conn.execute(select(checkpoints).where(checkpoints.c.agent == agent))).mappings().first()
    if row is None:
        return None
    return Checkpoint(row["agent"], row["code_revision"], row["state"], row["updated_at"])
