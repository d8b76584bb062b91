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

JSON_BODIES = frozenset({JSON, HAL_JSON})
PATCH_BODIES = frozenset({JSON, MERGE_PATCH_JSON})
CODE_BODIES = frozenset({"text/x-asl", "text/plain", "application/x-asl"})


def base_type(content_type: str | None) -> str:
    """``text/x-asl; charset=utf-8`` -> ``text/x-asl``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None
