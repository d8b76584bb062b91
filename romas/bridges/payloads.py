"""Message bodies on brokers: JSON out, and JSON (or else text) in, so agents see terms either way."""

from __future__ import annotations

import json
from typing import Any


def encode(value: Any) -> bytes:
    """A string is sent as its text; any other JSON value as JSON."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


def decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text
