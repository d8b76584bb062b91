"""Shard leases on PostgreSQL: processes split the shards, a process whose leases lapsed commits nothing more, and
a dead process's shards are taken over once its leases expire."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from romas.cluster.leases import LeadershipLost, Leases
from romas.cluster.shards import SHARDS, agent_shard, fair_shares
from romas.store.eventstore import Store
from romas.store.group_commit import TAKE_APPEND_LOCK

pytestmark = pytest.mark.anyio


def test_fair_shares_split_every_shard_once() -> None:
    for n in range(1, 10):
        shares = fair_shares([f"p{i}" for i in range(n)])
        assert sum(shares.values()) == SHARDS
        assert max(shares.values()) - min(shares.values()) <= 1
    assert fair_shares([]) == {}


def test_an_agent_always_falls_in_the_same_shard() -> None:
    assert agent_shard("bob") == agent_shard("bob")
    assert 0 <= agent_shard("bob") < SHARDS
    assert len({agent_shard(f"agent{i}") for i in range(1000)}) == SHARDS  # the hash spreads names


async def _until(check: object, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_sqlite_runs_every_shard_in_one_process(store: Store) -> None:
    if store.dialect == "postgresql":
        pytest.skip("SQLite only")
    leases = Leases(store)
    gained: list[set[int]] = []

    async def on_gained(shards: set[int]) -> None:
        gained.append(shards)

    async def nothing(shards: set[int]) -> None:
        pass

    leases.start(on_gained, nothing, nothing)
    await leases.settled.wait()
    assert gained == [set(range(SHARDS))] and leases.owns(5)
    async with store.engine.begin() as connection:
        await leases.check(connection)  # nothing to check on SQLite
    await leases.stop(nothing)


async def test_processes_split_the_shards_and_a_lapsed_process_commits_nothing_more(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("several processes share a database on PostgreSQL")
    events: dict[str, list[tuple[str, set[int]]]] = {"a": [], "b": []}

    def recorder(who: str, what: str):  # type: ignore[no-untyped-def]
        async def record(shards: set[int]) -> None:
            events[who].append((what, set(shards)))

        return record

    a = Leases(store, heartbeat_s=0.2, ttl_s=1.0)
    b = Leases(store, heartbeat_s=0.2, ttl_s=1.0)
    a.start(recorder("a", "gained"), recorder("a", "releasing"), recorder("a", "lost"))
    await a.settled.wait()
    assert len(a.owned) == SHARDS
    b.start(recorder("b", "gained"), recorder("b", "releasing"), recorder("b", "lost"))
    await _until(lambda: len(a.owned) == SHARDS // 2 and len(b.owned) == SHARDS // 2)
    assert set(a.owned).isdisjoint(b.owned)
    handed = {s for what, shards in events["a"] if what == "releasing" for s in shards}
    assert handed == set(b.owned)  # what b holds, a handed over (checkpointing first) rather than lost
    async with store.engine.begin() as connection:
        await a.check(connection)
        await b.check(connection)

    # a stops renewing (as if frozen or cut off): b takes its shards once the leases expire.
    for task in a._tasks:
        task.cancel()
    await asyncio.gather(*a._tasks, return_exceptions=True)
    fences = dict(a.owned)
    await _until(lambda: len(b.owned) == SHARDS)
    assert all(b.owned[s] > fence for s, fence in fences.items())  # a new fencing number for each
    with pytest.raises(LeadershipLost):
        async with store.engine.begin() as connection:
            await a.check(connection)  # a's next flush fails: it commits nothing more for those shards
    async with store.engine.begin() as connection:
        await b.check(connection)
    a._tasks = []
    await b.stop(recorder("b", "releasing"))
    async with store.engine.connect() as connection:
        left = (await connection.execute(text("SELECT count(*) FROM cluster_shards WHERE owner IS NOT NULL"))).scalar()
    assert left == 0  # a clean stop hands every shard back at once


async def _nothing(shards: set[int]) -> None:
    pass


async def _take_over(store: Store, shard: int) -> None:
    """Another process takes ``shard`` over, as ``Leases`` does: the append lock first."""
    async with store.engine.begin() as connection:
        await connection.execute(text(TAKE_APPEND_LOCK))
        await connection.execute(
            text("UPDATE cluster_shards SET owner = 'thief', fence = fence + 1 WHERE shard = :shard"), {"shard": shard}
        )


async def test_a_write_reads_the_leases_again_only_after_a_shard_changed_holder(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("shards are leased on PostgreSQL")
    leases = Leases(store, heartbeat_s=30.0, ttl_s=60.0)  # no renewal during the test: only the checks look
    leases.start(_nothing, _nothing, _nothing)
    await leases.settled.wait()
    try:
        for _ in range(3):
            async with store.write() as writer:
                await leases.check(writer)
        async with store.write() as writer:
            await leases.check(writer, shards=[5])
        assert leases.checks_read == 1  # the first found them held; nothing changed hands since

        shard = min(leases.owned)
        await _take_over(store, shard)
        with pytest.raises(LeadershipLost) as lost:
            async with store.write() as writer:
                await leases.check(writer)
        assert lost.value.shards == {shard} and leases.checks_read == 2
        async with store.write() as writer:
            await leases.check(writer)  # the rest still held, at the new epoch: read once more, then not
        async with store.write() as writer:
            await leases.check(writer)
        assert leases.checks_read == 3
        async with store.engine.begin() as connection:
            await leases.check(connection)  # outside a write request the lease table is always read
        assert leases.checks_read == 4
    finally:
        await leases.stop(_nothing)


async def test_a_takeover_waits_for_the_write_batch_under_way(store: Store) -> None:
    """A write that skipped its lease check commits before any shard can change holder."""
    if store.dialect != "postgresql":
        pytest.skip("shards are leased on PostgreSQL")
    a = Leases(store, heartbeat_s=0.2, ttl_s=1.0)
    a.start(_nothing, _nothing, _nothing)
    await a.settled.wait()
    for task in a._tasks:  # a stops renewing: its leases lapse, b may take them
        task.cancel()
    await asyncio.gather(*a._tasks, return_exceptions=True)
    a._tasks = []
    b = Leases(store, heartbeat_s=0.2, ttl_s=1.0)
    holding = asyncio.Event()
    release = asyncio.Event()

    async def batch_under_way() -> None:
        async with store.write() as writer:
            await a.check(writer)
            holding.set()
            await release.wait()

    held = asyncio.create_task(batch_under_way())
    await holding.wait()
    await asyncio.sleep(1.0)  # a's leases expire meanwhile
    b.start(_nothing, _nothing, _nothing)
    try:
        async with store.engine.connect() as probe:
            waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            for _ in range(10_000):
                if (await probe.execute(text(waiting))).scalar():
                    break
                await asyncio.sleep(0.001)
            else:
                raise AssertionError("b's takeover never waited for the append lock")
        assert not b.owned  # it waits for the batch to commit
        release.set()
        await held
        await _until(lambda: len(b.owned) == SHARDS)
        with pytest.raises(LeadershipLost):
            async with store.write() as writer:
                await a.check(writer)
    finally:
        release.set()
        await b.stop(_nothing)


async def test_a_renewal_judges_only_the_leases_held_when_it_began(store: Store) -> None:
    """A shard gained while a renewal ran (its statement saw no lease of this process there) is not lost."""
    leases = Leases(store)
    leases.owned = {3: 7, 4: 2}
    assert leases.lost_since(held={4: 2}, renewed={4: 2}) == set()  # 3 was gained meanwhile
    assert leases.lost_since(held={3: 7, 4: 2}, renewed={4: 2}) == {3}  # held before, not renewed: lost
    leases.owned = {3: 8, 4: 2}
    assert leases.lost_since(held={3: 7, 4: 2}, renewed={4: 2}) == set()  # lost, then taken again meanwhile


async def test_leases_this_process_dropped_while_they_still_name_it_are_taken_again(store: Store) -> None:
    """Should a process drop shards whose leases still name it (found lost wrongly), the next balance takes them
    again, with new fencing numbers, rather than leaving them to no one for as long as it renews them."""
    if store.dialect != "postgresql":
        pytest.skip("shards are leased on PostgreSQL")
    gained: list[set[int]] = []

    async def on_gained(shards: set[int]) -> None:
        gained.append(set(shards))

    leases = Leases(store, heartbeat_s=0.2, ttl_s=5.0)
    leases.start(on_gained, _nothing, _nothing)
    await leases.settled.wait()
    try:
        fences = dict(leases.owned)
        assert len(fences) == SHARDS
        leases.revoke(set(fences))  # as a renewal that misjudged them would
        await _until(lambda: len(leases.owned) == SHARDS and not leases.revoked)
        assert all(leases.owned[s] > fence for s, fence in fences.items())
        assert gained[-1] == set(fences)
    finally:
        await leases.stop(_nothing)
