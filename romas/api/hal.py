"""HAL (application/hal+json) links: every representation says what a client can read or do next."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import msgspec


class Link(msgspec.Struct, omit_defaults=True):
    href: str
    templated: bool = False
    type: str | None = None
    title: str | None = None


Links = dict[str, Link]


def link(href: str, *, templated: bool = False, type: str | None = None, title: str | None = None) -> Link:
    return Link(href=href, templated=templated, type=type, title=title)


def with_query(path: str, **params: object) -> str:
    """``path?a=1&b=2`` with the parameters that are not None, properly escaped."""
    query = urlencode({k.rstrip("_"): v for k, v in params.items() if v is not None}, quote_via=quote, safe="/:")
    return f"{path}?{query}" if query else path
