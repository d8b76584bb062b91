"""Identifiers for messages and commands: unique across processes and restarts, and sortable by time."""

from __future__ import annotations

import os
import re
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_PATTERN = r"^[0-9a-hjkmnp-tv-z]{26}$"
_ID = re.compile(ID_PATTERN)
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]
"""The two characters of every 10 bits: an id is 13 of them (a third less CPU than 26 characters one by one; every
inbox POST makes one)."""
_SHIFTS = range(120, -1, -10)


def new_id() -> str:
    """48 bits of milliseconds then 80 random bits, in 26 lowercase Crockford base-32 characters."""
    return encode((int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big"))


def encode(value: int) -> str:
    """128 bits (two zero bits before them make 26 characters of five)."""
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


def is_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None
