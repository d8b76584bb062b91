"""``/auth/whoami``: whether this server wants tokens, and who the presented token is with which scopes.

Public, so that a client (the console) can learn before anything else whether to ask for a token."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get

from romas.api.auth import ANONYMOUS, bearer_token
from romas.config import SCOPES, Settings


class Identity(msgspec.Struct, kw_only=True):
    tokens_required: bool
    authenticated: bool
    actor: str
    scopes: list[str]


class WhoAmIController(Controller):
    path = "/auth"
    tags = ["entry point"]

    @get(
        "/whoami",
        summary="Whether tokens are required, and the name and scopes of the token sent (if any)",
        opt={"public": True},
    )
    async def whoami(self, request: Request[Any, Any, Any]) -> Identity:
        settings: Settings = request.app.state.settings
        if not settings.tokens:
            return Identity(tokens_required=False, authenticated=True, actor=ANONYMOUS, scopes=list(SCOPES))
        token = bearer_token(request, settings)
        if token is None:
            return Identity(tokens_required=True, authenticated=False, actor=ANONYMOUS, scopes=[])
        scopes = list(SCOPES) if "admin" in token.scopes else [s for s in SCOPES if s in token.scopes]
        return Identity(tokens_required=True, authenticated=True, actor=token.name, scopes=scopes)
