"""``/agents/{name}/code``: the AgentSpeak source as ``text/x-asl``; PUT is hot deployment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import Parameter, QueryParameter

from romas.api import writes
from romas.api.agents import Agent, render_agent
from romas.api.conditional import not_modified, preconditions
from romas.api.deps import ServicesDep
from romas.api.media import ASL, CODE_BODIES, DIFF, HAL_JSON, base_type, charset
from romas.api.problems import ProblemError, problem_specs
from romas.api.schemas import At, Cursor, Limit, Name, RevisionList, RevisionNumber
from romas.api.views import read_revision, read_state, revision_list
from romas.domain.errors import CodeError, InvalidCode
from romas.services.agents import agent_key, validate_code
from romas.store.eventstore import Writer

MAX_CODE_BYTES = 1024 * 1024


@dataclass
class AslBodyOperation(Operation):
    """Documents the plain-text body Litestar cannot declare as ``data`` (it only decodes JSON and forms)."""

    body_description = "The agent's new code; it must parse, or nothing is stored."

    def __post_init__(self) -> None:
        schema = Schema(type=OpenAPIType.STRING, description="AgentSpeak source (Jason dialect), UTF-8")
        self.request_body = RequestBody(
            content={
                "text/x-asl": OpenAPIMediaType(schema=schema),
                "text/plain": OpenAPIMediaType(schema=schema),
            },
            required=True,
            description=self.body_description,
        )


@dataclass
class AslCheckOperation(AslBodyOperation):
    body_description = "Code to check; nothing is stored."


async def read_code_body(request: Request[Any, Any, Any]) -> str:
    content_type = request.headers.get("content-type")
    if base_type(content_type) not in CODE_BODIES:
        raise ProblemError(
            415,
            "unsupported-media-type",
            f"send the code as text/x-asl or text/plain, not {base_type(content_type) or 'no Content-Type'}",
        )
    encoding = charset(content_type) or "utf-8"
    if encoding not in ("utf-8", "utf8", "us-ascii"):
        raise ProblemError(415, "unsupported-media-type", f"code must be UTF-8, not {encoding}")
    raw = await request.body()
    if len(raw) > MAX_CODE_BYTES:
        raise ProblemError(413, "payload-too-large", f"code is limited to {MAX_CODE_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InvalidCode("the code is not valid UTF-8", [CodeError(line, column, "invalid UTF-8 byte")]) from None


def _code_response(code: str, headers: dict[str, str]) -> Response[str]:
    return Response(code, media_type=ASL, headers=headers)


class AgentCodeController(Controller):
    path = "/agents/{name:str}"
    tags = ["agents"]

    @get(
        "/code",
        summary="The agent's code (now, or as it was at an instant)",
        media_type=ASL,
        responses=problem_specs(400, 404, 410),
    )
    async def get_code(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, at: At = None
    ) -> Response[str]:
        row, headers = await read_state(request, services.agents, agent_key(name), at)
        if not_modified(request, row.revision):
            return Response("", status_code=304, headers=headers)
        if "Content-Location" in headers:
            headers["Content-Location"] = f"/agents/{name}/code/revisions/{row.revision}"
        return _code_response(row.state["code"], headers)

    @put(
        "/code",
        summary="Hot-deploy new code: it must parse, or nothing changes",
        media_type=HAL_JSON,
        status_code=200,
        operation_class=AslBodyOperation,
        responses={
            201: ResponseSpec(
                Agent, description="Created (the agent did not exist)", media_type=HAL_JSON, generate_examples=False
            ),
            **problem_specs(400, 409, 412, 413, 415, 422, 428),
        },
    )
    async def put_code(self, request: Request[Any, Any, Any], services: ServicesDep, name: Name) -> Response[Agent]:
        code = await read_code_body(request)
        validate_code(code, await services.agents.code_files(code), name)
        pre = preconditions(request, required=services.settings.require_preconditions)

        async def operation(writer: Writer) -> writes.Reply:
            written = await services.agents.put_code(writer, name, code, pre)
            reply = writes.representation(written, render_agent(written.row, f"/agents/{name}"), f"/agents/{name}")
            if written.created:
                reply.headers["Location"] = f"/agents/{name}"
            return reply

        # A read of the agent, then one statement (its new revision) with nothing after it that may fail: a light
        # write, no savepoint (see Store.write).
        return await writes.perform(request, services, operation, light=True)

    @post(
        "/code/validate",
        summary="Check code without saving it: 200 with no diagnostics, or 422 with each line and column",
        status_code=200,
        operation_class=AslCheckOperation,
        opt={"scope": "read"},
        responses=problem_specs(400, 413, 415, 422),
    )
    async def validate(self, request: Request[Any, Any, Any], services: ServicesDep, name: Name) -> list[str]:
        """The same parser as PUT, so an editor can show the server's diagnostics before anything is stored."""
        code = await read_code_body(request)
        validate_code(code, await services.agents.code_files(code), name)
        return []

    @get(
        "/code/revisions",
        summary="The revisions that changed the agent's code, newest first",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def code_revisions(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        name: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[RevisionList]:
        return await revision_list(
            request, services.agents, agent_key(name), cursor, limit, base=f"/agents/{name}/code", changed="code"
        )

    @get(
        "/code/revisions/{revision:int}",
        summary="The agent's code as of one revision (immutable)",
        media_type=ASL,
        responses=problem_specs(400, 404, 410),
    )
    async def code_revision(self, services: ServicesDep, name: Name, revision: RevisionNumber) -> Response[str]:
        row, headers = await read_revision(services.agents, agent_key(name), revision)
        return _code_response(row.state["code"], headers)

    @post(
        "/code/revisions/{revision:int}/restore",
        summary="Deploy the code of an earlier revision again",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 410, 412, 428),
    )
    async def restore_code(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, revision: RevisionNumber
    ) -> Response[Agent]:
        pre = preconditions(request)
        key = agent_key(name)

        async def operation(writer: Writer) -> writes.Reply:
            target = await services.agents.revision(key, revision)
            written = await services.agents.patch_agent(writer, name, {"code": target.state["code"]}, pre)
            reply = writes.representation(written, render_agent(written.row, f"/agents/{name}"), f"/agents/{name}")
            return reply

        return await writes.perform(request, services, operation)

    @get(
        "/diff",
        summary="Unified diff of the code between two revisions",
        media_type=DIFF,
        responses=problem_specs(400, 404),
    )
    async def diff(
        self,
        services: ServicesDep,
        name: Name,
        from_: Annotated[
            int | None, QueryParameter(name="from", ge=1, le=2**31 - 1, description="Older revision (default: to - 1)")
        ] = None,
        to: Annotated[
            int | None, Parameter(ge=1, le=2**31 - 1, description="Newer revision (default: current)")
        ] = None,
    ) -> Response[str]:
        text, old, new = await services.agents.diff(name, from_, to)
        headers = {"X-Diff-From": str(old), "X-Diff-To": str(new), "ETag": f'"{old}-{new}"'}
        return Response(text, media_type=DIFF, headers=headers)
