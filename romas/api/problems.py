"""RFC 9457 problem details for every error, so a client never has to guess what went wrong."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from romas.api.media import PROBLEM_JSON
from romas.domain.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidCode,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from romas.store.group_commit import BatchBroken

log = logging.getLogger("romas.api")


class ProblemItem(msgspec.Struct, omit_defaults=True):
    """One located problem: ``path`` (JSON Pointer) in a JSON body, ``line``/``column`` in code."""

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None


class ProblemLink(msgspec.Struct, omit_defaults=True):
    href: str


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None
    links: dict[str, ProblemLink] | None = msgspec.field(default=None, name="_links")


# Slugs of ``/problems/{slug}``; each is documented there.
PROBLEM_TYPES: dict[str, str] = {
    "malformed-request": "The request could not be read: bad JSON, a bad header, parameter or cursor.",
    "not-found": "There is no such resource (or it did not exist at the instant asked for).",
    "gone": "The resource was deleted; its revisions stay readable and a PUT brings it back.",
    "method-not-allowed": "The resource does not support that method.",
    "conflict": "The request conflicts with the current state of the resource.",
    "precondition-failed": "If-Match or If-None-Match did not hold: someone changed the resource first.",
    "precondition-required": "This server requires If-Match on changes to existing resources.",
    "payload-too-large": "The request body is larger than this server accepts.",
    "unsupported-media-type": "The request body's Content-Type is not one this resource accepts.",
    "invalid-content": "The body was read but its content is not valid; see errors.",
    "egress-refused": "romas may not call that URL: loopback, private and reserved addresses need ROMAS_EGRESS_ALLOW.",
    "invalid-code": "The AgentSpeak code does not parse; see errors for each line and column.",
    "unauthorized": "A bearer token is required.",
    "forbidden": "The token does not have the scope this request needs.",
    "not-acceptable": "None of the media types in Accept can be served.",
    "internal-error": "A bug in romas: please report it with the request id.",
    "unavailable": "The server cannot serve the request right now.",
    "rate-limited": "This client sent more writes than the server's rate limit allows; wait for Retry-After.",
}


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


class ProblemError(Exception):
    """An HTTP-level error raised by the API layer itself."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        errors: list[ProblemItem] | None = None,
        headers: dict[str, str] | None = None,
        links: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.links = links


def bad_request(detail: str, errors: list[ProblemItem] | None = None) -> ProblemError:
    return ProblemError(400, "malformed-request", detail, errors=errors)


def problem_response(
    request: Request[Any, Any, Any] | None,
    status: int,
    slug: str,
    detail: str,
    *,
    errors: list[ProblemItem] | None = None,
    headers: dict[str, str] | None = None,
    links: dict[str, str] | None = None,
) -> Response[Problem]:
    problem = Problem(
        type=problem_type(slug),
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else None,
        errors=errors,
        links={rel: ProblemLink(href) for rel, href in links.items()} if links else None,
    )
    return Response(problem, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_DOMAIN_STATUS: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotFound, 404, "not-found"),
    (Gone, 410, "gone"),
    (Conflict, 409, "conflict"),
    (PreconditionFailed, 412, "precondition-failed"),
    (PreconditionRequired, 428, "precondition-required"),
    (InvalidCode, 422, "invalid-code"),
    (InvalidInput, 422, "invalid-content"),
)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status, slug = next(
        ((st, sl) for cls, st, sl in _DOMAIN_STATUS if isinstance(exc, cls)), (400, "malformed-request")
    )
    errors: list[ProblemItem] | None = None
    links: dict[str, str] | None = None
    if isinstance(exc, InvalidInput):
        errors = [ProblemItem(message=e.message, path=e.path) for e in exc.errors]
    elif isinstance(exc, InvalidCode):
        errors = [ProblemItem(message=e.message, line=e.line, column=e.column) for e in exc.errors]
    elif isinstance(exc, Gone):
        links = {"revisions": exc.revisions}
    return problem_response(request, status, slug, exc.detail, errors=errors, links=links)


