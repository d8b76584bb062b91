"""``/organisations``: Moise specifications (structural, functional, normative), validated as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType

from romas.api import writes
from romas.api.conditional import not_modified, preconditions
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON, JSON, JSON_BODIES, XML, XML_BODIES, base_type, prefers
from romas.api.openapi_docs import NoContentOperation
from romas.api.problems import ProblemError, ProblemItem, problem_specs
from romas.api.schemas import At, Cursor, Limit, Name, RevisionList, RevisionNumber
from romas.api.views import encoded, listing, read_state, revision_list, revision_resource
from romas.domain.errors import FieldError, InvalidInput
from romas.domain.moise_xml import specification_from_xml, write_moise_xml
from romas.domain.organisations import Group, Norm, Role, Scheme, parse_specification
from romas.services.organisations import organisation_key, specification_state
from romas.store.eventstore import ResourceRow

SPEC_EXAMPLE = {
    "roles": {"seller": {}, "buyer": {}},
    "groups": {"market": {"roles": {"seller": {"min": 1, "max": 5}, "buyer": {"min": 0, "max": 100}}}},
    "schemes": {
        "sale": {
            "goals": {"sold": {"sequence": ["offered", "paid"]}, "offered": {}, "paid": {}},
            "missions": {
                "m_seller": {"goals": ["offered"], "min": 1, "max": 1},
                "m_buyer": {"goals": ["paid"], "min": 1, "max": 1},
            },
        }
    },
    "norms": [{"id": "n1", "type": "obligation", "role": "seller", "mission": "m_seller"}],
}


@dataclass
class SpecificationBodyOperation(Operation):
    """Documents the two bodies a PUT takes: the JSON specification, or Moise's XML (``os.xml``)."""

    def __post_init__(self) -> None:
        json_schema = Schema(
            type=OpenAPIType.OBJECT,
            description="roles, groups, schemes (goal trees and missions), norms and an optional description",
            example=SPEC_EXAMPLE,
        )
        xml_schema = Schema(
            type=OpenAPIType.STRING,
            description="Moise's organisational-specification document (os.xml); no DTD, no entities",
        )
        self.request_body = RequestBody(
            content={
                JSON: OpenAPIMediaType(schema=json_schema),
                XML: OpenAPIMediaType(schema=xml_schema),
                "text/xml": OpenAPIMediaType(schema=xml_schema),
            },
            required=True,
            description="A Moise specification. Every problem is reported: by JSON Pointer in JSON, by line "
            "and column (and the pointer of the converted value) in XML.",
        )


async def read_specification_body(request: Request[Any, Any, Any]) -> object:
    """The specification a PUT sends, as JSON data: decoded from JSON, or converted from Moise's XML."""
    received = base_type(request.headers.get("content-type"))
    if received not in JSON_BODIES | XML_BODIES:
        accepted = " or ".join(sorted(JSON_BODIES | XML_BODIES))
        raise ProblemError(
            415, "unsupported-media-type", f"send {accepted}, not {received or 'a body without Content-Type'}"
        )
    raw = await request.body()
    if received in JSON_BODIES:
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError as exc:
            raise ProblemError(400, "malformed-request", f"the body is not JSON: {exc}") from None
    result = specification_from_xml(raw)
    if result.specification is None:
        count = len(result.problems)
        raise ProblemError(
            422,
            "invalid-content",
            f"the Moise specification is not valid ({count} problem{'s' if count != 1 else ''})",
            errors=[ProblemItem(message=p.message, path=p.path, line=p.line, column=p.column) for p in result.problems],
        )
    return result.specification.to_builtins()


