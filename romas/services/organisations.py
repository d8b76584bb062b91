"""Organisations: a Moise specification, validated as a whole and stored normalised."""

from __future__ import annotations

from typing import Any

from romas.domain.errors import FieldError, InvalidInput
from romas.domain.organisations import validate_specification
from romas.services.preconditions import NONE, Preconditions
from romas.services.resources import ResourceKey, RevisionedService, Written
from romas.store.eventstore import Change, ResourceRow, Writer

READ_ONLY = frozenset({"name", "revision", "updated_at", "_links", "_embedded"})


def organisation_key(name: str) -> ResourceKey:
    return ResourceKey("organisation", "", name)


def specification_state(body: object) -> dict[str, Any]:
    """The normalised specification, or InvalidInput with a JSON Pointer for every problem."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in READ_ONLY}
    spec, errors = validate_specification(body)
    if spec is None:
        count = len(errors)
        raise InvalidInput(
            f"the specification is not valid ({count} problem{'s' if count != 1 else ''})",
            [FieldError(e.path, e.message) for e in errors],
        )
    return spec.to_builtins()


class OrganisationService(RevisionedService):
    kind = "organisation"

    async def put_organisation(
        self, writer: Writer, name: str, state: dict[str, Any], pre: Preconditions = NONE
    ) -> Written:
        return await self.put(writer, organisation_key(name), state, pre)

    async def before_delete(self, writer: Writer, key: ResourceKey, row: ResourceRow) -> None:
        """Its schemes and groups go with it, in the same transaction (their history stays)."""
        for kind in ("scheme", "group"):
            for child in await writer.children(kind, key.stream_id):
                await writer.record(
                    Change(
                        stream_id=child.stream_id,
                        stream_type=kind,
                        parent=child.parent,
                        name=child.name,
                        expected_revision=child.revision,
                        event_type=f"{kind}.deleted",
                        data={"with_organisation": key.stream_id},
                        state=child.state,
                        summary=f"deleted with organisation {key.name}",
                        deleted=True,
                    )
                )
