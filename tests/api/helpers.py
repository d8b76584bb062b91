"""Small helpers for API tests."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Any]

GOOD_CODE = """// a greeter
greeting("hello").

+!start <- ?greeting(G); .print(G).
"""


async def put_agent(client: Client, name: str = "alice", **body: Any) -> Any:
    body.setdefault("code", GOOD_CODE)
    response = await client.put(f"/agents/{name}", json=body)
    assert response.status_code in (200, 201), response.text
    return response


async def tick() -> None:
    """Let the clock move so that two writes get distinguishable instants in ?at= tests."""
    await asyncio.sleep(0.003)


def assert_problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"] and problem["type"]
    if slug is not None:
        assert problem["type"] == f"/problems/{slug}", problem
    return problem
