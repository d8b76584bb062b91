"""A token bucket per client for writes (``ROMAS_RATE_LIMIT``): an inbox flood from one token or address
slows that client down with 429 and ``Retry-After`` and leaves the others alone."""

from __future__ import annotations

import hmac
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from romas.config import RateLimit, Token

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_CLIENTS = 100_000
"""Buckets kept; the least recently seen client is forgotten first (it comes back with a full bucket)."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> float:
        """Spend one request of ``client``'s allowance: 0 when allowed, else the seconds until it would be."""
        now = self.clock()
        bucket = self._buckets.pop(client, None)
        if bucket is None:
            bucket = _Bucket(float(self.limit.count), now)
        else:
            bucket.tokens = min(float(self.limit.count), bucket.tokens + (now - bucket.at) * self.limit.per_second)
            bucket.at = now
        self._buckets[client] = bucket
        if len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.limit.per_second


def retry_after(seconds: float) -> str:
    """Retry-After takes whole seconds; never 0, or a client would retry at once and be refused again."""
    return str(max(1, math.ceil(seconds)))


def client_key(authorization: str, address: str, tokens: tuple[Token, ...]) -> str:
    """The token's name when the request carries a known one, else the client's address."""
    scheme, _, secret = authorization.partition(" ")
    if tokens and scheme.lower() == "bearer" and secret:
        for token in tokens:
            if hmac.compare_digest(token.secret.encode(), secret.strip().encode()):
                return f"token:{token.name}"
    return f"address:{address}"
