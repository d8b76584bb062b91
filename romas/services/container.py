"""Everything a request handler may need, built once per server."""

from __future__ import annotations

from dataclasses import dataclass

from romas.agentspeak.host import Limits
from romas.bridges.export import JetStreamExport
from romas.config import Settings
from romas.domain.artefact_types import Registry, load_artefact_types
from romas.runtime.runtime import Runtime
from romas.services.agents import AgentService
from romas.services.directory import DirectoryService
from romas.services.mas import MasAdmin
from romas.services.org_runtime import OrgRuntime
from romas.services.organisations import OrganisationService
from romas.services.workspaces import ArtefactService, WorkspaceService
from romas.store.eventstore import Store


@dataclass(slots=True)
class Services:
    settings: Settings
    store: Store
    registry: Registry
    agents: AgentService
    directory: DirectoryService
    workspaces: WorkspaceService
    artefacts: ArtefactService
    organisations: OrganisationService
    org_runtime: OrgRuntime
    runtime: Runtime
    export: JetStreamExport | None = None
    """The event log's export to JetStream, when the server was started with one."""

    @classmethod
    def build(cls, settings: Settings, store: Store, registry: Registry | None = None) -> Services:
        registry = registry or load_artefact_types(settings.artefact_modules)
        org_runtime = OrgRuntime(store)
        agents = AgentService(store)
        directory = DirectoryService(store)
        runtime = Runtime(store, registry, org_runtime, MasAdmin(agents, directory), limits=agent_limits(settings))
        runtime.leadership.ttl_s = settings.cluster_lease_s
        runtime.leadership.heartbeat_s = settings.cluster_heartbeat_s
        runtime.leadership.url = settings.base_url  # how the other processes and GET /cluster name this one
        return cls(
            settings=settings,
            store=store,
            registry=registry,
            agents=agents,
            directory=directory,
            workspaces=WorkspaceService(store),
            artefacts=ArtefactService(store, registry),
            organisations=OrganisationService(store),
            org_runtime=org_runtime,
            runtime=runtime,
        )


def agent_limits(settings: Settings) -> Limits:
    """The interpreter's limits for the agents this server runs."""
    return Limits(max_memory_bytes=settings.agent_memory_mb * 1024 * 1024)
