"""The egress rule: which hosts romas itself may reach (webhook targets, external agents' endpoints, A2A push
targets and the brokers and services of bridge artefacts).

Without it anyone allowed to create a subscription or an artefact could make the server probe its own network.
Public addresses are allowed; loopback, private, link-local, reserved and multicast ranges only when the operator
lists them in ``ROMAS_EGRESS_ALLOW`` (host names or CIDRs, comma or space separated). A host name is resolved and
every address it resolves to must pass.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class EgressRefused(ValueError):
    """The destination is not one romas may reach; the message says which and why."""


@dataclass(frozen=True, slots=True)
class EgressRule:
    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str) -> EgressRule:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for item in text.replace(",", " ").split():
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def listed(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks if network.version == address.version)

    def allows_address(self, address: IPAddress) -> bool:
        if self.listed(address):
            return True
        return address.is_global and not address.is_multicast

    async def check(self, url: str) -> None:
        """Raise :class:`EgressRefused` unless romas may call the http(s) ``url``."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise EgressRefused(f"{url!r}: only http and https URLs can be called")
        if not parts.hostname:
            raise EgressRefused(f"{url!r} has no host")
        if parts.username or parts.password:
            raise EgressRefused(f"{url!r}: credentials in the URL are refused; use the subscription's secret")
        try:
            port = parts.port
        except ValueError as exc:
            raise EgressRefused(f"{url!r}: {exc}") from None
        await self.check_host(parts.hostname, port)

    async def check_host(self, host: str, port: int | None = None) -> None:
        """Raise :class:`EgressRefused` unless every address ``host`` resolves to is allowed."""
        name = host.strip("[]").lower().rstrip(".")
        if not name:
            raise EgressRefused("no host to connect to")
        if name in self.hosts:
            return
        try:
            addresses: list[IPAddress] = [ipaddress.ip_address(name)]
        except ValueError:
            addresses = await _resolve(name, port)
        for address in addresses:
            if not self.allows_address(address):
                raise EgressRefused(
                    f"{name} ({address}) is a loopback, private or reserved address; "
                    "the operator must list it in ROMAS_EGRESS_ALLOW"
                )


def egress_rule(env: Mapping[str, str] | None = None) -> EgressRule:
    """The rule of this process's environment, read each time (tests and operators may change it)."""
    return EgressRule.parse((os.environ if env is None else env).get("ROMAS_EGRESS_ALLOW", ""))


async def _resolve(host: str, port: int | None) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise EgressRefused(f"{host} does not resolve: {exc.strerror or exc}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
