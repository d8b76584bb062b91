"""Hosts the agents whose ``state`` is ``running`` on the server's event loop.

One scheduler task steps every agent that has work with a step budget, yielding to the loop between agents
so a runaway agent slows only itself. What agents do (status changes, messages they send, printed lines) is
buffered and committed in one transaction together with the checkpoints of the agents concerned, so after a
crash an agent restarts from a state that matches exactly what the database says it has processed.

Every commit of the store passes its events to :meth:`Runtime.on_commit`: that is how accepted messages and
commands reach their agent, how changes of an agent's resource (stopped, new code, deleted) reach the running
agent, and how requests waiting with ``Prefer: wait`` learn that a status is final.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from romas.agentspeak import (
    AgentFiles,
    AgentSpeakSyntaxError,
    Program,
    format_term,
    parse_body,
    parse_program,
    source_term,
)
from romas.agentspeak.agent import Agent
from romas.agentspeak.host import (
    ActionFailed,
    ActionPending,
    ActionSucceeded,
    CommandOutcome,
    Limits,
    Message,
    MessageOutcome,
    UnknownReceiver,
)
from romas.agentspeak.mutable_values import revive
from romas.agentspeak.serialise import term_to_json
from romas.agentspeak.terms import Struct, Term
from romas.cluster.leases import LeadershipLost, Leases
from romas.cluster.shards import agent_shard
from romas.domain.artefact_types import Registry, builtin_registry
from romas.domain.errors import Conflict, Gone, NotFound
from romas.runtime.accepts import Accepts
from romas.runtime.backlog import Backlog
from romas.runtime.clients import Clients
from romas.runtime.contents import ContentTerms
from romas.runtime.effects import Effects
from romas.runtime.environment import Environment, EnvironmentChange
from romas.runtime.host import RuntimeHost
from romas.runtime.ids import new_id
from romas.runtime.live import MAX_COMMAND_OUTPUT, LiveAgent, Pending, RunningCommand
from romas.runtime.mas import Mas, MasService
from romas.runtime.organisation import Organisation, OrganisationService
from romas.runtime.quarantine import account_crashes
from romas.runtime.tail import HANDOVER_TURNS, Tail
from romas.runtime.telemetry import RuntimeTelemetry
from romas.runtime.waiters import Waiters
from romas.services.agents import AgentService, agent_key, agent_set_files
from romas.store import agent_log, at_work, cancellations, checkpoints, commands, inbox, invocations
from romas.store import environment as memberships
from romas.store.cancellations import CancelRequest
from romas.store.commands import CommandChange
from romas.store.eventstore import RecordedEvent, ResourceRow, Store, WriteContext, Writer
from romas.store.inbox import AgentGate, MessageChange, MessageRow, NewMessage
from romas.store.invocations import NewInvocation
from romas.store.notify import CommitSignal

log = logging.getLogger("romas.runtime")

RUNTIME_ACTOR = "runtime"
FINAL_MESSAGE_EVENTS = frozenset({"message.processed", "message.failed", "message.expired", "message.cancelled"})
RETRYABLE_STATUSES = frozenset({"failed", "expired"})
FINAL_COMMAND_EVENTS = frozenset({"command.succeeded", "command.failed", "command.timed_out", "command.cancelled"})
MAX_LOG_LINES_PER_FLUSH = 5000
LOG_LINES_PER_SECOND = 200.0
YIELD_TURNS = 3
CHECKPOINT_SIZE_STEP = 1024 * 1024
MAX_PENDING_CANCELS = 10_000
FOLLOW_BATCH = 1000
"""Events the follower reads at a time."""


@dataclass(slots=True)
class _Prepared:
    """One commit of the agents' work, taken from the scheduler (see ``Runtime._prepare``)."""

    effects: Effects
    saved: list[tuple[str, int, dict[str, Any]]]
    rested: list[str]
    logged: dict[str, int]
    at: datetime
    cutoff: datetime
    """The marks of ``rested`` this commit clears are those made up to this instant (see ``Runtime._mark``)."""
    started: float


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _refuse_unless_accepted(gate: AgentGate, agent: str) -> None:
    """Why a client's message for ``agent`` was not accepted, as the API answers it."""
    if not gate.exists:
        raise NotFound(f"there is no agent {agent}")
    if gate.deleted:
        raise Gone(f"agent {agent} was deleted", f"/agents/{agent}/revisions")
    if gate.state != "running":
        raise Conflict(f"agent {agent} is stopped; PATCH its state to running first")


def failure(title: str, detail: str, slug: str) -> dict[str, Any]:
    """A problem object (RFC 9457) for a message or command that failed."""
    return {"type": f"/problems/{slug}", "title": title, "detail": detail}


