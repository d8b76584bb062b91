"""A real ``romas serve`` over HTTP: startup, the resources, concurrency and shutdown."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.databases import PostgresTemplate
from tests.e2e.server import ROMAS, ServerProcess, running_server

pytestmark = pytest.mark.e2e
CODE = 'price(apple, 3).\n+!start <- ?price(apple, P); .print("apple costs ", P).\n'


def test_entry_point_and_agent_round_trip(shared_server: ServerProcess) -> None:
    with httpx.Client(base_url=shared_server.url) as client:
        root = client.get("/")
        assert root.status_code == 200 and root.headers["content-type"].startswith("application/hal+json")
        assert root.json()["_links"]["agents"]["href"] == "/agents"
        created = client.put("/agents/alice", json={"code": CODE, "description": "buys apples"})
        assert created.status_code == 201 and created.headers["location"] == "/agents/alice"
        code = client.get("/agents/alice/code")
        assert code.text == CODE and code.headers["content-type"].startswith("text/x-asl")
        bad = client.put("/agents/alice/code", content=b"+!start <- .print(.\n", headers={"content-type": "text/x-asl"})
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["errors"][0]["line"] == 1
        deployed = client.put(
            "/agents/alice/code",
            content=(CODE + "+!stop.\n").encode(),
            headers={"content-type": "text/x-asl", "If-Match": '"1"'},
        )
        assert deployed.status_code == 200 and deployed.json()["code_revision"] == 2
        diff = client.get("/agents/alice/diff")
        assert "+!stop." in diff.text
        assert client.get("/ready").json()["status"] == "ok"


def test_twenty_concurrent_puts_with_one_if_match(shared_server: ServerProcess) -> None:
    async def race() -> list[int]:
        async with httpx.AsyncClient(base_url=shared_server.url, timeout=30) as client:
            assert (await client.put("/agents/bob", json={"code": CODE})).status_code == 201
            responses = await asyncio.gather(
                *(
                    client.put(
                        "/agents/bob", json={"code": CODE, "description": f"writer {i}"}, headers={"If-Match": '"1"'}
                    )
                    for i in range(20)
                )
            )
            return [r.status_code for r in responses]

    statuses = asyncio.run(race())
    assert sorted(statuses) == [200] + [412] * 19
    revisions = httpx.get(f"{shared_server.url}/agents/bob/revisions").json()
    assert revisions["count"] == 2


def test_data_survives_a_restart(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, tmp_path) as first:
        assert httpx.put(f"{first.url}/workspaces/shop", json={"description": "kept"}).status_code == 201
    with running_server(database_url, tmp_path) as second:
        assert httpx.get(f"{second.url}/workspaces/shop").json()["description"] == "kept"


def test_serve_creates_the_schema_of_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with running_server(url, tmp_path) as server:
        assert httpx.get(f"{server.url}/ready").json()["schema_revision"] == "current"


@pytest.mark.postgres
def test_serve_creates_the_schema_of_an_empty_postgres_database(tmp_path: Path) -> None:
    from tests.databases import require_postgres

    require_postgres()
    import asyncio as aio

    from tests.databases import _admin, pg_url

    name = f"romas_empty_{tmp_path.name[-12:].lower().replace('-', '_')}"
    aio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        with running_server(pg_url(name), tmp_path) as server:
            assert httpx.get(f"{server.url}/ready").json()["schema_revision"] == "current"
    finally:
        PostgresTemplate.drop(name)


def test_refuses_to_listen_beyond_loopback_without_tokens(tmp_path: Path) -> None:
    result = subprocess.run(
        [ROMAS, "serve", "--host", "0.0.0.0", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "ROMAS_TOKENS" in result.stderr


def test_db_upgrade_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [ROMAS, "db", "upgrade", "--database-url", f"sqlite:///{tmp_path / 'up.db'}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    from romas.store.migrate import head_revision

    assert f"revision {head_revision()}" in result.stdout


def test_sigterm_stops_the_server_cleanly(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, tmp_path) as server:
        process = server.process
    # uvicorn finishes the lifespan, then re-raises SIGTERM so the exit status says how it ended.
    assert process.returncode in (0, -15), server.output()
    assert "Application shutdown complete" in server.output()
