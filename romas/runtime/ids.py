"""Identifiers for messages and commands: unique across processes and restarts, and sortable by time."""

from __future__ import annotations

import os
import re
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_PATTERN = r"^[0-9a-hjkmnp-tv-z]{26}$"
_ID = re.compile(ID_PATTERN)


def new_id() -> str:
    """48 bits of milliseconds then 80 random bits, in 26 lowercase Crockford base-32 characters."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None
