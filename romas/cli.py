"""The ``romas`` command: serve, db upgrade, openapi, run, apply, export, rollback, import."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from romas.config import ConfigError, Settings, load_settings

OPENAPI_PATH = Path("openapi/openapi.json")


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    return settings.with_overrides(
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        database_url=_url(getattr(args, "database_url", None)),
        seed_dir=Path(args.seed) if getattr(args, "seed", None) else None,
        export_nats=getattr(args, "export", None),
    )


def _url(url: str | None) -> str | None:
    if url is None:
        return None
    from romas.config import normalise_database_url

    return normalise_database_url(url)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from romas import collector
    from romas.logs import configure as configure_logging
    from romas.logs import uvicorn_log_config
    from romas.server import SchemaOutdated, create_app

    settings = _settings(args)
    settings.check_exposure()
    if settings.export_nats is not None:
        from romas.bridges.export import ExportConfigError, parse_target

        try:
            parse_target(settings.export_nats)
        except ExportConfigError as exc:
            print(f"romas: {exc}", file=sys.stderr)
            return 2
    if settings.seed_dir is not None and not _seed_folder_is_valid(settings):
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:  # pragma: no cover - platforms without uvloop
        loop = "asyncio"
    # The OpenAPI document is built by the first request for it (a fifth of a second), not by every start.
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop=loop,
        http="httptools",
        log_level=settings.log_level,
        log_config=uvicorn_log_config(),
        access_log=args.access_log,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    collector.settle()
    try:
        server.run()
    except SchemaOutdated as exc:
        print(f"romas: {exc}", file=sys.stderr)
        return 2
    return 0 if server.started else 1


def _seed_folder_is_valid(settings: Settings) -> bool:
    """Report every problem of the --seed folder before anything starts."""
    from romas.deploy.specs import load_specs
    from romas.domain.artefact_types import load_artefact_types

    assert settings.seed_dir is not None
    _, problems = load_specs(settings.seed_dir, load_artefact_types(settings.artefact_modules))
    for problem in problems:
        print(f"romas: {settings.seed_dir}/{problem}", file=sys.stderr)
    return not problems


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from romas.store.engine import create_engine
    from romas.store.migrate import current_revision, upgrade

    settings = _settings(args)

    async def run() -> str | None:
        engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(run())
    print(f"database schema at revision {revision}")
    return 0


def openapi_document() -> str:
    from litestar._openapi.plugin import OpenAPIPlugin
    from litestar.serialization import encode_json

    from romas.server import create_app

    app = create_app(Settings())
    # Litestar's encoder is the one that serves /schema/openapi.json, so the file equals what clients get.
    schema = json.loads(encode_json(app.plugins.get(OpenAPIPlugin).provide_openapi_schema()))
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def cmd_openapi(args: argparse.Namespace) -> int:
    document = openapi_document()
    target = Path(args.output)
    if args.check:
        if not target.is_file() or target.read_text(encoding="utf-8") != document:
            print(f"{target} is stale: run `romas openapi` and commit the result", file=sys.stderr)
            return 1
        print(f"{target} is current")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(document, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="romas", description="A resource-oriented server for multi-agent systems.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1, ROMAS_HOST)")
    serve.add_argument("--port", type=int, help="port (default 8000, ROMAS_PORT)")
    serve.add_argument("--database-url", help="sqlite+aiosqlite:///./romas.db (default) or postgresql://...")
    serve.add_argument("--seed", metavar="DIR", help="load this agent_specs/ folder into an empty database")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--export",
        metavar="NATS_URL",
        help="publish the event log to JetStream: nats://host:4222/STREAM?prefix=romas.events (ROMAS_EXPORT_NATS)",
    )
    serve.set_defaults(func=cmd_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="bring the schema to the newest migration")
    db_upgrade.add_argument("--database-url")
    db_upgrade.set_defaults(func=cmd_db_upgrade)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", default=str(OPENAPI_PATH))
    openapi.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    openapi.set_defaults(func=cmd_openapi)

    commands.add_parser(
        "run", help="run an agent_specs/ folder (or agent files) locally with the server's runtime (romas run --help)"
    )

    from romas.deploy.cli import add_commands

    add_commands(commands)  # apply, export, rollback, import
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["run"]:
        # `romas run` has options of its own, which may come before the files: its parser reads them all.
        from romas.deploy.localmas import main as run_main

        return run_main(arguments[1:])
    args = build_parser().parse_args(arguments)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"romas: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
