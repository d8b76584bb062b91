"""Group instances of an organisation (``/organisations/{org}/groups/{g}``): who plays which role.

A group lives under a live organisation whose specification has its type. Adopting and leaving a role are
revisions of the group with their own event types (``group.role_adopted``, ``group.role_left``), whose data
names the agent and the role and carries the changed fields, so the log reads as what happened and still folds
into the state. The rules themselves are in :mod:`romas.domain.org_instances`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from romas.domain.errors import Conflict, FieldError, Gone, InvalidInput, NotFound
from romas.domain.org_instances import GroupState, SchemeState, adopt, dump, leave, load, put_group, replay_group
from romas.domain.organisations import Specification, parse_specification
from romas.domain.revisioned import Decision, changed_fields, decide_restore
from romas.services.agents import agent_key
from romas.services.organisations import organisation_key
from romas.services.preconditions import NONE, Preconditions
from romas.services.resources import ResourceKey, RevisionedService, Written
from romas.store.eventstore import ResourceRow, Writer


def organisation_path(org: str) -> str:
    return organisation_key(org).stream_id


def group_key(org: str, name: str) -> ResourceKey:
    return ResourceKey("group", organisation_path(org), name)


def organisation_of(key: ResourceKey) -> str:
    return key.parent.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Step:
    """One change of a group or scheme by the organisation's rules."""

    state: dict[str, Any]
    event: str
    """The event type's last part: ``role_adopted`` makes ``group.role_adopted``."""
    summary: str
    facts: dict[str, Any]
    """What the event says happened (agent, role, ...), next to the changed fields."""


class OrgInstanceService(RevisionedService):
    """What groups and schemes share: a live organisation above them, its specification, rule-driven steps."""

    async def check_parent(self, writer: Writer, key: ResourceKey) -> None:
        await self.specification(writer, organisation_of(key))

    async def specification(self, writer: Writer, org: str) -> Specification:
        """The organisation's current specification, or NotFound when it does not exist (or was deleted)."""
        row = await writer.current(organisation_path(org), lock=False)
        if row is None or row.deleted:
            state = "was deleted" if row is not None else "does not exist"
            raise NotFound(f"organisation {org} {state}; PUT /organisations/{org} first")
        return parse_specification(row.state)

    async def live_row(self, writer: Writer, key: ResourceKey, pre: Preconditions = NONE) -> ResourceRow:
        """The current row, locked until commit; NotFound or Gone when it is not live."""
        row = self._live(key, await writer.current(key.stream_id))
        pre.check(row.revision, True)
        return row

    async def live_states(self, writer: Writer, kind: str, org: str, *, lock: bool) -> dict[str, Any]:
        """The organisation's live groups or schemes by name (their raw states). ``lock`` holds them until
        commit (on PostgreSQL); without it they are read as last committed, which avoids lock-order cycles."""
        if lock:
            return {row.name: row.state for row in await writer.children(kind, organisation_path(org))}
        found: dict[str, Any] = {}
        after: str | None = None
        while True:
            page = await self.store.list_current(kind, organisation_path(org), after=after, limit=500)
            found.update((row.name, row.state) for row in page)
            if len(page) < 500:
                return found
            after = page[-1].name

    async def check_agent(self, writer: Writer, agent: str) -> None:
        row = await writer.current(agent_key(agent).stream_id, lock=False)
        if row is None or row.deleted:
            state = "was deleted" if row is not None else "does not exist"
            raise InvalidInput(f"agent {agent} {state}", [FieldError("/agent", f"there is no agent '{agent}'")])

    async def step(self, writer: Writer, key: ResourceKey, row: ResourceRow, step: Step) -> Written:
        changed = changed_fields(row.state, step.state)
        if not changed:
            return Written(row, created=False, changed=False)
        data = {**step.facts, "changes": {field: step.state[field] for field in changed}}
        decision = Decision(f"{self.kind}.{step.event}", data, step.state, step.summary, changed)
        return await self._apply(writer, key, row, decision)

    async def restore(self, writer: Writer, key: ResourceKey, revision: int, pre: Preconditions = NONE) -> Written:
        """Bring back an earlier revision through today's rules (see :meth:`replayed`); 409 with the reason
        when they refuse it."""
        current = await writer.current(key.stream_id)
        if current is None:
            raise NotFound(f"there is no {key.label}")
        pre.check(current.revision, not current.deleted)
        target = await self.store.revision(key.stream_id, revision) if revision <= current.revision else None
        if target is None:
            raise NotFound(f"{key.label} has no revision {revision}")
        if target.deleted:
            raise Conflict(f"revision {revision} of {key.label} is its deletion; DELETE it instead of restoring")
        spec = await self.specification(writer, organisation_of(key))
        try:
            state = await self.replayed(writer, key, spec, None if current.deleted else current.state, target.state)
        except (Conflict, InvalidInput, NotFound, Gone) as exc:
            raise Conflict(f"revision {revision} of {key.label} cannot be restored: {exc.detail}") from None
        decision = decide_restore(self.kind, current.state, current.deleted, state, revision, self.summarise)
        return await self._apply(writer, key, current, decision)

    async def replayed(
        self,
        writer: Writer,
        key: ResourceKey,
        spec: Specification,
        current: dict[str, Any] | None,
        target: dict[str, Any],
    ) -> dict[str, Any]:
        """The state a restore of ``target`` leads to, checked by the organisation's rules."""
        raise NotImplementedError


