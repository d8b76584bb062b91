"""This process's place in the cluster: its heartbeat, and the shards it holds by lease.

Every romas process sharing a PostgreSQL database registers in ``cluster_processes`` and renews its heartbeat
and its leases every ``heartbeat_s``. A lease (a row of ``cluster_shards``) names its holder, expires
``ttl_s`` after its last renewal, and carries a fencing number that grows each time the shard changes holder.

- **Fencing**: every flush of the runtime and every operation of an artefact first runs :meth:`Leases.check`
  in its own transaction: it reads (``FOR KEY SHARE``) the rows of the shards this process believes it holds
  and fails unless each still names this process, with the same fencing number. A process taking a shard over
  takes the store's append lock first, which every write batch holds from its opening to its commit, and locks the
  row ``FOR UPDATE SKIP LOCKED``: a takeover waits for the batch of a flush that passed the check to commit, and a
  flush after the takeover fails, so a process that lost a shard commits nothing more for it. That is also why a
  check can skip the read: a batch learns, in the round trip that opens it, the sum of all fencing numbers (the
  leases' *epoch*, which grows with every takeover); while it is the one at which this process last found its
  leases held, they still are (see ``check``; a holder changed by hand, without a new fencing number, is seen only
  by a check that reads). Renewing a lease (``FOR NO KEY UPDATE``) waits for neither, so a long flush does not let
  the leases lapse. The expiry only lets *another* process take a shard: a lease that lapsed (the process stalled)
  but that no one took still names this process with the same fencing number, so its flushes pass and its next
  heartbeat renews it.
- **Balance**: live processes (a heartbeat younger than ``ttl_s``) split the shards evenly (``fair_shares``).
  A process below its share takes free or expired shards (and any whose lease still names it though it dropped
  them); one above it, while another is below, hands the surplus over: the runtime checkpoints those agents first,
  then the lease is released. A renewal judges only the leases held when it began (``lost_since``).
- **Takeover**: a process that dies stops renewing; ``ttl_s`` later its heartbeat and leases are stale, the
  others' shares grow and they take its shards, starting its agents from their checkpoints.

On SQLite there is one process, which holds every shard and checks nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from romas.cluster.shards import SHARDS, fair_shares
from romas.runtime.ids import new_id
from romas.store.eventstore import Store, Writer
from romas.store.group_commit import TAKE_APPEND_LOCK
from romas.store.raw import raw_statement

log = logging.getLogger("romas.cluster")

Shards = Callable[[set[int]], Awaitable[None]]

_REGISTER = text(
    "INSERT INTO cluster_processes (id, name, url, started_at, heartbeat_at) "
    "VALUES (:id, :name, :url, clock_timestamp(), clock_timestamp()) "
    "ON CONFLICT (id) DO UPDATE SET heartbeat_at = clock_timestamp()"
)
_SEED = text(
    "INSERT INTO cluster_shards (shard, owner, fence) SELECT n, NULL, 0 FROM generate_series(0, :last) AS n "
    "ON CONFLICT (shard) DO NOTHING"
)
_HEARTBEAT = text("UPDATE cluster_processes SET heartbeat_at = clock_timestamp() WHERE id = :id RETURNING id")
_RENEW = text(
    "UPDATE cluster_shards SET expires_at = clock_timestamp() + make_interval(secs => :ttl) "
    "WHERE owner = :id RETURNING shard, fence"
)
_CHECK = text("SELECT shard, fence FROM cluster_shards WHERE owner = :id AND shard = ANY(:shards) FOR KEY SHARE")
# The same, straight through the driver: every runtime flush and every artefact's write runs it.
_CHECK_RAW = raw_statement(
    "SELECT shard, fence FROM cluster_shards WHERE owner = $1 AND shard = ANY($2::int[]) FOR KEY SHARE"
)
_LIVE = text(
    "SELECT id FROM cluster_processes WHERE heartbeat_at > clock_timestamp() - make_interval(secs => :ttl) "
    "ORDER BY started_at, id"
)
_HOLDERS = text(
    "SELECT shard, owner, fence, (owner IS NOT NULL AND expires_at > clock_timestamp()) AS valid "
    "FROM cluster_shards ORDER BY shard"
)
# Free or expired shards, and those whose lease names this process though it does not hold them (``:held``): it
# dropped them (found lost) while their lease still named it; taken again, with a new fencing number.
_ACQUIRE = text(
    "UPDATE cluster_shards SET owner = :id, fence = fence + 1, acquired_at = clock_timestamp(), "
    "expires_at = clock_timestamp() + make_interval(secs => :ttl) "
    "WHERE shard IN (SELECT shard FROM cluster_shards "
    "WHERE owner IS NULL OR expires_at IS NULL OR expires_at <= clock_timestamp() "
    "OR (owner = :id AND NOT shard = ANY(:held)) "
    "ORDER BY shard LIMIT :n FOR UPDATE SKIP LOCKED) "
    "RETURNING shard, fence"
)
# Taken before shards change holder: a batch holds it from its opening to its commit (see ``check``).
_TAKE_APPEND_LOCK = text(TAKE_APPEND_LOCK)
_RELEASE = text("UPDATE cluster_shards SET owner = NULL, expires_at = NULL WHERE owner = :id AND shard = ANY(:shards)")
_LEAVE = text("DELETE FROM cluster_processes WHERE id = :id")
_FORGET_DEAD = text(
    "DELETE FROM cluster_processes WHERE heartbeat_at < clock_timestamp() - make_interval(secs => :keep)"
)


class LeadershipLost(RuntimeError):
    """This process no longer holds (all of) the shards it was working for: ``shards`` are those found lost (empty
    when it holds none at all)."""

    def __init__(self, message: str, shards: Collection[int] = ()) -> None:
        super().__init__(message)
        self.shards = frozenset(shards)


@dataclass(frozen=True, slots=True)
class Holders:
    """The last reading of the lease table: each shard's holder, if its lease is valid."""

    owners: dict[int, str | None]
    live: list[str]
    read_at: float


