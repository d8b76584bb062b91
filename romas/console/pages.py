"""Routes of the console: the page itself (every view is client-side) and its static assets."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, Router, get
from litestar.static_files import create_static_files_router

STATIC = Path(__file__).with_name("static")


@get("/", media_type="text/html", opt={"public": True}, include_in_schema=False)
async def console_page() -> Response[bytes]:
    """One page; the script picks the view from the location's fragment (``#/agents/bob``)."""
    return Response(
        (STATIC / "index.html").read_bytes(),
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": CSP},
    )


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)

console_router = Router(
    path="/console",
    route_handlers=[
        create_static_files_router(
            path="/static",
            directories=[STATIC],
            opt={"public": True},
            include_in_schema=False,
            cache_control=None,
        ),
        console_page,
    ],
)
