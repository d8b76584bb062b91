"""Where romas may connect to: ``ROMAS_EGRESS_ALLOW`` lists hosts and CIDRs that are allowed besides the public
internet. Loopback, private, link-local and other non-global addresses are refused unless listed, so an agent
cannot reach the server's own neighbourhood by naming it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class EgressRefused(Exception):
    """The destination is outside the egress rule; the message says which host and why."""


@dataclass(frozen=True, slots=True)
class EgressRule:
    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    def allows_address(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        if any(ip in network for network in self.networks if network.version == ip.version):
            return True
        return ip.is_global

    async def check(self, host: str, port: int | None = None) -> None:
        """Raise EgressRefused unless every address ``host`` resolves to is allowed."""
        name = host.strip("[]").lower()
        if not name:
            raise EgressRefused("no host to connect to")
        if name in self.hosts:
            return
        try:
            addresses = [str(ipaddress.ip_address(name))]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(name, port, type=socket.SOCK_STREAM)
            except OSError as exc:
                raise EgressRefused(f"cannot resolve host {name}: {exc}") from None
            addresses = sorted({str(info[4][0]) for info in infos})
        refused = [a for a in addresses if not self.allows_address(a)]
        if refused:
            raise EgressRefused(
                f"host {name} ({', '.join(refused)}) is not a public address and is not in ROMAS_EGRESS_ALLOW"
            )


def parse_rule(text: str) -> EgressRule:
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item.lower())
    return EgressRule(frozenset(hosts), tuple(networks))


def egress_rule(env: Mapping[str, str] | None = None) -> EgressRule:
    """The rule of this process's environment, read each time (tests and operators may change it)."""
    return parse_rule((os.environ if env is None else env).get("ROMAS_EGRESS_ALLOW", ""))
