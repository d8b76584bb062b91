"""Group and scheme instances of an organisation: their state, the rules that change it, and well-formedness.

A group instance records who plays which role since when; a scheme instance records its responsible group,
who committed to which mission since when, and every goal's state with the times it was enabled and
satisfied. Those times live in the state itself, so any past revision of a group or scheme is enough to say
what was owed then (see :mod:`romas.domain.obligations`).

Every transition is a pure function from the specification, the current state and ``now`` to the next state.
A refusal raises a domain error whose text is the reason an agent's log or a 409 shows: :class:`InvalidInput`
when the request names something the specification or the organisation does not have, :class:`Conflict` when
the organisation's rules refuse it now (cardinality, compatibility, mission maximum, goal order, commitment).

Choices made here (Moise leaves them open):

- an agent adopts a role the group type lists; a sub-role of a listed role is refused, because the group's
  cardinalities and compatibilities are stated for the listed roles only;
- role cardinalities count the players of exactly that role;
- a group's type or parent, and a scheme's type or group, change only while nobody plays in the group or
  commits to the scheme (otherwise the players and commitments would lose their meaning);
- an agent leaves a role only if no commitment of it still depends on that role: a commitment to a mission
  whose goals are not all satisfied needs a role the agent keeps in the group that a norm links to the mission.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from romas.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from romas.domain.goal_tree import GoalState, check_achievement, evaluate
from romas.domain.organisations import Group, Scheme, Specification

_S = TypeVar("_S", bound=msgspec.Struct)


class Player(msgspec.Struct, frozen=True, kw_only=True):
    agent: str
    role: str
    since: datetime


class GroupState(msgspec.Struct, frozen=True, kw_only=True):
    """The stored state of a group instance (every field is always written, so events can merge changes)."""

    type: str
    parent: str | None
    since: datetime
    players: tuple[Player, ...] = ()

    def roles_of(self, agent: str) -> tuple[str, ...]:
        return tuple(p.role for p in self.players if p.agent == agent)

    def players_of(self, role: str) -> tuple[str, ...]:
        return tuple(p.agent for p in self.players if p.role == role)

    def plays(self, agent: str, role: str) -> bool:
        return any(p.agent == agent and p.role == role for p in self.players)


class Commitment(msgspec.Struct, frozen=True, kw_only=True):
    agent: str
    mission: str
    since: datetime


class GoalRecord(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One goal of a scheme instance: its state and when it got there."""

    goal: str
    state: GoalState
    enabled_at: datetime | None = None
    satisfied_at: datetime | None = None
    unneeded_at: datetime | None = None
    """When a satisfied ancestor (a ``choice`` taken elsewhere) made the goal unnecessary."""
    achieved_by: str | None = None
    """The agent that achieved it (leaves only); ``satisfied_at`` says when."""


class SchemeState(msgspec.Struct, frozen=True, kw_only=True):
    """The stored state of a scheme instance; ``goals`` are in the goal tree's order, root first."""

    type: str
    group: str
    since: datetime
    commitments: tuple[Commitment, ...] = ()
    goals: tuple[GoalRecord, ...] = ()

    def goal(self, name: str) -> GoalRecord | None:
        return next((g for g in self.goals if g.goal == name), None)

    def committed(self, mission: str) -> tuple[str, ...]:
        return tuple(c.agent for c in self.commitments if c.mission == mission)

    def commitment(self, agent: str, mission: str) -> Commitment | None:
        return next((c for c in self.commitments if c.agent == agent and c.mission == mission), None)

    @property
    def achieved(self) -> frozenset[str]:
        return frozenset(g.goal for g in self.goals if g.achieved_by is not None)


def load(state: Mapping[str, Any], kind: type[_S]) -> _S:
    """A stored state as its struct (``load(row.state, GroupState)``)."""
    return msgspec.convert(state, kind)


def dump(state: msgspec.Struct) -> dict[str, Any]:
    """The JSON value stored as the resource's state (lists, not tuples, so it compares equal to what is read
    back and an identical PUT stays a no-op)."""
    data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(state))
    return data


