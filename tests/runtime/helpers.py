"""Helpers for tests that watch running agents."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.api.helpers import Client


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def send(client: Client, agent: str, performative: str, content: str, *, wait: float = 10, **extra: Any) -> Any:
    response = await client.post(
        f"/agents/{agent}/inbox",
        json={"performative": performative, "content": content, **extra},
        headers={"Prefer": f"wait={wait:g}"} if wait else {},
    )
    assert response.status_code in (200, 202), response.text
    return response.json()


async def command(client: Client, agent: str, body: str, *, wait: float = 10, timeout_s: float = 30) -> Any:
    response = await client.post(
        f"/agents/{agent}/commands",
        json={"body": body, "timeout_s": timeout_s},
        headers={"Prefer": f"wait={wait:g}"} if wait else {},
    )
    assert response.status_code in (200, 202), response.text
    return response.json()


async def beliefs(client: Client, agent: str) -> list[str]:
    mind = (await client.get(f"/agents/{agent}/mind")).json()
    return [b["text"] for b in mind["beliefs"]]


async def printed(client: Client, agent: str) -> list[str]:
    lines = (await client.get(f"/agents/{agent}/log", params={"limit": 1000})).json()["lines"]
    return [line["text"] for line in lines if line["kind"] == "print"]
