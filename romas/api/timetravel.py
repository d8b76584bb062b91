"""Reading the past: ``?at=`` (RFC 3339) and ``Accept-Datetime`` (RFC 7089), and the Memento headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from litestar import Request

from romas.api.problems import bad_request

# RFC 3339 §5.6 date-time (a space for the T, as its note allows), or a full-date alone.
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2})))?"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "(" + "|".join(_MONTHS) + ")"
_DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_TIME = r"([0-9]{2}):([0-9]{2}):([0-9]{2})"
# RFC 9110 §5.6.7: the preferred IMF-fixdate and the two obsolete forms a recipient must still accept.
_IMF_FIXDATE = re.compile(rf"{_DAY}, ([0-9]{{2}}) {_MONTH} ([0-9]{{4}}) {_TIME} GMT")
_RFC850 = re.compile(
    rf"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), ([0-9]{{2}})-{_MONTH}-([0-9]{{2}}) {_TIME} GMT"
)
_ASCTIME = re.compile(rf"{_DAY} {_MONTH} ([ 0-9][0-9]) {_TIME} ([0-9]{{4}})")


def _instant(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    """ValueError for a date or time that does not exist; a leap second reads as the end of its minute."""
    if second == 60:
        second, micro = 59, 999_999
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def parse_instant(text: str, *, name: str = "at") -> datetime:
    """RFC 3339 with a time zone; a date alone means its first instant in UTC. Anything else is a 400."""
    value = text.strip()
    found = _RFC3339.fullmatch(value)
    if found is None:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?", value):
            raise bad_request(f"{name}={text!r} has no time zone; add Z or an offset such as +01:00")
        raise bad_request(f"{name}={text!r} is not an RFC 3339 instant (for example 2026-11-21T10:00:00Z)")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = found.groups()
    try:
        if hour is None:
            return _instant(int(year), int(month), int(day))
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        local = _instant(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
        if zulu or (int(off_h) == 0 and int(off_m) == 0):
            return local
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError("offset out of range")
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        return local - offset if sign == "+" else local + offset
    except (ValueError, OverflowError):
        raise bad_request(f"{name}={text!r} is not a real instant between the years 0001 and 9999") from None


def _http_date(value: str) -> datetime | None:
    if found := _IMF_FIXDATE.fullmatch(value):
        day, month, year, hour, minute, second = found.groups()
    elif found := _ASCTIME.fullmatch(value):
        month, day, hour, minute, second, year = found.groups()
    elif found := _RFC850.fullmatch(value):
        day, month, short, hour, minute, second = found.groups()
        # A two-digit year more than 50 years ahead is the most recent past year with those digits.
        this_year = datetime.now(UTC).year
        year = str(this_year - this_year % 100 + int(short))
        if int(year) > this_year + 50:
            year = str(int(year) - 100)
    else:
        return None
    return _instant(int(year), _MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second))


def parse_accept_datetime(text: str) -> datetime:
    """An HTTP-date (RFC 9110 §5.6.7) names a whole second; we take its end so a Memento-Datetime sent back
    finds that memento."""
    try:
        parsed = _http_date(text.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise bad_request(
            f"Accept-Datetime {text!r} is not an HTTP-date with a four-digit year "
            "(for example Sat, 21 Nov 2026 10:00:00 GMT)"
        )
    return min(parsed + timedelta(microseconds=999_999), datetime.max.replace(tzinfo=UTC))


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
