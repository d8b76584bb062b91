"""ETags are revisions: ``ETag: "3"``. If-Match / If-None-Match become :class:`Preconditions`."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request

from romas.api.problems import bad_request
from romas.services.preconditions import Preconditions


def etag(revision: int) -> str:
    return f'"{revision}"'


# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text; lists are
# comma separated with optional whitespace, and empty elements are allowed.
_ELEMENT = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|$)')


def entity_tags(header: str, name: str) -> tuple[bool, tuple[tuple[bool, str], ...]]:
    """``(any, ((weak, opaque), ...))`` of an If-Match or If-None-Match value; 400 unless it is ``*`` or a list
    of entity tags, so that a mistyped ``If-Match: 1`` is refused rather than silently taken for a match."""
    value = header.strip(" \t")
    if value == "*":
        return True, ()
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(value):
        element = _ELEMENT.match(value, position)
        if element is None or element.end() == position:
            raise bad_request(
                f'{name}: {header!r} is not * or a list of entity tags such as "3" (the quotes are part of the tag)'
            )
        if element.group(2) is not None:
            tags.append((element.group(1) is not None, element.group(2)))
        position = element.end()
    if not tags:
        raise bad_request(f'{name} is empty: send * or an entity tag such as "3"')
    return False, tuple(tags)


def _revisions(tags: tuple[tuple[bool, str], ...], *, weak: bool) -> tuple[int, ...]:
    """The revisions the tags name; other opaque tags are well formed but never match one of ours."""
    return tuple(int(opaque) for is_weak, opaque in tags if (weak or not is_weak) and opaque.isdigit())


def preconditions(request: Request[Any, Any, Any], *, required: bool = False) -> Preconditions:
    """If-Match compares strongly (a weak tag never matches), If-None-Match weakly (RFC 9110 §13.1)."""
    if_match = request.headers.get("if-match")
    if_none_match = request.headers.get("if-none-match")
    match_any, match = entity_tags(if_match, "If-Match") if if_match is not None else (False, ())
    none_any, none_match = entity_tags(if_none_match, "If-None-Match") if if_none_match is not None else (False, ())
    return Preconditions(
        if_match=None if if_match is None or match_any else _revisions(match, weak=False),
        if_match_any=match_any,
        if_none_match=None if if_none_match is None or none_any else _revisions(none_match, weak=True),
        if_none_match_any=none_any,
        required=required,
    )


def not_modified(request: Request[Any, Any, Any], revision: int) -> bool:
    """A GET whose If-None-Match names the current revision gets 304 (weak comparison, RFC 9110 §13.1.2)."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    any_tag, tags = entity_tags(header, "If-None-Match")
    return any_tag or revision in _revisions(tags, weak=True)
