"""Tells the runtime which client requests are at work, so agents that compute without pause leave room."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

EVENT_STREAM = b"text/event-stream"


class ClientActivity:
    """A plain ASGI middleware: it counts HTTP requests while they run and changes nothing else. An event
    stream is not counted: it mostly waits, for as long as its client listens."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        services = getattr(scope["app"].state, "services", None)
        if scope["type"] != ScopeType.HTTP or services is None or _streams(scope):
            await self.app(scope, receive, send)
            return
        clients = services.runtime.clients
        clients.started()
        try:
            await self.app(scope, receive, send)
        finally:
            clients.finished()


def _streams(scope: Scope) -> bool:
    return any(name == b"accept" and EVENT_STREAM in value for name, value in scope["headers"])
