"""Organisation actions of running agents: creating groups, subgroups and schemes."""

from __future__ import annotations

import pytest

from tests.api.helpers import Client, put_agent
from tests.domain.org_spec import SPEC
from tests.runtime.helpers import command

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
