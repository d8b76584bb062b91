"""Reading the past: ``?at=`` (RFC 3339) and ``Accept-Datetime`` (RFC 7089), and the Memento headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from litestar import Request

from romas.api.problems import bad_request


def parse_instant(text: str, *, name: str = "at") -> datetime:
    """RFC 3339 with a time zone; a date alone means its first instant in UTC."""
    value = text.strip().replace("t", "T").replace("z", "Z")
    # RFC 3339 allows a leap second; Python does not, so read it as the last instant of that minute.
    value = re.sub(r"(T\d\d:\d\d:)60", r"\g<1>59.999999", value) if ":60" in value else value
    try:
        if len(value) == 10:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name}={text!r} is not an RFC 3339 instant (for example 2026-11-21T10:00:00Z)") from None
    if parsed.tzinfo is None:
        raise bad_request(f"{name}={text!r} has no time zone; add Z or an offset such as +01:00")
    return parsed.astimezone(UTC)


def parse_accept_datetime(text: str) -> datetime:
    """An HTTP-date names a whole second; we take its end so a Memento-Datetime sent back finds that memento."""
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None:
        raise bad_request(f"Accept-Datetime {text!r} is not an HTTP-date (for example Sat, 21 Nov 2026 10:00:00 GMT)")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC) + timedelta(microseconds=999_999)


def requested_instant(request: Request[Any, Any, Any], at: str | None) -> datetime | None:
    if at is not None:
        return parse_instant(at)
    header = request.headers.get("accept-datetime")
    if header:
        return parse_accept_datetime(header)
    return None


def http_date(instant: datetime) -> str:
    return format_datetime(instant.astimezone(UTC), usegmt=True)


def memento_headers(original: str, revision_path: str, recorded_at: datetime) -> dict[str, str]:
    return {
        "Memento-Datetime": http_date(recorded_at),
        "Link": f'<{original}>; rel="original", <{original}/revisions>; rel="timemap"; type="application/hal+json"',
        "Content-Location": revision_path,
        "Vary": "Accept-Datetime",
    }