def _hint(what: str, name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    message = f"the specification has no {what} '{name}'"
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"{message}; did you mean '{close[0]}'?"
    return f"{message}; known: {', '.join(names)}" if names else f"{message}; it defines none"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- groups ----------------------------------------------------------------------------------------------


def group_type(spec: Specification, name: str, path: str = "/type") -> Group:
    """The group type's specification, or InvalidInput pointing at ``path``."""
    found = spec.groups.get(name)
    if found is None:
        raise InvalidInput(f"unknown group type '{name}'", [FieldError(path, _hint("group type", name, spec.groups))])
    return found


def put_group(
    spec: Specification,
    name: str,
    current: GroupState | None,
    type_name: str,
    parent: str | None,
    groups: Mapping[str, GroupState],
    now: datetime,
) -> GroupState:
    """The state a PUT leads to; ``groups`` are the organisation's live groups (to check the parent)."""
    if current is not None and current.type == type_name and current.parent == parent:
        return current
    if current is not None and current.players:
        raise Conflict(
            f"group {name} has players ({', '.join(sorted({p.agent for p in current.players}))}); its type or parent "
            "changes only while nobody plays in it"
        )
    group_type(spec, type_name)
    if parent is not None:
        _check_parent(spec, name, type_name, parent, groups)
    return GroupState(type=type_name, parent=parent, since=now)


def _check_parent(
    spec: Specification, name: str, type_name: str, parent: str, groups: Mapping[str, GroupState]
) -> None:
    above = groups.get(parent)
    if above is None or parent == name:
        problem = "a group is not its own subgroup" if parent == name else f"there is no group '{parent}'"
        raise InvalidInput(f"no parent group '{parent}'", [FieldError("/parent", problem)])
    ancestor: str | None = parent
    seen: set[str] = set()
    while ancestor is not None and ancestor not in seen:
        if ancestor == name:
            raise InvalidInput(
                "groups would contain each other", [FieldError("/parent", f"'{parent}' is a subgroup of '{name}'")]
            )
        seen.add(ancestor)
        ancestor = groups[ancestor].parent if ancestor in groups else None
    allowed = spec.groups[above.type].subgroups if above.type in spec.groups else {}
    cardinality = allowed.get(type_name)
    if cardinality is None:
        kinds = ", ".join(sorted(allowed)) or "none"
        raise InvalidInput(
            f"group type '{above.type}' has no subgroups of type '{type_name}'",
            [FieldError("/parent", f"'{parent}' is a {above.type}, whose subgroup types are: {kinds}")],
        )
    siblings = [g for n, g in groups.items() if n != name and g.parent == parent and g.type == type_name]
    if not cardinality.allows(len(siblings) + 1):
        raise Conflict(
            f"group {parent} allows at most {_plural(cardinality.max or 0, 'subgroup')} of type {type_name} "
            f"and has {len(siblings)}"
        )


def adopt(spec: Specification, name: str, group: GroupState, agent: str, role: str, now: datetime) -> GroupState:
    """``agent`` starts playing ``role`` in the group, or the reason it may not."""
    gspec = _live_type(spec, name, group)
    if role not in spec.roles:
        raise InvalidInput(f"unknown role '{role}'", [FieldError("/role", _hint("role", role, spec.roles))])
    if role not in gspec.roles:
        raise InvalidInput(
            f"group {name} (a {group.type}) has no role '{role}'",
            [FieldError("/role", f"roles of group type '{group.type}': {', '.join(sorted(gspec.roles))}")],
        )
    if group.plays(agent, role):
        raise Conflict(f"{agent} already plays {role} in group {name}")
    cardinality = gspec.roles[role]
    holders = group.players_of(role)
    if not cardinality.allows(len(holders) + 1):
        raise Conflict(
            f"role {role} in group {name} allows at most {_plural(cardinality.max or 0, 'player')} and "
            f"{', '.join(holders)} {'plays' if len(holders) == 1 else 'play'} it"
        )
    for other in group.roles_of(agent):
        if not spec.compatible(group.type, role, other):
            pairs = ", ".join(f"{a}/{b}" for a, b in gspec.compatibilities) or "none"
            raise Conflict(
                f"{agent} plays {other} in group {name}, and roles {role} and {other} are not compatible in "
                f"group type {group.type} (compatible pairs: {pairs})"
            )
    return msgspec.structs.replace(group, players=(*group.players, Player(agent=agent, role=role, since=now)))


def leave(
    spec: Specification,
    name: str,
    group: GroupState,
    agent: str,
    role: str,
    schemes: Mapping[str, SchemeState],
) -> GroupState:
    """``agent`` stops playing ``role``; refused while one of its commitments (``schemes``: the organisation's)
    still needs that role."""
    if not group.plays(agent, role):
        raise NotFound(f"{agent} does not play {role} in group {name}")
    kept = [r for r in group.roles_of(agent) if r != role]
    for scheme_name, scheme in sorted(schemes.items()):
        if scheme.group != name:
            continue
        for commitment in scheme.commitments:
            if commitment.agent != agent or mission_accomplished(spec, scheme, commitment.mission):
                continue
            if any(n.mission == commitment.mission for r in kept for n in spec.norms_for_role(r)):
                continue
            if any(n.mission == commitment.mission for n in spec.norms_for_role(role)):
                raise Conflict(
                    f"{agent} is committed to mission {commitment.mission} in scheme {scheme_name}, which needs "
                    f"role {role}; leave the role once the mission's goals are satisfied"
                )
    return msgspec.structs.replace(group, players=tuple(p for p in group.players if (p.agent, p.role) != (agent, role)))


def group_shortfalls(spec: Specification, name: str, groups: Mapping[str, GroupState]) -> list[str]:
    """Why the group is not well formed (empty when it is): role minimums, subgroup counts, subgroups."""
    return _shortfalls(spec, name, groups, frozenset())


def _shortfalls(spec: Specification, name: str, groups: Mapping[str, GroupState], seen: frozenset[str]) -> list[str]:
    group = groups[name]
    gspec = spec.groups.get(group.type)
    if gspec is None:
        return [f"group type {group.type} is no longer in the specification"]
    found: list[str] = []
    for role, cardinality in gspec.roles.items():
        count = len(group.players_of(role))
        if count < cardinality.min:
            found.append(f"role {role} needs at least {_plural(cardinality.min, 'player')}, it has {count}")
        elif not cardinality.allows(count):
            found.append(f"role {role} allows at most {_plural(cardinality.max or 0, 'player')}, it has {count}")
    children = sorted(n for n, g in groups.items() if g.parent == name and n not in seen)
    for sub_type, cardinality in gspec.subgroups.items():
        count = sum(1 for c in children if groups[c].type == sub_type)
        if count < cardinality.min:
            found.append(f"it needs at least {_plural(cardinality.min, 'subgroup')} of type {sub_type}, it has {count}")
        elif not cardinality.allows(count):
            found.append(f"it allows at most {_plural(cardinality.max or 0, 'subgroup')} of type {sub_type}")
    for child in children:
        if _shortfalls(spec, child, groups, seen | {name}):
            found.append(f"subgroup {child} is not well formed")
    return found


def _live_type(spec: Specification, name: str, group: GroupState) -> Group:
    gspec = spec.groups.get(group.type)
    if gspec is None:
        raise Conflict(f"group {name} is a {group.type}, a group type the specification no longer has")
    return gspec


# -- schemes ---------------------------------------------------------------------------------------------


def scheme_type(spec: Specification, name: str, path: str = "/type") -> Scheme:
    found = spec.schemes.get(name)
    if found is None:
        raise InvalidInput(f"unknown scheme type '{name}'", [FieldError(path, _hint("scheme", name, spec.schemes))])
    return found


def put_scheme(
    spec: Specification,
    name: str,
    current: SchemeState | None,
    type_name: str,
    group: str,
    group_state: GroupState | None,
    now: datetime,
) -> SchemeState:
    """The state a PUT leads to; ``group_state`` is the responsible group's, None when it is not live."""
    if current is not None and current.type == type_name and current.group == group:
        return current
    if current is not None and (current.commitments or current.achieved):
        raise Conflict(
            f"scheme {name} has commitments or achieved goals; its type or group changes only before anyone commits"
        )
    sspec = scheme_type(spec, type_name)
    if group_state is None:
        raise InvalidInput(
            f"there is no group '{group}' in this organisation",
            [FieldError("/group", f"no group '{group}'; PUT it under /groups first")],
        )
    return SchemeState(type=type_name, group=group, since=now, goals=refresh_goals(sspec, (), now))


def commit(
    spec: Specification,
    name: str,
    scheme: SchemeState,
    group: GroupState,
    agent: str,
    mission: str,
    now: datetime,
) -> SchemeState:
    """``agent`` commits to ``mission``: it must play, in the responsible group, a role a norm links to it."""
    sspec = _scheme_spec(spec, name, scheme)
    if mission not in sspec.missions:
        raise InvalidInput(
            f"scheme {name} (a {scheme.type}) has no mission '{mission}'",
            [FieldError("/mission", f"missions of scheme type '{scheme.type}': {', '.join(sorted(sspec.missions))}")],
        )
    if scheme.commitment(agent, mission) is not None:
        raise Conflict(f"{agent} is already committed to mission {mission} in scheme {name}")
    if not any(n.mission == mission for r in group.roles_of(agent) for n in spec.norms_for_role(r)):
        roles = sorted({n.role for n in spec.norms if n.mission == mission})
        which = f"roles {', '.join(roles)} or their sub-roles" if roles else "no role (no norm names the mission)"
        plays = ", ".join(group.roles_of(agent)) or "nothing"
        raise Conflict(
            f"{agent} may not commit to mission {mission}: it plays {plays} in group {scheme.group}, and a norm links "
            f"the mission to {which}"
        )
    cardinality = sspec.missions[mission].cardinality
    holders = scheme.committed(mission)
    if not cardinality.allows(len(holders) + 1):
        raise Conflict(
            f"mission {mission} in scheme {name} allows at most {_plural(cardinality.max or 0, 'committed agent')} "
            f"and {', '.join(holders)} {'is' if len(holders) == 1 else 'are'} committed"
        )
    commitment = Commitment(agent=agent, mission=mission, since=now)
    return msgspec.structs.replace(scheme, commitments=(*scheme.commitments, commitment))


def achieve(spec: Specification, name: str, scheme: SchemeState, agent: str, goal: str, now: datetime) -> SchemeState:
    """``agent`` achieved ``goal``: only a leaf, only by an agent committed to a mission holding it, only once
    the goal is enabled."""
    sspec = _scheme_spec(spec, name, scheme)
    if goal not in sspec.goals:
        raise NotFound(f"scheme {name} (a {scheme.type}) has no goal '{goal}'")
    achieved = scheme.achieved
    if sspec.goals[goal].is_leaf:
        missions = sspec.missions_with_goal(goal)
        if not any(scheme.commitment(agent, m) for m in missions):
            listed = ", ".join(missions) or "none"
            raise Conflict(f"{agent} is not committed to a mission holding goal {goal} (missions: {listed})")
    verdict = check_achievement(sspec, achieved, goal)
    if not verdict.allowed:
        raise Conflict(verdict.reason)
    records = tuple(
        msgspec.structs.replace(r, achieved_by=agent, satisfied_at=now) if r.goal == goal else r for r in scheme.goals
    )
    if not any(r.goal == goal for r in records):
        records = (*records, GoalRecord(goal=goal, state=GoalState.SATISFIED, achieved_by=agent, satisfied_at=now))
    return msgspec.structs.replace(scheme, goals=refresh_goals(sspec, records, now))


def refresh_goals(sspec: Scheme, records: Iterable[GoalRecord], now: datetime) -> tuple[GoalRecord, ...]:
    """Every goal's record after a change at ``now``: states from the achieved leaves, times kept or set now."""
    previous = {r.goal: r for r in records}
    achieved = {g for g, r in previous.items() if r.achieved_by is not None and g in sspec.goals}
    achieved = {g for g in achieved if sspec.goals[g].is_leaf}
    progress = evaluate(sspec, achieved)
    out: list[GoalRecord] = []
    for goal in preorder(sspec):
        old = previous.get(goal)
        state = progress[goal]
        unneeded = goal in progress.unneeded
        enabled_at = old.enabled_at if old is not None else None
        if state is GoalState.WAITING and not unneeded:
            enabled_at = None
        elif state is not GoalState.WAITING and enabled_at is None:
            enabled_at = now
        satisfied_at = old.satisfied_at if old is not None else None
        if state is not GoalState.SATISFIED:
            satisfied_at = None
        elif satisfied_at is None:
            satisfied_at = now
        unneeded_at = ((old.unneeded_at if old is not None else None) or now) if unneeded else None
        out.append(
            GoalRecord(
                goal=goal,
                state=state,
                enabled_at=enabled_at,
                satisfied_at=satisfied_at,
                unneeded_at=unneeded_at,
                achieved_by=old.achieved_by if old is not None and goal in achieved else None,
            )
        )
    return tuple(out)


def preorder(sspec: Scheme) -> list[str]:
    """The goals from the root down, each before its sub-goals, sub-goals in their plan's order."""
    order: list[str] = []
    stack = [sspec.root]
    while stack:
        goal = stack.pop()
        order.append(goal)
        stack.extend(reversed(sspec.goals[goal].children))
    return order


def mission_accomplished(spec: Specification, scheme: SchemeState, mission: str) -> bool:
    """Whether nothing more is asked of ``mission``: each of its goals is satisfied or no longer needed."""
    sspec = spec.schemes.get(scheme.type)
    if sspec is None or mission not in sspec.missions:
        return True
    records = {r.goal: r for r in scheme.goals}
    return all(
        (record := records.get(goal)) is None or record.state is GoalState.SATISFIED or record.unneeded_at is not None
        for goal in sspec.missions[mission].goals
    )


def scheme_shortfalls(spec: Specification, scheme: SchemeState) -> list[str]:
    """Why the scheme is not well formed (empty when it is): missions short of their minimum commitments."""
    sspec = spec.schemes.get(scheme.type)
    if sspec is None:
        return [f"scheme type {scheme.type} is no longer in the specification"]
    found = []
    for mission, spec_mission in sspec.missions.items():
        count = len(scheme.committed(mission))
        if count < spec_mission.min:
            found.append(
                f"mission {mission} needs at least {_plural(spec_mission.min, 'committed agent')}, it has {count}"
            )
    return found


def _scheme_spec(spec: Specification, name: str, scheme: SchemeState) -> Scheme:
    sspec = spec.schemes.get(scheme.type)
    if sspec is None:
        raise Conflict(f"scheme {name} is a {scheme.type}, a scheme type the specification no longer has")
    return sspec


# -- restoring an earlier revision -------------------------------------------------------------------------


def replay_group(
    spec: Specification,
    name: str,
    current: GroupState | None,
    target: GroupState,
    groups: Mapping[str, GroupState],
    now: datetime,
) -> GroupState:
    """An earlier revision brought back through today's rules: every player is adopted again in order, so the
    current specification's cardinalities and compatibilities hold. Players the current state already has keep
    their ``since``; the others start now."""
    kept = {(p.agent, p.role): p.since for p in current.players} if current is not None else {}
    base = current if current is not None and (current.type, current.parent) == (target.type, target.parent) else None
    state = put_group(spec, name, None, target.type, target.parent, groups, now)
    if base is not None:
        state = msgspec.structs.replace(state, since=base.since)
    for player in target.players:
        state = adopt(spec, name, state, player.agent, player.role, kept.get((player.agent, player.role), now))
    return state


def replay_scheme(
    spec: Specification,
    name: str,
    current: SchemeState | None,
    target: SchemeState,
    group_state: GroupState | None,
    now: datetime,
) -> SchemeState:
    """Like :func:`replay_group`: commitments, then achievements in the order they happened, through today's
    rules; what the current state already has keeps its times."""
    same = current is not None and (current.type, current.group) == (target.type, target.group)
    since = current.since if same and current is not None else now
    state = put_scheme(spec, name, None, target.type, target.group, group_state, since)
    assert group_state is not None  # put_scheme refuses a missing group
    for c in target.commitments:
        kept = current.commitment(c.agent, c.mission) if current is not None else None
        state = commit(spec, name, state, group_state, c.agent, c.mission, kept.since if kept else now)
    done = sorted(
        (r for r in target.goals if r.achieved_by is not None and r.satisfied_at is not None),
        key=lambda r: (r.satisfied_at, r.goal),
    )
    for record in done:
        assert record.achieved_by is not None
        old = current.goal(record.goal) if current is not None else None
        at = old.satisfied_at if old is not None and old.achieved_by == record.achieved_by else None
        state = achieve(spec, name, state, record.achieved_by, record.goal, at or now)
    return state
