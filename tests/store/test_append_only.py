"""Every path that would change or remove an event row is refused by the database itself, on each backend."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from romas.store.eventstore import Store
from tests.store.test_eventstore import put

pytestmark = pytest.mark.anyio

COLUMNS = "position, stream_type, stream_id, version, type, data, metadata, recorded_at"
FORGED = f"SELECT {COLUMNS.replace('type, data', chr(39) + 'forged' + chr(39) + ', data')} FROM events"
NEW_POSITION = FORGED.replace("SELECT position,", "SELECT position + 100,")

SQLITE_PATHS: dict[str, list[str]] = {
    "update": ["UPDATE events SET type = 'forged'"],
    "update or replace": ["UPDATE OR REPLACE events SET type = 'forged'"],
    "delete": ["DELETE FROM events"],
    "insert or replace, same position": [f"INSERT OR REPLACE INTO events ({COLUMNS}) {FORGED}"],
    "replace into, same stream and version": [f"REPLACE INTO events ({COLUMNS}) {NEW_POSITION}"],
    "replace with recursive triggers": [
        "PRAGMA recursive_triggers = ON",
        f"REPLACE INTO events ({COLUMNS}) {NEW_POSITION}",
    ],
    "upsert on the position": [
        f"INSERT INTO events ({COLUMNS}) {FORGED} WHERE true ON CONFLICT (position) DO UPDATE SET type = 'forged'"
    ],
    "upsert on stream and version": [
        f"INSERT INTO events ({COLUMNS}) {NEW_POSITION} WHERE true "
        "ON CONFLICT (stream_id, version) DO UPDATE SET type = 'forged'"
    ],
    "insert or ignore over an event": [f"INSERT OR IGNORE INTO events ({COLUMNS}) {FORGED}"],
    "delete through a view": [
        "CREATE TEMP VIEW event_view AS SELECT * FROM events",
        "CREATE TEMP TRIGGER event_view_delete INSTEAD OF DELETE ON event_view "
        "BEGIN DELETE FROM events WHERE position = OLD.position; END",
        "DELETE FROM event_view",
    ],
    "replace from a trigger on another table": [
        "CREATE TEMP TABLE scratch (x INTEGER)",
        "CREATE TEMP TRIGGER scratch_replace AFTER INSERT ON scratch "
        f"BEGIN REPLACE INTO events ({COLUMNS}) {FORGED}; END",
        "INSERT INTO scratch VALUES (1)",
    ],
}

POSTGRES_PATHS: dict[str, list[str]] = {
    "update": ["UPDATE events SET type = 'forged'"],
    "delete": ["DELETE FROM events"],
    "truncate": ["TRUNCATE events"],
    "truncate cascade": ["TRUNCATE events CASCADE"],
    "upsert on the position": [
        f"INSERT INTO events ({COLUMNS}) OVERRIDING SYSTEM VALUE {FORGED} "
        "ON CONFLICT (position) DO UPDATE SET type = 'forged'"
    ],
    "upsert on stream and version": [
        f"INSERT INTO events ({COLUMNS}) OVERRIDING SYSTEM VALUE {NEW_POSITION} "
        "ON CONFLICT (stream_id, version) DO UPDATE SET type = 'forged'"
    ],
    "merge update": ["MERGE INTO events USING (SELECT 1) AS s(x) ON true WHEN MATCHED THEN UPDATE SET type = 'forged'"],
    "merge delete": ["MERGE INTO events USING (SELECT 1) AS s(x) ON true WHEN MATCHED THEN DELETE"],
    "delete through a view": ["CREATE TEMP VIEW event_view AS SELECT * FROM events", "DELETE FROM event_view"],
    "update through a view": [
        "CREATE TEMP VIEW event_view AS SELECT * FROM events",
        "UPDATE event_view SET type = 'forged'",
    ],
    "delete in a data-modifying CTE": ["WITH gone AS (DELETE FROM events RETURNING 1) SELECT count(*) FROM gone"],
    "delete as a replica": ["SET LOCAL session_replication_role = replica", "DELETE FROM events"],
    "truncate as a replica": ["SET LOCAL session_replication_role = replica", "TRUNCATE events"],
}


PATHS = [
    *(pytest.param("sqlite", name, id=f"sqlite-{name}") for name in SQLITE_PATHS),
    *(pytest.param("postgres", name, id=f"postgres-{name}", marks=pytest.mark.postgres) for name in POSTGRES_PATHS),
]


@pytest.mark.parametrize(("database_url", "path"), PATHS, indirect=["database_url"])
async def test_no_statement_changes_or_removes_an_event(store: Store, path: str) -> None:
    await put(store, "a", 0, 1)
    await put(store, "a", 1, 2)
    before = await store.read_events()
    statements = (SQLITE_PATHS if store.dialect == "sqlite" else POSTGRES_PATHS)[path]
    with pytest.raises(DBAPIError, match="append-only"):
        async with store.engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    after = await store.read_events()
    assert [(e.position, e.stream_id, e.version, e.type, e.data) for e in after] == [
        (e.position, e.stream_id, e.version, e.type, e.data) for e in before
    ]


async def test_a_lost_race_is_still_a_conflict_and_appending_still_works(store: Store) -> None:
    """The insert trigger refuses a clash with a constraint error, which the store reads as a conflict."""
    from romas.store.eventstore import ConcurrencyConflict

    await put(store, "a", 0, 1)
    with pytest.raises(ConcurrencyConflict):
        await put(store, "a", 0, 5)
    await put(store, "a", 1, 2)
    await put(store, "b", 0, 1)
    assert [(e.stream_id, e.version) for e in await store.read_events()] == [
        ("/things/a", 1),
        ("/things/a", 2),
        ("/things/b", 1),
    ]


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_transaction_may_take_back_only_the_events_it_has_not_committed(store: Store) -> None:
    """What lets a write request fail alone after its appends (see ``group_commit.Member``): deleting the
    events this very transaction inserted is a rollback, not a rewrite; any committed event is still refused."""
    await put(store, "a", 0, 1)
    before = await store.read_events()
    own = (
        f"INSERT INTO events ({COLUMNS.removeprefix('position, ')}) "
        "VALUES ('thing', '/things/own', 1, 'thing.pinged', '{}', '{}', now())"
    )
    async with store.engine.begin() as conn:
        await conn.execute(text(own))
        await conn.execute(text("SAVEPOINT later"))
        gone = await conn.execute(text("DELETE FROM events WHERE stream_id = '/things/own'"))
        assert gone.rowcount == 1
    with pytest.raises(DBAPIError, match="append-only"):
        async with store.engine.begin() as conn:
            await conn.execute(text(own))
            await conn.execute(text("DELETE FROM events"))
    after = await store.read_events()
    assert [(e.position, e.stream_id, e.version) for e in after] == [
        (e.position, e.stream_id, e.version) for e in before
    ]
