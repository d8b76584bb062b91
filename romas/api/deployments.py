"""``/deployments``: a whole MAS applied at once (planned, guarded, recorded, undoable), and ``/manifest``: the
MAS as the one document a deployment takes, now or as it was at an instant."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter
from litestar.utils.scope.state import ScopeState

from romas.api import writes
from romas.api.conditional import etag, not_modified
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.openapi_truth import closed_body
from romas.api.pagination import cursor_number, decode_cursor, encode_cursor, unknown_cursor
from romas.api.problems import (
    Problem,
    ProblemError,
    ProblemItem,
    handle_http_exception,
    problem_response,
    problem_specs,
)
from romas.api.schemas import At, Cursor, Limit
from romas.api.timetravel import http_date, requested_instant
from romas.api.views import encoded
from romas.deploy.deployments import Outcome, StaleResources, deploy, read_deployment, record_of, rollback
from romas.deploy.export import manifest_at
from romas.deploy.manifest import Manifest, convert_problems, manifest_problems
from romas.deploy.manifest import Problem as ShapeProblem
from romas.deploy.record import Counts, DeploymentRecord, PlanEntry, Source, deployment_path
from romas.deploy.validate import check_manifest
from romas.domain.names import NAME_PATTERN
from romas.domain.organisations import json_pointer
from romas.store.deployments import list_deployments as newest_deployments
from romas.store.eventstore import ResourceRow, Writer

MAX_REVISION: Final = 2**31 - 1
ExpectedRevision = Annotated[int, msgspec.Meta(ge=0, le=MAX_REVISION)]
DeploymentNumber = Annotated[int, Parameter(ge=1, le=MAX_REVISION, description="A deployment's number.")]
_NAME = NAME_PATTERN.strip("^$")
RESOURCE_PATH: Final = re.compile(
    rf"/(?:agents|workspaces|organisations)/{_NAME}|/workspaces/{_NAME}/artefacts/{_NAME}"
)


@closed_body()
class DeploymentInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The desired MAS and how to deploy it."""

    manifest: Manifest
    dry_run: bool = False
    """Answer with the plan and change nothing."""
    prune: bool = False
    """Delete the agents, workspaces, artefacts and organisations the manifest does not name."""
    source: Source | None = None
    expected_revisions: dict[str, ExpectedRevision] = msgspec.field(default_factory=dict)
    """``{"/agents/bob": 3}``: refuse the whole deployment (409) unless each resource is at that revision
    (0: does not exist), e.g. the ``from_revision`` of a plan someone reviewed."""


class Deployment(msgspec.Struct, kw_only=True):
    id: int | None
    """Null for a dry run or a manifest the MAS already matches: nothing was recorded."""
    revision: int | None
    status: Literal["applied", "planned", "unchanged"]
    recorded_at: datetime | None
    actor: str
    prune: bool
    source: Source | None
    rollback_of: int | None
    rolled_back_by: int | None
    counts: Counts
    plan: list[PlanEntry]
    unmanaged: list[str]
    links: dict[str, Link] = msgspec.field(name="_links")


class DeploymentSummary(msgspec.Struct, kw_only=True):
    id: int
    revision: int
    recorded_at: datetime | None
    actor: str
    source: Source | None
    rollback_of: int | None
    rolled_back_by: int | None
    counts: Counts
    links: dict[str, Link] = msgspec.field(name="_links")


class DeploymentsEmbedded(msgspec.Struct):
    deployments: list[DeploymentSummary]


class DeploymentList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: DeploymentsEmbedded = msgspec.field(name="_embedded")


class ManifestDocument(msgspec.Struct, kw_only=True):
    at: datetime
    manifest: Manifest
    """The body's ``manifest`` for ``POST /deployments``."""
    links: dict[str, Link] = msgspec.field(name="_links")


def deployment_links(record: DeploymentRecord, self_href: str) -> dict[str, Link]:
    links = {"self": link(self_href), "collection": link("/deployments")}
    if record.id is not None:
        base = deployment_path(record.id)
        links["rollback"] = link(f"{base}/rollback{{?force,dry_run}}", templated=True, title="POST to undo it")
        links["events"] = link(with_query("/events", stream=base))
    if record.rollback_of is not None:
        links["rollback_of"] = link(deployment_path(record.rollback_of))
    if record.rolled_back_by is not None:
        links["rolled_back_by"] = link(deployment_path(record.rolled_back_by))
    return links


def render_deployment(outcome: Outcome, self_href: str) -> Deployment:
    record = outcome.record
    row = outcome.row
    href = deployment_path(record.id) if record.id is not None else self_href
    return Deployment(
        id=record.id,
        revision=row.revision if row is not None else None,
        status=outcome.status,
        recorded_at=record.recorded_at or (row.updated_at if row is not None else None),
        actor=record.actor,
        prune=record.prune,
        source=record.source,
        rollback_of=record.rollback_of,
        rolled_back_by=record.rolled_back_by,
        counts=record.counts,
        plan=record.plan,
        unmanaged=record.unmanaged,
        links=deployment_links(record, href),
    )


