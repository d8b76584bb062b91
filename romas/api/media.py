"""Media types romas speaks, and the check that a request body is one a handler accepts."""

from __future__ import annotations

HAL_JSON = "application/hal+json"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
MERGE_PATCH_JSON = "application/merge-patch+json"
ASL = "text/x-asl"
DIFF = "text/x-diff"
EVENT_STREAM = "text/event-stream"
LINK_FORMAT = "application/link-format"
XML = "application/xml"

JSON_BODIES = frozenset({JSON, HAL_JSON})
PATCH_BODIES = frozenset({JSON, MERGE_PATCH_JSON})
CODE_BODIES = frozenset({"text/x-asl", "text/plain", "application/x-asl"})
XML_BODIES = frozenset({XML, "text/xml"})


def base_type(content_type: str | None) -> str:
    """``text/x-asl; charset=utf-8`` -> ``text/x-asl``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _weights(accept: str) -> list[tuple[str, float]]:
    """``(media type, q)`` of each entry of an Accept header, in order."""
    entries: list[tuple[str, float]] = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            entries.append((media.lower(), quality))
    return entries


def prefers(accept: str | None, wanted: frozenset[str], others: frozenset[str]) -> bool:
    """Whether an Accept header asks for one of ``wanted`` rather than one of ``others`` (JSON, say).

    A tie goes to the type listed first; wildcards count for neither, so ``*/*`` keeps the default.
    """
    entries = _weights(accept or "")
    best = max((q for media, q in entries if media in wanted), default=0.0)
    if best <= 0:
        return False
    rival = max((q for media, q in entries if media in others), default=0.0)
    if best != rival:
        return best > rival
    first = next(media for media, q in entries if q == best and (media in wanted or media in others))
    return first in wanted
