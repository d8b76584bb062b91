"""The environment dimension: agents join workspaces, focus on artefacts and call their operations.

Joining, quitting and focusing take effect at once (the runtime keeps a catalogue of live workspaces and
artefacts, fed by the store's commits) and are recorded with the agent's next checkpoint. An operation becomes
an invocation: recorded as accepted with that same checkpoint (which holds the intention waiting for it), then
run by the executor, one artefact at a time in arrival order, in a transaction that also writes the artefact's
new revision. After a crash, accepted invocations run once; finished ones resume the agents waiting on them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from romas.agentspeak.host import ActionFailed, ActionPending, ActionSucceeded
from romas.agentspeak.terms import Struct, Term
from romas.bridges.base import BridgeHub, is_bridge
from romas.cluster.shards import artefact_shard
from romas.domain.artefact_types import Registry, check_call, invoke
from romas.runtime.ids import new_id
from romas.runtime.values import NotAValue, to_term, to_value
from romas.store import environment as memberships
from romas.store import invocations
from romas.store.eventstore import Change, RecordedEvent, Store, WriteContext
from romas.store.invocations import InvocationEnd, NewInvocation

if TYPE_CHECKING:
    from romas.runtime.live import LiveAgent
    from romas.runtime.runtime import Runtime

log = logging.getLogger("romas.environment")

ActionOutcome = ActionSucceeded | ActionFailed | ActionPending
ArtefactKey = tuple[str, str]
BATCH = 100


def _now() -> datetime:
    return datetime.now(UTC)


def problem(title: str, detail: str, slug: str) -> dict[str, Any]:
    return {"type": f"/problems/{slug}", "title": title, "detail": detail}


@dataclass(slots=True)
class Queued:
    """An accepted invocation waiting for the executor."""

    id: str
    operation: str
    args: list[Any]
    invoker: str
    origin: str


@dataclass(slots=True)
class EnvironmentChange:
    """A membership or focus change, written with the agent's next checkpoint."""

    kind: str
    agent: str
    workspace: str
    artefact: str | None = None


@dataclass(slots=True)
class Catalogue:
    """The live workspaces and artefacts (type and properties), as this process last committed or read them."""

    workspaces: set[str] = field(default_factory=set)
    artefacts: dict[ArtefactKey, dict[str, Any]] = field(default_factory=dict)

    def in_workspaces(self, workspaces: set[str], name: str | None = None) -> list[ArtefactKey]:
        return sorted(key for key in self.artefacts if key[0] in workspaces and (name is None or key[1] == name))


def _names(annotations: tuple[Term, ...], functor: str) -> list[str]:
    """The atoms of ``functor(X)`` annotations, e.g. ``[artefact(orders)]`` or JaCaMo's ``[artifact_name(o)]``."""
    found = []
    for annotation in annotations:
        if type(annotation) is Struct and annotation.functor == functor and len(annotation.args) == 1:
            value = annotation.args[0]
            if type(value) is Struct and not value.args:
                found.append(value.functor)
            elif isinstance(value, str):
                found.append(value)
    return found


def _atom(term: Term) -> str | None:
    if type(term) is Struct and not term.args:
        return term.functor
    if isinstance(term, str):
        return term
    return None


