"""HAL (application/hal+json) links: every representation says what a client can read or do next."""

from __future__ import annotations

import re
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


_UNESCAPED = re.compile(r"[A-Za-z0-9_.~/:-]*")
"""What ``quote(text, safe="/:")`` leaves as it is."""


def with_query(path: str, **params: object) -> str:
    """``path?a=1&b=2`` with the parameters that are not None, properly escaped."""
    given = {k.rstrip("_"): v for k, v in params.items() if v is not None}
    if all(type(v) is str and _UNESCAPED.fullmatch(v) and _UNESCAPED.fullmatch(k) for k, v in given.items()):
        # Every link of every answer has one (``events`` of a message, say): nothing to escape, so no urlencode.
        query = "&".join(f"{k}={v}" for k, v in given.items())
    else:
        query = urlencode(given, quote_via=quote, safe="/:")
    return f"{path}?{query}" if query else path
