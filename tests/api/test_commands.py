"""``/agents/{name}/commands``: plan bodies run as intentions, with results, timeouts and cancellation."""

from __future__ import annotations

import pytest

from tests.api.helpers import Client, assert_problem, put_agent
from tests.runtime.helpers import command, eventually, printed

pytestmark = pytest.mark.anyio

CODE = """stock(apple, 4).
+!slow <- .wait(5000); .print("slow finished").
+!spin(N) <- !spin(N + 1).
"""


async def test_a_command_succeeds_with_bindings_and_output(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    result = await command(client, "bob", '?stock(apple, N); M = N * 10; .print("have ", N)')
    assert result["status"] == "succeeded", result
    assert result["result"]["bindings"] == {"N": "4", "M": "40"}
    assert result["result"]["values"] == {"N": 4, "M": 40}
    assert result["result"]["output"] == ["have 4"]
    assert result["started_at"] <= result["finished_at"]
    assert "have 4" in await printed(client, "bob")


async def test_a_failing_command_says_why(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    result = await command(client, "bob", "?stock(pear, N)")
    assert result["status"] == "failed" and result["error"]["detail"]


async def test_timeout_and_cancel(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    timed = await command(client, "bob", "!spin(0)", timeout_s=0.3)
    assert timed["status"] == "timed_out" and timed["error"]["type"] == "/problems/command-timed-out"
    running = await command(client, "bob", "!slow", wait=0)
    location = running["_links"]["self"]["href"]

    async def started() -> bool:
        return bool((await client.get(location)).json()["status"] == "running")

    await eventually(started, what="the command to start")
    cancelled = await client.delete(location)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_problem(await client.delete(location), 409)
    assert (await client.get("/health")).status_code == 200


async def test_commands_never_hold_a_request_past_prefer_wait(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    response = await client.post("/agents/bob/commands", json={"body": "!slow"}, headers={"Prefer": "wait=0.2"})
    assert response.status_code == 202 and response.json()["status"] in ("queued", "running")
    assert response.headers["preference-applied"] == "wait=0.2"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"body": ".print("}, 422),
        ({"body": "true", "timeout_s": 0}, 422),
        ({"body": "true", "timeout_s": 3601}, 422),
        ({"body": 7}, 422),
        ({}, 422),
    ],
)
async def test_bad_commands_change_nothing(client: Client, body: dict[str, object], status: int) -> None:
    await put_agent(client, "bob", code=CODE)
    assert_problem(await client.post("/agents/bob/commands", json=body), status)
    assert (await client.get("/agents/bob/commands")).json()["count"] == 0


async def test_listing_and_unknown_commands(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    await command(client, "bob", "true")
    await command(client, "bob", "?nothing")
    listed = (await client.get("/agents/bob/commands")).json()
    assert [c["status"] for c in listed["_embedded"]["commands"]] == ["failed", "succeeded"]
    assert (await client.get("/agents/bob/commands", params={"status": "failed"})).json()["count"] == 1
    assert_problem(await client.get("/agents/bob/commands/01m8064edjf6ft8459be4530n6"), 404)
    assert_problem(await client.post("/agents/ghost/commands", json={"body": "true"}), 404)