class Runtime:
    def __init__(
        self,
        store: Store,
        registry: Registry | None = None,
        organisation: OrganisationService | None = None,
        mas: MasService | None = None,
        *,
        budget: int = 200,
        slice_s: float = 0.00025,
        message_slice_s: float = 0.002,
        max_pause_s: float = 0.004,
        checkpoint_every_s: float = 2.0,
        log_flush_s: float = 0.1,
        limits: Limits | None = None,
    ) -> None:
        self.store = store
        self.limits = limits or Limits()
        """What each agent may build and hold (its memory budget among them)."""
        self.budget = budget
        self.slice_s = slice_s
        """A slice of agent work while no message waits for its agent (see backlog.py)."""
        self.message_slice_s = message_slice_s
        """A slice while one does."""
        self.max_pause_s = max_pause_s
        self.backlog = Backlog()
        self.clients = Clients(park_on_store=store.dialect == "postgresql")
        self.checkpoint_every_s = checkpoint_every_s
        self.log_flush_s = log_flush_s
        self.host = RuntimeHost(self)
        self.environment = Environment(self, registry or builtin_registry())
        self.organisation = Organisation(self, organisation)
        self.mas = Mas(self, mas)
        self.live: dict[str, LiveAgent] = {}
        self.known: dict[str, str] = {}
        """Every agent that exists (not deleted), with its stored ``state``."""
        self.effects = Effects()
        self.waiters = Waiters(self.clients)
        self.telemetry = RuntimeTelemetry()
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._follower: asyncio.Task[None] | None = None
        self._stopping = False
        self._scheduling = False
        self._last_flush = time.monotonic()
        self.leadership = Leases(store)
        self.leading = False
        """True while this process runs a share of the agents (see romas/cluster/leases.py)."""
        self._closing = False
        self.signal: CommitSignal | None = None
        self._cursor = 0
        """The last event position this process has handled (it follows the log, whoever wrote it)."""
        self._marked: set[str] = set()
        """Agents marked at work in the database (see quarantine.py): marked before their first step, cleared
        by the flush after they went idle."""
        self._went_idle = False
        self._committing: asyncio.Task[None] | None = None
        """The commit under way while the scheduler goes on (see ``_flush_behind``)."""
        self._cancels: dict[str, CancelRequest] = {}
        """Cancellations asked (of any process) for messages or commands of agents not running yet, by item id:
        applied when the agent starts here, forgotten when the item ends."""
        self._clearing: set[str] = set()
        """Agents whose at-work marks the commit under way clears: marked again before they step again (a mark
        made meanwhile takes them out of here, and the clear leaves it be, see ``at_work.clear_marked_by``)."""
        self._marked_until = datetime.min.replace(tzinfo=UTC)
        """The newest instant given to a mark or a clear's cutoff: they never go back (see ``_mark_instant``)."""
        self._releasing: set[int] = set()
        """Shards being handed over: client messages' writes mark none of their agents (see ``_release``)."""
        self._marks_settled = asyncio.Event()
        """Set whenever a client messages' write that marked agents ended."""
        self._marking: set[str] = set()
        """Agents whose marks a client message's write takes (see accepts.py): the scheduler does not mark them
        again, nor does a flush clear them, until that write ends."""
        self.accepts = Accepts(store, _utc_now, self)
        """Client messages accepted together (see accepts.py)."""
        self.contents = ContentTerms()
        """The terms of client messages parsed when they were accepted, for their delivery (see contents.py)."""
        self.tail = Tail()
        """The newest events the follower handled, for the event streams (see tail.py)."""
        self.watchers: list[Callable[[list[RecordedEvent]], None]] = []
        """Called with the events the follower read (every process's, in log order), after the runtime handled them:
        pollers that only care about a few kinds of event (webhook subscriptions, external agents) look again when
        one of those came, not after every commit."""

    @property
    def position(self) -> int:
        """The last event-log position this process has handled."""
        return self._cursor

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def start(self, signal: CommitSignal) -> None:
        """Follow the event log, and run the agents of the shards this process holds (see romas/cluster)."""
        self.signal = signal
        self._stopping = False
        self._cursor = await self.store.last_position()
        self.tail.reset(self._cursor)
        await self._load_known()
        self._follower = asyncio.create_task(self._follow(), name="romas-runtime-follower")
        if self._committed not in self.store.on_commit:
            self.store.on_commit.append(self._committed)
        self.leadership.start(self._gain, self._release, self._lose)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(30):
                await self.leadership.settled.wait()

    async def stop(self) -> None:
        """Checkpoint every running agent, stop stepping them, and hand their shards to the other processes."""
        self._closing = True
        await self.leadership.stop(self._release)
        if self.leading:
            await self._stop_scheduler()
            await self.environment.stop()
            await self.organisation.stop()
            self.leading = False
        self._closing = False
        self._stopping = True
        if self._committed in self.store.on_commit:
            self.store.on_commit.remove(self._committed)
        self.tail.reset(-1)
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
            self._follower = None

    @property
    def coordinating(self) -> bool:
        """True in the one process that does the cluster-wide chores (webhooks, external agents, the export):
        the holder of shard 0."""
        return self.leading and self.leadership.owns(0)

    def runs(self, agent: str) -> bool:
        """True when ``agent`` falls in a shard this process runs."""
        return self.leadership.owns(agent_shard(agent))

    async def _gain(self, shards: set[int]) -> None:
        """New shards: their agents start from their checkpoints, their artefacts' operations run here."""
        async with self.store.write(WriteContext(actor=RUNTIME_ACTOR)) as writer:
            await self.leadership.check(writer)
            await account_crashes(writer, self.store, keep=lambda agent: agent_shard(agent) in shards)
        await self._stop_scheduler()
        if self.leading:
            await self.environment.stop()
        await self._load_owned(shards)
        self._restart_scheduler()

    async def _release(self, shards: set[int]) -> None:
        """Shards handed over: checkpoint their agents (the leases still hold), clear their at-work marks, and
        forget them here."""
        await self._stop_scheduler()
        # No client message's write marks their agents from now on, and the marks such writes are taking commit
        # first: the clear below must come after them, or a mark would outlive the hand-over.
        self._releasing |= shards
        try:
            while any(agent_shard(name) in shards for name in self._marking):
                self._marks_settled.clear()
                await self._marks_settled.wait()
            await self._hand_over(shards)
        finally:
            self._releasing -= shards

    async def _hand_over(self, shards: set[int]) -> None:
        names = [name for name in self.live if agent_shard(name) in shards]
        self.effects.checkpoint.update(names)
        leaving = set(names) | {name for name in self._marked if agent_shard(name) in shards}
        try:
            await self._flush()
            async with self.store.write(WriteContext(actor=RUNTIME_ACTOR)) as writer:
                await self.leadership.check(writer)
                await at_work.clear(writer, leaving)  # handed over cleanly: nobody was at work through a crash
        except LeadershipLost as exc:  # the leases lapsed first: the next holder starts from the checkpoints
            log.warning("%s: handing shards over without a last checkpoint", exc)
            self.effects = Effects()
        self._marked.difference_update(leaving)
        for name in names:
            self.live.pop(name, None)
        if self.leading:
            await self.environment.stop()
            if not self._closing:
                await self.environment.load()
        if not self._closing:
            self._restart_scheduler()

    async def _lose(self, shards: set[int]) -> None:
        """Shards another process took (this one missed renewing them): forget their agents, committing nothing
        more for them; the new holder restarts them from their checkpoints. The agents of the other shards go on
        as they were."""
        if not self.leading:
            return
        await self._stop_scheduler()
        self._drop_shards(shards)
        await self.environment.stop()
        await self.environment.load()
        log.warning("this process no longer runs shard(s) %s", sorted(shards))
        self._restart_scheduler()

    def _drop_shards(self, shards: set[int] | frozenset[int]) -> None:
        """Forget the agents of lost shards and what they did since the last flush."""
        for name in [name for name in self.live if agent_shard(name) in shards]:
            del self.live[name]
        self.effects.drop_shards(shards)
        self._marked = {name for name in self._marked if agent_shard(name) not in shards}

    def _restart_scheduler(self) -> None:
        if self._closing or self._stopping:
            return
        if not self.leading:
            self.leading = True
            self.organisation.schedule_refresh()
        self.environment.start()
        self._scheduling = True
        self._task = asyncio.create_task(self._loop(), name="romas-runtime")

    async def _stop_scheduler(self) -> None:
        self._scheduling = False
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _load_known(self) -> None:
        """What every process knows, leading or not: which agents exist, and the environment's catalogue."""
        self.known.clear()
        after: str | None = None
        while True:
            rows = await self.store.list_current("agent", "", after=after, limit=500)
            for row in rows:
                self.known[row.name] = row.state["state"]
            if len(rows) < 500:
                break
            after = rows[-1].name
        await self.environment.load()

    async def _follow(self) -> None:
        """Handle every committed event in log order, from any process; a commit (here, or announced by
        PostgreSQL's NOTIFY) wakes it, and a slow poll covers a lost notification. The commits of this process
        whose events follow on from the cursor are handed over as they commit (see ``_committed``): the log is
        read only past a gap (another process's commit) or on the poll."""
        assert self.signal is not None
        signal = self.signal
        while not self._stopping:
            try:
                events = await self.store.read_events(after=self._cursor, limit=FOLLOW_BATCH)
            except Exception:
                log.exception("reading the event log failed; retrying")
                await asyncio.sleep(1.0)
                continue
            if events and events[0].position <= self._cursor:  # handed over during the read
                events = [event for event in events if event.position > self._cursor]
            if events:
                self._handle(events)
                self.tail.extend(events)
            if len(events) == FOLLOW_BATCH:
                continue
            while signal.latest <= self._cursor:  # nothing committed that was neither read nor handed over
                try:
                    async with asyncio.timeout(2.0):  # no extra task per wait, unlike wait_for
                        await signal.wait_past(self._cursor)
                except TimeoutError:
                    break  # the slow poll
                # PostgreSQL's NOTIFY of a commit of this process may come before the answer to its COMMIT, whose
                # events are then handed over: a few turns of the loop let them come before reading them back.
                for _ in range(HANDOVER_TURNS):
                    if signal.latest <= self._cursor:
                        break
                    await asyncio.sleep(0)

    def _committed(self, recorded: list[RecordedEvent]) -> None:
        """A commit of this process (a store hook, called before its writes return): its events go to the
        follower's handlers at once when they are the next ones in the log, saving the follower a read of what was
        just written. Only message events, whose documents are built of JSON's own types, so they are the same
        as read back; anything else, or a gap before or inside the batch (another process's commit, positions a
        rolled-back write took), is left to the follower's read."""
        if self._follower is None or self._stopping or recorded[0].position != self._cursor + 1:
            return
        position = self._cursor
        for event in recorded:
            position += 1
            if event.position != position or event.stream_type != "message":
                return
        self._handle(recorded)
        self.tail.extend(recorded, as_written=self.store.dialect == "postgresql")

    def _handle(self, events: list[RecordedEvent]) -> None:
        """The follower's events, in log order past its cursor: the runtime's reaction, then the watchers'."""
        self._cursor = events[-1].position
        try:
            self.on_commit(events)
        except Exception:
            log.exception("handling events up to position %d failed", self._cursor)
        for watcher in self.watchers:
            try:
                watcher(events)
            except Exception:
                log.exception("a watcher of the event log failed")

    async def _load_owned(self, shards: set[int] | None) -> None:
        """Start the running agents of ``shards`` (every shard this process holds when None) that are not running
        here yet, after reading the environment again (its memberships, and the operations of the artefacts
        held here)."""
        if shards is None:
            self.live.clear()
            self.effects = Effects()
        await self.environment.load()
        after: str | None = None
        while True:
            rows = await self.store.list_current("agent", "", after=after, limit=500)
            for row in rows:
                self.known[row.name] = row.state["state"]
                shard = agent_shard(row.name)
                if (
                    row.state["state"] == "running"
                    and row.name not in self.live
                    and (shards is None or shard in shards)
                    and self.leadership.owns(shard)
                ):
                    await self._start_agent(row)
            if len(rows) < 500:
                break
            after = rows[-1].name

    async def _program(self, name: str, code: str) -> Program:
        """The agent's program, with the files of the agent set it includes (other agents' code)."""
        files = AgentFiles({})
        if "include" in code:

            async def read(agent: str) -> str | None:
                row = await self.store.current(agent_key(agent).stream_id)
                if row is None or row.deleted or not isinstance(row.state.get("code"), str):
                    return None
                return str(row.state["code"])

            files = await agent_set_files(code, read)
        return parse_program(code, files, f"{name}.asl")

    async def _load_all(self) -> None:
        await self._load_owned(None)

    async def _start_agent(self, row: ResourceRow) -> None:
        if row.state.get("kind") == "external":
            return  # romas forwards an external agent's messages (romas/interop/external.py) instead of running it
        name = row.name
        code_revision = int(row.state["code_revision"])
        try:
            program = await self._program(name, row.state["code"])
        except AgentSpeakSyntaxError as e:  # a file it includes is gone or changed
            await self._halt(name, f"its code does not parse with the files it includes: {e}")
            return
        saved = await checkpoints.load(self.store, name)
        if saved is not None:
            agent = Agent.restore(saved.state, self.host, limits=self.limits)
            if saved.code_revision != code_revision:
                agent.replace_program(program)
            else:
                agent.agent_files, agent.agent_file = program.files, program.file  # for .include
        else:
            agent = Agent(name, program, self.host, limits=self.limits)
        if agent.stop_reason is not None:
            await self._halt(name, agent.stop_reason)
            return
        live = LiveAgent(
            name,
            agent,
            code_revision,
            last_checkpoint=time.monotonic(),
            log_allowance=LOG_LINES_PER_SECOND,
            log_refilled=time.monotonic(),
        )
        # Registered before reading the inbox, so a message committed meanwhile reaches it through on_commit;
        # the rows read here are older and go first, and what arrived during the read follows, once.
        self.live[name] = live
        live.loaded_through = await self.store.last_position()
        rows = await inbox.unfinished(self.store, name)
        arrived, live.queue = list(live.queue), deque()
        for message in rows:
            live.versions[message.id] = message.version
            if message.origin == "rest":
                live.from_clients.add(message.id)
            if message.status == "accepted":
                live.queue.append(
                    Pending(
                        message.id,
                        message.sender,
                        message.origin,
                        message.performative,
                        message.content,
                        message.in_reply_to,
                        message.expires_at,
                    )
                )
        read = {message.id for message in rows}
        live.queue.extend(p for p in arrived if p.id not in read)
        if live.queue and live.waiting_since is None:  # they wait from now (a message that came meanwhile noted it)
            live.waiting_since = time.perf_counter()
        unfinished_commands = await commands.unfinished(self.store, name)
        live.loaded_until = await self.store.last_position()
        live.loaded_ids = read | {command.id for command in unfinished_commands}
        for command in unfinished_commands:
            if command.id not in live.commands:
                live.commands[command.id] = RunningCommand(
                    command.id,
                    command.version,
                    command.deadline_at,
                    command.body,
                    started=command.status == "running",
                )
        # Cancellations asked before this process followed the log (it started later, or took the agent over)
        for request in await cancellations.requested(self.store, name, list(live.versions), list(live.commands)):
            self._cancels.setdefault(request.item_id, request)
        live.loading = False
        for request in [r for r in self._cancels.values() if r.agent == name]:  # asked before it started here
            if self._apply_cancel(request):
                del self._cancels[request.item_id]
        note = f"started, code revision {code_revision}"
        if saved is not None:
            note = f"restarted from its checkpoint of {saved.updated_at.isoformat()}, code revision {code_revision}"
        self.record_note(name, note)
        await self.environment.agent_started(live)
        await self.organisation.refresh([live])
        self._wake.set()

    # -- the scheduler -----------------------------------------------------------------------------------------

    async def _loop(self) -> None:
        while self._scheduling:
            try:
                await self._cycle()
            except LeadershipLost as exc:  # not a lost shard the flush could leave out: start again from checkpoints
                log.error("%s: reloading the agents still held here from their checkpoints", exc)
                await self._recover(0.2)
            except Exception:
                log.exception("the runtime failed; reloading every agent from its checkpoint")
                await self._recover(0.5)
        try:
            await self._settle()
        except Exception:
            log.exception("the runtime's last commit failed; reloading every agent from its checkpoint")
            await self._recover(0.0)

    async def _recover(self, pause_s: float) -> None:
        """Start the agents again from what the database has (after the commit under way, whatever its fate)."""
        with contextlib.suppress(Exception):
            await self._settle()
        await asyncio.sleep(pause_s)
        try:
            await self._load_owned(None)
        except Exception:
            log.exception("reloading the agents failed")

    async def _cycle(self) -> None:
        if self._dirty:
            await self._settle()
            await self._reconcile()
        worked = await self._round()
        now = time.monotonic()
        if self._committing is not None and self._committing.done():
            await self._settle()
        if self._committing is None and (
            self.effects.durable()
            or ((self.effects.log or self._went_idle) and now - self._last_flush >= self.log_flush_s)
        ):
            self._flush_behind()
        if worked:
            await self._yield()
            return
        if self._committing is not None:  # nothing to step: the commit under way ends, then what came meanwhile
            await self._settle()
            return
        timeout = self._idle_timeout(now)
        self._wake.clear()
        # A stop that set the wake-up while this cycle was awaiting the database was just cleared: without this
        # check the loop would sleep out the whole timeout before it noticed, and shutting down would wait for it.
        now = time.monotonic()
        if (
            not self._scheduling
            or self._dirty
            or any(live.has_work(now) and name not in self._marking for name, live in self.live.items())
        ):
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()

    def _idle_timeout(self, now: float) -> float:
        """Sleep until the next timer, command deadline, pending log flush or periodic checkpoint."""
        timeout = 1.0
        wall = _utc_now()
        for live in self.live.values():
            if live.deadline is not None:
                timeout = min(timeout, max(live.deadline - now, 0.0))
            for command in live.commands.values():
                timeout = min(timeout, max((command.deadline - wall).total_seconds(), 0.0))
            if live.stepped:
                timeout = min(timeout, max(live.last_checkpoint + self._checkpoint_every(live) - now, 0.0))
        if self.effects.log or self._went_idle:
            timeout = min(timeout, self.log_flush_s)
        return timeout

    async def _round(self) -> bool:
        """Step every agent that has work (and is marked at work), yielding to requests between slices. One pass
        over the agents finds them (and does the periodic checks): the rest of the round visits those alone, since
        with a hundred agents and messages coming one at a time, passes over all of them were most of its cost."""
        worked = False
        now = time.monotonic()
        ready: list[LiveAgent] = []
        for live in self.live.values():
            if live.commands:
                self._check_deadlines(live)
            if live.stepped and now - live.last_checkpoint >= self._checkpoint_every(live):
                self.effects.checkpoint.add(live.name)
            if live.has_work(now):
                ready.append(live)
        if not ready:
            return False
        self.backlog.begin_round(ready)
        marked = self._marked - self._clearing if self._clearing else self._marked
        starting = [live.name for live in ready if live.name not in marked and live.name not in self._marking]
        if starting:
            # Not after the commit under way, even if it clears some of these marks: that clear spares a newer
            # mark, whichever commits first (see at_work.clear_marked_by).
            await self._mark(starting)
            marked = self._marked
        yielded_at = time.perf_counter()
        for stepped, live in enumerate(ready, 1):
            if self.live.get(live.name) is not live:
                continue
            if live.name not in marked:
                if live.name not in self._marking:  # else its mark is committing with its message: woken then
                    worked = True  # it found work during this round: marked at the start of the next one
                continue
            if not live.has_work(time.monotonic()):  # lost it while others ran (a cancellation)
                continue
            try:
                self._deliver(live)
                self._start_commands(live)
                report = live.agent.step(self.budget)
            except Exception:
                log.exception("agent %s failed inside the interpreter; restarting it from its checkpoint", live.name)
                self.effects.drop_agent(live.name)
                del self.live[live.name]
                self.record_note(live.name, "internal error in the interpreter: restarted from its last checkpoint")
                self._dirty.add(live.name)
                continue
            live.idle = report.idle
            live.deadline = report.next_deadline
            if live.agent.stop_reason is not None:
                await self._halt(live.name, live.agent.stop_reason)
                continue
            if report.idle:
                self._went_idle = True
            if report.steps:
                self.telemetry.steps += report.steps
                live.stepped = True
                worked = True
            message_slice_s = self.slice_s if self.clients.parked else self.message_slice_s  # see clients.py
            if stepped < len(ready) and self.backlog.slice_over(
                stepped, time.perf_counter() - yielded_at, self.slice_s, message_slice_s
            ):  # not after the last one: the cycle commits what the round did first, then yields
                await self._yield()
                yielded_at = time.perf_counter()
        self.backlog.end_round()
        return worked

    def _checkpoint_every(self, live: LiveAgent) -> float:
        """How often an agent that only thinks is checkpointed: a large mind less often, since taking its
        snapshot holds the event loop (every MiB of mind stretches the period by ``checkpoint_every_s``)."""
        return self.checkpoint_every_s * max(1.0, live.agent.memory_estimate() / CHECKPOINT_SIZE_STEP)

    async def _mark(self, names: list[str]) -> None:
        """Marks agents at work before their first step, so a crash during it is laid at their door. One upsert
        that cannot conflict: a light write (no savepoint). An agent whose mark the commit under way clears is
        marked again at once: the clear only removes marks made before it was prepared, so this one stays."""
        self._clearing.difference_update(names)
        async with self.store.write(WriteContext(actor=RUNTIME_ACTOR), light=True) as writer:
            await at_work.mark(writer, names, self._mark_instant())
        self._marked.update(names)

    def take_marks(self, agents: Collection[str]) -> tuple[list[str], datetime]:
        """The agents of client messages about to be accepted that this process runs and that are not marked at
        work (or whose marks the commit under way clears): marked in the messages' write, which the scheduler
        waits for instead of writing marks of its own (see accepts.py)."""
        names = [
            name
            for name in agents
            if name in self.live
            and name not in self._marking
            and (name not in self._marked or name in self._clearing)
            and (not self._releasing or agent_shard(name) not in self._releasing)
        ]
        self._marking.update(names)
        self._clearing.difference_update(names)
        return names, self._mark_instant()

    def settle_marks(self, agents: list[str], committed: bool) -> None:
        """The write that marked ``agents`` (see :meth:`take_marks`) ended; a failed one wrote no mark: the scheduler
        marks them again before they step."""
        self._marking.difference_update(agents)
        self._marks_settled.set()
        if committed:
            self._marked.update(agents)
        else:
            self._marked.difference_update(agents)
        self._wake.set()

    def _mark_instant(self) -> datetime:
        """Now, or just after the last mark or cutoff: a clear's cutoff must order the marks made before and after
        it even if the wall clock steps back."""
        now = _utc_now()
        if now <= self._marked_until:
            now = self._marked_until + timedelta(microseconds=1)
        self._marked_until = now
        return now

    async def _halt(self, name: str, reason: str) -> None:
        """Stops an agent that cannot go on (over its memory budget): a revision by the runtime with the
        reason, and a line in its log. What it did since its last checkpoint is dropped."""
        await self._settle()
        self.effects.drop_agent(name)
        self.live.pop(name, None)
        now = _utc_now()
        async with self.store.write(WriteContext(actor=RUNTIME_ACTOR)) as writer:
            await self.leadership.check(writer, shards=[agent_shard(name)])
            await AgentService(self.store).stop(writer, name, reason)
            await agent_log.append(writer, [agent_log.LogLine(name, now, "note", f"stopped by the runtime: {reason}")])
            await at_work.clear(writer, [name])
        self._marked.discard(name)
        log.warning("agent %s stopped by the runtime: %s", name, reason)

    async def _yield(self) -> None:
        """Between slices of agent work: requests at work go first (see clients.py), within a bound.

        A request that arrived during the slice needs two turns of the loop to start (the socket's callback,
        then its task), so the scheduler lets three pass before it takes the core again."""
        for _ in range(YIELD_TURNS):
            if self.clients.busy > 0:
                await self.clients.gone(self.max_pause_s)
            await asyncio.sleep(0)

    def _deliver(self, live: LiveAgent) -> None:
        now = _utc_now()
        live.waiting_since = None
        while live.queue:
            pending = live.queue.popleft()
            version = live.versions.get(pending.id, 1)
            if self._cancels and (cancel := self._cancels.pop(pending.id, None)) is not None:
                live.versions.setdefault(pending.id, version)  # asked before it was delivered: it never is
                self._finish_message(live, pending.id, "cancelled", None, cancel.reason)
                continue
            if pending.expires_at is not None and pending.expires_at <= now:
                live.versions.pop(pending.id, None)
                live.from_clients.discard(pending.id)
                error = failure(
                    "Message expired",
                    f"it expired at {pending.expires_at.isoformat()} before delivery",
                    "message-expired",
                )
                self.effects.messages.append(MessageChange(pending.id, live.name, version, "expired", now, error=error))
                continue
            try:
                content = revive(self.contents.term(pending.content))  # '$map'([[k,v]]) is a map again
            except AgentSpeakSyntaxError as exc:
                self._finish_message(live, pending.id, "failed", None, f"the content does not parse: {exc}")
                continue
            live.agent.deliver(Message(pending.id, pending.sender, pending.performative, content, pending.in_reply_to))
            live.versions[pending.id] = version + 1
            self.effects.messages.append(MessageChange(pending.id, live.name, version, "delivered", now))
            self.effects.checkpoint.add(live.name)
            live.idle = False

    def _start_commands(self, live: LiveAgent) -> None:
        for command in live.commands.values():
            if command.started:
                continue
            command.started = True
            try:
                body = parse_body(command.body)
            except AgentSpeakSyntaxError as exc:
                self._finish_command(
                    live,
                    command,
                    "failed",
                    error=failure("Command failed", f"the body does not parse: {exc}", "command-failed"),
                )
                continue
            live.agent.start_command(command.id, body)
            self.effects.commands.append(CommandChange(command.id, live.name, command.version, "running", _utc_now()))
            command.version += 1
            self.effects.checkpoint.add(live.name)
            live.idle = False

    def _check_deadlines(self, live: LiveAgent) -> None:
        if not live.commands:
            return
        now = _utc_now()
        for command in list(live.commands.values()):
            if command.deadline > now or command.timed_out:
                continue
            command.timed_out = True
            if not command.started or not live.agent.cancel_command(command.id):
                self._finish_command(live, command, "timed_out")

    # -- what agents do (called by the host, inside agent.step) ----------------------------------------------

    def record_print(self, agent: str, text: str, intention_tag: str | None) -> None:
        live = self.live.get(agent)
        command = live.commands.get(intention_tag) if live is not None and intention_tag else None
        if command is not None and len(command.output) < MAX_COMMAND_OUTPUT:
            command.output.append(text)
        self._log(agent, "print", text, command.id if command is not None else None)

    def record_note(self, agent: str, text: str) -> None:
        self._log(agent, "note", text, None)

    def _log(self, agent: str, kind: str, text: str, command: str | None) -> None:
        live = self.live.get(agent)
        if live is not None:
            if not live.may_log(time.monotonic(), LOG_LINES_PER_SECOND):
                return
            if live.log_dropped:
                dropped, live.log_dropped = live.log_dropped, 0
                self.effects.log.append(
                    agent_log.LogLine(
                        agent,
                        _utc_now(),
                        "note",
                        f"{dropped} lines were not logged: more than {LOG_LINES_PER_SECOND:g} lines a second",
                    )
                )
        if len(self.effects.log) < MAX_LOG_LINES_PER_FLUSH:
            self.effects.log.append(agent_log.LogLine(agent, _utc_now(), kind, text, command))

    def record_send(
        self, sender: str, receiver: str, performative: str, content: Term, msg_id: str, in_reply_to: str | None
    ) -> None:
        live = self.live.get(sender)
        if in_reply_to is not None and live is not None and in_reply_to in live.from_clients:
            return  # the answer to a client's ask is kept in that message (see record_message_done)
        state = self.known.get(receiver)
        if state is None:
            raise UnknownReceiver(f"there is no agent named {receiver}")
        if state != "running":
            raise UnknownReceiver(f"agent {receiver} is stopped")
        self.effects.outgoing.append(
            NewMessage(msg_id, receiver, sender, "agent", performative, source_term(content), in_reply_to)
        )
        self.effects.checkpoint.add(sender)

    def record_broadcast(self, sender: str, performative: str, content: Term, msg_id: str) -> None:
        text = source_term(content)
        for receiver, state in self.known.items():
            if receiver != sender and state == "running":
                self.effects.outgoing.append(NewMessage(new_id(), receiver, sender, "agent", performative, text))
        self.effects.checkpoint.add(sender)

    def record_message_done(self, agent: str, msg_id: str, outcome: MessageOutcome) -> None:
        live = self.live.get(agent)
        if live is None or msg_id not in live.versions:
            return
        reply = source_term(outcome.reply) if outcome.reply is not None else None
        self._finish_message(live, msg_id, outcome.status, reply, outcome.reason)

    def _finish_message(self, live: LiveAgent, msg_id: str, status: str, reply: str | None, reason: str | None) -> None:
        version = live.versions.pop(msg_id)
        live.from_clients.discard(msg_id)
        error: dict[str, Any] | None = None
        if status == "failed":
            error = failure("Message failed", reason or "failed", "message-failed")
        elif status == "cancelled":
            error = failure("Message cancelled", reason or "cancelled on request", "message-cancelled")
        self.effects.messages.append(MessageChange(msg_id, live.name, version, status, _utc_now(), reply, error))
        self.effects.checkpoint.add(live.name)

    def record_command_done(self, agent: str, cmd_id: str, outcome: CommandOutcome) -> None:
        live = self.live.get(agent)
        command = live.commands.get(cmd_id) if live is not None else None
        if live is None or command is None:
            return
        if command.timed_out:
            self._finish_command(live, command, "timed_out")
        elif outcome.status == "succeeded":
            result = {
                "bindings": {name: format_term(value) for name, value in outcome.bindings.items()},
                "values": {name: term_to_json(value) for name, value in outcome.bindings.items()},
                "output": command.output,
            }
            self._finish_command(live, command, "succeeded", result=result)
        elif outcome.status == "cancelled":
            self._finish_command(live, command, "cancelled")
        else:
            self._finish_command(
                live,
                command,
                "failed",
                error=failure("Command failed", outcome.reason or "the command failed", "command-failed"),
            )

    def _finish_command(
        self,
        live: LiveAgent,
        command: RunningCommand,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        live.commands.pop(command.id, None)
        if status == "timed_out" and error is None:
            error = failure("Command timed out", "it did not finish before its timeout", "command-timed-out")
        if status == "cancelled" and error is None:
            error = failure("Command cancelled", "it was cancelled before it finished", "command-cancelled")
        if result is None and status != "succeeded":
            result = {"output": command.output} if command.output else None
        self.effects.commands.append(
            CommandChange(command.id, live.name, command.version, status, _utc_now(), result, error)
        )
        command.version += 1
        self.effects.checkpoint.add(live.name)

    # -- committing --------------------------------------------------------------------------------------------

    async def _flush(self) -> None:
        """Commit what the agents did, and wait for it (after the commit under way, if any)."""
        await self._settle()
        prepared = self._prepare()
        if prepared is not None:
            await self._write(prepared)

    def _flush_behind(self) -> None:
        """Start committing what the agents did while the scheduler goes on stepping them: the core computes the
        next rounds while PostgreSQL writes this one. One commit at a time, in order; what the agents do meanwhile
        goes in the next one (a group commit that grows with the database's latency)."""
        assert self._committing is None
        prepared = self._prepare()
        if prepared is not None:
            self._committing = asyncio.create_task(self._write(prepared), name="romas-runtime-commit")

    async def _settle(self) -> None:
        """Wait for the commit under way, if any; its failure is raised here, to the scheduler."""
        task, self._committing = self._committing, None
        if task is not None:
            await task

    def _prepare(self) -> _Prepared | None:
        """Take what is to be committed, with the agents' checkpoints as they are now (consistent with it)."""
        effects, self.effects = self.effects, Effects()
        self._last_flush = time.monotonic()
        rested: list[str] = []
        if self._went_idle or len(self._marked) > len(self.live):
            self._went_idle = False
            for name in self._marked:
                live = self.live.get(name)
                if (live is None or not live.has_work(self._last_flush)) and name not in self._marking:
                    rested.append(name)
        if not effects and not rested:
            return None
        started = time.perf_counter()
        saved: list[tuple[str, int, dict[str, Any]]] = []
        for name in effects.checkpoint:
            live = self.live.get(name)
            if live is not None:
                saved.append((name, live.code_revision, live.agent.snapshot(checkpoints.encoded_part)))
                live.last_checkpoint = self._last_flush
                live.stepped = False
        logged: dict[str, int] = {}
        for line in effects.log:
            logged[line.agent] = logged.get(line.agent, 0) + 1
        self._clearing = set(rested)
        return _Prepared(effects, saved, rested, logged, _utc_now(), self._mark_instant(), started)

    async def _write(self, prepared: _Prepared) -> None:
        effects, saved, rested = prepared.effects, prepared.saved, prepared.rested
        try:
            for attempt in range(3):
                if self.leadership.revoked:  # lost shards: what their agents did is dropped, the rest is committed
                    lost = set(self.leadership.revoked)
                    self._drop_shards(lost)
                    effects.drop_shards(lost)
                    saved = [entry for entry in saved if agent_shard(entry[0]) not in lost]
                    rested = [name for name in rested if agent_shard(name) not in lost]
                try:
                    await self._commit(effects, saved, rested, prepared.logged, prepared.at, prepared.cutoff)
                    break
                except LeadershipLost as exc:
                    if not exc.shards or attempt == 2:
                        raise
            self._marked.difference_update([name for name in rested if name in self._clearing])  # not marked anew
        finally:
            self._clearing = set()
        self.telemetry.flushed(effects.size(), prepared.started)

    async def _commit(
        self,
        effects: Effects,
        saved: list[tuple[str, int, dict[str, Any]]],
        rested: list[str],
        logged: dict[str, int],
        now: datetime,
        cutoff: datetime,
    ) -> None:
        async with self.store.write(WriteContext(actor=RUNTIME_ACTOR), bulk=True) as writer:
            await self.leadership.check(writer)
            await inbox.accept(writer, effects.outgoing, now)
            await inbox.change(writer, effects.messages, inbox.Along(saved, now, rested, cutoff))
            await commands.change(writer, effects.commands)
            await agent_log.append(writer, effects.log)
            await invocations.accept(writer, effects.invocations, now)
            for change in effects.environment:
                await self._write_environment(writer, change, now)
            for name, count in logged.items():
                live = self.live.get(name)
                if live is not None:
                    live.logged += count
                    if live.logged >= agent_log.KEEP_LINES // 10:
                        live.logged = 0
                        await agent_log.prune(writer, name)

    @staticmethod
    async def _write_environment(writer: Writer, change: EnvironmentChange, at: datetime) -> None:
        if change.kind == "join":
            await memberships.join(writer, change.agent, change.workspace, at)
        elif change.kind == "quit":
            await memberships.quit(writer, change.agent, change.workspace)
        elif change.kind == "focus" and change.artefact is not None:
            await memberships.focus(writer, change.agent, change.workspace, change.artefact, at)
        elif change.kind == "stop_focus" and change.artefact is not None:
            await memberships.stop_focus(writer, change.agent, change.workspace, change.artefact)
        elif change.kind == "forget":
            await memberships.forget(writer, change.agent)

    # -- environment actions (called by the host, inside agent.step) ----------------------------------------------

    def act(
        self, agent: str, action: Term, annotations: tuple[Term, ...]
    ) -> ActionSucceeded | ActionFailed | ActionPending:
        live = self.live.get(agent)
        if live is None or type(action) is not Struct:
            return ActionFailed("no such action")
        outcome = self.environment.act(live, action, annotations)
        if outcome is None:
            outcome = self.organisation.act(live, action, annotations)
        if outcome is None:
            return ActionFailed(f"no such action: {action.functor}/{len(action.args)}")
        return outcome

    def record_environment(self, live: LiveAgent, change: EnvironmentChange) -> None:
        self.effects.environment.append(change)
        self.effects.checkpoint.add(live.name)

    def record_invocation(self, live: LiveAgent, invocation: NewInvocation) -> None:
        self.effects.invocations.append(invocation)
        self.effects.checkpoint.add(live.name)

    def touched(self, live: LiveAgent) -> None:
        """Something outside the agent changed its mind (a percept, an operation's result): run it soon."""
        live.idle = False
        live.stepped = True
        self._wake.set()

    # -- what the rest of the server tells the runtime ---------------------------------------------------------

    def on_commit(self, events: list[RecordedEvent]) -> None:
        """Committed events, in log order (from the follower): deliver, resume, reconcile, wake waiters."""
        self.telemetry.on_events(events)
        self.environment.on_commit(events)
        self.organisation.on_commit(events)
        woke = False
        for event in events:
            data = event.data
            if event.type == "message.accepted":
                live = self.live.get(data["agent"])
                if (
                    live is not None
                    and data["id"] not in live.versions
                    and not live.loaded_at_start(event.position, data["id"])
                ):
                    expires = data.get("expires_at")
                    live.queue.append(
                        Pending(
                            data["id"],
                            data["sender"],
                            data.get("origin", "agent"),
                            data["performative"],
                            data["content"],
                            data.get("in_reply_to"),
                            datetime.fromisoformat(expires) if expires else None,
                        )
                    )
                    live.versions[data["id"]] = 1
                    if data.get("origin") == "rest":
                        live.from_clients.add(data["id"])
                    arrived = time.perf_counter()
                    if live.waiting_since is None:
                        live.waiting_since = arrived
                    self.backlog.arrived(arrived)
                    woke = True
            elif event.type in FINAL_MESSAGE_EVENTS:
                self.waiters.done(f"message:{data['id']}")
                self._cancels.pop(data["id"], None)
            elif event.type == "command.queued":
                live = self.live.get(data["agent"])
                if (
                    live is not None
                    and data["id"] not in live.commands
                    and not live.loaded_at_start(event.position, data["id"])
                ):
                    deadline = datetime.fromisoformat(data["deadline_at"])
                    live.commands[data["id"]] = RunningCommand(data["id"], 1, deadline, data["body"])
                    woke = True
            elif event.type in FINAL_COMMAND_EVENTS:
                self.waiters.done(f"command:{data['id']}")
                self._cancels.pop(data["id"], None)
            elif event.type == cancellations.REQUESTED:  # asked of any process: done by the one running it
                request = cancellations.from_event(data)
                if not self._apply_cancel(request):  # its agent starts later (here or elsewhere): kept till then
                    self._cancels[request.item_id] = request
                    while len(self._cancels) > MAX_PENDING_CANCELS:
                        del self._cancels[next(iter(self._cancels))]
            elif event.stream_type == "agent":
                name = event.stream_id.rsplit("/", 1)[-1]
                if event.type.endswith(".deleted"):
                    self.known.pop(name, None)
                elif "state" in event.data:
                    self.known[name] = event.data["state"].get("state", "running")
                elif "state" in event.data.get("changes", {}):
                    self.known[name] = event.data["changes"]["state"]
                # another process reconciles the agents it runs; one that is stopped here and stays stopped (a
                # new code, description or metadata) has nothing to reconcile: it is not read again
                if name in self.live or (self.known.get(name) != "stopped" and self.runs(name)):
                    self._dirty.add(name)
                    woke = True
        if woke:
            self._wake.set()

    async def _reconcile(self) -> None:
        """Bring running agents in line with their resources: start, stop, swap code, forget."""
        dirty, self._dirty = self._dirty, set()
        for name in sorted(dirty):
            row = await self.store.current(f"/agents/{name}")
            live = self.live.get(name)
            if row is None or row.deleted:
                self.known.pop(name, None)
                if live is not None:
                    await self._flush()  # what it did before being deleted is recorded first
                    self.live.pop(name, None)
                await self._forget(name)
                continue
            self.known[name] = row.state["state"]
            if row.state["state"] != "running":
                if live is not None:
                    self.record_note(name, "stopped")
                    self.effects.checkpoint.add(name)
                    await self._flush()
                    self.live.pop(name, None)
                continue
            if row.state.get("kind") == "external":
                if live is not None:  # it became external: another system plays it from now on
                    self.record_note(name, "now external: romas forwards its messages to its endpoint")
                    self.effects.checkpoint.add(name)
                    await self._flush()
                    self.live.pop(name, None)
                continue
            if live is None:
                if self.runs(name):
                    await self._start_agent(row)
            elif live.code_revision != row.state["code_revision"]:
                try:
                    live.agent.replace_program(await self._program(name, row.state["code"]))
                except AgentSpeakSyntaxError as e:
                    self.record_note(name, f"code revision {row.state['code_revision']} not run: {e}")
                    live.code_revision = int(row.state["code_revision"])
                    continue
                live.code_revision = int(row.state["code_revision"])
                live.idle = False
                self.effects.checkpoint.add(name)
                self.record_note(name, f"now runs code revision {live.code_revision}; beliefs kept")

    async def _forget(self, name: str) -> None:
        """A deleted agent: its unfinished messages and commands fail, its checkpoint goes."""
        now = _utc_now()
        gone = failure("Agent deleted", f"agent {name} was deleted", "agent-deleted")
        pending_messages = await inbox.unfinished(self.store, name)
        pending_commands = await commands.unfinished(self.store, name)
        async with self.store.write(WriteContext(actor=RUNTIME_ACTOR)) as writer:
            await self.leadership.check(writer, shards=[agent_shard(name)])
            await inbox.change(
                writer, [MessageChange(m.id, name, m.version, "failed", now, error=gone) for m in pending_messages]
            )
            await commands.change(
                writer, [CommandChange(c.id, name, c.version, "cancelled", now, error=gone) for c in pending_commands]
            )
            await checkpoints.discard(writer, name)
            for change in self.environment.forget(name):
                await self._write_environment(writer, change, now)

    # -- what the API asks -------------------------------------------------------------------------------------

    async def accept_message(
        self,
        writer: Writer,
        agent: str,
        *,
        sender: str,
        performative: str,
        content: str,
        in_reply_to: str | None,
        expires_at: datetime | None,
    ) -> str:
        """Record a client's message in the writer's transaction; the agent gets it after the commit."""
        row = await self.accept_client_message(
            writer,
            agent,
            sender=sender,
            performative=performative,
            content=content,
            in_reply_to=in_reply_to,
            expires_at=expires_at,
        )
        return row.id

    async def accept_client_message(
        self,
        writer: Writer,
        agent: str,
        *,
        sender: str,
        performative: str,
        content: str,
        in_reply_to: str | None,
        expires_at: datetime | None,
    ) -> MessageRow:
        """:meth:`accept_message`, answering the message's row as written (so the answer needs no read)."""
        message = NewMessage(new_id(), agent, sender, "rest", performative, content, in_reply_to, expires_at)
        at = _utc_now()
        _refuse_unless_accepted(await inbox.accept_if_running(writer, message, at), agent)
        return inbox.accepted_row(message, at)

    async def accept_from_client(
        self,
        context: WriteContext,
        agent: str,
        *,
        sender: str,
        performative: str,
        content: str,
        expires_at: datetime | None,
    ) -> MessageRow:
        """:meth:`accept_client_message` in a write of its own, shared with the client messages that wait for the
        store beside it (see accepts.py); the message's row once committed."""
        message = NewMessage(new_id(), agent, sender, "rest", performative, content, None, expires_at)
        gate, at = await self.accepts.accept(message, context)
        _refuse_unless_accepted(gate, agent)
        return inbox.accepted_row(message, at)

    async def retry_message(self, writer: Writer, agent: str, message_id: str) -> str:
        """Reprocess a failed or expired message as a new message, linked both ways; both keep their history."""
        old = await inbox.get_for_update(writer, agent, message_id)
        if old is None:
            raise NotFound(f"agent {agent} has no message {message_id}")
        if old.status not in RETRYABLE_STATUSES:
            raise Conflict(f"message {message_id} is {old.status}; only failed or expired messages can be retried")
        if old.retried_by is not None:
            raise Conflict(
                f"message {message_id} was already retried as {old.retried_by}; retry that one if it failed too"
            )
        await self._require_running(writer, agent)
        retry_id = new_id()
        await inbox.accept(
            writer,
            [
                NewMessage(
                    retry_id,
                    agent,
                    old.sender,
                    old.origin,
                    old.performative,
                    old.content,
                    old.in_reply_to,
                    None,
                    retry_of=old.id,
                )
            ],
            _utc_now(),
        )
        await inbox.mark_retried(writer, old, retry_id)
        return retry_id

    async def queue_command(self, writer: Writer, agent: str, *, actor: str, body: str, timeout_s: float) -> str:
        await self._require_running(writer, agent)
        command_id = new_id()
        now = _utc_now()
        await commands.queue(
            writer,
            command_id=command_id,
            agent=agent,
            actor=actor,
            body=body,
            timeout_s=timeout_s,
            at=now,
            deadline=now + timedelta(seconds=timeout_s),
        )
        return command_id

    async def _require_running(self, writer: Writer, agent: str) -> None:
        row = await writer.current(f"/agents/{agent}", lock=False)
        if row is None:
            raise NotFound(f"there is no agent {agent}")
        if row.deleted:
            raise Gone(f"agent {agent} was deleted", f"/agents/{agent}/revisions")
        if row.state["state"] != "running":
            raise Conflict(f"agent {agent} is stopped; PATCH its state to running first")

    def cancel_command(self, agent: str, command_id: str) -> bool:
        """Ask a running agent to drop a command; False when this process does not run it."""
        live = self.live.get(agent)
        command = live.commands.get(command_id) if live is not None and not live.loading else None
        if live is None or command is None:
            return False
        if not command.started or not live.agent.cancel_command(command_id):
            self._finish_command(live, command, "cancelled")
        self._wake.set()
        return True

    def cancel_message(self, agent: str, message_id: str, reason: str) -> bool:
        """Drop a message this process runs the agent of and that has not ended: out of the queue if it was not
        delivered yet, else with everything it caused in the agent (see ``Agent.cancel_message``); it ends
        ``cancelled``. False when this process does not hold it."""
        live = self.live.get(agent)
        if live is None or live.loading or message_id not in live.versions:
            return False
        for pending in live.queue:
            if pending.id == message_id:
                live.queue.remove(pending)
                if not live.queue:
                    live.waiting_since = None
                break
        else:
            live.agent.cancel_message(message_id, reason)
        if message_id in live.versions:  # nothing of it was left in the agent, or it was still queued
            self._finish_message(live, message_id, "cancelled", None, reason)
        self._wake.set()
        return True

    async def request_cancel(self, kind: str, agent: str, item_id: str, *, actor: str, reason: str) -> bool:
        """Cancel a message (``kind`` ``message``) or a command (``command``) of ``agent``, whichever process runs
        it: here at once when this process holds it, else through a ``cancellation.requested`` event in the log,
        which the process running the agent acts upon when its follower reaches it (woken by NOTIFY). The caller
        waits for the final status with a bound. False when the agent is not running (nobody would act on it)."""
        if kind == "message" and self.cancel_message(agent, item_id, reason):
            return True
        if kind == "command" and self.cancel_command(agent, item_id):
            return True
        if self.known.get(agent) != "running":
            return False
        request = CancelRequest(kind, agent, item_id, reason)
        if agent in self.live:  # its item has not reached the agent here yet: done when it does (see _deliver)
            self._cancels[item_id] = request
        async with self.store.write(WriteContext(actor=actor)) as writer:
            await writer.append([cancellations.request_event(request)])
        return True

    def _apply_cancel(self, request: CancelRequest) -> bool:
        if request.kind == "message":
            return self.cancel_message(request.agent, request.item_id, request.reason)
        return self.cancel_command(request.agent, request.item_id)

    def quiescent(self) -> bool:
        """True when this process runs the agents and none of them can do anything by itself: no work, no timer
        pending, no environment action under way, and nothing waiting to be written (``romas run`` ends then)."""
        if not self.leading or self._dirty or self.effects or self._committing is not None:
            return False
        now = time.monotonic()
        for live in self.live.values():
            if live.has_work(now) or live.deadline is not None or live.commands:
                return False
            if any(it.state == "action" for it in live.agent.intentions.values()):
                return False
        return True

    def running_code_revision(self, agent: str) -> int | None:
        live = self.live.get(agent)
        return live.code_revision if live is not None else None

    async def mind(
        self,
        agent: str,
        *,
        belief_offset: int = 0,
        belief_limit: int | None = None,
        part_limit: int | None = None,
        stack_limit: int | None = None,
    ) -> dict[str, Any] | None:
        """The live mental state, or the one in the last checkpoint of a stopped agent; the limits bound how much
        of it is shown (see ``Agent.mind``)."""
        live = self.live.get(agent)
        agent_now = live.agent if live is not None else None
        if agent_now is None:
            saved = await checkpoints.load(self.store, agent)
            if saved is None:
                return None
            agent_now = Agent.restore(saved.state, self.host, limits=self.limits)
        shown: dict[str, Any] = agent_now.mind(
            belief_offset=belief_offset, belief_limit=belief_limit, part_limit=part_limit, stack_limit=stack_limit
        )
        return shown