class Organisation(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    revision: int
    updated_at: datetime
    roles: dict[str, Role]
    groups: dict[str, Group]
    schemes: dict[str, Scheme]
    norms: list[Norm]
    description: str | None = None
    links: dict[str, Link] = msgspec.field(name="_links")


class OrganisationSummary(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    revision: int
    updated_at: datetime
    description: str | None = None
    links: dict[str, Link] = msgspec.field(name="_links")


class OrganisationsEmbedded(msgspec.Struct):
    organisations: list[OrganisationSummary]


class OrganisationList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: OrganisationsEmbedded = msgspec.field(name="_embedded")


def render_organisation(row: ResourceRow, self_href: str) -> Organisation:
    base = f"/organisations/{row.name}"
    links = {
        "self": link(self_href),
        "collection": link("/organisations"),
        "revisions": link(f"{base}/revisions"),
        "groups": link(f"{base}/groups"),
        "schemes": link(f"{base}/schemes"),
        "obligations": link(f"{base}/obligations{{?agent,state,at}}", templated=True),
        "events": link(with_query("/events", stream=base)),
    }
    if self_href != base:
        links["original"] = link(base)
    state = row.state
    return Organisation(
        name=row.name,
        revision=row.revision,
        updated_at=row.updated_at,
        description=state.get("description"),
        roles=state["roles"],
        groups=state["groups"],
        schemes=state["schemes"],
        norms=state["norms"],
        links=links,
    )


class OrganisationController(Controller):
    path = "/organisations"
    tags = ["organisations"]

    @get(
        "/",
        summary="List organisations (now, or as they were at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400),
    )
    async def list_organisations(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        cursor: Cursor = None,
        limit: Limit = 50,
        at: At = None,
    ) -> Response[OrganisationList]:
        rows, links, headers = await listing(request, services.organisations, "", cursor, limit, at)
        links["organisation"] = link("/organisations/{org}", templated=True)
        items = [
            OrganisationSummary(
                name=r.name,
                revision=r.revision,
                updated_at=r.updated_at,
                description=r.state.get("description"),
                links={"self": link(f"/organisations/{r.name}")},
            )
            for r in rows
        ]
        return encoded(
            OrganisationList(count=len(items), links=links, embedded=OrganisationsEmbedded(items)), headers=headers
        )

    @get(
        "/{org:str}",
        summary="Read an organisation's specification (now, or at an instant); "
        "in Moise's XML with Accept: application/xml",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def get_organisation(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, at: At = None
    ) -> Response[Any]:
        row, headers = await read_state(request, services.organisations, organisation_key(org), at)
        headers["Vary"] = ", ".join(filter(None, (headers.get("Vary"), "Accept")))
        if not_modified(request, row.revision):
            return Response(b"", status_code=304, headers=headers)
        if prefers(request.headers.get("accept"), XML_BODIES, JSON_BODIES):
            xml = write_moise_xml(parse_specification(row.state), org)
            return Response(xml.encode(), media_type=f"{XML}; charset=utf-8", headers=headers)
        return encoded(render_organisation(row, f"/organisations/{org}"), headers=headers)

    @put(
        "/{org:str}",
        summary="Create or replace an organisation's specification",
        media_type=HAL_JSON,
        status_code=200,
        operation_class=SpecificationBodyOperation,
        responses={
            201: ResponseSpec(Organisation, description="Created", media_type=HAL_JSON, generate_examples=False),
            **problem_specs(400, 409, 412, 413, 415, 422, 428),
        },
    )
    async def put_organisation(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name
    ) -> Response[Organisation]:
        data = await read_specification_body(request)
        if isinstance(data, dict) and "name" in data and data["name"] != org:
            raise InvalidInput("the body names another organisation", [FieldError("/name", f"expected {org!r}")])
        state = specification_state(data)
        pre = preconditions(request, required=services.settings.require_preconditions)
        return await writes.write_resource(
            request,
            services,
            lambda writer: services.organisations.put_organisation(writer, org, state, pre),
            render_organisation,
            f"/organisations/{org}",
        )

    @delete(
        "/{org:str}",
        operation_class=NoContentOperation,
        summary="Delete an organisation (its history stays readable)",
        status_code=204,
        responses=problem_specs(400, 404, 410, 412, 428),
    )
    async def delete_organisation(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name
    ) -> Response[None]:
        return await writes.delete_resource(request, services, services.organisations, organisation_key(org))

    @get(
        "/{org:str}/revisions",
        summary="The organisation's revisions, newest first",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def organisation_revisions(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        org: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[RevisionList]:
        return await revision_list(request, services.organisations, organisation_key(org), cursor, limit)

    @get(
        "/{org:str}/revisions/{revision:int}",
        summary="The organisation as of one revision",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def organisation_revision(
        self, services: ServicesDep, org: Name, revision: RevisionNumber
    ) -> Response[Organisation]:
        return await revision_resource(services.organisations, organisation_key(org), revision, render_organisation)

    @post(
        "/{org:str}/revisions/{revision:int}/restore",
        summary="Make an earlier revision the current state",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 412, 428),
    )
    async def restore_organisation(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, revision: RevisionNumber
    ) -> Response[Organisation]:
        return await writes.restore_resource(
            request, services, services.organisations, organisation_key(org), revision, render_organisation
        )