class Environment:
    def __init__(self, runtime: Runtime, registry: Registry) -> None:
        self.runtime = runtime
        self.store: Store = runtime.store
        self.registry = registry
        self.catalogue = Catalogue()
        self.joined: dict[str, set[str]] = defaultdict(set)
        self.observers: dict[ArtefactKey, set[str]] = defaultdict(set)
        self.queues: dict[ArtefactKey, deque[Queued]] = defaultdict(deque)
        self._queued: set[str] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.bridges = BridgeHub(self._received)
        self._bridge_tasks: dict[ArtefactKey, asyncio.Task[None]] = {}

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def load(self) -> None:
        """Read the catalogue, memberships, focus and accepted invocations (before any agent starts)."""
        self.catalogue = Catalogue()
        self.joined.clear()
        self.observers.clear()
        self.queues.clear()
        self._queued.clear()
        for row in await self._all("workspace", ""):
            self.catalogue.workspaces.add(row.name)
        for row in await self._all("artefact", None):
            self.catalogue.artefacts[(row.parent.rsplit("/", 1)[-1], row.name)] = dict(row.state)
        for agent, workspace in await memberships.all_memberships(self.store):
            self.joined[agent].add(workspace)
        for seen in await memberships.all_observations(self.store):
            self.observers[(seen.workspace, seen.artefact)].add(seen.agent)
        for row in await invocations.pending(self.store):
            if not self.holds((row.workspace, row.artefact)):
                continue  # another process runs this artefact's operations
            self._enqueue(
                (row.workspace, row.artefact), Queued(row.id, row.operation, row.args, row.invoker, row.origin)
            )
        self._wake.set()

    def holds(self, key: ArtefactKey) -> bool:
        """True when this process runs the operations of artefact ``key`` (its shard is held here)."""
        return self.runtime.leadership.owns(artefact_shard(*key))

    def _enqueue(self, key: ArtefactKey, item: Queued) -> None:
        """Each invocation runs once, however it became known (read at start, or committed meanwhile)."""
        if item.id not in self._queued:
            self._queued.add(item.id)
            self.queues[key].append(item)

    async def _all(self, kind: str, parent: str | None) -> list[Any]:
        return await self.store.list_as_of(kind, parent, datetime.max.replace(tzinfo=UTC), after=None, limit=None)

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._execute_forever(), name="romas-environment")
        for key, state in self.catalogue.artefacts.items():
            self._sync_bridge(key, state)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        tasks = list(self._bridge_tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._bridge_tasks.clear()
        await self.bridges.stop()

    def _sync_bridge(self, key: ArtefactKey, state: dict[str, Any] | None) -> None:
        """Open, change or close the link of a bridge artefact (only where the agents run)."""
        if self._task is None or self._stopping:
            return
        if not self.holds(key):
            state = None  # the process holding the artefact's shard keeps its link
        artefact_type = None if state is None else self.registry.get(state.get("type", ""))
        if state is None or is_bridge(artefact_type):
            self.bridges.sync(key, artefact_type, None if state is None else state.get("properties", {}))

    async def agent_started(self, live: LiveAgent) -> None:
        """Bring a (re)started agent's percepts up to date and settle the operations it was waiting for."""
        for (workspace, artefact), agents in self.observers.items():
            if live.name in agents:
                self._perceive(live, workspace, artefact)
        waiting = list(live.agent.pending_actions)
        if not waiting:
            return
        known = {row.id: row for row in await invocations.by_ids(self.store, waiting)}
        for token in waiting:
            row = known.get(token)
            if row is None:
                live.agent.resume(token, ActionFailed("the action was interrupted by a restart of the server"))
            elif row.final:
                live.agent.resume(token, self._outcome(row.status, row.result, row.error))
        live.idle = False

    def of_agent(self, agent: str) -> tuple[list[str], list[tuple[str, str]]]:
        """(workspaces joined, (workspace, artefact) focused), as the runtime holds them."""
        joined = sorted(self.joined.get(agent, ()))
        focused = sorted(key for key, agents in self.observers.items() if agent in agents)
        return joined, focused

    def forget(self, agent: str) -> list[EnvironmentChange]:
        self.joined.pop(agent, None)
        for agents in self.observers.values():
            agents.discard(agent)
        return [EnvironmentChange("forget", agent, "")]

    # -- actions -----------------------------------------------------------------------------------------------

    def act(self, live: LiveAgent, action: Struct, annotations: tuple[Term, ...]) -> ActionOutcome | None:
        """An environment action of an agent; None when ``action`` is not one (the caller tries others)."""
        name, arity = action.functor, len(action.args)
        if (name, arity) == ("joinWorkspace", 1):
            return self._join(live, action.args[0])
        if (name, arity) == ("quitWorkspace", 1):
            return self._quit(live, action.args[0])
        if name == "focus" and arity in (1, 2):
            return self._focus(live, action.args, annotations)
        if name == "stopFocus" and arity in (1, 2):
            return self._stop_focus(live, action.args, annotations)
        return self._operation(live, action, annotations)

    def _join(self, live: LiveAgent, workspace_term: Term) -> ActionOutcome:
        workspace = _atom(workspace_term)
        if workspace is None or workspace not in self.catalogue.workspaces:
            return ActionFailed(f"there is no workspace {workspace or workspace_term!r}")
        self.joined[live.name].add(workspace)
        self.runtime.record_environment(live, EnvironmentChange("join", live.name, workspace))
        return ActionSucceeded()

    def _quit(self, live: LiveAgent, workspace_term: Term) -> ActionOutcome:
        workspace = _atom(workspace_term)
        if workspace is None or workspace not in self.joined.get(live.name, set()):
            return ActionFailed(f"{live.name} has not joined workspace {workspace or workspace_term!r}")
        self.joined[live.name].discard(workspace)
        for key, agents in self.observers.items():
            if key[0] == workspace and live.name in agents:
                agents.discard(live.name)
                self._unperceive(live, *key)
        self.runtime.record_environment(live, EnvironmentChange("quit", live.name, workspace))
        return ActionSucceeded()

    def _target(self, live: LiveAgent, args: tuple[Term, ...], annotations: tuple[Term, ...]) -> ArtefactKey | str:
        """The artefact that ``focus(A)``, ``focus(W, A)`` or ``stopFocus`` names, or why there is none."""
        joined = self.joined.get(live.name, set())
        if len(args) == 2:
            workspace, artefact = _atom(args[0]), _atom(args[1])
            if workspace is None or artefact is None:
                return "focus(W, A) needs a workspace and an artefact name"
            if workspace not in joined:
                return f"{live.name} has not joined workspace {workspace}"
            candidates = [(workspace, artefact)] if (workspace, artefact) in self.catalogue.artefacts else []
        else:
            artefact = _atom(args[0])
            if artefact is None:
                return "focus(A) needs an artefact name"
            named = set(_names(annotations, "workspace")) or joined
            candidates = self.catalogue.in_workspaces(named & joined, artefact)
        if not candidates:
            joined_names = ", ".join(sorted(joined)) or "none"
            return f"no artefact {artefact} in the workspaces {live.name} has joined ({joined_names})"
        if len(candidates) > 1:
            return (
                f"artefact {artefact} is in several workspaces ({', '.join(w for w, _ in candidates)}): use focus(W, A)"
            )
        return candidates[0]

    def _focus(self, live: LiveAgent, args: tuple[Term, ...], annotations: tuple[Term, ...]) -> ActionOutcome:
        target = self._target(live, args, annotations)
        if isinstance(target, str):
            return ActionFailed(target)
        self.observers[target].add(live.name)
        self._perceive(live, *target)
        self.runtime.record_environment(live, EnvironmentChange("focus", live.name, target[0], target[1]))
        return ActionSucceeded()

    def _stop_focus(self, live: LiveAgent, args: tuple[Term, ...], annotations: tuple[Term, ...]) -> ActionOutcome:
        target = self._target(live, args, annotations)
        if isinstance(target, str):
            return ActionFailed(target)
        self.observers[target].discard(live.name)
        self._unperceive(live, *target)
        self.runtime.record_environment(live, EnvironmentChange("stop_focus", live.name, target[0], target[1]))
        return ActionSucceeded()

    def _operation(self, live: LiveAgent, action: Struct, annotations: tuple[Term, ...]) -> ActionOutcome | None:
        joined = self.joined.get(live.name, set())
        named = _names(annotations, "artefact") + _names(annotations, "artifact_name")
        workspaces = set(_names(annotations, "workspace")) or joined
        candidates = []
        for key in self.catalogue.in_workspaces(workspaces & joined, named[0] if named else None):
            artefact_type = self.registry.get(self.catalogue.artefacts[key]["type"])
            spec = artefact_type.operation_specs().get(action.functor) if artefact_type is not None else None
            if spec is None:
                continue
            arity = len(action.args)
            takes_result = spec.returns is not None and spec.min_args <= arity - 1 <= spec.max_args
            if spec.min_args <= arity <= spec.max_args or takes_result:
                candidates.append((key, spec, takes_result and not spec.min_args <= arity <= spec.max_args))
        if not candidates:
            if named:
                return ActionFailed(
                    f"artefact {named[0]} in the workspaces {live.name} joined has no operation "
                    f"{action.functor}/{len(action.args)}"
                )
            return None  # not an operation of any artefact it can reach: maybe another kind of action
        if len(candidates) > 1:
            names = ", ".join(f"{w}/{a}" for (w, a), _, _ in candidates)
            return ActionFailed(
                f"{action.functor} is an operation of several artefacts ({names}): name one with [artefact(A)]"
            )
        (workspace, artefact), spec, result_argument = candidates[0]
        terms = action.args[:-1] if result_argument else action.args
        try:
            values = [to_value(t) for t in terms]
        except NotAValue as exc:
            return ActionFailed(f"{action.functor}: {exc}")
        artefact_type = self.registry[self.catalogue.artefacts[(workspace, artefact)]["type"]]
        refused = check_call(artefact_type, action.functor, values)
        if refused is not None:
            return ActionFailed(refused.message)
        invocation = NewInvocation(new_id(), workspace, artefact, action.functor, values, live.name, "agent")
        self.runtime.record_invocation(live, invocation)
        return ActionPending(invocation.id)

    # -- percepts ----------------------------------------------------------------------------------------------

    def _perceive(self, live: LiveAgent, workspace: str, artefact: str) -> None:
        state = self.catalogue.artefacts.get((workspace, artefact))
        beliefs = (
            []
            if state is None
            else [Struct(name, (to_term(value),)) for name, value in sorted(state.get("properties", {}).items())]
        )
        live.agent.set_percepts(
            Struct("artefact", (Struct(artefact),)), beliefs, (Struct("workspace", (Struct(workspace),)),)
        )
        live.idle = False

    def _unperceive(self, live: LiveAgent, workspace: str, artefact: str) -> None:
        live.agent.set_percepts(
            Struct("artefact", (Struct(artefact),)), [], (Struct("workspace", (Struct(workspace),)),)
        )
        live.idle = False

    def _refresh_observers(self, key: ArtefactKey) -> None:
        for agent in sorted(self.observers.get(key, ())):
            live = self.runtime.live.get(agent)
            if live is not None:
                self._perceive(live, *key)
                self.runtime.touched(live)

    # -- what the store committed ------------------------------------------------------------------------------

    def on_commit(self, events: list[RecordedEvent]) -> None:
        for event in events:
            kind, data = event.stream_type, event.data
            if kind == "workspace":
                name = event.stream_id.rsplit("/", 1)[-1]
                if event.type.endswith(".deleted"):
                    self.catalogue.workspaces.discard(name)
                else:
                    self.catalogue.workspaces.add(name)
            elif kind == "artefact":
                parts = event.stream_id.split("/")
                key = (parts[2], parts[4])
                self._artefact_changed(key, event)
            elif event.type == "invocation.accepted" and self.runtime.leading:
                key = (data["workspace"], data["artefact"])
                if not self.holds(key):
                    continue
                self._enqueue(key, Queued(data["id"], data["operation"], data["args"], data["invoker"], data["origin"]))
                self._wake.set()
            elif event.type in ("invocation.succeeded", "invocation.failed"):
                self._invocation_ended(event)

    def _artefact_changed(self, key: ArtefactKey, event: RecordedEvent) -> None:
        action = event.type.rsplit(".", 1)[-1]
        if action == "deleted":
            self.catalogue.artefacts.pop(key, None)
        elif action in ("created", "restored"):
            self.catalogue.artefacts[key] = dict(event.data["state"])
        elif key in self.catalogue.artefacts:
            self.catalogue.artefacts[key].update(event.data.get("changes", {}))
        self._sync_bridge(key, self.catalogue.artefacts.get(key))
        self._refresh_observers(key)
        self._signal_observers(key, event.data.get("signals", ()))  # what a bridge received from outside

    def _signal_observers(self, key: ArtefactKey, signals: Any) -> None:
        for signal in signals:
            term = Struct(signal["name"], tuple(to_term(a) for a in signal["args"]))
            annotations = (Struct("artefact", (Struct(key[1]),)), Struct("workspace", (Struct(key[0]),)))
            for agent in sorted(self.observers.get(key, ())):
                live = self.runtime.live.get(agent)
                if live is not None:
                    live.agent.signal(term, annotations)
                    self.runtime.touched(live)

    async def _received(self, key: ArtefactKey, signal: str, args: list[Any]) -> None:
        """Record a message a bridge received as a revision of its artefact (so ``?at=`` shows it), then signal."""
        workspace, artefact = key
        stream = f"/workspaces/{workspace}/artefacts/{artefact}"
        async with self.store.write(WriteContext(actor="runtime")) as writer:
            await self.runtime.leadership.check(writer, shards=[artefact_shard(*key)])
            row = await writer.current(stream)
            if row is None or row.deleted:
                return
            properties = dict(row.state.get("properties", {}))
            if isinstance(properties.get("received"), int):
                properties["received"] += 1
            if "last_received" in properties:
                properties["last_received"] = {"signal": signal, "args": args}
            await writer.record(
                Change(
                    stream_id=stream,
                    stream_type="artefact",
                    parent=f"/workspaces/{workspace}",
                    name=artefact,
                    expected_revision=row.revision,
                    event_type="artefact.received",
                    data={"signals": [{"name": signal, "args": args}], "changes": {"properties": properties}},
                    state={**row.state, "properties": properties},
                    summary=f"received {signal}{tuple(args)!r}".replace(",)", ")"),
                    changed=("properties",),
                )
            )

    def _invocation_ended(self, event: RecordedEvent) -> None:
        data = event.data
        self.runtime.waiters.done(f"invocation:{data['id']}")
        key = (data["workspace"], data["artefact"])
        self._signal_observers(key, data.get("signals", ()))
        invoker = event.metadata.get("actor")
        live = self.runtime.live.get(invoker) if isinstance(invoker, str) else None
        if live is not None and data["id"] in live.agent.pending_actions:
            live.agent.resume(data["id"], self._outcome(data["status"], data.get("result"), data.get("error")))
            self.runtime.touched(live)

    @staticmethod
    def _outcome(status: str, result: Any, error: dict[str, Any] | None) -> ActionSucceeded | ActionFailed:
        """``result`` is ``{"value": v}`` for an operation that returns something, else None."""
        if status == "failed":
            return ActionFailed((error or {}).get("detail", "the operation failed"))
        if isinstance(result, dict) and "value" in result:
            return ActionSucceeded(to_term(result["value"]))
        return ActionSucceeded()

    # -- the executor ------------------------------------------------------------------------------------------

    async def _execute_forever(self) -> None:
        while not self._stopping:
            self._wake.clear()
            ready = [key for key, queue in self.queues.items() if queue]
            local: list[ArtefactKey] = []
            for key in ready:
                if is_bridge(self._type_of(key)):
                    if key not in self._bridge_tasks:
                        task = asyncio.create_task(self._execute_bridge(key), name=f"romas-bridge-ops-{key[1]}")
                        self._bridge_tasks[key] = task
                    continue
                local.append(key)
            if not local:
                await self._wake.wait()
                continue
            # Each artefact's operations run in order in its own write; the artefacts' writes wait together, so
            # the group commit puts them in one transaction instead of one commit after the other.
            outcomes = await asyncio.gather(*(self._execute(key) for key in local), return_exceptions=True)
            failed = False
            for key, outcome in zip(local, outcomes, strict=True):
                if isinstance(outcome, asyncio.CancelledError):
                    raise outcome
                if isinstance(outcome, BaseException):
                    failed = True
                    log.error(
                        "running the operations of %s/%s failed; they will be retried",
                        *key,
                        exc_info=(type(outcome), outcome, outcome.__traceback__),
                    )
            if failed:
                await asyncio.sleep(0.5)

    def _type_of(self, key: ArtefactKey) -> Any:
        state = self.catalogue.artefacts.get(key)
        return None if state is None else self.registry.get(state.get("type", ""))

    async def _execute_bridge(self, key: ArtefactKey) -> None:
        """Run a bridge artefact's operations one at a time, each outside the transaction that records it.

        The I/O happens before the outcome is written: after a crash in between, the operation runs again
        (at least once, unlike the other artefacts' exactly once).
        """
        queue = self.queues[key]
        workspace, artefact = key
        stream = f"/workspaces/{workspace}/artefacts/{artefact}"
        try:
            while queue and not self._stopping:
                item = queue[0]
                try:
                    row = await self.store.current(stream)
                    artefact_type = None if row is None or row.deleted else self.registry.get(row.state["type"])
                    outcome = None
                    if row is not None and artefact_type is not None:
                        outcome = await self.bridges.invoke(
                            key, artefact_type, row.state["properties"], item.operation, item.args
                        )
                    async with self.store.write(WriteContext(actor="runtime")) as writer:
                        await self.runtime.leadership.check(writer, shards=[artefact_shard(*key)])
                        row = await writer.current(stream)
                        if row is None or row.deleted or artefact_type is None or outcome is None:
                            detail = f"artefact {artefact} in workspace {workspace} cannot run {item.operation}"
                            await invocations.end(writer, [self._failed(item, key, detail)])
                        elif outcome.failure is not None:
                            await invocations.end(writer, [self._failed(item, key, outcome.failure.message)])
                        else:
                            if outcome.changed:
                                properties = dict(row.state["properties"])
                                properties.update({name: outcome.properties[name] for name in outcome.changed})
                                row, _ = await writer.record(
                                    self._operated(key, row.revision, item, {**row.state, "properties": properties})
                                )
                            spec = artefact_type.operation_specs()[item.operation]
                            result = {"value": outcome.result} if spec.returns is not None else None
                            signals = [{"name": s.name, "args": list(s.args)} for s in outcome.signals]
                            end = InvocationEnd(
                                item.id,
                                workspace,
                                artefact,
                                1,
                                "succeeded",
                                _now(),
                                result=result,
                                artefact_revision=row.revision,
                                signals=signals,
                                invoker=item.invoker,
                            )
                            await invocations.end(writer, [end])
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("running %s on %s/%s failed; it will be retried", item.operation, *key)
                    await asyncio.sleep(0.5)
                    continue
                queue.popleft()
                self._queued.discard(item.id)
        finally:
            self._bridge_tasks.pop(key, None)
            self._wake.set()

    @staticmethod
    def _failed(item: Queued, key: ArtefactKey, detail: str) -> InvocationEnd:
        return InvocationEnd(
            item.id,
            key[0],
            key[1],
            1,
            "failed",
            _now(),
            error=problem("Operation failed", detail, "operation-failed"),
            invoker=item.invoker,
        )

    @staticmethod
    def _operated(key: ArtefactKey, revision: int, item: Queued, state: dict[str, Any]) -> Change:
        workspace, artefact = key
        return Change(
            stream_id=f"/workspaces/{workspace}/artefacts/{artefact}",
            stream_type="artefact",
            parent=f"/workspaces/{workspace}",
            name=artefact,
            expected_revision=revision,
            event_type="artefact.operated",
            data={
                "invocation": item.id,
                "operation": item.operation,
                "args": item.args,
                "changes": {"properties": state["properties"]},
            },
            state=state,
            summary=f"{item.operation}{tuple(item.args)!r} by {item.invoker}".replace(",)", ")"),
            changed=("properties",),
            actor=item.invoker,
        )

    async def _execute(self, key: ArtefactKey) -> None:
        queue = self.queues[key]
        batch = [queue[i] for i in range(min(BATCH, len(queue)))]
        workspace, artefact = key
        stream = f"/workspaces/{workspace}/artefacts/{artefact}"
        ends: list[InvocationEnd] = []
        changes: list[Change] = []
        # On PostgreSQL a light write: reads, then one statement that writes all or nothing (invocations.finish).
        async with self.store.write(WriteContext(actor="runtime"), light=self.store.dialect == "postgresql") as writer:
            await self.runtime.leadership.check(writer, shards=[artefact_shard(*key)])
            row = await writer.current(stream)
            for item in batch:
                now = _now()
                if row is None or row.deleted:
                    detail = f"artefact {artefact} in workspace {workspace} does not exist"
                    ends.append(
                        InvocationEnd(
                            item.id,
                            workspace,
                            artefact,
                            1,
                            "failed",
                            now,
                            error=problem("Operation failed", detail, "operation-failed"),
                            invoker=item.invoker,
                        )
                    )
                    continue
                artefact_type = self.registry.get(row.state["type"])
                if artefact_type is None:
                    detail = f"artefact type {row.state['type']} is not installed in this server"
                    ends.append(
                        InvocationEnd(
                            item.id,
                            workspace,
                            artefact,
                            1,
                            "failed",
                            now,
                            error=problem("Operation failed", detail, "operation-failed"),
                            invoker=item.invoker,
                        )
                    )
                    continue
                outcome = invoke(artefact_type, row.state["properties"], item.operation, item.args)
                if outcome.failure is not None:
                    ends.append(
                        InvocationEnd(
                            item.id,
                            workspace,
                            artefact,
                            1,
                            "failed",
                            now,
                            error=problem("Operation failed", outcome.failure.message, "operation-failed"),
                            invoker=item.invoker,
                        )
                    )
                    continue
                if outcome.changed:
                    change = self._operated(key, row.revision, item, {**row.state, "properties": outcome.properties})
                    changes.append(change)
                    row = replace(row, revision=row.revision + 1, state=change.state)
                spec = artefact_type.operation_specs()[item.operation]
                result = {"value": outcome.result} if spec.returns is not None else None
                signals = [{"name": s.name, "args": list(s.args)} for s in outcome.signals]
                ends.append(
                    InvocationEnd(
                        item.id,
                        workspace,
                        artefact,
                        1,
                        "succeeded",
                        now,
                        result=result,
                        artefact_revision=row.revision,
                        signals=signals,
                        invoker=item.invoker,
                    )
                )
            # The operations' changes were decided one after the other on the state in memory; they are written
            # as one run, before the invocations' ends that name them (one statement on PostgreSQL).
            await invocations.finish(writer, changes, ends)
        for _ in batch:
            self._queued.discard(queue.popleft().id)
