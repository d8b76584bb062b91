"""Bearer tokens with scopes. Without configured tokens (a loopback-only server) everyone is ``anonymous``
with every scope; the server refuses to listen beyond loopback in that case."""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from romas.config import Settings, Token

ANONYMOUS = "anonymous"
_PUBLIC_PREFIXES = ("/health", "/ready", "/schema", "/problems")
_METHOD_SCOPES = {"GET": "read", "HEAD": "read", "OPTIONS": "read"}


def required_scope(method: str, handler: BaseRouteHandler) -> str:
    """A handler may name its scope in ``opt={"scope": ...}``; otherwise reads need read, writes write."""
    scope = handler.opt.get("scope")
    if isinstance(scope, str):
        return scope
    return _METHOD_SCOPES.get(method, "write")


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> Token | None:
    """The configured token the request's ``Authorization`` header names, if any."""
    return token_of(connection.headers.get("authorization", ""), settings)


def token_of(header: str, settings: Settings) -> Token | None:
    """The configured token an ``Authorization`` header value names, if any."""
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    for token in settings.tokens:
        if hmac.compare_digest(token.secret.encode(), secret.strip().encode()):
            return token
    return None


# async: Litestar would run a sync guard in its thread pool on every request.
async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    settings: Settings = connection.app.state.settings
    if not settings.tokens:
        connection.state.actor = ANONYMOUS
        return
    if connection.url.path.startswith(_PUBLIC_PREFIXES) or handler.opt.get("public"):
        connection.state.actor = ANONYMOUS
        return
    scheme, _, secret = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        raise NotAuthorizedException("send Authorization: Bearer <token>")
    token = bearer_token(connection, settings)
    if token is None:
        raise NotAuthorizedException("the bearer token is not known to this server")
    scope = required_scope(str(connection.scope.get("method", "GET")), handler)
    if scope not in token.scopes and "admin" not in token.scopes:
        raise PermissionDeniedException(f"the token {token.name!r} lacks the {scope!r} scope")
    connection.state.actor = token.name


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return str(getattr(connection.state, "actor", ANONYMOUS))
