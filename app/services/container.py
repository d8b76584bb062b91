"""Everything a request handler may need, built once per server."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.domain.artefact_types import Registry, load_artefact_types
from app.runtime.runtime import Runtime
from app.services.agents import AgentService
from app.services.org_runtime import OrgRuntime
from app.services.organisations import OrganisationService
from app.services.workspaces import ArtefactService, WorkspaceService
from app.store.eventstore import Store


@dataclass(slots=True)
class Services:
    settings: Settings
    store: Store
    registry: Registry
    agents: AgentService
    workspaces: WorkspaceService
    artefacts: ArtefactService
    organisations: OrganisationService
    org_runtime: OrgRuntime
    runtime: Runtime

    @classmethod
    def build(cls, settings: Settings, store: Store, registry: Registry | None = None) -> Services:
        registry = registry or load_artefact_types(settings.artefact_modules)
        org_runtime = OrgRuntime(store)
        return cls(
            settings=settings,
            store=store,
            registry=registry,
            agents=AgentService(store),
            workspaces=WorkspaceService(store),
            artefacts=ArtefactService(store, registry),
            organisations=OrganisationService(store),
            org_runtime=org_runtime,
            runtime=Runtime(store, registry, org_runtime),
        )