class Leases:
    def __init__(
        self,
        store: Store,
        *,
        heartbeat_s: float = 1.0,
        ttl_s: float = 4.0,
        name: str | None = None,
        url: str = "",
    ) -> None:
        self.store = store
        self.heartbeat_s = heartbeat_s
        self.ttl_s = ttl_s
        self.process_id = new_id()
        self.name = name or f"{socket.gethostname()} pid {os.getpid()}"
        self.url = url
        self.owned: dict[int, int] = {}
        """The shards this process holds, with the fencing number of its lease."""
        self.revoked: set[int] = set()
        """Shards found lost by the heartbeat, whose agents the runtime has not yet dropped: no flush passes."""
        self.leaving: set[int] = set()
        """Shards being handed over: their work is being checkpointed, and nothing of theirs starts again."""
        self._verified: dict[int, int] = {}
        """Leases a check found held (shard: fencing number) at the epoch ``_verified_epoch`` (see :meth:`check`)."""
        self._verified_epoch: int | None = None
        self.checks_read = 0
        """Lease checks that read the lease table (the others found nothing could have changed)."""
        self.holders = Holders({}, [], 0.0)
        self.settled = asyncio.Event()
        """Set once the first round is over: this process holds its first shards (and started their agents),
        or knows it has none for now."""
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._balance_now = asyncio.Event()
        self._registered = asyncio.Event()
        self._changing = asyncio.Lock()

    @property
    def clustered(self) -> bool:
        return self.store.dialect == "postgresql"

    @property
    def held(self) -> bool:
        """True while this process runs a share of the work (always on SQLite)."""
        return not self.clustered or bool(self.owned)

    def owns(self, shard: int) -> bool:
        """True when this process runs the work of ``shard`` (not while handing it over or after losing it)."""
        if not self.clustered:
            return True
        return shard in self.owned and shard not in self.revoked and shard not in self.leaving

    def holder(self, shard: int) -> str | None:
        """The process holding ``shard``, as last read (this one's id for its own shards)."""
        if not self.clustered or shard in self.owned:
            return self.process_id
        return self.holders.owners.get(shard)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self, on_gained: Shards, on_releasing: Shards, on_lost: Shards) -> None:
        """``on_gained`` starts the work of new shards; ``on_releasing`` checkpoints and drops the work of shards
        about to be handed over (it may still flush for them); ``on_lost`` drops the work of shards already
        taken by another process, committing nothing."""
        self._stopping.clear()
        self.settled.clear()
        if not self.clustered:
            self.owned = dict.fromkeys(range(SHARDS), 0)
            self._tasks = [asyncio.create_task(self._single(on_gained), name="romas-cluster-single")]
            return
        self._tasks = [
            asyncio.create_task(self._heartbeat(), name="romas-cluster-heartbeat"),
            asyncio.create_task(self._balance(on_gained, on_releasing, on_lost), name="romas-cluster-balance"),
        ]

    async def stop(self, on_releasing: Shards | None = None) -> None:
        """Hand every shard back (after ``on_releasing`` checkpointed their work) and leave the cluster."""
        self._stopping.set()
        self._balance_now.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        async with self._changing:
            mine = set(self.owned) - self.revoked
            self.leaving |= mine
            if mine and on_releasing is not None:
                await on_releasing(mine)
            self.leaving.clear()
            if not self.clustered:
                self.owned.clear()
                return
            with contextlib.suppress(Exception):
                async with self.store.engine.begin() as connection:
                    await connection.execute(_RELEASE, {"id": self.process_id, "shards": sorted(self.owned)})
                    await connection.execute(_LEAVE, {"id": self.process_id})
            self.owned.clear()
            self.revoked.clear()

    async def _single(self, on_gained: Shards) -> None:
        try:
            await on_gained(set(self.owned))
        finally:
            self.settled.set()
        await self._stopping.wait()

    async def _pause(self, seconds: float, event: asyncio.Event | None = None) -> bool:
        """Sleep (or until ``event``) unless asked to stop; True when stopping."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                if event is None:
                    await self._stopping.wait()
                else:
                    await event.wait()
        return self._stopping.is_set()

    # -- fencing -----------------------------------------------------------------------------------------------

    async def check(self, connection: AsyncConnection | Writer, *, shards: Collection[int] | None = None) -> None:
        """Raise LeadershipLost unless this process still holds ``shards`` (by default every shard it has not
        found lost), run inside the write transaction it guards (a write request's, or a connection's). A shard found
        lost here is revoked at once: the caller drops the work of that shard and may commit the rest (see
        ``Runtime._flush``).

        In a write request no read is needed when an earlier check found these leases held at the epoch the request's
        batch runs at (``Writer.leases_epoch``): no shard has changed holder since, and none can until the batch
        commits (see the module). The runtime's flushes and the artefacts' writes check every time, and this saves
        each of them a round trip while the cluster's leases stay where they are."""
        if not self.clustered:
            return
        if shards is not None:
            wanted = set(shards)
            gone = (wanted - set(self.owned)) | (wanted & self.revoked)
            if gone:
                raise LeadershipLost(f"this process does not hold shard(s) {sorted(gone)}", gone)
            expected = {s: self.owned[s] for s in wanted}
        else:
            expected = {s: fence for s, fence in self.owned.items() if s not in self.revoked}
        if not expected:
            if shards is not None:
                return
            raise LeadershipLost("this process holds no shard")
        epoch = connection.leases_epoch if isinstance(connection, Writer) else None
        if (
            epoch is not None
            and epoch == self._verified_epoch
            and all(self._verified.get(s) == fence for s, fence in expected.items())
        ):
            return
        self.checks_read += 1
        if isinstance(connection, Writer):
            rows: Sequence[Sequence[Any]] = await connection.read(_CHECK_RAW, self.process_id, sorted(expected))
        else:
            rows = (await connection.execute(_CHECK, {"id": self.process_id, "shards": sorted(expected)})).all()
        found = {int(row[0]): int(row[1]) for row in rows}
        if found != expected:
            lost = {s for s, fence in expected.items() if found.get(s) != fence}
            self.revoke(lost)
            raise LeadershipLost(f"this process lost its lease on shard(s) {sorted(lost)}", lost)
        if epoch is not None:
            if epoch != self._verified_epoch:
                self._verified, self._verified_epoch = {}, epoch
            self._verified.update(expected)

    def lost_since(self, held: dict[int, int], renewed: dict[int, int]) -> set[int]:
        """Of the leases held when a renewal began (``held``), those it did not renew and that are still held
        with the same fencing number: lost. A shard gained while the renewal ran is not its to judge (the balance
        loop may commit a takeover between the renewal's statement and its answer)."""
        return {s for s, fence in held.items() if renewed.get(s) != fence and self.owned.get(s) == fence}

    def revoke(self, lost: set[int]) -> None:
        """Shards another process took: nothing more is committed for them, and the balance loop has their work
        dropped (``on_lost``) soon."""
        fresh = lost - self.revoked
        if fresh:
            log.error("this process lost its lease on shard(s) %s", sorted(fresh))
            self.revoked |= fresh
            self._balance_now.set()

    # -- heartbeat ---------------------------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        """Renew this process's heartbeat and leases, whatever the runtime is busy with."""
        registered = False
        while not self._stopping.is_set():
            try:
                held = dict(self.owned)  # what the renewal can speak for: shards gained meanwhile it did not see
                async with self.store.engine.begin() as connection:
                    if (
                        not registered
                        or (await connection.execute(_HEARTBEAT, {"id": self.process_id})).first() is None
                    ):
                        await connection.execute(_SEED, {"last": SHARDS - 1})  # the migration's rows, if emptied
                        await connection.execute(_REGISTER, {"id": self.process_id, "name": self.name, "url": self.url})
                        registered = True
                        self._balance_now.set()
                    self._registered.set()
                    renewed = {
                        int(r.shard): int(r.fence)
                        for r in (await connection.execute(_RENEW, {"id": self.process_id, "ttl": self.ttl_s})).all()
                    }
                self.revoke(self.lost_since(held, renewed))
            except Exception as exc:  # the database is unreachable: leases will lapse, the balance loop sees it
                log.warning("renewing this process's leases failed: %s", exc)
            if await self._pause(self.heartbeat_s):
                return

    # -- balance -----------------------------------------------------------------------------------------------

    async def read_holders(self) -> Holders:
        async with self.store.engine.connect() as connection:
            live = [str(r.id) for r in (await connection.execute(_LIVE, {"ttl": self.ttl_s})).all()]
            owners = {
                int(r.shard): (str(r.owner) if r.valid else None) for r in (await connection.execute(_HOLDERS)).all()
            }
        self.holders = Holders(owners, live, asyncio.get_running_loop().time())
        return self.holders

    async def _balance(self, on_gained: Shards, on_releasing: Shards, on_lost: Shards) -> None:
        first = True
        while not self._registered.is_set():  # the first heartbeat (and the lease rows) come first
            if await self._pause(0.05):
                return
        while not self._stopping.is_set():
            try:
                async with self._changing:
                    if self._stopping.is_set():
                        return
                    await self._balance_once(on_gained, on_releasing, on_lost)
            except Exception:
                log.exception("balancing the shards failed; retrying")
            if first and self.process_id in self.holders.live:
                first = False
                self.settled.set()
            self._balance_now.clear()
            if await self._pause(self.heartbeat_s, self._balance_now):
                return

    async def _balance_once(self, on_gained: Shards, on_releasing: Shards, on_lost: Shards) -> None:
        if self.revoked:
            lost = set(self.revoked)
            await on_lost(lost)
            for shard in lost:
                self.owned.pop(shard, None)
            self.revoked -= lost
        holders = await self.read_holders()
        log.debug("balance: me %s live %s owners %s", self.process_id, holders.live, set(holders.owners.values()))
        if self.process_id not in holders.live:
            return  # not registered yet (or our heartbeat lapsed): take nothing
        shares = fair_shares(holders.live)
        target = shares[self.process_id]
        counts: dict[str, int] = {}
        for owner in holders.owners.values():
            if owner is not None:
                counts[owner] = counts.get(owner, 0) + 1
        mine = sorted(self.owned)
        if len(mine) < target:
            async with self.store.engine.begin() as connection:
                await connection.execute(_TAKE_APPEND_LOCK)  # not while a batch that skipped its check commits
                rows = (
                    await connection.execute(
                        _ACQUIRE,
                        {"id": self.process_id, "ttl": self.ttl_s, "n": target - len(mine), "held": mine},
                    )
                ).all()
            gained = {int(r.shard): int(r.fence) for r in rows}
            if gained:
                self.owned.update(gained)
                log.info("this process now holds shard(s) %s", sorted(gained))
                await on_gained(set(gained))
                await self.read_holders()
        elif len(mine) > target and any(counts.get(p, 0) < shares[p] for p in holders.live if p != self.process_id):
            surplus = set(mine[target:])
            self.leaving |= surplus
            try:
                await on_releasing(surplus)
                for shard in surplus:  # no flush for them from here on (nothing awaited since the hand-over)
                    self.owned.pop(shard, None)
            finally:
                self.leaving -= surplus
            async with self.store.engine.begin() as connection:
                await connection.execute(_RELEASE, {"id": self.process_id, "shards": sorted(surplus)})
            log.info("this process handed over shard(s) %s", sorted(surplus))
            await self.read_holders()
        if holders.owners and self.owns(0):
            async with self.store.engine.begin() as connection:
                await connection.execute(_FORGET_DEAD, {"keep": max(60.0, self.ttl_s * 10)})
