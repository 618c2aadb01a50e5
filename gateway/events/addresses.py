"""Which network addresses a webhook may reach: the ranges of the outbound policy, in words.

Three kinds of address: those never reached, whatever the operator lists (link-local, cloud
metadata services, "this network", multicast, reserved and unspecified addresses, broadcast);
those reached only inside a network the operator allows (loopback, private, shared CGNAT space
and anything else that is not global); and global addresses, always reached. An IPv6 address
that carries an IPv4 one (IPv4-mapped, NAT64, 6to4) is judged by the IPv4 address it leads to.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ip_address(text)
    for text in (
        "169.254.169.254",  # AWS, GCP, Azure, OCI, DigitalOcean, OpenStack...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS, over IPv6
        "fd20:ce::254",  # GCP, over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer (a global address)
        "192.0.0.192",  # Oracle Cloud Classic
    )
)
"""Cloud metadata services: they hand out credentials to whoever asks from inside."""

THIS_NETWORK = ip_network("0.0.0.0/8")
SHARED_ADDRESS_SPACE = ip_network("100.64.0.0/10")
PRIVATE_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ip_network(text) for text in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
NAT64 = ip_network("64:ff9b::/96")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
LOOPBACK_ADDRESSES: tuple[IPAddress, ...] = (ip_address("127.0.0.1"), ip_address("::1"))
METADATA_NAMES = frozenset({"metadata", "metadata.google.internal"})
_NUMERIC_HOST = frozenset("0123456789abcdefxABCDEFX.")


def parse_networks(cidrs: Sequence[str]) -> tuple[IPNetwork, ...]:
    """``cidrs`` (``10.0.0.0/8``...) as networks; a ValueError names the first bad one."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ip_network(cidr, strict=False))
        except ValueError:
            raise ValueError(f"{cidr!r} is not a network like 10.0.0.0/8") from None
    return tuple(networks)


def host_addresses(host: str) -> tuple[IPAddress, ...] | None:
    """The addresses ``host`` (a URL's host, IDNA-encoded) stands for without asking DNS, or
    ``None`` for a name DNS must resolve.

    Covers every spelling a resolver reads as an address: IPv6 and dotted IPv4, and the forms
    ``inet_aton`` accepts (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``); and the names
    that are loopback or metadata by definition (``localhost``, ``*.localhost``...).
    """
    name = host.lower().removesuffix(".")
    try:
        return (ip_address(name),)
    except ValueError:
        pass
    if name and name[0].isdigit() and set(name) <= _NUMERIC_HOST:
        try:
            return (IPv4Address(socket.inet_aton(name)),)
        except OSError:
            return None
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return LOOPBACK_ADDRESSES
    if name in METADATA_NAMES:
        return (ip_address("169.254.169.254"),)
    return None


def refusal(address: IPAddress, allowed: Sequence[IPNetwork]) -> str | None:
    """Why ``address`` may not be reached (``"a loopback address, ..."``), or ``None``."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return refusal(address.ipv4_mapped, allowed)
        if address in NAT64:
            return refusal(IPv4Address(int(address) & 0xFFFFFFFF), allowed)
        if address.sixtofour is not None and (reason := refusal(address.sixtofour, allowed)):
            return reason
    never = _never_reached(address)
    if never is not None:
        return f"{never}, never delivered to"
    if address.is_global or any(address in network for network in allowed):
        return None
    return f"{_kind(address)}, delivered to only inside the networks the gateway's operator allows"


def _never_reached(address: IPAddress) -> str | None:
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified or (isinstance(address, IPv4Address) and address in THIS_NETWORK):
        return 'an unspecified ("this network") address'
    if address.is_multicast:
        return "a multicast address"
    if address == IPv4Address("255.255.255.255"):
        return "the broadcast address"
    if address.is_reserved and not address.is_loopback:
        return "a reserved address"
    return None


def _kind(address: IPAddress) -> str:
    if address.is_loopback:
        return "a loopback address"
    if isinstance(address, IPv4Address) and address in SHARED_ADDRESS_SPACE:
        return "a shared (carrier-grade NAT) address"
    if any(address in network for network in PRIVATE_NETWORKS):
        return "a private address"
    return "not a public address"
