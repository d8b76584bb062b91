"""``GET /auth/whoami``: a client learns whether to ask for a token, and what the token it holds may do."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from romas.config import Settings, parse_tokens
from tests.api.helpers import Client

pytestmark = pytest.mark.anyio


async def test_without_tokens_everyone_may_do_everything(client: Client) -> None:
    body = (await client.get("/auth/whoami")).json()
    assert body == {
        "tokens_required": False,
        "authenticated": True,
        "actor": "anonymous",
        "scopes": ["read", "write", "operate", "deploy", "admin"],
    }


async def test_with_tokens_it_names_the_token_and_its_scopes(database_url: str) -> None:
    from romas.server import create_app

    settings = Settings(database_url=database_url, tokens=parse_tokens("viewer:look:read;boss:b055:admin"))
    async with AsyncTestClient(app=create_app(settings)) as client:
        nobody = (await client.get("/auth/whoami")).json()
        assert nobody == {"tokens_required": True, "authenticated": False, "actor": "anonymous", "scopes": []}
        wrong = (await client.get("/auth/whoami", headers={"Authorization": "Bearer nope"})).json()
        assert wrong["authenticated"] is False
        viewer = (await client.get("/auth/whoami", headers={"Authorization": "Bearer look"})).json()
        assert (viewer["actor"], viewer["scopes"]) == ("viewer", ["read"])
        boss = (await client.get("/auth/whoami", headers={"Authorization": "Bearer b055"})).json()
        assert boss["scopes"] == ["read", "write", "operate", "deploy", "admin"]
        # The console's page and assets load before any token is given; the API behind them still asks.
        assert (await client.get("/console")).status_code == 200
        assert (await client.get("/console/static/app.js")).status_code == 200
        assert (await client.get("/agents")).status_code == 401