class GroupService(OrgInstanceService):
    kind = "group"

    async def put_group(
        self, writer: Writer, org: str, name: str, type_name: str, parent: str | None, pre: Preconditions = NONE
    ) -> Written:
        key = group_key(org, name)
        spec = await self.specification(writer, org)
        row = await writer.current(key.stream_id)
        current = load(row.state, GroupState) if row is not None and not row.deleted else None
        groups = await self._groups(writer, org) if parent is not None else {}
        desired = put_group(spec, name, current, type_name, parent, groups, self.store.clock())
        return await self.put(writer, key, dump(desired), pre)

    async def adopt_role(
        self, writer: Writer, org: str, group: str, agent: str, role: str, pre: Preconditions = NONE
    ) -> Written:
        """``agent`` plays ``role`` in the group from now on (refused with the reason otherwise)."""
        key = group_key(org, group)
        row = await self.live_row(writer, key, pre)
        spec = await self.specification(writer, org)
        await self.check_agent(writer, agent)
        state = adopt(spec, group, load(row.state, GroupState), agent, role, self.store.clock())
        step = Step(dump(state), "role_adopted", f"{agent} adopted {role}", {"agent": agent, "role": role})
        return await self.step(writer, key, row, step)

    async def leave_role(
        self, writer: Writer, org: str, group: str, agent: str, role: str, pre: Preconditions = NONE
    ) -> Written:
        """``agent`` stops playing ``role``; refused while a commitment of it still needs the role."""
        key = group_key(org, group)
        row = await self.live_row(writer, key, pre)
        spec = await self.specification(writer, org)
        schemes = await self._schemes(writer, org)
        state = leave(spec, group, load(row.state, GroupState), agent, role, schemes)
        step = Step(dump(state), "role_left", f"{agent} left {role}", {"agent": agent, "role": role})
        return await self.step(writer, key, row, step)

    async def before_delete(self, writer: Writer, key: ResourceKey, row: ResourceRow) -> None:
        """A group that a scheme or a subgroup depends on stays: delete those first."""
        org = organisation_of(key)
        schemes = sorted(n for n, s in (await self._schemes(writer, org)).items() if s.group == key.name)
        if schemes:
            raise Conflict(f"group {key.name} is responsible for scheme {', '.join(schemes)}; delete the scheme first")
        children = sorted(n for n, g in (await self._groups(writer, org)).items() if g.parent == key.name)
        if children:
            raise Conflict(f"group {key.name} has subgroup {', '.join(children)}; delete the subgroup first")

    async def replayed(
        self,
        writer: Writer,
        key: ResourceKey,
        spec: Specification,
        current: dict[str, Any] | None,
        target: dict[str, Any],
    ) -> dict[str, Any]:
        org = organisation_of(key)
        old = load(target, GroupState)
        now_state = load(current, GroupState) if current is not None else None
        for agent in sorted({p.agent for p in old.players}):
            await self.check_agent(writer, agent)
        if now_state is not None:
            schemes = await self._schemes(writer, org)
            gone = [p for p in now_state.players if not old.plays(p.agent, p.role)]
            for player in gone:  # the same refusals as leaving the role
                now_state = leave(spec, key.name, now_state, player.agent, player.role, schemes)
        groups = await self._groups(writer, org)
        groups.pop(key.name, None)
        before = load(current, GroupState) if current is not None else None
        return dump(replay_group(spec, key.name, before, old, groups, self.store.clock()))

    async def _groups(self, writer: Writer, org: str) -> dict[str, GroupState]:
        states = await self.live_states(writer, "group", org, lock=False)
        return {n: load(s, GroupState) for n, s in states.items()}

    async def _schemes(self, writer: Writer, org: str) -> dict[str, SchemeState]:
        """Locked: leaving a role and a commitment that needs it must not pass each other."""
        states = await self.live_states(writer, "scheme", org, lock=True)
        return {n: load(s, SchemeState) for n, s in states.items()}
