"""``/artefact-types``: the artefact types installed with this server, with JSON Schemas for their use."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException

from romas.api.deps import ServicesDep
from romas.api.hal import Link, link
from romas.api.media import HAL_JSON
from romas.api.problems import problem_specs
from romas.api.schemas import Name
from romas.api.views import encoded


class ArtefactType(msgspec.Struct, kw_only=True):
    name: str
    description: str
    properties: dict[str, Any]
    properties_schema: dict[str, Any]
    operations: dict[str, Any]
    signals: dict[str, Any]
    links: dict[str, Link] = msgspec.field(name="_links")


class ArtefactTypesEmbedded(msgspec.Struct):
    artefact_types: list[ArtefactType]


class ArtefactTypeList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: ArtefactTypesEmbedded = msgspec.field(name="_embedded")


def render_type(description: dict[str, Any]) -> ArtefactType:
    return ArtefactType(**description, links={"self": link(f"/artefact-types/{description['name']}")})


class ArtefactTypeController(Controller):
    path = "/artefact-types"
    tags = ["workspaces"]

    @get("/", summary="The artefact types this server knows", media_type=HAL_JSON)
    async def list_types(self, services: ServicesDep) -> Response[ArtefactTypeList]:
        items = [render_type(d) for d in services.registry.describe()]
        links = {"self": link("/artefact-types"), "artefact_type": link("/artefact-types/{type}", templated=True)}
        return encoded(ArtefactTypeList(count=len(items), links=links, embedded=ArtefactTypesEmbedded(items)))

    @get(
        "/{type_name:str}",
        summary="One artefact type: properties, operations, signals",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def get_type(self, services: ServicesDep, type_name: Name) -> Response[ArtefactType]:
        artefact_type = services.registry.get(type_name)
        if artefact_type is None:
            raise NotFoundException(f"there is no artefact type {type_name!r}; see /artefact-types")
        return encoded(render_type(artefact_type.describe()))
