"""Settings read from the environment (``ROMAS_*``), so a container or CI job configures romas without files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./romas.db"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SCOPES = ("read", "write", "operate", "deploy", "admin")


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Token:
    """A bearer token: its name becomes the actor of every change made with it."""

    name: str
    secret: str
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``count`` requests per ``period_s`` seconds, with bursts up to ``count``."""

    count: int
    period_s: float

    @property
    def per_second(self) -> float:
        return self.count / self.period_s


_PERIODS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0}


def parse_rate_limit(text: str) -> RateLimit | None:
    """``100/s``, ``6000/min``, ``20000/h``; empty or ``off`` turns the limit off."""
    raw = text.strip().lower()
    if raw in {"", "off", "none", "0"}:
        return None
    count, _, unit = raw.partition("/")
    period = _PERIODS.get(unit.strip())
    if not count.strip().isdigit() or period is None or int(count) < 1:
        raise ConfigError(f"ROMAS_RATE_LIMIT: expected N/s, N/min or N/h (or off), got {text!r}")
    return RateLimit(int(count), period)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1024 * 1024
    require_preconditions: bool = False
    tokens: tuple[Token, ...] = ()
    seed_dir: Path | None = None
    sqlite_synchronous: str = "FULL"
    pool_size: int = 20
    page_limit_default: int = 50
    page_limit_max: int = 500
    artefact_modules: tuple[str, ...] = field(default_factory=tuple)
    log_level: str = "info"
    agent_memory_mb: int = 16
    """Each agent's memory budget (see romas/agentspeak/sizes.py)."""
    public_url: str | None = None
    """The absolute URL clients reach this server at (the OpenAPI ``servers`` entry); default from host and port."""
    cors_origins: tuple[str, ...] = ()
    """Browser origins allowed to call the API (``*`` for any); none by default."""

    @property
    def base_url(self) -> str:
        """Where clients reach the server: ``ROMAS_PUBLIC_URL``, or the bind address and port."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    log_format: str = "plain"
    """``plain`` or ``json``: the request log and the server's own lines."""
    rate_limit: RateLimit | None = None
    """Writes allowed per token (or client address without tokens); None: unlimited."""
    metrics_top_agents: int = 20
    """Agents with their own series in ``/metrics`` (the busiest ones); ``/metrics/agents`` has them all."""
    export_nats: str | None = None
    """Where the event log is published (``nats://host:port/STREAM?prefix=...``; ROMAS_EXPORT_NATS)."""
    egress_allow: str = ""
    """Hosts and CIDRs romas may call although they are loopback or private (webhooks, external agents)."""
    webhook_backoff_s: float = 1.0
    webhook_max_attempts: int = 10
    cluster_lease_s: float = 4.0
    """How long a shard's lease lasts unrenewed (ROMAS_CLUSTER_LEASE_S): a dead process's agents run elsewhere
    about this long after it died."""
    cluster_heartbeat_s: float = 1.0
    """How often a process renews its heartbeat and leases (ROMAS_CLUSTER_HEARTBEAT_S); below the lease."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def auth_enabled(self) -> bool:
        return bool(self.tokens)

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    def check_exposure(self) -> None:
        """A server reachable beyond loopback must not accept anonymous writes."""
        if self.host not in LOOPBACK_HOSTS and not self.tokens:
            raise ConfigError(
                f"refusing to listen on {self.host}: set ROMAS_TOKENS (or bind to 127.0.0.1) "
                "so that the API is not open to anyone on the network"
            )


def parse_tokens(text: str) -> tuple[Token, ...]:
    """``name:secret:scope+scope;name2:secret2:admin`` (scopes default to all)."""
    tokens: list[Token] = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        pieces = item.split(":")
        if len(pieces) not in (2, 3) or not pieces[0] or not pieces[1]:
            raise ConfigError(f"ROMAS_TOKENS: expected name:secret[:scope+scope], got {item!r}")
        scopes = frozenset(pieces[2].split("+")) if len(pieces) == 3 and pieces[2] else frozenset(SCOPES)
        unknown = scopes - set(SCOPES)
        if unknown:
            raise ConfigError(f"ROMAS_TOKENS: unknown scope(s) {sorted(unknown)} for {pieces[0]!r}")
        tokens.append(Token(pieces[0], pieces[1], scopes))
    return tuple(tokens)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if not 0 < value < 86400:
        raise ConfigError(f"{name} must be a positive number of seconds, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    synchronous = env.get("ROMAS_SQLITE_SYNCHRONOUS", "FULL").upper()
    if synchronous not in {"FULL", "NORMAL", "EXTRA"}:
        raise ConfigError("ROMAS_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA")
    seed = env.get("ROMAS_SEED_DIR")
    return Settings(
        database_url=normalise_database_url(env.get("ROMAS_DATABASE_URL") or DEFAULT_DATABASE_URL),
        host=env.get("ROMAS_HOST") or "127.0.0.1",
        port=_int(env, "ROMAS_PORT", 8000, minimum=0),
        max_body_bytes=_int(env, "ROMAS_MAX_BODY_BYTES", 1024 * 1024),
        require_preconditions=_bool(env, "ROMAS_REQUIRE_PRECONDITIONS", False),
        tokens=parse_tokens(env.get("ROMAS_TOKENS", "")),
        seed_dir=Path(seed) if seed else None,
        sqlite_synchronous=synchronous,
        pool_size=_int(env, "ROMAS_POOL_SIZE", 20),
        artefact_modules=tuple(m for m in env.get("ROMAS_ARTEFACT_MODULES", "").replace(",", " ").split() if m),
        log_level=env.get("ROMAS_LOG_LEVEL", "info").lower(),
        agent_memory_mb=_int(env, "ROMAS_AGENT_MEMORY_MB", 16),
        public_url=_public_url(env.get("ROMAS_PUBLIC_URL", "")),
        cors_origins=_origins(env.get("ROMAS_CORS_ORIGINS", "")),
        log_format=_log_format(env.get("ROMAS_LOG_FORMAT", "plain")),
        rate_limit=parse_rate_limit(env.get("ROMAS_RATE_LIMIT", "")),
        metrics_top_agents=_int(env, "ROMAS_METRICS_TOP_AGENTS", 20, minimum=0),
        export_nats=env.get("ROMAS_EXPORT_NATS") or None,
        egress_allow=env.get("ROMAS_EGRESS_ALLOW", ""),
        webhook_backoff_s=_float(env, "ROMAS_WEBHOOK_BACKOFF_S", 1.0),
        webhook_max_attempts=_int(env, "ROMAS_WEBHOOK_MAX_ATTEMPTS", 10),
        cluster_lease_s=_float(env, "ROMAS_CLUSTER_LEASE_S", 4.0),
        cluster_heartbeat_s=_cluster_heartbeat(env),
    )


def _cluster_heartbeat(env: Mapping[str, str]) -> float:
    """How often leases are renewed: often enough that a lease outlives a missed renewal."""
    lease = _float(env, "ROMAS_CLUSTER_LEASE_S", 4.0)
    heartbeat = _float(env, "ROMAS_CLUSTER_HEARTBEAT_S", 1.0)
    if heartbeat * 2 > lease:
        raise ConfigError(
            f"ROMAS_CLUSTER_HEARTBEAT_S ({heartbeat:g}) must be at most half of ROMAS_CLUSTER_LEASE_S ({lease:g}), "
            "so that a lease outlives a missed renewal"
        )
    return heartbeat


def _public_url(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"ROMAS_PUBLIC_URL must be an absolute http(s) URL without query, got {raw!r}")
    return raw.rstrip("/")


def _origins(raw: str) -> tuple[str, ...]:
    """``https://a.example, https://b.example`` (commas or spaces), or ``*``."""
    origins = tuple(o for o in raw.replace(",", " ").split() if o)
    for origin in origins:
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path):
            raise ConfigError(f"ROMAS_CORS_ORIGINS: {origin!r} is not an origin such as https://app.example")
    return origins


def _log_format(raw: str) -> str:
    value = raw.strip().lower() or "plain"
    if value not in {"plain", "json"}:
        raise ConfigError(f"ROMAS_LOG_FORMAT must be plain or json, got {raw!r}")
    return value


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (``postgresql://``, ``sqlite:///``) and pick the async drivers."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise ConfigError(f"ROMAS_DATABASE_URL: unsupported database {url.split(':', 1)[0]!r} (use sqlite or postgresql)")
