"""``Prefer: wait=N`` (RFC 7240): how long a client is willing to wait for a final status."""

from __future__ import annotations

from typing import Any

from litestar import Request

MAX_WAIT_S = 30.0


def preferred_wait(request: Request[Any, Any, Any]) -> float | None:
    """Seconds to wait (capped at 30), or None when the client did not ask to wait."""
    for header in request.headers.getall("prefer", []):
        for preference in header.split(","):
            name, _, value = preference.strip().partition("=")
            if name.strip().lower() != "wait":
                continue
            try:
                seconds = float(value.strip().strip('"'))
            except ValueError:
                return None
            if seconds != seconds or seconds < 0:  # NaN or negative: ignored, as RFC 7240 allows
                return None
            return min(seconds, MAX_WAIT_S)
    return None
