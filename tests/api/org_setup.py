"""Setting up an organisation with agents, a group and a scheme over the API, for the runtime tests."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import Client, put_agent
from tests.domain.org_spec import SPEC

ORG = "/organisations/bakery"
TEAM = f"{ORG}/groups/t"
DAY = f"{ORG}/schemes/d"


async def organisation(client: Client, spec: dict[str, Any] | None = None, agents: tuple[str, ...] = ()) -> None:
    response = await client.put(ORG, json=spec or SPEC)
    assert response.status_code == 201, response.text
    for agent in agents:
        await put_agent(client, agent)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def bakery(client: Client, spec: dict[str, Any] | None = None) -> None:
    """Agents bob, carol, sam; group t (team) with bob baker, carol customer, sam seller; scheme d (day)."""
    await organisation(client, spec, ("bob", "carol", "sam"))
    ok(await client.put(TEAM, json={"type": "team"}), 201)
    for agent, role in (("bob", "baker"), ("carol", "customer"), ("sam", "seller")):
        ok(await client.post(f"{TEAM}/players", json={"agent": agent, "role": role}))
    ok(await client.put(DAY, json={"type": "day", "group": "t"}), 201)


async def commit_all(client: Client) -> None:
    for agent, mission in (("bob", "m_bake"), ("carol", "m_order"), ("sam", "m_sell")):
        ok(await client.post(f"{DAY}/commitments", json={"agent": agent, "mission": mission}))
