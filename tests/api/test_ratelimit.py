"""The token bucket behind ROMAS_RATE_LIMIT, on a clock the test moves."""

from __future__ import annotations

import pytest

from romas.api.ratelimit import RateLimiter, client_key, retry_after
from romas.config import ConfigError, RateLimit, Token, load_settings, parse_rate_limit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_up_to_the_count_then_refill_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(2, 1.0), clock=clock)
    assert limiter.take("a") == 0.0 and limiter.take("a") == 0.0
    wait = limiter.take("a")
    assert wait == pytest.approx(0.5) and retry_after(wait) == "1"
    assert limiter.take("b") == 0.0  # another client has its own allowance
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0.0


def test_per_minute_limits_wait_whole_seconds() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(6, 60.0), clock=clock)
    for _ in range(6):
        assert limiter.take("a") == 0.0
    assert retry_after(limiter.take("a")) == "10"


def test_the_key_is_the_token_name_or_the_address() -> None:
    tokens = (Token("ci", "s3cret", frozenset({"write"})),)
    assert client_key("Bearer s3cret", "10.0.0.1", tokens) == "token:ci"
    assert client_key("Bearer wrong", "10.0.0.1", tokens) == "address:10.0.0.1"
    assert client_key("", "127.0.0.1", ()) == "address:127.0.0.1"


def test_rate_limit_setting() -> None:
    assert parse_rate_limit("100/s") == RateLimit(100, 1.0)
    assert parse_rate_limit("6000/min") == RateLimit(6000, 60.0)
    assert parse_rate_limit("off") is None and parse_rate_limit("") is None
    assert load_settings({}).rate_limit is None
    for bad in ("100", "x/s", "10/week", "-1/s"):
        with pytest.raises(ConfigError, match="ROMAS_RATE_LIMIT"):
            parse_rate_limit(bad)
    with pytest.raises(ConfigError, match="ROMAS_LOG_FORMAT"):
        load_settings({"ROMAS_LOG_FORMAT": "xml"})
