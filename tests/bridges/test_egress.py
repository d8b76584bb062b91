"""The egress rule: public addresses pass, loopback and private ranges only when listed."""

from __future__ import annotations

import asyncio

import pytest

from romas.bridges.export import ExportConfigError, parse_target
from romas.interop.egress import EgressRefused, EgressRule


def _check(rule_text: str, host: str) -> str | None:
    try:
        asyncio.run(EgressRule.parse(rule_text).check_host(host))
    except EgressRefused as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "0.0.0.0"])
def test_non_public_addresses_are_refused_unless_listed(host: str) -> None:
    refused = _check("", host)
    assert refused is not None and "ROMAS_EGRESS_ALLOW" in refused


def test_listed_hosts_and_networks_pass() -> None:
    assert _check("127.0.0.1", "127.0.0.1") is None
    assert _check("10.0.0.0/8, other", "10.1.2.3") is None
    assert _check("localhost", "localhost") is None
    assert _check("10.0.0.0/8", "192.168.0.1") is not None


def test_public_addresses_pass() -> None:
    assert _check("", "8.8.8.8") is None


def test_export_targets() -> None:
    target = parse_target("nats://127.0.0.1:4222/EVENTS?prefix=mas.log")
    assert (target.server, target.stream, target.prefix) == ("nats://127.0.0.1:4222", "EVENTS", "mas.log")
    assert parse_target("nats://h").stream == "ROMAS_EVENTS"
    with pytest.raises(ExportConfigError):
        parse_target("http://h/x")
    with pytest.raises(ExportConfigError):
        parse_target("nats://h/x?prefix=a.>")
