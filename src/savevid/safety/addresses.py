"""Which network addresses a public instance may connect to.

Only public unicast addresses are reachable by default. Everything that leads into the server's
own network is refused, including the IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64,
6to4, Teredo), unless the operator lists it in ``SAVEVID_ALLOW_PRIVATE``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges that are not the public internet, beyond what the ipaddress flags already say.
_EXTRA_BLOCKED: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "255.255.255.255/32",
        "64:ff9b:1::/48",  # local-use NAT64
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def canonical_host(host: str) -> str:
    """A host as the network sees it: ``LOCALHOST.`` and ``[::1]`` are ``localhost`` and ``::1``
    (upper case and the trailing dot of a fully qualified name change nothing)."""
    return host.strip("[]").rstrip(".").lower()


def is_localhost(host: str) -> bool:
    """True for ``localhost`` and its sub-domains, which always mean this machine (RFC 6761)."""
    name = canonical_host(host)
    return name == "localhost" or name.endswith(".localhost")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    return None


def is_public(address: IPAddress) -> bool:
    """True for a global unicast address that leads to no private network."""
    inner = embedded_ipv4(address)
    if inner is not None:  # it leads where its IPv4 address leads
        return is_public(inner)
    if any(address in network for network in _EXTRA_BLOCKED if network.version == address.version):
        return False
    return address.is_global and not (
        address.is_multicast or address.is_private or address.is_loopback or address.is_link_local
        or address.is_reserved or address.is_unspecified
    )  # fmt: skip


@dataclass(frozen=True)
class Exemption:
    """One entry of SAVEVID_ALLOW_PRIVATE: a host name, an address or a network, maybe a port."""

    host: str | None = None
    network: IPNetwork | None = None
    port: int | None = None

    def covers(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return canonical_host(host) == self.host
        return self.network is not None and address in self.network


def parse_exemptions(text: str) -> list[Exemption]:
    """``media.lan, 10.0.0.5:8096, 192.168.1.0/24, [fd00::1]:443`` as exemptions; ValueError if bad."""
    exemptions = []
    for raw in (item.strip() for item in text.split(",")):
        if not raw:
            continue
        entry, port = _split_port(raw)
        try:
            network = ipaddress.ip_network(entry.strip("[]"), strict=False)
        except ValueError:
            if not entry or any(c in entry for c in "/[]@ "):
                raise ValueError(f"not a host name, address or network: {raw!r}") from None
            exemptions.append(Exemption(host=canonical_host(entry), port=port))
        else:
            exemptions.append(Exemption(network=network, port=port))
    return exemptions


def _split_port(raw: str) -> tuple[str, int | None]:
    if raw.startswith("["):  # [v6]:port
        inside, _, rest = raw[1:].partition("]")
        return inside, int(rest[1:]) if rest.startswith(":") else None
    if raw.count(":") == 1:  # host:port or v4:port (a bare v6 has more colons)
        host, _, port = raw.partition(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"bad port in {raw!r}")
        return host, int(port)
    return raw, None
