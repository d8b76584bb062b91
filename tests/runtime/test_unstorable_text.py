"""Agent code that makes U+0000 (NUL) strings, which PostgreSQL cannot hold: they used to fail the runtime's every
flush there ("the runtime failed; reloading every agent"), stalling every agent. Now each is stored as U+FFFD and
everything goes on, on both databases alike."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import beliefs, command, eventually, printed, send

pytestmark = pytest.mark.anyio


async def test_an_agent_printing_believing_and_sending_nul_stops_nothing(client: Client) -> None:
    await client.put("/workspaces/w", json={})
    await client.put("/workspaces/w/artefacts/notes", json={"type": "board"})
    await put_agent(client, "listener", code="+m(X)[source(S)] <- .print(heard, X).\n")
    await put_agent(client, "bystander", code="+!hi <- .print(hi).\n")
    code = (
        '+!go <- +b("x\\0y"); .print("p\\0q"); .send(listener, tell, m("z\\0")); '
        'joinWorkspace(w); put("k\\0", "v\\0")[artefact(notes)].\n'
    )
    await put_agent(client, "nul", code=code)
    assert (await send(client, "nul", "achieve", "go"))["status"] == "processed"

    await eventually(lambda: _printed_has(client, "listener", "heard" + "z\ufffd"), what="the message to be heard")
    assert await _printed_has(client, "nul", "p\ufffdq")
    notes = (await client.get("/workspaces/w/artefacts/notes")).json()
    assert notes["properties"]["entries"] == {"k\ufffd": "v\ufffd"}
    assert (await send(client, "bystander", "achieve", "hi"))["status"] == "processed"
    assert (await command(client, "nul", '+c("\\0")'))["status"] == "succeeded"
    assert any(b.startswith("b(") for b in await beliefs(client, "nul"))


async def test_messages_from_clients_holding_nul_are_accepted_beside_others(client: Client) -> None:
    await put_agent(client, "listener", code="+m(X)[source(S)] <- .print(heard, X).\n")
    sent = await asyncio.gather(
        *(send(client, "listener", "tell", f'm("{k}\x00")' if k % 2 else f"m({k})") for k in range(6))
    )
    assert [m["status"] for m in sent] == ["processed"] * 6
    stored = (await client.get(f"/agents/listener/inbox/{sent[1]['id']}")).json()
    assert stored["content"] == 'm("1\\0")'  # the content as AgentSpeak prints it: the escape, not the NUL


async def test_a_deployment_with_nul_in_its_code_is_stored_with_the_replacement(client: Client) -> None:
    response = await client.put("/agents/coded", json={"code": 'x("a\x00b").\n', "state": "stopped"})
    assert response.status_code == 201, response.text
    stored = (await client.get("/agents/coded/code")).text
    assert stored == 'x("a\ufffdb").\n'


async def _printed_has(client: Client, agent: str, text: str) -> bool:
    return any(text in line for line in await printed(client, agent))
