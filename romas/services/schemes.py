"""Scheme instances of an organisation (``/organisations/{org}/schemes/{s}``): commitments and goals.

A scheme lives under a live organisation and names a live group of it as responsible. Committing to a mission
and achieving a goal are revisions with their own event types (``scheme.mission_committed``,
``scheme.goal_achieved``); every revision carries each goal's state and the times it was enabled and satisfied.
"""

from __future__ import annotations

from typing import Any

from romas.domain.errors import Conflict
from romas.domain.goal_tree import GoalState
from romas.domain.org_instances import GroupState, SchemeState, achieve, commit, dump, load, put_scheme, replay_scheme
from romas.domain.organisations import Specification
from romas.services.groups import OrgInstanceService, Step, group_key, organisation_of, organisation_path
from romas.services.preconditions import NONE, Preconditions
from romas.services.resources import ResourceKey, Written
from romas.store.eventstore import Writer


def scheme_key(org: str, name: str) -> ResourceKey:
    return ResourceKey("scheme", organisation_path(org), name)


class SchemeService(OrgInstanceService):
    kind = "scheme"

    async def put_scheme(
        self, writer: Writer, org: str, name: str, type_name: str, group: str, pre: Preconditions = NONE
    ) -> Written:
        key = scheme_key(org, name)
        spec = await self.specification(writer, org)
        row = await writer.current(key.stream_id)
        current = load(row.state, SchemeState) if row is not None and not row.deleted else None
        group_state = await self._group(writer, org, group)
        desired = put_scheme(spec, name, current, type_name, group, group_state, self.store.clock())
        return await self.put(writer, key, dump(desired), pre)

    async def commit_mission(
        self, writer: Writer, org: str, scheme: str, agent: str, mission: str, pre: Preconditions = NONE
    ) -> Written:
        """``agent`` commits to ``mission`` (refused with the reason otherwise)."""
        key = scheme_key(org, scheme)
        row = await self.live_row(writer, key, pre)
        spec = await self.specification(writer, org)
        state = load(row.state, SchemeState)
        await self.check_agent(writer, agent)
        group = await self._group(writer, org, state.group)
        if group is None:
            raise Conflict(f"group {state.group}, responsible for scheme {scheme}, no longer exists")
        new = commit(spec, scheme, state, group, agent, mission, self.store.clock())
        facts = {"agent": agent, "mission": mission}
        return await self.step(
            writer, key, row, Step(dump(new), "mission_committed", f"{agent} committed to {mission}", facts)
        )

    async def goal_achieved(
        self, writer: Writer, org: str, scheme: str, agent: str, goal: str, pre: Preconditions = NONE
    ) -> Written:
        """``agent`` achieved ``goal`` (refused with the reason when it is not committed or the goal not enabled)."""
        key = scheme_key(org, scheme)
        row = await self.live_row(writer, key, pre)
        spec = await self.specification(writer, org)
        old = load(row.state, SchemeState)
        new = achieve(spec, scheme, old, agent, goal, self.store.clock())
        summary = f"{agent} achieved {goal}" + _progress(old, new)
        return await self.step(
            writer, key, row, Step(dump(new), "goal_achieved", summary, {"agent": agent, "goal": goal})
        )

    async def replayed(
        self,
        writer: Writer,
        key: ResourceKey,
        spec: Specification,
        current: dict[str, Any] | None,
        target: dict[str, Any],
    ) -> dict[str, Any]:
        old = load(target, SchemeState)
        before = load(current, SchemeState) if current is not None else None
        for agent in sorted({c.agent for c in old.commitments}):
            await self.check_agent(writer, agent)
        group = await self._group(writer, organisation_of(key), old.group)
        return dump(replay_scheme(spec, key.name, before, old, group, self.store.clock()))

    async def _group(self, writer: Writer, org: str, name: str) -> GroupState | None:
        """The responsible group's state, read without a lock (groups are locked before schemes elsewhere)."""
        row = await writer.current(group_key(org, name).stream_id, lock=False)
        return None if row is None or row.deleted else load(row.state, GroupState)


def _progress(old: SchemeState, new: SchemeState) -> str:
    """What an achievement changed besides the goal itself, for the revision's summary."""
    before = {r.goal: r.state for r in old.goals}
    enabled = [
        r.goal for r in new.goals if r.state is GoalState.ENABLED and before.get(r.goal) is not GoalState.ENABLED
    ]
    parts = [f"enabled {', '.join(enabled)}"] if enabled else []
    if new.goals and new.goals[0].state is GoalState.SATISFIED:
        parts.append(f"scheme done ({new.goals[0].goal} satisfied)")
    return "; " + "; ".join(parts) if parts else ""
