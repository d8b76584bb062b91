"""The ``Allow`` header of ``OPTIONS``: every method the path answers, not only those of its first handler.

Litestar builds the ``OPTIONS`` answer of a path when the path's first handler is registered and keeps it when
more handlers join the path, so ``OPTIONS /agents/{name}`` would name only one of GET, PUT, PATCH and DELETE.
The request layer (observe.py) rewrites the header from the routes as the application finally holds them.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope


def allowed_methods(app: Litestar) -> dict[int, str]:
    """For each path's ``OPTIONS`` handler (by identity), the methods of that path, sorted."""
    allowed: dict[int, str] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "OPTIONS" in route.route_handler_map:
            handler, _ = route.route_handler_map["OPTIONS"]
            allowed[id(handler)] = ", ".join(sorted(route.methods))
    return allowed


async def correct_allow(message: Message, scope: Scope) -> None:
    """Set ``Allow`` on the answer to ``OPTIONS`` from the path's real methods."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    app: Litestar = scope["app"]
    table: dict[int, str] | None = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = allowed_methods(app)
        app.state.allowed_methods = table
    methods = table.get(id(scope.get("route_handler")))
    if methods is not None:
        headers = MutableScopeHeaders.from_message(message)
        headers["Allow"] = methods
