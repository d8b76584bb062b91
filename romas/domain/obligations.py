"""The normative state of an organisation at one instant, and the organisation beliefs an agent holds.

The semantics are DESIGN.md's. For each obligation norm (role r → mission m) and each agent playing r (or a
role that extends r) in a group responsible for a scheme s whose type has m:

- the agent is obliged to commit to m in s, from the moment it plays the role in that group and the scheme
  exists (the later of the two) until it commits;
- once committed, it is obliged to achieve each goal of m, from the moment the goal is enabled (or the agent
  committed, or started playing, whichever is last) until the goal is satisfied.

A norm's ``deadline_s`` turns an obligation still active that long after it began into a violation, at that
instant; the violation stands even if the agent does it later (``done_at`` then says when). Permissions create
no obligations. An obligation exists only while its condition holds: when the agent stops playing the role or
the scheme goes, it is no longer listed, and a goal that is no longer needed (a ``choice`` satisfied by another
branch) ends its obligations without violation, so they are not listed either, unless already violated.

Everything here is computed from the group and scheme states of one instant and that instant alone, so the
obligations of any past instant come from the revisions in force then.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, TypeAlias, Union

from romas.domain.org_instances import GroupState, SchemeState
from romas.domain.organisations import Norm, Specification


class ObligationState(enum.StrEnum):
    ACTIVE = "active"
    FULFILLED = "fulfilled"
    VIOLATED = "violated"


@dataclass(frozen=True, slots=True)
class Committed:
    """The agent must commit to ``mission`` in ``scheme``."""

    agent: str
    mission: str
    scheme: str


@dataclass(frozen=True, slots=True)
class Done:
    """The agent must achieve ``goal`` of ``scheme``."""

    scheme: str
    goal: str
    agent: str


What: TypeAlias = Committed | Done


@dataclass(frozen=True, slots=True)
class Obligation:
    norm: str
    agent: str
    role: str
    """The role the agent plays that the norm concerns."""
    group: str
    scheme: str
    what: What
    since: datetime
    deadline: datetime | None
    state: ObligationState
    until: datetime | None
    """When it was fulfilled or violated; None while active."""
    done_at: datetime | None
    """When what it asks was done (for a violated obligation: done late, or None if still not done)."""

    @property
    def outstanding(self) -> bool:
        """Whether what it asks is still to do (active, or violated and still not done)."""
        return self.done_at is None


@dataclass(frozen=True, slots=True)
class OrgView:
    """An organisation as it was at ``at``: its specification and its live groups and schemes."""

    name: str
    spec: Specification
    groups: Mapping[str, GroupState]
    schemes: Mapping[str, SchemeState]
    at: datetime


@dataclass(frozen=True, slots=True)
class _Candidate:
    norm: Norm
    agent: str
    role: str
    group: str
    scheme: str
    what: What
    since: datetime
    done_at: datetime | None
    ended_at: datetime | None


def obligations(view: OrgView) -> list[Obligation]:
    """Every obligation in force or settled at ``view.at``, ordered by scheme, start, agent and norm."""
    earliest: dict[tuple[str, str, What], _Candidate] = {}
    for candidate in _candidates(view):
        key = (candidate.norm.id, candidate.agent, candidate.what)
        known = earliest.get(key)
        if known is None or candidate.since < known.since:
            earliest[key] = candidate
    found = [o for c in earliest.values() if (o := _settle(c, view.at)) is not None]
    found.sort(key=lambda o: (o.scheme, o.since, o.agent, o.norm, _what_key(o.what)))
    return found


def next_deadline(view: OrgView) -> datetime | None:
    """The earliest deadline of an obligation still active at ``view.at`` (when a violation may appear)."""
    pending = [o.deadline for o in obligations(view) if o.state is ObligationState.ACTIVE and o.deadline is not None]
    return min(pending, default=None)


def _what_key(what: What) -> tuple[str, ...]:
    if isinstance(what, Committed):
        return ("committed", what.mission)
    return ("done", what.goal)


def _candidates(view: OrgView) -> Iterator[_Candidate]:
    spec = view.spec
    for scheme_name, scheme in view.schemes.items():
        sspec = spec.schemes.get(scheme.type)
        group = view.groups.get(scheme.group)
        if sspec is None or group is None:
            continue
        goals = {r.goal: r for r in scheme.goals}
        for player in group.players:
            for norm in spec.norms_for_role(player.role):
                if norm.type != "obligation" or norm.mission not in sspec.missions:
                    continue
                start = max(player.since, scheme.since)
                commitment = scheme.commitment(player.agent, norm.mission)
                yield _Candidate(
                    norm,
                    player.agent,
                    player.role,
                    scheme.group,
                    scheme_name,
                    Committed(player.agent, norm.mission, scheme_name),
                    start,
                    None if commitment is None else max(commitment.since, start),
                    None,
                )
                if commitment is None:
                    continue
                for goal in sspec.missions[norm.mission].goals:
                    record = goals.get(goal)
                    if record is None or record.enabled_at is None:
                        continue
                    since = max(start, commitment.since, record.enabled_at)
                    if any(t is not None and t < since for t in (record.satisfied_at, record.unneeded_at)):
                        continue  # done or unneeded before it could be owed
                    yield _Candidate(
                        norm,
                        player.agent,
                        player.role,
                        scheme.group,
                        scheme_name,
                        Done(scheme_name, goal, player.agent),
                        since,
                        record.satisfied_at,
                        record.unneeded_at,
                    )


def _settle(candidate: _Candidate, now: datetime) -> Obligation | None:
    """Its state at ``now``; None for one that ended without being done or violated (no longer needed)."""
    deadline = None
    if candidate.norm.deadline_s is not None:
        deadline = candidate.since + timedelta(seconds=candidate.norm.deadline_s)
    closed = min((t for t in (candidate.done_at, candidate.ended_at) if t is not None), default=None)
    if deadline is not None and deadline <= now and (closed is None or closed > deadline):
        state, until = ObligationState.VIOLATED, deadline
    elif candidate.done_at is not None:
        state, until = ObligationState.FULFILLED, candidate.done_at
    elif candidate.ended_at is not None:
        return None
    else:
        state, until = ObligationState.ACTIVE, None
    return Obligation(
        norm=candidate.norm.id,
        agent=candidate.agent,
        role=candidate.role,
        group=candidate.group,
        scheme=candidate.scheme,
        what=candidate.what,
        since=candidate.since,
        deadline=deadline,
        state=state,
        until=until,
        done_at=candidate.done_at,
    )


# -- what agents perceive --------------------------------------------------------------------------------

Arg: TypeAlias = Union[str, float, "Term"]  # a forward reference needs Union


class Term(NamedTuple):
    """A ground AgentSpeak structure: every ``str`` is an atom, every ``float`` a number."""

    functor: str
    args: tuple[Arg, ...] = ()


NONE_DEADLINE = "none"
"""The atom that stands for "no deadline" in ``obligation/4``."""


def what_term(what: What) -> Term:
    if isinstance(what, Committed):
        return Term("committed", (what.agent, what.mission, what.scheme))
    return Term("done", (what.scheme, what.goal, what.agent))


def percepts(view: OrgView, agent: str) -> list[Term]:
    """The organisation beliefs ``agent`` holds: every ``play`` of the groups it plays in, and for the schemes
    those groups are responsible for every ``commitment``, ``goal_state`` and outstanding ``obligation`` (of any
    agent, as JaCaMo shows them to everyone who watches the scheme). A fulfilled obligation is not there."""
    mine = sorted(name for name, group in view.groups.items() if any(p.agent == agent for p in group.players))
    beliefs = [Term("play", (p.agent, p.role, name)) for name in mine for p in view.groups[name].players]
    watched = sorted(name for name, scheme in view.schemes.items() if scheme.group in mine)
    for name in watched:
        scheme = view.schemes[name]
        beliefs.extend(Term("commitment", (c.agent, c.mission, name)) for c in scheme.commitments)
        beliefs.extend(Term("goal_state", (name, r.goal, r.state.value)) for r in scheme.goals)
    for o in obligations(view):
        if o.scheme in watched and o.outstanding:
            deadline: Arg = o.deadline.timestamp() if o.deadline is not None else NONE_DEADLINE
            beliefs.append(Term("obligation", (o.agent, o.norm, what_term(o.what), deadline)))
    return beliefs
