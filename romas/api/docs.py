"""The API reference pages under ``/schema`` (Scalar, Swagger UI, ReDoc), served with assets from the package.

The bundles live in ``romas/api/static/docs`` (see its README for versions and licences), so the pages work
without internet access and show exactly the document this server serves.
"""

from __future__ import annotations

from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import (
    OpenAPIRenderPlugin,
    RedocRenderPlugin,
    ScalarRenderPlugin,
    SwaggerRenderPlugin,
)
from litestar.router import Router
from litestar.static_files import create_static_files_router

DOCS_ASSETS = Path(__file__).with_name("static") / "docs"
ASSETS_PATH = "/schema/assets"
# No request leaves for a favicon elsewhere.
NO_FAVICON = "<link rel='icon' href='data:,'>"


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """Scalar at ``/schema`` (and ``/schema/scalar``), Swagger UI at ``/schema/swagger``, ReDoc at ``/schema/redoc``."""
    return [
        ScalarRenderPlugin(
            path=["/scalar"],
            js_url=f"{ASSETS_PATH}/scalar/standalone.js",
            css_url=f"{ASSETS_PATH}/romas.css",
            favicon=NO_FAVICON,
            options={"withDefaultFonts": False, "hideClientButton": True},
        ),
        SwaggerRenderPlugin(
            path="/swagger",
            js_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui-standalone-preset.js",
            favicon=NO_FAVICON,
        ),
        RedocRenderPlugin(
            path="/redoc",
            js_url=f"{ASSETS_PATH}/redoc/redoc.standalone.js",
            google_fonts=False,
            favicon=NO_FAVICON,
        ),
    ]


def assets_router() -> Router:
    """The vendored bundles, cached by browsers for a day (they change only with a romas release)."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[DOCS_ASSETS],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
        name="docs-assets",
        opt={"public": True},
    )
