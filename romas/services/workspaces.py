"""Workspaces and their artefacts. An artefact lives under a live workspace; deleting a workspace deletes
its artefacts in the same transaction (their history stays)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from romas.domain.artefact_types import Registry
from romas.domain.errors import FieldError, InvalidInput, NotFound
from romas.domain.revisioned import decide_delete
from romas.services.preconditions import NONE, Preconditions
from romas.services.resources import ResourceKey, RevisionedService, Written
from romas.store import invocations
from romas.store.eventstore import Change, ResourceRow, Writer
from romas.store.together import Together


def workspace_key(name: str) -> ResourceKey:
    return ResourceKey("workspace", "", name)


def artefact_key(workspace: str, name: str) -> ResourceKey:
    return ResourceKey("artefact", f"/workspaces/{workspace}", name)


class WorkspaceService(RevisionedService):
    kind = "workspace"

    async def put_workspace(self, writer: Writer, name: str, *, description: str, pre: Preconditions = NONE) -> Written:
        return await self.put(writer, workspace_key(name), {"description": description}, pre)

    async def before_delete(self, writer: Writer, key: ResourceKey, row: ResourceRow) -> None:
        for artefact in await writer.children("artefact", key.stream_id):
            decision = decide_delete("artefact", artefact.state)
            await writer.record(
                Change(
                    stream_id=artefact.stream_id,
                    stream_type="artefact",
                    parent=artefact.parent,
                    name=artefact.name,
                    expected_revision=artefact.revision,
                    event_type=decision.event_type,
                    data={"with_workspace": key.stream_id},
                    state=artefact.state,
                    summary=f"deleted with workspace {key.name}",
                    deleted=True,
                )
            )


TYPES_KEPT = 4096
"""Artefacts whose type ArtefactService.type_of remembers."""


class ArtefactService(RevisionedService):
    kind = "artefact"

    def __init__(self, store: Any, registry: Registry) -> None:
        super().__init__(store)
        self.registry = registry
        self._types: OrderedDict[str, str] = OrderedDict()
        self.accepts: Together[invocations.Asked, invocations.ArtefactGate] = Together(
            store, invocations.accept_many_if_live, name="romas-invocation-accepts"
        )
        """Clients' invocations accepted together (see together.py)."""

    async def type_of(self, key: ResourceKey) -> str:
        """The type of a live artefact, for checking an operation before it is accepted: remembered once read, so a
        stream of operations on one artefact does not read it each time. A remembered type may be stale (the
        artefact deleted and made again with another type): the accept checks the type again in its statement
        (``invocations.accept_if_live``) and writes nothing then; :meth:`learned_type` corrects the memory."""
        known = self._types.get(key.stream_id)
        if known is not None:
            self._types.move_to_end(key.stream_id)
            return known
        kind = str((await self.get(key)).state["type"])
        self.learned_type(key, kind)
        return kind

    def learned_type(self, key: ResourceKey, kind: str | None) -> None:
        """What an accept read of the artefact's type (None: no live artefact): kept for at most ``TYPES_KEPT``
        artefacts, the least recently used forgotten first."""
        if kind is None:
            self._types.pop(key.stream_id, None)
            return
        self._types[key.stream_id] = kind
        self._types.move_to_end(key.stream_id)
        while len(self._types) > TYPES_KEPT:
            self._types.popitem(last=False)

    async def check_parent(self, writer: Writer, key: ResourceKey) -> None:
        workspace = await writer.current(key.parent)
        if workspace is None or workspace.deleted:
            ws = key.parent.rsplit("/", 1)[-1]
            state = "was deleted" if workspace is not None else "does not exist"
            raise NotFound(f"workspace {ws} {state}; PUT /workspaces/{ws} first")

    async def workspace_exists(self, workspace: str) -> None:
        row = await self.store.current(workspace_key(workspace).stream_id)
        WorkspaceService(self.store)._live(workspace_key(workspace), row)

    def desired_state(self, type_name: str, properties: object, description: str) -> dict[str, Any]:
        """Validate the type and initial properties; defaults are filled in so an identical PUT is a no-op."""
        artefact_type = self.registry.get(type_name)
        if artefact_type is None:
            known = ", ".join(self.registry.names())
            raise InvalidInput(
                f"unknown artefact type {type_name!r}",
                [FieldError("/type", f"unknown artefact type {type_name!r}; known types: {known}")],
            )
        normalised, errors = artefact_type.validate_properties({} if properties is None else properties)
        if normalised is None:
            raise InvalidInput(
                f"the properties do not fit artefact type {type_name!r}",
                [FieldError("/properties" + e.path, e.message) for e in errors],
            )
        return {"type": type_name, "properties": normalised, "description": description}

    async def put_artefact(
        self, writer: Writer, workspace: str, name: str, desired: dict[str, Any], pre: Preconditions = NONE
    ) -> Written:
        return await self.put(writer, artefact_key(workspace, name), desired, pre)
