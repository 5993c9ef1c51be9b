"""Typed helpers for networks: IPAM configuration and endpoint settings."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgument
from ..utils import string_map

__all__ = ["EndpointConfig", "IPAMConfig", "IPAMPool"]


def _check_subnet(value: str | None, name: str) -> None:
    if value is None:
        return
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise InvalidArgument(f"{name}: {value!r} is not a subnet like 10.10.0.0/24") from None


def _check_address(value: str | None, name: str, version: int | None = None) -> None:
    if value is None:
        return
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise InvalidArgument(f"{name}: {value!r} is not an IP address") from None
    if version is not None and address.version != version:
        raise InvalidArgument(f"{name}: {value!r} is not an IPv{version} address")


@dataclass(frozen=True)
class IPAMPool:
    """One address pool of a network: ``subnet``, the ``iprange`` containers get addresses
    from, the ``gateway``, and ``aux_addresses`` (host name to address) reserved in it."""

    subnet: str | None = None
    iprange: str | None = None
    gateway: str | None = None
    aux_addresses: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        _check_subnet(self.subnet, "IPAMPool.subnet")
        _check_subnet(self.iprange, "IPAMPool.iprange")
        _check_address(self.gateway, "IPAMPool.gateway")
        for host, address in (self.aux_addresses or {}).items():
            _check_address(address, f"IPAMPool.aux_addresses[{host!r}]")

    def to_api(self) -> dict[str, Any]:
        """The Engine API form (``Subnet``, ``IPRange``, ``Gateway``, ``AuxiliaryAddresses``)."""
        body: dict[str, Any] = {}
        if self.subnet is not None:
            body["Subnet"] = self.subnet
        if self.iprange is not None:
            body["IPRange"] = self.iprange
        if self.gateway is not None:
            body["Gateway"] = self.gateway
        if self.aux_addresses:
            body["AuxiliaryAddresses"] = dict(self.aux_addresses)
        return body


@dataclass(frozen=True)
class IPAMConfig:
    """A network's IP address management: the IPAM ``driver``, its ``pool_configs``
    (:class:`IPAMPool` or raw Engine API dicts) and driver ``options``."""

    driver: str = "default"
    pool_configs: Sequence[IPAMPool | Mapping[str, Any]] = field(default_factory=tuple)
    options: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.driver, str) or not self.driver:
            raise InvalidArgument(f"IPAMConfig.driver: {self.driver!r} is not a driver name")
        for pool in self.pool_configs:
            if not isinstance(pool, (IPAMPool, Mapping)):
                raise InvalidArgument(
                    f"IPAMConfig.pool_configs: {pool!r} is neither an IPAMPool nor a dict"
                )

    def to_api(self) -> dict[str, Any]:
        """The Engine API form (``Driver``, ``Config``, ``Options``)."""
        body: dict[str, Any] = {
            "Driver": self.driver,
            "Config": [
                pool.to_api() if isinstance(pool, IPAMPool) else dict(pool)
                for pool in self.pool_configs
            ],
        }
        if self.options:
            body["Options"] = string_map(self.options, "IPAMConfig.options")
        return body


def _links(value: Mapping[str, str] | Iterable[str | tuple[str, str]] | None) -> list[str] | None:
    """Links as the daemon wants them: ``"container:alias"`` strings."""
    if value is None:
        return None
    if isinstance(value, str):
        raise InvalidArgument("links must be a list or a mapping of container to alias")
    pairs: Iterable[Any] = value.items() if isinstance(value, Mapping) else value
    out: list[str] = []
    for item in pairs:
        if isinstance(item, str):
            out.append(item if ":" in item else f"{item}:{item}")
        elif isinstance(item, tuple) and len(item) == 2:
            out.append(f"{item[0]}:{item[1]}")
        else:
            raise InvalidArgument(f"links: {item!r} is neither 'name:alias' nor (name, alias)")
    return out


@dataclass(frozen=True)
class EndpointConfig:
    """How a container is attached to one network: DNS ``aliases``, legacy ``links``
    (``{"container": "alias"}`` or ``"container:alias"`` strings), static addresses,
    link-local addresses, driver options, ``mac_address`` (API 1.44) and ``gw_priority``
    (API 1.48: the endpoint with the highest gives the container its default gateway)."""

    aliases: Sequence[str] | None = None
    links: Mapping[str, str] | Sequence[str | tuple[str, str]] | None = None
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    link_local_ips: Sequence[str] | None = None
    driver_opt: Mapping[str, str] | None = None
    mac_address: str | None = None
    gw_priority: int | None = None

    def __post_init__(self) -> None:
        if self.gw_priority is not None and (
            isinstance(self.gw_priority, bool) or not isinstance(self.gw_priority, int)
        ):
            raise InvalidArgument(f"gw_priority must be an integer, not {self.gw_priority!r}")
        if isinstance(self.aliases, str):
            raise InvalidArgument("aliases must be a list of names, not a string")
        if isinstance(self.link_local_ips, str):
            raise InvalidArgument("link_local_ips must be a list of addresses, not a string")
        _check_address(self.ipv4_address, "ipv4_address", 4)
        _check_address(self.ipv6_address, "ipv6_address", 6)
        for address in self.link_local_ips or ():
            _check_address(address, "link_local_ips")
        _links(self.links)
        string_map(self.driver_opt, "driver_opt")

    def to_api(self) -> dict[str, Any]:
        """The Engine API ``EndpointSettings`` form."""
        body: dict[str, Any] = {}
        if self.aliases:
            body["Aliases"] = list(self.aliases)
        links = _links(self.links)
        if links:
            body["Links"] = links
        ipam: dict[str, Any] = {}
        if self.ipv4_address:
            ipam["IPv4Address"] = self.ipv4_address
        if self.ipv6_address:
            ipam["IPv6Address"] = self.ipv6_address
        if self.link_local_ips:
            ipam["LinkLocalIPs"] = list(self.link_local_ips)
        if ipam:
            body["IPAMConfig"] = ipam
        if self.driver_opt:
            body["DriverOpts"] = string_map(self.driver_opt, "driver_opt")
        if self.mac_address:
            body["MacAddress"] = self.mac_address
        if self.gw_priority is not None:
            body["GwPriority"] = self.gw_priority
        return body
