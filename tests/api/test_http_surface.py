"""What any HTTP client relies on beyond the resources: Allow, CORS, the OpenAPI servers, the docs assets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from romas.config import ConfigError, Settings, load_settings
from romas.server import create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    """None of this depends on the database: one SQLite file is enough."""
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/romas.db"))
    async with AsyncTestClient(app=app, base_url="http://romas.test") as test_client:
        yield test_client


ALLOW = {
    "/agents": "GET, OPTIONS",
    "/agents/bob": "DELETE, GET, OPTIONS, PATCH, PUT",
    "/agents/bob/inbox": "GET, OPTIONS, POST",
    "/agents/bob/code": "GET, OPTIONS, PUT",
    "/workspaces/shop": "DELETE, GET, OPTIONS, PUT",
    "/workspaces/shop/artefacts/stock/operations/inc": "OPTIONS, POST",
    "/organisations/market/groups/team": "DELETE, GET, OPTIONS, PUT",
}


@pytest.mark.parametrize(("path", "allow"), sorted(ALLOW.items()))
async def test_options_names_every_method_of_the_path(client: AsyncTestClient[Any], path: str, allow: str) -> None:
    response = await client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow


async def test_405_names_the_same_methods(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/agents/bob", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == ALLOW["/agents/bob"]
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_openapi_servers_default_to_the_bind_address(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db", host="127.0.0.1", port=8123))
    assert app.openapi_schema.servers is not None
    assert [s.url for s in app.openapi_schema.servers] == ["http://127.0.0.1:8123"]


async def test_openapi_servers_take_the_public_url(tmp_path: Path) -> None:
    settings = load_settings({"ROMAS_PUBLIC_URL": "https://mas.example/romas/", "ROMAS_PORT": "9000"})
    app = create_app(settings.with_overrides(database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db"))
    assert app.openapi_schema.servers is not None
    assert [s.url for s in app.openapi_schema.servers] == ["https://mas.example/romas"]


def test_settings_refuse_unusable_urls_and_origins() -> None:
    with pytest.raises(ConfigError, match="ROMAS_PUBLIC_URL"):
        load_settings({"ROMAS_PUBLIC_URL": "mas.example"})
    with pytest.raises(ConfigError, match="ROMAS_CORS_ORIGINS"):
        load_settings({"ROMAS_CORS_ORIGINS": "https://a.example/path"})
    assert load_settings({"ROMAS_CORS_ORIGINS": "https://a.example, http://b.example:8080"}).cors_origins == (
        "https://a.example",
        "http://b.example:8080",
    )


async def test_cors_is_off_unless_configured(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/agents", headers={"Origin": "https://app.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_cors_answers_configured_origins(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db", cors_origins=("https://app.example",))
    async with AsyncTestClient(app=create_app(settings), base_url="http://romas.test") as client:
        preflight = await client.options(
            "/agents/bob",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "content-type, if-match",
            },
        )
        assert preflight.status_code in (200, 204)
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        assert "PUT" in preflight.headers["access-control-allow-methods"]
        simple = await client.get("/agents", headers={"Origin": "https://app.example"})
        assert simple.headers["access-control-allow-origin"] == "https://app.example"
        assert "etag" in simple.headers["access-control-expose-headers"].lower()
        other = await client.get("/agents", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("page", ["/schema", "/schema/scalar", "/schema/swagger", "/schema/redoc"])
async def test_reference_pages_load_their_assets_from_this_server(client: AsyncTestClient[Any], page: str) -> None:
    html = (await client.get(page)).text
    assert "/schema/assets/" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdn.redoc.ly", "fonts.googleapis.com"):
        assert cdn not in html


@pytest.mark.parametrize(
    "asset",
    [
        "scalar/standalone.js",
        "swagger-ui/swagger-ui-bundle.js",
        "swagger-ui/swagger-ui.css",
        "redoc/redoc.standalone.js",
        "redoc/LICENSE",
        "swagger-ui/LICENSE",
        "scalar/LICENSE",
    ],
)
async def test_docs_assets_are_served(client: AsyncTestClient[Any], asset: str) -> None:
    response = await client.get(f"/schema/assets/{asset}")
    assert response.status_code == 200
    assert len(response.content) > 500


async def test_bodies_are_read_as_strictly_as_the_document_says(client: AsyncTestClient[Any]) -> None:
    assert (await client.put("/agents/bob", json={"code": ""})).status_code == 201
    late = await client.post("/agents/bob/inbox", json={"performative": "tell", "content": "a", "expires_at": 0})
    assert late.status_code == 422
    assert late.json()["errors"] == [{"path": "/expires_at", "message": "Expected `datetime | null`, got `int`"}]
    dirty = await client.post("/deployments", json={"manifest": {}, "dry_run": True, "source": {"dirty": 0}})
    assert dirty.status_code == 422 and dirty.json()["errors"][0]["path"] == "/source/dirty"
    fine = await client.post("/agents/bob/commands", json={"body": ".print(1)", "timeout_s": 5})
    assert fine.status_code == 202


async def test_served_document_closes_bodies_and_marks_read_only_fields(client: AsyncTestClient[Any]) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    agent = schemas["AgentInput"]
    assert agent["additionalProperties"] is False
    assert all(agent["properties"][f]["readOnly"] for f in ("name", "revision", "updated_at", "_links"))
    assert "readOnly" not in agent["properties"]["code"]
    put = document["paths"]["/agents/{name}"]["put"]
    assert put["requestBody"]["content"]["application/json"]["example"]["code"]
    assert {p["name"]: p.get("example") for p in put["parameters"]}["name"] == "bob"
    cursor = {p["name"]: p for p in document["paths"]["/agents"]["get"]["parameters"]}["cursor"]
    assert cursor["schema"]["pattern"] == "^[A-Za-z0-9_-]{2,2000}$"


async def test_responses_carry_examples_recorded_from_a_real_server(client: AsyncTestClient[Any]) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    for name in ("Agent", "Workspace", "Artefact", "MessageBody", "CommandBody", "InvocationBody"):
        example = schemas[name]["example"]
        assert set(example) <= set(schemas[name]["properties"]), name
        assert example["_links"]["self"]["href"].startswith("/")
