"""The organisation dimension as agents see it: ``adoptRole``, ``leaveRole``, ``commitMission`` and
``goalAchieved`` as actions (plus JaCaMo's ``createGroup(G, Type)`` and ``createScheme(S, Type, G)``, and
``createSubgroup(G, Type, Parent)`` for a group inside another, as a ``.jcm`` nests them), and
``play``, ``commitment``, ``goal_state`` and ``obligation`` as percepts.

An action runs in its own transaction with the agent as the actor, then resumes the agent. Doing again what is
already done (adopting a role the agent plays, committing twice, achieving a satisfied goal) succeeds, so an agent
that restarts from a checkpoint taken before the action can repeat it harmlessly. Percepts are recomputed after
every committed change of an organisation, group or scheme, annotated ``[organisation(O), source(percept)]``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from romas.agentspeak.host import ActionFailed, ActionPending, ActionSucceeded
from romas.agentspeak.terms import Struct, Term
from romas.domain.errors import DomainError
from romas.domain.obligations import Term as OrgTerm
from romas.domain.obligations import percepts
from romas.runtime.ids import new_id
from romas.store.eventstore import RecordedEvent, WriteContext, Writer

if TYPE_CHECKING:
    from romas.runtime.live import LiveAgent
    from romas.runtime.runtime import Runtime

log = logging.getLogger("romas.organisation")

ACTIONS = {
    "adoptRole": 2,
    "leaveRole": 2,
    "commitMission": 2,
    "goalAchieved": 2,
    "createGroup": 2,
    "createSubgroup": 3,
    "createScheme": 3,
}
ORG_STREAMS = frozenset({"organisation", "group", "scheme"})
REFRESH_DELAY_S = 0.01


class OrganisationService(Protocol):
    """What the runtime needs of the organisation services (``romas/services/org_runtime.py``)."""

    async def adopt_role(self, writer: Writer, agent: str, role: str, group: str, org: str | None = None) -> Any: ...

    async def leave_role(self, writer: Writer, agent: str, role: str, group: str, org: str | None = None) -> Any: ...

    async def commit_mission(
        self, writer: Writer, agent: str, mission: str, scheme: str, org: str | None = None
    ) -> Any: ...

    async def goal_achieved(
        self, writer: Writer, agent: str, goal: str, scheme: str, org: str | None = None
    ) -> Any: ...

    async def create_group(
        self, writer: Writer, agent: str, name: str, type_name: str, org: str | None = None, parent: str | None = None
    ) -> Any: ...

    async def create_scheme(
        self, writer: Writer, agent: str, name: str, type_name: str, group: str, org: str | None = None
    ) -> Any: ...

    async def views(self) -> Sequence[Any]: ...


def to_term(value: OrgTerm | str | float) -> Term:
    if isinstance(value, OrgTerm):
        return Struct(value.functor, tuple(to_term(a) for a in value.args))
    if isinstance(value, str):
        return Struct(value)
    return value


def _atom(term: Term) -> str | None:
    if type(term) is Struct and not term.args:
        return term.functor
    if isinstance(term, str):
        return term
    return None


class Organisation:
    def __init__(self, runtime: Runtime, service: OrganisationService | None) -> None:
        self.runtime = runtime
        self.service = service
        self._tasks: set[asyncio.Task[None]] = set()
        self._refresh: asyncio.Task[None] | None = None
        self._stale = False
        """Whether an organisation changed since the percepts' last recomputation began to read."""

    def act(
        self, live: LiveAgent, action: Struct, annotations: tuple[Term, ...]
    ) -> ActionPending | ActionFailed | None:
        if ACTIONS.get(action.functor) != len(action.args):
            return None
        if self.service is None:
            return ActionFailed("this server runs no organisations")
        names = [_atom(a) for a in action.args]
        if any(n is None for n in names):
            return ActionFailed(f"{action.functor} needs names as arguments, e.g. {action.functor}(seller, market)")
        orgs = [
            name
            for a in annotations
            if type(a) is Struct and a.functor == "organisation" and len(a.args) == 1
            if (name := _atom(a.args[0])) is not None
        ]
        token = new_id()
        task = asyncio.create_task(self._run(live.name, token, action.functor, names, orgs[0] if orgs else None))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return ActionPending(token)

    async def _run(self, agent: str, token: str, functor: str, names: list[str | None], org: str | None) -> None:
        assert self.service is not None
        first, second, *rest = (str(n) for n in names)
        outcome: ActionSucceeded | ActionFailed = ActionSucceeded()
        try:
            async with self.runtime.store.write(WriteContext(actor=agent)) as writer:
                if functor == "adoptRole":
                    await self.service.adopt_role(writer, agent, first, second, org)
                elif functor == "leaveRole":
                    await self.service.leave_role(writer, agent, first, second, org)
                elif functor == "commitMission":
                    await self.service.commit_mission(writer, agent, first, second, org)
                elif functor == "goalAchieved":
                    await self.service.goal_achieved(writer, agent, first, second, org)
                elif functor == "createGroup":
                    await self.service.create_group(writer, agent, first, second, org)
                elif functor == "createSubgroup":
                    await self.service.create_group(writer, agent, first, second, org, parent=rest[0])
                else:
                    await self.service.create_scheme(writer, agent, first, second, rest[0], org)
        except DomainError as exc:
            if functor != "leaveRole" and " already " in exc.detail:
                outcome = ActionSucceeded()
            else:
                outcome = ActionFailed(exc.detail)
        except Exception as exc:  # the agent's plan fails; the server goes on
            log.exception("%s of %s failed", functor, agent)
            outcome = ActionFailed(f"{functor} failed: {type(exc).__name__}")
        live = self.runtime.live.get(agent)
        if live is not None and token in live.agent.pending_actions:
            live.agent.resume(token, outcome)
            self.runtime.touched(live)

    # -- percepts ----------------------------------------------------------------------------------------------

    def on_commit(self, events: list[RecordedEvent]) -> None:
        if self.service is not None and any(e.stream_type in ORG_STREAMS for e in events):
            self.schedule_refresh()

    def schedule_refresh(self) -> None:
        self._stale = True
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._refresh_soon())

    async def _refresh_soon(self) -> None:
        """Recompute until no change committed since the last read began: a change committed while a recomputation
        read the organisations (which then did not see it) is read again, not left for the next change."""
        while self._stale:
            await asyncio.sleep(REFRESH_DELAY_S)  # one recomputation for a burst of changes
            self._stale = False
            try:
                await self.refresh(list(self.runtime.live.values()))
            except Exception:
                log.exception("recomputing the organisation percepts failed")

    async def refresh(self, agents: list[LiveAgent]) -> None:
        if self.service is None or not agents:
            return
        views = await self.service.views()
        for live in agents:
            if self.runtime.live.get(live.name) is not live:
                continue
            for view in views:
                beliefs = [to_term(t) for t in percepts(view, live.name)]
                key = Struct("organisation", (Struct(view.name),))
                before = len(live.agent.events)
                live.agent.set_percepts(key, beliefs)
                if len(live.agent.events) != before:
                    self.runtime.touched(live)

    async def stop(self) -> None:
        for task in [*self._tasks, *([self._refresh] if self._refresh else [])]:
            task.cancel()
        await asyncio.gather(*self._tasks, *([self._refresh] if self._refresh else []), return_exceptions=True)
