"""Opaque cursors: clients follow ``next`` links and never build positions themselves."""

from __future__ import annotations

import base64
import binascii

import msgspec

from romas.api.hal import Link, link, with_query
from romas.api.problems import ProblemError

# Cursors are unpadded base64url; any other text is refused as malformed (400) before it reaches a listing.
CURSOR_PATTERN = "^[A-Za-z0-9_-]{2,2000}$"


def unknown_cursor(detail: str = "no page of this listing has that cursor; follow a next link instead") -> ProblemError:
    """A well-formed cursor this server did not hand out names no page: 404, as for any unknown URL."""
    return ProblemError(404, "not-found", detail)


class _Cursor(msgspec.Struct, array_like=True):
    kind: str
    after: str


def encode_cursor(kind: str, after: str) -> str:
    raw = msgspec.json.encode(_Cursor(kind, after))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = msgspec.json.decode(raw, type=_Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise unknown_cursor() from None
    if decoded.kind != kind:
        raise unknown_cursor("that cursor belongs to another listing")
    return decoded.after


def before_cursor(kind: str, cursor: str | None) -> int | None:
    """The position a newest-first page continues below (for listings ordered by a sequence number)."""
    after = decode_cursor(kind, cursor)
    if after is None:
        return None
    number = cursor_number(after)
    if number is None:
        raise unknown_cursor()
    return number


def cursor_number(after: str) -> int | None:
    """The position a decoded cursor holds, or None when it holds no plain 64-bit number."""
    if not (after.isascii() and after.isdigit()) or len(after) > 18:
        return None
    return int(after)


def newest_first_links(
    kind: str, path: str, cursor: str | None, limit: int, last_seq: int | None, **params: object
) -> tuple[dict[str, Link], dict[str, str]]:
    """``self`` and, when ``last_seq`` says there is more, ``next`` (also as a Link header)."""
    links = {"self": link(with_query(path, **params, cursor=cursor, limit=limit if limit != 50 else None))}
    headers: dict[str, str] = {}
    if last_seq is not None:
        href = with_query(path, **params, cursor=encode_cursor(kind, str(last_seq)), limit=limit)
        links["next"] = link(href)
        headers["Link"] = f'<{href}>; rel="next"'
    return links, headers
