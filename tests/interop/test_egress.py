"""The egress rule: loopback, private and reserved targets only when listed."""

from __future__ import annotations

import pytest

from romas.interop.egress import EgressRefused, EgressRule

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://0.0.0.0/x",
        "ftp://example.org/x",
        "http:///nohost",
        "http://user:pw@8.8.8.8/x",
    ],
)
async def test_refused_without_listing(url: str) -> None:
    with pytest.raises(EgressRefused):
        await EgressRule.parse("").check(url)


async def test_public_addresses_pass() -> None:
    await EgressRule.parse("").check("https://8.8.8.8/hook")


async def test_listed_cidrs_and_hosts_pass() -> None:
    rule = EgressRule.parse("127.0.0.1, 10.0.0.0/8 internal.example")
    await rule.check("http://127.0.0.1:9/x")
    await rule.check("http://10.20.30.40/x")
    await rule.check("http://internal.example/x")
    with pytest.raises(EgressRefused):
        await rule.check("http://127.0.0.2/x")
    with pytest.raises(EgressRefused):
        await rule.check("http://192.168.0.1/x")
