"""The Litestar application: routes, error handling, OpenAPI, and a lifespan that owns the database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request

# Litestar keeps the built document in this plugin (not exported); refining the dict it serves needs it.
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Server
from prometheus_client import CollectorRegistry, ProcessCollector, disable_created_metrics

from romas import __version__
from romas.api.a2a import A2AController, AgentCardController
from romas.api.agent_code import AgentCodeController
from romas.api.agents import AgentController
from romas.api.artefact_types import ArtefactTypeController
from romas.api.artefacts import ArtefactController
from romas.api.auth import authorize
from romas.api.cluster import ClusterController
from romas.api.commands import CommandController
from romas.api.deployments import DeploymentController, ManifestController
from romas.api.deps import provide_services
from romas.api.directory import DirectoryController
from romas.api.docs import assets_router, render_plugins
from romas.api.events import EventController
from romas.api.groups import GroupController
from romas.api.media import JSON_BODIES, PATCH_BODIES, base_type
from romas.api.messages import InboxController, MessagesController, OutboxController
from romas.api.metrics import MetricsController
from romas.api.mind import MindController
from romas.api.nesting import MAX_DEPTH, too_deep
from romas.api.obligations import ObligationController
from romas.api.observe import HttpMetrics, RequestObserver
from romas.api.openapi_truth import refine
from romas.api.operations import OperationController
from romas.api.organisations import OrganisationController
from romas.api.overview import OverviewController
from romas.api.problems import EXCEPTION_HANDLERS, ProblemError, bad_request
from romas.api.root import RootController
from romas.api.schemes import SchemeController
from romas.api.strict import check_strict_body
from romas.api.subscriptions import SubscriptionController
from romas.api.whoami import WhoAmIController
from romas.api.workspaces import WorkspaceController
from romas.config import Settings
from romas.console.pages import console_router
from romas.deploy.seed import seed_if_empty
from romas.interop.egress import EgressRule
from romas.interop.external import ExternalForwarder
from romas.interop.webhooks import DeliveryPolicy, WebhookDispatcher
from romas.services.container import Services
from romas.store.engine import create_engine
from romas.store.eventstore import Store
from romas.store.migrate import current_revision, head_revision, upgrade
from romas.store.notify import CommitSignal

log = logging.getLogger("romas")
EXPOSED_HEADERS = [
    "ETag",
    "Location",
    "Link",
    "Content-Location",
    "Memento-Datetime",
    "Idempotent-Replayed",
    "Preference-Applied",
    "Retry-After",
]

CONTROLLERS: list[Any] = [
    RootController,
    AgentController,
    AgentCodeController,
    InboxController,
    MessagesController,
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
    DirectoryController,
    EventController,
    DeploymentController,
    ManifestController,
    MetricsController,
    SubscriptionController,
    AgentCardController,
    A2AController,
    WhoAmIController,
    ClusterController,
    console_router,
]


class RefinedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, refining the served document (``romas.api.openapi_truth``) once, when built."""

    __slots__ = ()

    def provide_openapi_schema(self) -> dict[str, Any]:
        if not self._openapi_schema:
            document = self.provide_openapi().to_schema()
            refine(document)
            self._openapi_schema = document
        return self._openapi_schema


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


async def before_handler(request: Request[Any, Any, Any]) -> None:
    """Who may call the handler, then whether its body is acceptable. Authorisation runs here rather than as a
    guard: Litestar copies the route handler for every guard call, which cost more than the check itself."""
    await authorize(request, request.route_handler)
    await check_body_type(request)


async def check_body_type(request: Request[Any, Any, Any]) -> None:
    """Litestar decodes any body as JSON; refuse the wrong Content-Type with 415 instead of guessing, and a
    body nested too deep to decode safely with 400 (every JSON body of the API passes here)."""
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
    if too_deep(await request.body()):
        raise bad_request(f"the JSON body nests arrays and objects more than {MAX_DEPTH} levels deep")
    await check_strict_body(request)


