"""The organisation at run time, for REST handlers and for the agent runtime alike.

Agents act through :meth:`OrgRuntime.adopt_role`, :meth:`~OrgRuntime.leave_role`,
:meth:`~OrgRuntime.commit_mission` and :meth:`~OrgRuntime.goal_achieved` (JaCaMo's ``adoptRole``,
``leaveRole``, ``commitMission``, ``goalAchieved``). Each takes the caller's write transaction, so the change
commits with whatever else the caller records and names the transaction's actor; each raises a
:class:`~romas.domain.errors.DomainError` whose ``detail`` is the reason for a refusal (the action fails with it).
Every check runs before anything is written, so after a refusal the caller's transaction is untouched and may
go on. The event data names the agent too, for transactions that record several agents' actions at once.

What agents perceive comes from :meth:`~OrgRuntime.percepts` (ground terms, see
:class:`romas.domain.obligations.Term`), and :meth:`~OrgRuntime.next_deadline` says when an active obligation
may turn into a violation, so the caller knows when to look again even if nothing is written.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from romas.domain.errors import Conflict, NotFound
from romas.domain.obligations import Obligation, OrgView, Term, next_deadline, obligations, percepts
from romas.domain.org_instances import GroupState, SchemeState, load
from romas.domain.organisations import Specification, parse_specification
from romas.services.groups import GroupService
from romas.services.organisations import OrganisationService, organisation_key
from romas.services.resources import Written
from romas.services.schemes import SchemeService
from romas.store.eventstore import ResourceRow, Store, Writer
from romas.store.tables import resources

_PAGE = 500
_SPEC_CACHE = 256


class OrgRuntime:
    """Group and scheme services plus the organisation-wide reads (views, obligations, percepts)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.organisations = OrganisationService(store)
        self.groups = GroupService(store)
        self.schemes = SchemeService(store)
        self._specs: dict[tuple[str, int], Specification] = {}

    # -- what agents do ------------------------------------------------------------------------------------

    async def adopt_role(self, writer: Writer, agent: str, role: str, group: str, org: str | None = None) -> Written:
        org = org or await self.find_organisation(writer, "group", group)
        return await self.groups.adopt_role(writer, org, group, agent, role)

    async def leave_role(self, writer: Writer, agent: str, role: str, group: str, org: str | None = None) -> Written:
        org = org or await self.find_organisation(writer, "group", group)
        return await self.groups.leave_role(writer, org, group, agent, role)

    async def commit_mission(
        self, writer: Writer, agent: str, mission: str, scheme: str, org: str | None = None
    ) -> Written:
        org = org or await self.find_organisation(writer, "scheme", scheme)
        return await self.schemes.commit_mission(writer, org, scheme, agent, mission)

    async def goal_achieved(
        self, writer: Writer, agent: str, goal: str, scheme: str, org: str | None = None
    ) -> Written:
        org = org or await self.find_organisation(writer, "scheme", scheme)
        return await self.schemes.goal_achieved(writer, org, scheme, agent, goal)

    async def create_group(
        self, writer: Writer, agent: str, name: str, type_name: str, org: str | None = None, parent: str | None = None
    ) -> Written:
        """``createGroup(G, Type)``: a group instance; creating one that exists with that type changes nothing.

        With ``parent`` (``createSubgroup(G, Type, Parent)``) the group is a subgroup of that live group.
        """
        if org is None:
            org = await (
                self.organisation_defining(writer, "groups", type_name)
                if parent is None
                else self.find_organisation(writer, "group", parent)
            )
        return await self.groups.put_group(writer, org, name, type_name, parent)

    async def create_scheme(
        self, writer: Writer, agent: str, name: str, type_name: str, group: str, org: str | None = None
    ) -> Written:
        """``createScheme(S, Type, G)``: a scheme instance the group ``G`` is responsible for."""
        org = org or await self.find_organisation(writer, "group", group)
        return await self.schemes.put_scheme(writer, org, name, type_name, group)

    async def organisation_defining(self, writer: Writer, section: str, type_name: str) -> str:
        """The one live organisation whose specification has a group (or scheme) type called ``type_name``."""
        query = select(resources.c.name, resources.c.state).where(
            resources.c.stream_type == "organisation", resources.c.parent == "", ~resources.c.deleted
        )
        rows = (await writer.execute(query)).all()
        orgs = sorted(str(name) for name, state in rows if type_name in state.get(section, {}))
        if not orgs:
            raise NotFound(f"no organisation defines {section[:-1]} type {type_name}")
        if len(orgs) > 1:
            raise Conflict(f"organisations {', '.join(orgs)} all define {type_name}; name the organisation")
        return orgs[0]

    async def find_organisation(self, writer: Writer, kind: str, name: str) -> str:
        """The one organisation with a live ``kind`` (group or scheme) called ``name``; NotFound when none has
        it, Conflict when several do (the agent must then name the organisation)."""
        query = (
            select(resources.c.parent)
            .where(resources.c.stream_type == kind, resources.c.name == name, ~resources.c.deleted)
            .order_by(resources.c.parent)
        )
        orgs = [str(parent).rsplit("/", 1)[-1] for parent in (await writer.execute(query)).scalars()]
        if not orgs:
            raise NotFound(f"there is no {kind} {name} in any organisation")
        if len(orgs) > 1:
            raise Conflict(f"there is a {kind} {name} in organisations {', '.join(orgs)}; name the organisation")
        return orgs[0]

    # -- what there is -------------------------------------------------------------------------------------

    async def view(self, org: str, at: datetime | None = None) -> OrgView:
        """The organisation now, or as it was at ``at``; NotFound or Gone like reading the organisation."""
        key = organisation_key(org)
        if at is None:
            row = await self.organisations.get(key)
            groups = await self._current("group", key.stream_id)
            schemes = await self._current("scheme", key.stream_id)
            instant = self.store.clock()
        else:
            row = await self.organisations.as_of(key, at)
            groups = await self.store.list_as_of("group", key.stream_id, at, after=None, limit=None)
            schemes = await self.store.list_as_of("scheme", key.stream_id, at, after=None, limit=None)
            instant = at
        return OrgView(
            name=org,
            spec=self._specification(row),
            groups={r.name: load(r.state, GroupState) for r in groups},
            schemes={r.name: load(r.state, SchemeState) for r in schemes},
            at=instant,
        )

    async def view_in(self, writer: Writer, org: str) -> OrgView:
        """The organisation as ``writer``'s transaction sees it, its own changes included, read without locks
        and without a second connection (for answers rendered inside a write)."""
        key = organisation_key(org)
        row = self.organisations._live(key, await writer.current(key.stream_id, lock=False))
        query = select(resources.c.stream_type, resources.c.name, resources.c.state).where(
            resources.c.stream_type.in_(("group", "scheme")), resources.c.parent == key.stream_id, ~resources.c.deleted
        )
        found = (await writer.execute(query)).all()
        return OrgView(
            name=org,
            spec=self._specification(row),
            groups={name: load(state, GroupState) for kind, name, state in found if kind == "group"},
            schemes={name: load(state, SchemeState) for kind, name, state in found if kind == "scheme"},
            at=self.store.clock(),
        )

    async def views(self) -> list[OrgView]:
        """Every live organisation now."""
        return [await self.view(row.name) for row in await self._current("organisation", "")]

    async def obligations(self, org: str, at: datetime | None = None) -> list[Obligation]:
        return obligations(await self.view(org, at))

    async def percepts(self, agent: str) -> list[Term]:
        """The organisation beliefs ``agent`` should hold now, across every organisation (see
        :func:`romas.domain.obligations.percepts`); an agent that plays nowhere gets none."""
        found: list[Term] = []
        for view in await self.views():
            found.extend(percepts(view, agent))
        return found

    async def next_deadline(self, org: str | None = None) -> datetime | None:
        """The earliest instant an active obligation (of ``org``, or of any organisation) may be violated."""
        views = [await self.view(org)] if org is not None else await self.views()
        return min((d for v in views if (d := next_deadline(v)) is not None), default=None)

    def _specification(self, row: ResourceRow) -> Specification:
        """Parsed once per organisation revision."""
        key = (row.stream_id, row.revision)
        spec = self._specs.get(key)
        if spec is None:
            if len(self._specs) >= _SPEC_CACHE:
                self._specs.clear()
            spec = self._specs[key] = parse_specification(row.state)
        return spec

    async def _current(self, kind: str, parent: str) -> list[ResourceRow]:
        rows: list[ResourceRow] = []
        after: str | None = None
        while True:
            page = await self.store.list_current(kind, parent, after=after, limit=_PAGE)
            rows.extend(page)
            if len(page) < _PAGE:
                return rows
            after = page[-1].name
