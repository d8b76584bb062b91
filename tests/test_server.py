"""An application readied again (``reuse_app``) behaves as a new one: its own database, counters and limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from romas.config import RateLimit, Settings
from romas.server import create_app, reuse_app
from tests.api.helpers import put_agent
from tests.databases import SqliteTemplate

pytestmark = pytest.mark.anyio


async def test_a_reused_application_starts_afresh(sqlite_template: SqliteTemplate, tmp_path: Path) -> None:
    first = Settings(database_url=sqlite_template.fresh(tmp_path), rate_limit=RateLimit(1, 60.0))
    app = create_app(first)
    async with AsyncTestClient(app=app) as client:
        await put_agent(client, "alice")
        assert (await client.put("/agents/bob", json={"code": "+!g."})).status_code == 429
        assert 'route="/agents/{name}",status="201"} 1.0' in (await client.get("/metrics")).text

    second = Settings(database_url=sqlite_template.fresh(tmp_path), rate_limit=RateLimit(1, 60.0))
    assert reuse_app(app, second) is app
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/agents/alice")).status_code == 404
        assert app.state.settings is second
        assert 'status="201"' not in (await client.get("/metrics")).text
        await put_agent(client, "bob")


def test_only_an_application_of_the_same_shape_is_reused(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/a.db"))
    with pytest.raises(ValueError):
        reuse_app(app, Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/a.db", max_body_bytes=10))
    with pytest.raises(ValueError):
        reuse_app(app, Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/a.db", port=8123))
