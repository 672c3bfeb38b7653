"""Where requests a tenant controls may go (webhooks and the like): only to public addresses.

A tenant admin who sets a webhook's URL chooses where the server sends requests. Without a
check that would reach the server's own services (``http://127.0.0.1:5432/``, a cloud's
metadata address, the office LAN). So every destination must be a global address, unless the
operator lists internal ranges in ``VATS_OUTBOUND_ALLOW_NETWORKS`` (on-premise installs whose
CRM sits on the LAN). It is checked twice:

- when the URL is saved (:meth:`Destinations.check_url`: 422 naming the field), so a tenant
  learns at once;
- when the request is sent, by the HTTP client's resolver (:meth:`Destinations.session`):
  the name is resolved, every address is checked, and the connection goes to the checked
  addresses only, so DNS cannot turn a public name into 127.0.0.1 between check and connect.
  Redirects are not followed by the senders (a redirect would be a new, unchecked destination).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from vats.core.errors import ValidationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(OSError):
    """The destination is not public and not in the operator's allowed ranges."""


class Destinations:
    """The policy: global addresses, plus the ranges the operator allows."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        """``allowed``: CIDR ranges (``Config.outbound_allow_networks``, checked when read)."""
        self.allowed: tuple[Network, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in allowed)

    def refusal(self, address: str) -> str | None:
        """Why a request may not go to this IP address, or None if it may."""
        ip: Address = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(ip in network for network in self.allowed):
            return None
        if ip.is_global and not ip.is_multicast:
            return None
        kind = (
            "loopback" if ip.is_loopback
            else "link-local" if ip.is_link_local
            else "private" if ip.is_private
            else "not public"
        )  # fmt: skip
        return f"{ip} is a {kind} address; the operator may allow internal ranges (VATS_OUTBOUND_ALLOW_NETWORKS)"

    async def check_url(self, url: str, field: str = "url") -> None:
        """Refuse (422 on ``field``) a URL whose host is, or resolves to, a refused address.
        A name that does not resolve yet is accepted: it is checked again at every send."""
        host = urlsplit(url).hostname or ""
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                return
            addresses = [str(info[4][0]) for info in infos]
        for address in addresses:
            if (why := self.refusal(address)) is not None:
                raise ValidationError(f"the server does not send requests there: {why}", field=field)

    def check_host(self, host: str) -> None:
        """At send time, for a host written as an IP address (the resolver never sees those)."""
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return
        if (why := self.refusal(host.strip("[]"))) is not None:
            raise DestinationRefused(why)

    def session(self) -> aiohttp.ClientSession:
        """An HTTP client whose every connection goes to a checked address."""
        connector = aiohttp.TCPConnector(resolver=CheckingResolver(self))
        return aiohttp.ClientSession(connector=connector)


class CheckingResolver(AbstractResolver):
    """Resolves as usual, then keeps only the addresses the policy allows; the client connects
    to what this returns, so the check and the connection see the same addresses."""

    def __init__(self, destinations: Destinations) -> None:
        self.destinations = destinations
        self.inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        allowed = [r for r in results if self.destinations.refusal(r["host"]) is None]
        if not allowed:
            why = self.destinations.refusal(results[0]["host"]) if results else "no address"
            raise DestinationRefused(f"{host}: {why}")
        return allowed

    async def close(self) -> None:
        await self.inner.close()
