"""How deep a JSON body may nest: the decoder and everything after it recurse once per level, so a body
nested thousands deep would end in a RecursionError (a 500) instead of a clear 400."""

from __future__ import annotations

import operator
import re
from itertools import accumulate, count
from typing import Final

MAX_DEPTH: Final = 100
"""Far more than any romas resource needs (a manifest is about six levels deep)."""

# A string, with its closing quote optional so that an unterminated one is consumed once (linear time).
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_WEIGHTS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def nesting_depth(body: bytes) -> int:
    """How many arrays and objects are open at the deepest point of ``body`` (malformed JSON included, as a
    decoder reads it from the start); strings are skipped. Linear, and every step runs in C."""
    brackets = _STRING.sub(b"", body).translate(_WEIGHTS, _NOT_BRACKETS)
    if not brackets:
        return 0
    # An opener weighs 2 and a closer 0, so after k brackets the depth is (sum of weights) - k.
    deepest: int = max(map(operator.sub, accumulate(brackets), count(1)))
    return max(0, deepest)


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects in ``body`` nest more than ``limit`` levels deep."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    return nesting_depth(body) > limit