def summarise_deployment(row: ResourceRow) -> DeploymentSummary:
    record = record_of(row)
    assert record.id is not None
    return DeploymentSummary(
        id=record.id,
        revision=row.revision,
        recorded_at=record.recorded_at,
        actor=record.actor,
        source=record.source,
        rollback_of=record.rollback_of,
        rolled_back_by=record.rolled_back_by,
        counts=record.counts,
        links={"self": link(deployment_path(record.id))},
    )


def _reply(outcome: Outcome, self_href: str) -> writes.Reply:
    body = msgspec.json.encode(render_deployment(outcome, self_href))
    if outcome.row is None:
        return writes.Reply(200, body, HAL_JSON)
    location = outcome.row.stream_id
    return writes.Reply(201, body, HAL_JSON, {"Location": location, "ETag": etag(outcome.row.revision)})


def _checked(data: DeploymentInput, services: ServicesDep) -> Manifest:
    """The normalized manifest, or 422 listing every problem of the manifest and of the guard."""
    manifest, problems = check_manifest(data.manifest, services.registry)
    items = [ProblemItem(p.message, path="/manifest" + p.pointer, line=p.line, column=p.column) for p in problems]
    for path in data.expected_revisions:
        if RESOURCE_PATH.fullmatch(path) is None:
            items.append(
                ProblemItem(
                    "not a resource path such as /agents/bob or /workspaces/shop/artefacts/stock",
                    path=json_pointer("expected_revisions", path),
                )
            )
    if manifest is None or items:
        count = len(items)
        raise ProblemError(422, "invalid-content", f"the deployment is not valid ({_problems(count)})", errors=items)
    return manifest


_BODY_FIELDS: Final = ("manifest", "dry_run", "prune", "source", "expected_revisions")


def body_problems(data: object) -> list[ShapeProblem]:
    """Every problem in the shape of a ``POST /deployments`` body, each at its JSON Pointer."""
    if not isinstance(data, dict):
        return [("", "expected an object with a manifest")]
    problems = [
        (f"/{key}", f"unknown field; expected {', '.join(_BODY_FIELDS)}") for key in data if key not in _BODY_FIELDS
    ]
    if "manifest" not in data:
        problems.append(("/manifest", "this field is required"))
    problems += manifest_problems(data.get("manifest", {}), "/manifest")
    for flag in ("dry_run", "prune"):
        problems += convert_problems(data.get(flag, False), bool, f"/{flag}")
    problems += convert_problems(data.get("source"), Source | None, "/source")  # type: ignore[arg-type]
    expected = data.get("expected_revisions", {})
    if isinstance(expected, dict):
        for path, revision in expected.items():
            problems += convert_problems(revision, ExpectedRevision, json_pointer("expected_revisions", path))
    else:
        problems += convert_problems(expected, dict[str, int], "/expected_revisions")
    return problems


