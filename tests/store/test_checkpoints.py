"""Agent checkpoints: a mind saved as JSON text (migration 0016) reads back exactly as it was saved, by either of
the statements that write it, and the migration keeps the checkpoints already saved, both ways."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from romas.store import checkpoints, inbox
from romas.store.engine import WRITE_OPTION, create_engine
from romas.store.eventstore import Store, WriteContext
from romas.store.migrate import _config, upgrade

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, tzinfo=UTC)

MIND: dict[str, Any] = {
    "name": "bob",
    "zeta": 1,  # keys not in sorted order: jsonb would have sorted them
    "alpha": [1, 2.5, -3e-7, 10**18, True, None, "é ✓ 𝄞", 'q"\\', "line\nbreak"],
    "beliefs": [{"t": "count(3)", "src": ["self"]}, {"t": 'seen("x")', "src": []}],
    "nested": {"b": {"c": {}}, "a": []},
}


async def saved_with_a_flush(store: Store, agent: str, state: dict[str, Any]) -> checkpoints.Checkpoint | None:
    """``state`` saved as the runtime's flush saves it (``inbox.change``, one statement on PostgreSQL), with the
    processing of a message accepted for ``agent`` first; the checkpoint read back."""
    async with store.write(WriteContext(actor="test")) as writer:
        await inbox.accept(writer, [inbox.NewMessage("m1", agent, "alice", "rest", "tell", "hi")], T0)
    async with store.write(WriteContext(actor="test")) as writer:
        await inbox.change(
            writer,
            [inbox.MessageChange("m1", agent, 1, "processed", T0)],
            inbox.Along([(agent, 2, state)], T0, [], T0),
        )
    return await checkpoints.load(store, agent)


async def test_a_checkpoint_reads_back_as_saved_by_either_statement(store: Store) -> None:
    """Saved alone (``save_many``) and with a flush's changes (``inbox.change``, one statement on PostgreSQL):
    the same values, the keys in the order given."""
    async with store.write(WriteContext(actor="test")) as writer:
        await checkpoints.save_many(writer, [("bob", 1, MIND)], T0)
    alone = await checkpoints.load(store, "bob")
    assert alone is not None and alone.state == MIND and list(alone.state) == list(MIND)
    with_flush = {**MIND, "name": "carol"}
    flushed = await saved_with_a_flush(store, "carol", with_flush)
    assert flushed is not None and flushed.state == with_flush and list(flushed.state) == list(with_flush)
    assert flushed.code_revision == 2


async def test_parts_encoded_ahead_are_saved_as_the_values_they_encode(store: Store) -> None:
    """The runtime's checkpoints embed the beliefs and plans it encoded at an earlier checkpoint
    (``encoded_part``); the state reads back as if it had been given whole, by either statement, a U+0000 in a part
    stored as every document stores it."""
    parted = {**MIND, "beliefs": [checkpoints.encoded_part(b) for b in [*MIND["beliefs"], "nul \x00 here"]]}
    whole = {**MIND, "beliefs": [*MIND["beliefs"], "nul \ufffd here"]}
    async with store.write(WriteContext(actor="test")) as writer:
        await checkpoints.save_many(writer, [("bob", 1, parted)], T0)
    saved = await checkpoints.load(store, "bob")
    assert saved is not None and saved.state == whole and list(saved.state) == list(MIND)
    flushed = await saved_with_a_flush(store, "carol", parted)
    assert flushed is not None and flushed.state == whole


async def test_checkpoints_are_kept_as_json_text(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite keeps every JSON column as text")
    async with store.engine.connect() as conn:
        kind = await conn.scalar(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'checkpoints' AND column_name = 'state'"
            )
        )
    assert kind == "json"


async def migrate_to(url: str, target: str, *, down: bool = False) -> None:
    """Migrate the database at ``url`` up (as ``romas db upgrade`` does) or down to ``target``."""
    from alembic import command

    engine = create_engine(url)
    try:
        if not down:
            await upgrade(engine, target)
            return
        async with engine.connect() as connection:
            connection = await connection.execution_options(**{WRITE_OPTION: True})
            await connection.run_sync(lambda sync: command.downgrade(_config(sync), target))
            await connection.commit()
    finally:
        await engine.dispose()


async def test_the_migration_keeps_saved_checkpoints_both_ways(store: Store, database_url: str) -> None:
    """A checkpoint saved before 0016 (as jsonb) reads back the same after it, and after it is taken back."""
    if store.dialect != "postgresql":
        pytest.skip("0016 changes nothing on SQLite")
    await store.dispose()
    await migrate_to(database_url, "0015", down=True)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO checkpoints (agent, code_revision, state, updated_at) VALUES ('bob', 3, :s, :at)"),
                {"s": '{"b": [1, "é"], "a": {"c": null}}', "at": T0},
            )
            assert await conn.scalar(text("SELECT pg_typeof(state)::text FROM checkpoints")) == "jsonb"
    finally:
        await engine.dispose()
    for target, kind, down in (("head", "json", False), ("0015", "jsonb", True)):
        await migrate_to(database_url, target, down=down)
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                row = (await conn.execute(text("SELECT pg_typeof(state)::text, state::text FROM checkpoints"))).one()
        finally:
            await engine.dispose()
        assert row[0] == kind
        assert json.loads(row[1]) == {"b": [1, "é"], "a": {"c": None}}
