"""Organisation actions of running agents: creating groups, subgroups and schemes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.helpers import Client, put_agent
from tests.domain.org_spec import SPEC
from tests.runtime.helpers import beliefs, command, eventually

pytestmark = pytest.mark.anyio


async def test_create_subgroup_makes_a_group_inside_another(client: Client) -> None:
    assert (await client.put("/organisations/bakery", json=SPEC)).status_code == 201
    await put_agent(client, "bob", code="")
    done = await command(client, "bob", "createGroup(shop, team); createSubgroup(kitchen, crew, shop)")
    assert done["status"] == "succeeded", done
    kitchen = (await client.get("/organisations/bakery/groups/kitchen")).json()
    assert kitchen["type"] == "crew" and kitchen["parent"] == "shop"
    again = await command(client, "bob", "createSubgroup(kitchen, crew, shop)[organisation(bakery)]")
    assert again["status"] == "succeeded", again  # doing again what is done changes nothing
    wrong = await command(client, "bob", "createSubgroup(pantry, crew, nowhere)")
    assert wrong["status"] == "failed" and "nowhere" in wrong["error"]["detail"]


async def test_a_change_committed_while_the_percepts_are_recomputed_reaches_the_agents(client: Client) -> None:
    """The recomputation that read the organisations just before a role was adopted did not see it, and no other
    was scheduled while it ran: the agent never perceived its role (nor, in a .jcm's team, the obligations that
    follow from it), and the scheme waited for ever."""
    assert (await client.put("/organisations/bakery", json=SPEC)).status_code == 201
    await put_agent(client, "bob", code="")
    assert (await command(client, "bob", "createGroup(shop, team)"))["status"] == "succeeded"  # bob runs
    organisation = client.app.state.services.runtime.organisation
    service = organisation.service
    read, release = asyncio.Event(), asyncio.Event()
    views = service.views

    async def read_then_wait() -> Any:
        found = await views()
        if not read.is_set():
            read.set()
            await release.wait()  # the change below commits after this read
        return found

    service.views = read_then_wait
    try:
        assert (await command(client, "bob", "createGroup(van, team)"))["status"] == "succeeded"
        await asyncio.wait_for(read.wait(), 10)  # a recomputation for that change read, and waits
        assert (await command(client, "bob", "adoptRole(baker, shop)"))["status"] == "succeeded"
        release.set()
        await eventually(
            lambda: _plays(client, "bob"), what="bob perceives the role it adopted while the percepts were recomputed"
        )
    finally:
        release.set()
        del service.views


async def _plays(client: Client, agent: str) -> bool:
    return any(text.startswith("play(bob,baker,shop)") for text in await beliefs(client, agent))
