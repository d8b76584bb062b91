"""The running MAS as a manifest, now or as it was at an instant: what ``GET /manifest`` answers and
``romas export`` writes as a folder. Deploying it changes nothing, because every field is read from the same
state a deployment compares with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from romas.deploy.manifest import AgentSpec, ArtefactSpec, Manifest, WorkspaceSpec
from romas.store.eventstore import Store

LATEST: Final = datetime(9999, 12, 31, tzinfo=UTC)
"""Later than any revision: the MAS as of every committed change."""


async def manifest_at(store: Store, instant: datetime | None = None) -> Manifest:
    """The MAS at ``instant`` (None: now)."""
    at = LATEST if instant is None else instant

    async def states(kind: str) -> list[tuple[str, str, dict[str, Any]]]:
        rows = await store.list_as_of(kind, None, at, after=None, limit=None)
        return [(row.parent, row.name, row.state) for row in rows]

    artefacts: dict[str, dict[str, ArtefactSpec]] = {}
    for parent, name, state in await states("artefact"):
        artefacts.setdefault(parent, {})[name] = ArtefactSpec(
            type=state["type"], properties=state["properties"], description=state["description"]
        )
    workspaces = {
        name: WorkspaceSpec(description=state["description"], artefacts=artefacts.get(f"/workspaces/{name}", {}))
        for _parent, name, state in await states("workspace")
    }
    agents = {
        name: AgentSpec(
            code=state["code"], description=state["description"], metadata=state["metadata"], state=state["state"]
        )
        for _parent, name, state in await states("agent")
    }
    organisations = {name: state for _parent, name, state in await states("organisation")}
    return Manifest(agents=agents, workspaces=workspaces, organisations=organisations)