def handle_problem_error(request: Request[Any, Any, Any], exc: ProblemError) -> Response[Problem]:
    return problem_response(
        request, exc.status, exc.slug, exc.detail, errors=exc.errors, headers=exc.headers, links=exc.links
    )


_HTTP_SLUGS = {
    400: "malformed-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    503: "unavailable",
}


def _validation_items(extra: Any) -> list[ProblemItem]:
    items: list[ProblemItem] = []
    for entry in extra if isinstance(extra, list) else []:
        if not isinstance(entry, dict):
            continue
        message = str(entry.get("message", "invalid value"))
        key = entry.get("key")
        source = entry.get("source")
        path: str | None
        if source == "body":
            path = _pointer_from_msgspec(message, key)
            message = message.split(" - at `", 1)[0]
        else:
            where = getattr(source, "value", source)
            path = f"{where}:{key}" if where and key else None
        items.append(ProblemItem(message=message, path=path))
    return items


def _pointer_from_msgspec(message: str, key: object) -> str:
    """msgspec says ``... - at `$.a[0].b``` ; a client wants ``/a/0/b``."""
    if " - at `$" in message:
        location = message.rsplit(" - at `$", 1)[1].rstrip("`")
        parts: list[str] = []
        token = ""
        for char in location:
            if char in ".[]":
                if token:
                    parts.append(token.strip("'\""))
                token = ""
            else:
                token += char
        if token:
            parts.append(token.strip("'\""))
        return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts) if parts else ""
    if isinstance(key, str) and key not in ("data", ""):
        return "/" + key
    return ""


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        items = _validation_items(exc.extra)
        body_errors = [i for i in items if i.path is None or not i.path.startswith(("query:", "path:", "header:"))]
        if items and body_errors and len(body_errors) == len(items) and request.method in ("PUT", "POST", "PATCH"):
            return problem_response(request, 422, "invalid-content", "the body is not valid", errors=items)
        detail = (
            exc.detail
            if not items
            else "; ".join(f"{i.path.split(':', 1)[-1] + ': ' if i.path else ''}{i.message}" for i in items)
        )
        if detail.startswith("Validation failed"):
            detail = "the request is not valid"
        return problem_response(request, 400, "malformed-request", _body_detail(detail), errors=items or None)
    if isinstance(exc, NotAuthorizedException):
        return problem_response(
            request,
            401,
            "unauthorized",
            exc.detail or "a bearer token is required",
            headers={"WWW-Authenticate": 'Bearer realm="romas"'},
        )
    if isinstance(exc, PermissionDeniedException):
        return problem_response(request, 403, "forbidden", exc.detail or "forbidden")
    slug = _HTTP_SLUGS.get(status, "malformed-request" if status < 500 else "internal-error")
    headers = dict(exc.headers or {})
    detail = exc.detail or HTTPStatus(status).phrase
    if status == 413:
        detail = "the request body is larger than this server accepts"
    elif status == 404 and detail == "Not Found":
        detail = f"there is no resource at {request.url.path}"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
        allow = headers.pop("Allow", headers.pop("allow", ""))
        headers["Allow"] = ", ".join(sorted(m.strip() for m in allow.split(",") if m.strip()))
    return problem_response(request, status, slug, _body_detail(detail), headers=headers or None)


def _body_detail(detail: str) -> str:
    if detail in ("Input data was truncated", "JSON is malformed: invalid character") or detail.startswith(
        ("JSON is malformed", "Input data was truncated")
    ):
        return f"the body is not valid JSON ({detail})"
    return detail


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "internal-error", "the server failed to answer; this is a bug in romas")


def handle_batch_broken(request: Request[Any, Any, Any] | None, exc: BatchBroken) -> Response[Problem]:
    """Another request of the same group commit left the transaction unusable: this one was undone with it and
    may be sent again as it is."""
    return problem_response(request, 503, "unavailable", str(exc), headers={"Retry-After": "1"})


EXCEPTION_HANDLERS: dict[Any, Any] = {
    BatchBroken: handle_batch_broken,
    DomainError: handle_domain_error,
    ProblemError: handle_problem_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}


def problem_specs(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problems a handler may answer."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in statuses
    }
