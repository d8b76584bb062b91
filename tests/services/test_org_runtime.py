"""The organisation API the agent runtime calls: actions by name, percepts, deadlines, with an injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from romas.domain.errors import Conflict, DomainError, NotFound
from romas.domain.obligations import Term
from romas.services.agents import AgentService
from romas.services.org_runtime import OrgRuntime
from romas.store.engine import create_engine
from romas.store.eventstore import Store, WriteContext
from tests.domain.org_spec import SPEC

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def org(database_url: str, clock: Clock) -> AsyncIterator[OrgRuntime]:
    """Organisation bakery with group t and scheme d, agents bob and sam; time stands still unless advanced."""
    store = Store(create_engine(database_url), clock=clock)
    runtime = OrgRuntime(store)
    async with store.write(WriteContext(actor="tester")) as writer:
        await runtime.organisations.put_organisation(writer, "bakery", SPEC)
        for name in ("bob", "sam"):
            await AgentService(store).put_agent(
                writer, name, code="+!g <- true.", description="", metadata={}, state="stopped"
            )
        await runtime.groups.put_group(writer, "bakery", "t", "team", None)
        await runtime.schemes.put_scheme(writer, "bakery", "d", "day", "t")
    try:
        yield runtime
    finally:
        await store.dispose()


async def act(org: OrgRuntime, agent: str, action: str, *args: str) -> None:
    """What the runtime does for an agent's action: its own transaction, the agent as actor."""
    async with org.store.write(WriteContext(actor=agent)) as writer:
        await getattr(org, action)(writer, agent, *args)


async def test_actions_find_the_organisation_and_record_the_agent_as_actor(org: OrgRuntime, clock: Clock) -> None:
    await act(org, "bob", "adopt_role", "baker", "t")
    clock.advance(1)
    await act(org, "bob", "commit_mission", "m_bake", "d")
    clock.advance(1)
    await act(org, "bob", "goal_achieved", "baked", "d")
    history = await org.store.history("/organisations/bakery/schemes/d", before=None, limit=5)
    assert [(h.event_type, h.actor) for h in history] == [
        ("scheme.goal_achieved", "bob"),
        ("scheme.mission_committed", "bob"),
        ("scheme.created", "tester"),
    ]
    events = await org.store.read_events(stream_id="/organisations/bakery/groups/t")
    assert events[-1].type == "group.role_adopted" and events[-1].data["agent"] == "bob"
    clock.advance(1)
    await act(org, "bob", "leave_role", "baker", "t")  # the mission is accomplished: leaving is fine


async def test_refusals_raise_domain_errors_with_the_reason(org: OrgRuntime) -> None:
    with pytest.raises(NotFound, match="there is no group nowhere in any organisation"):
        await act(org, "bob", "adopt_role", "baker", "nowhere")
    await act(org, "bob", "adopt_role", "baker", "t")
    with pytest.raises(Conflict, match="allows at most 1 player and bob plays it"):
        await act(org, "sam", "adopt_role", "baker", "t")
    with pytest.raises(Conflict, match="not committed to a mission holding goal sold"):
        await act(org, "bob", "goal_achieved", "sold", "d")
    with pytest.raises(DomainError):
        await act(org, "bob", "commit_mission", "m_sell", "d")


async def test_an_ambiguous_name_needs_the_organisation(org: OrgRuntime) -> None:
    async with org.store.write(WriteContext(actor="tester")) as writer:
        await org.organisations.put_organisation(writer, "cafe", SPEC)
        await org.groups.put_group(writer, "cafe", "t", "team", None)
    with pytest.raises(Conflict, match="organisations bakery, cafe; name the organisation"):
        await act(org, "bob", "adopt_role", "baker", "t")
    async with org.store.write(WriteContext(actor="bob")) as writer:
        await org.adopt_role(writer, "bob", "baker", "t", "cafe")
    assert [t for t in await org.percepts("bob") if t.functor == "play"] == [Term("play", ("bob", "baker", "t"))]


async def test_percepts_follow_the_organisation(org: OrgRuntime, clock: Clock) -> None:
    assert await org.percepts("bob") == []
    await act(org, "bob", "adopt_role", "baker", "t")
    await act(org, "sam", "adopt_role", "seller", "t")
    beliefs = await org.percepts("bob")
    assert Term("play", ("sam", "seller", "t")) in beliefs
    assert Term("goal_state", ("d", "baked", "enabled")) in beliefs
    obliged = [b for b in beliefs if b.functor == "obligation"]
    deadline = (T0 + timedelta(seconds=600)).timestamp()
    assert obliged == [
        Term("obligation", ("bob", "n_bake", Term("committed", ("bob", "m_bake", "d")), "none")),
        Term("obligation", ("sam", "n_sell", Term("committed", ("sam", "m_sell", "d")), deadline)),
    ]
    clock.advance(1)
    await act(org, "bob", "commit_mission", "m_bake", "d")
    after = [b for b in await org.percepts("bob") if b.functor == "obligation"]
    assert Term("obligation", ("bob", "n_bake", Term("done", ("d", "baked", "bob")), "none")) in after
    assert Term("commitment", ("bob", "m_bake", "d")) in await org.percepts("sam")


async def test_next_deadline_tells_when_to_look_again(org: OrgRuntime, clock: Clock) -> None:
    assert await org.next_deadline() is None
    await act(org, "sam", "adopt_role", "seller", "t")
    assert await org.next_deadline("bakery") == T0 + timedelta(seconds=600)
    clock.advance(601)
    assert await org.next_deadline() is None  # it passed: the obligation is now violated
    violated = [o for o in await org.obligations("bakery") if o.agent == "sam"]
    assert [(o.state.value, o.until) for o in violated] == [("violated", T0 + timedelta(seconds=600))]
    past = await org.obligations("bakery", T0 + timedelta(seconds=300))
    assert [o.state.value for o in past if o.agent == "sam"] == ["active"]
