"""Settings from the environment: clear errors, safe defaults."""

from __future__ import annotations

import pytest

from romas.config import ConfigError, Settings, load_settings, normalise_database_url, parse_tokens


def test_defaults_are_sqlite_on_loopback() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite+aiosqlite:///./romas.db"
    assert settings.host == "127.0.0.1" and settings.port == 8000 and settings.max_body_bytes == 1024 * 1024
    settings.check_exposure()


def test_values_from_the_environment() -> None:
    settings = load_settings(
        {
            "ROMAS_DATABASE_URL": "postgresql://u@db/romas",
            "ROMAS_PORT": "9000",
            "ROMAS_MAX_BODY_BYTES": "2048",
            "ROMAS_ARTEFACT_MODULES": "shop.types, other",
            "ROMAS_REQUIRE_PRECONDITIONS": "yes",
            "ROMAS_AGENT_MEMORY_MB": "64",
            "ROMAS_CLUSTER_LEASE_S": "10",
            "ROMAS_CLUSTER_HEARTBEAT_S": "2.5",
        }
    )
    assert (settings.cluster_lease_s, settings.cluster_heartbeat_s) == (10.0, 2.5)
    assert (load_settings({}).cluster_lease_s, load_settings({}).cluster_heartbeat_s) == (4.0, 1.0)
    assert settings.agent_memory_mb == 64 and load_settings({}).agent_memory_mb == 16
    assert settings.database_url == "postgresql+asyncpg://u@db/romas"
    assert settings.port == 9000 and settings.max_body_bytes == 2048
    assert settings.artefact_modules == ("shop.types", "other") and settings.require_preconditions


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ROMAS_PORT": "eighty"}, "ROMAS_PORT"),
        ({"ROMAS_MAX_BODY_BYTES": "0"}, "at least 1"),
        ({"ROMAS_DATABASE_URL": "mysql://x"}, "unsupported database"),
        ({"ROMAS_REQUIRE_PRECONDITIONS": "maybe"}, "true or false"),
        ({"ROMAS_TOKENS": "justaname"}, "name:secret"),
        ({"ROMAS_TOKENS": "ci:x:fly"}, "unknown scope"),
        ({"ROMAS_AGENT_MEMORY_MB": "0"}, "ROMAS_AGENT_MEMORY_MB must be at least 1"),
        ({"ROMAS_CLUSTER_LEASE_S": "-1"}, "ROMAS_CLUSTER_LEASE_S must be a positive number"),
        ({"ROMAS_CLUSTER_LEASE_S": "1.5"}, "ROMAS_CLUSTER_HEARTBEAT_S .* at most half of ROMAS_CLUSTER_LEASE_S"),
        ({"ROMAS_CLUSTER_HEARTBEAT_S": "3"}, "at most half"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_tokens_and_exposure() -> None:
    tokens = parse_tokens("ci:s3:read+deploy; admin:root")
    assert tokens[0].scopes == frozenset({"read", "deploy"}) and "admin" in tokens[1].scopes
    with pytest.raises(ConfigError, match="refusing to listen"):
        Settings(host="0.0.0.0").check_exposure()
    Settings(host="0.0.0.0", tokens=tokens).check_exposure()


def test_database_urls_people_paste() -> None:
    assert normalise_database_url("postgres://a@b/c") == "postgresql+asyncpg://a@b/c"
    assert normalise_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