def located_body_problems(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    """Decoding stops at the first problem of a body and cannot name the key of a map that holds it; for a
    deployment (a map of maps) this lists every problem at its JSON Pointer instead."""
    body = ScopeState.from_scope(request.scope).body
    if request.method == "POST" and isinstance(body, bytes):
        try:
            problems = body_problems(msgspec.json.decode(body))
        except msgspec.DecodeError:
            problems = []
        if problems:
            items = [ProblemItem(message, path=pointer) for pointer, message in problems]
            return problem_response(request, 422, "invalid-content", "the body is not valid", errors=items)
    return handle_http_exception(request, exc)


def _conflict(exc: StaleResources) -> ProblemError:
    """409 listing each resource in the way by its path."""
    return ProblemError(409, "conflict", exc.detail, errors=[ProblemItem(s.message, path=s.path) for s in exc.stale])


class DeploymentController(Controller):
    path = "/deployments"
    tags = ["deployments"]
    exception_handlers = {ValidationException: located_body_problems}

    @post(
        "/",
        summary="Deploy a whole MAS: plan, then apply every change in one transaction (or only plan: dry_run)",
        description=(
            "Answers with the plan: each resource `create`, `update`, `delete` (only with `prune`) or `unchanged`, "
            "with the revision it moves from and to. A deployment that changes something is recorded (201, "
            "`Location: /deployments/{id}`) and every revision it makes names it in its `meta`; a dry run, and a "
            "manifest the MAS already matches, change nothing (200). All or nothing: a stale "
            "`expected_revisions` entry refuses the whole deployment with 409."
        ),
        media_type=HAL_JSON,
        status_code=201,
        opt={"scope": "deploy"},
        responses={
            200: ResponseSpec(
                Deployment,
                description="A dry run, or a manifest the MAS already matches: nothing was written",
                media_type=HAL_JSON,
                generate_examples=False,
            ),
            **problem_specs(400, 409, 413, 415, 422),
        },
    )
    async def create_deployment(
        self, request: Request[Any, Any, Any], services: ServicesDep, data: JSONBody[DeploymentInput]
    ) -> Response[Deployment]:
        manifest = _checked(data, services)

        async def operation(writer: Writer) -> writes.Reply:
            outcome = await deploy(
                services,
                writer,
                manifest,
                prune=data.prune,
                dry_run=data.dry_run,
                source=data.source,
                expected=data.expected_revisions,
            )
            return _reply(outcome, "/deployments")

        try:
            return await writes.perform(request, services, operation)
        except StaleResources as exc:
            raise _conflict(exc) from None

    @get("/", summary="The deployments, newest first", media_type=HAL_JSON, responses=problem_specs(400))
    async def list_deployments(
        self, services: ServicesDep, cursor: Cursor = None, limit: Limit = 50
    ) -> Response[DeploymentList]:
        after = decode_cursor("deployments", cursor)
        before = cursor_number(after) if after is not None else None
        if after is not None and before is None:
            raise unknown_cursor()
        rows = await newest_deployments(services.store, before=before, limit=limit + 1)
        page = rows[:limit]
        links = {"self": link(with_query("/deployments", cursor=cursor, limit=limit if limit != 50 else None))}
        headers: dict[str, str] = {}
        if len(rows) > limit:
            next_href = with_query("/deployments", cursor=encode_cursor("deployments", page[-1].name), limit=limit)
            links["next"] = link(next_href)
            headers["Link"] = f'<{next_href}>; rel="next"'
        links["deployment"] = link("/deployments/{id}", templated=True)
        body = DeploymentList(
            count=len(page),
            links=links,
            embedded=DeploymentsEmbedded([summarise_deployment(row) for row in page]),
        )
        return encoded(body, headers=headers)

    @get(
        "/{number:int}",
        summary="One deployment: its source and what it did to each resource",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def get_deployment(
        self, request: Request[Any, Any, Any], services: ServicesDep, number: DeploymentNumber
    ) -> Response[Deployment]:
        row, record = await read_deployment(services.store, number)
        headers = {"ETag": etag(row.revision)}
        if not_modified(request, row.revision):
            return encoded(b"", status=304, headers=headers)
        return encoded(render_deployment(Outcome("applied", record, row), row.stream_id), headers=headers)

    @post(
        "/{number:int}/rollback",
        summary="Undo a deployment: a new deployment bringing what it changed back to where it was",
        description=(
            "Resources the deployment created are deleted, those it deleted come back, those it changed return to "
            "the revision they had before, all in one transaction. 409 when one of them changed since (unless "
            "`force`), and `dry_run` only answers with the plan."
        ),
        media_type=HAL_JSON,
        status_code=201,
        opt={"scope": "deploy"},
        responses={
            200: ResponseSpec(
                Deployment,
                description="A dry run, or nothing left to undo: nothing was written",
                media_type=HAL_JSON,
                generate_examples=False,
            ),
            **problem_specs(400, 404, 409),
        },
    )
    async def rollback_deployment(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        number: DeploymentNumber,
        force: Annotated[
            bool, Parameter(description="Undo it even when some resources changed since; their changes are lost.")
        ] = False,
        dry_run: Annotated[bool, Parameter(description="Answer with the plan and change nothing.")] = False,
    ) -> Response[Deployment]:
        async def operation(writer: Writer) -> writes.Reply:
            outcome = await rollback(services, writer, number, force=force, dry_run=dry_run)
            return _reply(outcome, request.url.path)

        try:
            return await writes.perform(request, services, operation)
        except StaleResources as exc:
            raise _conflict(exc) from None


class ManifestController(Controller):
    path = "/manifest"
    tags = ["deployments"]

    @get(
        "/",
        summary="The whole MAS as a manifest (now, or as it was at an instant): what romas export writes",
        media_type=HAL_JSON,
        responses=problem_specs(400),
    )
    async def get_manifest(
        self, request: Request[Any, Any, Any], services: ServicesDep, at: At = None
    ) -> Response[ManifestDocument]:
        instant = requested_instant(request, at)
        manifest = await manifest_at(services.store, instant)
        headers = {"Vary": "Accept-Datetime"}
        if instant is not None:
            headers["Memento-Datetime"] = http_date(instant)
        body = ManifestDocument(
            at=instant or datetime.now(UTC),
            manifest=manifest,
            links={
                "self": link(with_query("/manifest", at=at)),
                "deployments": link("/deployments", title="POST {manifest} to deploy it"),
            },
        )
        return encoded(body, headers=headers)


def _problems(count: int) -> str:
    return f"{count} problem{'' if count == 1 else 's'}"
