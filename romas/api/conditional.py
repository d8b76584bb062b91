"""ETags are revisions: ``ETag: "3"``. If-Match / If-None-Match become :class:`Preconditions`."""

from __future__ import annotations

from typing import Any

from litestar import Request

from romas.services.preconditions import Preconditions


def etag(revision: int) -> str:
    return f'"{revision}"'


def _tags(header: str) -> tuple[bool, tuple[int, ...]]:
    """``(any, revisions)``; weak tags never match (If-Match uses strong comparison), unquoted numbers are
    accepted because people type them."""
    value = header.strip()
    if value == "*":
        return True, ()
    revisions: list[int] = []
    for raw in value.split(","):
        tag = raw.strip()
        if not tag or tag.startswith("W/"):
            continue
        tag = tag.strip('"')
        if tag.isdigit():
            revisions.append(int(tag))
    return False, tuple(revisions)


def preconditions(request: Request[Any, Any, Any], *, required: bool = False) -> Preconditions:
    if_match = request.headers.get("if-match")
    if_none_match = request.headers.get("if-none-match")
    match_any, match = _tags(if_match) if if_match is not None else (False, ())
    none_any, none_match = _tags(if_none_match) if if_none_match is not None else (False, ())
    return Preconditions(
        if_match=None if if_match is None or match_any else match,
        if_match_any=match_any,
        if_none_match=None if if_none_match is None or none_any else none_match,
        if_none_match_any=none_any,
        required=required,
    )


def not_modified(request: Request[Any, Any, Any], revision: int) -> bool:
    """A GET whose If-None-Match names the current revision gets 304 (weak comparison, RFC 9110 §13.1.2)."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    if header.strip() == "*":
        return True
    for raw in header.split(","):
        tag = raw.strip()
        tag = tag[2:] if tag.startswith("W/") else tag
        if tag.strip('"') == str(revision):
            return True
    return False