def openapi_config(settings: Settings) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="romas",
        version=__version__,
        description=(
            "A resource-oriented server for multi-agent systems: agents (AgentSpeak), workspaces with artefacts "
            "and organisations as HAL resources with revisions and time travel."
        ),
        path="/schema",
        render_plugins=render_plugins(),
        servers=[Server(url=settings.base_url, description="this romas")],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")},
        ),
        use_handler_docstrings=False,
        create_examples=False,
    )


def cors_config(settings: Settings) -> CORSConfig | None:
    """Browsers on the listed origins may call the API; the headers romas answers with are readable there."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "PUT", "PATCH", "POST", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=600,
    )


def create_app(settings: Settings, *, store: Store | None = None) -> Litestar:
    """``store`` lets tests share one database between several apps; otherwise the lifespan opens one."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # From the state, not this call: reuse_app may have readied the app for other settings since.
        settings: Settings = app.state.settings
        store: Store | None = app.state.given_store
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
            if settings.export_nats is not None:
                from romas.bridges.export import JetStreamExport, parse_target

                runtime = services.runtime
                services.export = JetStreamExport(
                    active, parse_target(settings.export_nats), lambda: runtime.coordinating
                )
                services.export.start()
            dispatcher = WebhookDispatcher(
                active,
                EgressRule.parse(settings.egress_allow),
                DeliveryPolicy(backoff_s=settings.webhook_backoff_s, max_attempts=settings.webhook_max_attempts),
                lambda: services.runtime.coordinating,
            )
            await dispatcher.start(signal, services.runtime.watchers)
            forwarder = ExternalForwarder(
                active, dispatcher.egress, dispatcher.policy, lambda: services.runtime.coordinating
            )
            await forwarder.start(signal, services.runtime.watchers)
            try:
                yield
            finally:
                await forwarder.stop()
                await dispatcher.stop()
                if services.export is not None:
                    await services.export.stop()
                await services.runtime.stop()
                await signal.stop()
        finally:
            if own:
                await active.dispose()

    app = Litestar(
        route_handlers=[*CONTROLLERS, assets_router()],
        lifespan=[lifespan],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=before_handler,
        openapi_config=openapi_config(settings),
        cors_config=cors_config(settings),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
        logging_config=None,  # romas.logs configures logging for `romas serve`; Litestar's own would override it
    )
    # The document is built and refined on its first request, not here: building it costs more than the rest of
    # the application together, and most apps (a server's, a test's) never serve it or serve it much later.
    app.plugins.get(OpenAPIPlugin).__class__ = RefinedOpenAPIPlugin
    app.state.shape = _shape(settings)
    return reuse_app(app, settings, store=store)


def _shape(settings: Settings) -> tuple[Any, ...]:
    """The settings Litestar fixes when it builds an application (the others are read at each run)."""
    return (settings.base_url, settings.cors_origins, settings.max_body_bytes)


def reuse_app(app: Litestar, settings: Settings, *, store: Store | None = None) -> Litestar:
    """Ready an application made by :func:`create_app` for a new run on ``settings``, as if it were new: its own
    settings, store, counters and rate limits. Making one costs more CPU than most API tests, so the tests reuse
    one; only the settings it was made with (its address, CORS origins and body limit) cannot change."""
    if app.state.shape != _shape(settings):
        raise ValueError("this application was made for another address, CORS origins or body limit")
    disable_created_metrics()  # type: ignore[no-untyped-call]  # a `_created` twin of every counter only doubles the scrape
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    for leftover in ("services", "commit_signal"):
        app.state.pop(leftover, None)
    app.state.update(settings=settings, metrics_registry=registry, given_store=store)
    # Outside Litestar's routing and error handling, so every answer is counted and logged; it also counts the
    # requests at work for the runtime, fixes the Allow header of OPTIONS answers and answers the hot reads.
    handler = app.asgi_handler
    if isinstance(handler, RequestObserver):
        handler = handler.app
    app.asgi_handler = RequestObserver(handler, settings, HttpMetrics(registry))
    return app
