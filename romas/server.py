"""The Litestar application: routes, error handling, OpenAPI, and a lifespan that owns the database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Server

from romas import __version__
from romas.api.activity import ClientActivity
from romas.api.agent_code import AgentCodeController
from romas.api.agents import AgentController
from romas.api.artefact_types import ArtefactTypeController
from romas.api.artefacts import ArtefactController
from romas.api.auth import authorize
from romas.api.commands import CommandController
from romas.api.deployments import DeploymentController, ManifestController
from romas.api.deps import provide_services
from romas.api.events import EventController
from romas.api.groups import GroupController
from romas.api.media import JSON_BODIES, PATCH_BODIES, base_type
from romas.api.messages import InboxController, OutboxController
from romas.api.mind import MindController
from romas.api.obligations import ObligationController
from romas.api.operations import OperationController
from romas.api.organisations import OrganisationController
from romas.api.overview import OverviewController
from romas.api.problems import EXCEPTION_HANDLERS, ProblemError
from romas.api.root import RootController
from romas.api.schemes import SchemeController
from romas.api.whoami import WhoAmIController
from romas.api.workspaces import WorkspaceController
from romas.config import Settings
from romas.console.pages import console_router
from romas.deploy.seed import seed_if_empty
from romas.services.container import Services
from romas.store.engine import create_engine
from romas.store.eventstore import Store
from romas.store.migrate import current_revision, head_revision, upgrade
from romas.store.notify import CommitSignal

log = logging.getLogger("romas")

CONTROLLERS: list[Any] = [
    RootController,
    AgentController,
    AgentCodeController,
    InboxController,
    OutboxController,
    CommandController,
    MindController,
    WorkspaceController,
    ArtefactController,
    OperationController,
    ArtefactTypeController,
    OrganisationController,
    GroupController,
    SchemeController,
    ObligationController,
    OverviewController,
    EventController,
    DeploymentController,
    ManifestController,
    WhoAmIController,
    console_router,
]


class SchemaOutdated(RuntimeError):
    """The database has an older schema; upgrading it is an explicit step (``romas db upgrade``)."""


async def open_store(settings: Settings) -> Store:
    """Connect, and create the schema when the database is empty."""
    engine = create_engine(
        settings.database_url, pool_size=settings.pool_size, sqlite_synchronous=settings.sqlite_synchronous
    )
    try:
        current = await current_revision(engine)
        if current is None:
            log.info("empty database: creating the schema")
            await upgrade(engine)
        elif current != head_revision():
            raise SchemaOutdated(
                f"the database schema is at {current}, this romas needs {head_revision()}: run `romas db upgrade`"
            )
    except BaseException:
        await engine.dispose()
        raise
    return Store(engine)


async def check_body_type(request: Request[Any, Any, Any]) -> None:
    """Litestar decodes any body as JSON; refuse the wrong Content-Type with 415 instead of guessing."""
    handler = request.route_handler
    if "data" not in handler.parsed_fn_signature.parameters:
        return
    received = base_type(request.headers.get("content-type"))
    accepted = PATCH_BODIES if request.method == "PATCH" else JSON_BODIES
    if received not in accepted:
        raise ProblemError(
            415,
            "unsupported-media-type",
            f"send {' or '.join(sorted(accepted))}, not {received or 'a body without Content-Type'}",
        )


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="romas",
        version=__version__,
        description=(
            "A resource-oriented server for multi-agent systems: agents (AgentSpeak), workspaces with artefacts "
            "and organisations as HAL resources with revisions and time travel."
        ),
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
        servers=[Server(url="/")],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")},
        ),
        use_handler_docstrings=False,
        create_examples=False,
    )


def create_app(settings: Settings, *, store: Store | None = None) -> Litestar:
    """``store`` lets tests share one database between several apps; otherwise the lifespan opens one."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        own = store is None
        active = store if store is not None else await open_store(settings)
        services = Services.build(settings, active)
        app.state.services = services
        try:
            if settings.seed_dir is not None:
                await seed_if_empty(services, settings.seed_dir)
            # One signal per server wakes GET /events streams and the runtime's reading of the log.
            signal = CommitSignal(active)
            await signal.start()
            app.state.commit_signal = signal
            await services.runtime.start(signal)
            try:
                yield
            finally:
                await services.runtime.stop()
                await signal.stop()
        finally:
            if own:
                await active.dispose()

    return Litestar(
        route_handlers=CONTROLLERS,
        lifespan=[lifespan],
        state=State({"settings": settings}),
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        guards=[authorize],
        before_request=check_body_type,
        middleware=[ClientActivity],
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )
