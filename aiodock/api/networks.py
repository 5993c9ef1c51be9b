"""docker-py's ``NetworkApiMixin``: networks as dicts, over ``docker.networks``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..networks import Network
from ..types.networks import IPAMConfig
from ..utils import Filters
from .base import ApiBase


class NetworkApiMixin(ApiBase):
    """List, create, inspect, connect, disconnect, remove and prune networks."""

    async def networks(
        self,
        names: Iterable[str] | None = None,
        ids: Iterable[str] | None = None,
        filters: Filters | None = None,
    ) -> list[dict[str, Any]]:
        """The networks matching ``names``, ``ids`` and ``filters``, as the daemon lists them."""
        found = await self._docker.networks.list(names, ids, filters=filters)
        return [network.attrs for network in found]

    async def create_network(
        self,
        name: str,
        driver: str | None = None,
        options: Mapping[str, str] | None = None,
        ipam: IPAMConfig | Mapping[str, Any] | None = None,
        check_duplicate: bool | None = None,
        internal: bool = False,
        labels: Mapping[str, str] | None = None,
        enable_ipv6: bool = False,
        attachable: bool | None = None,
        scope: str | None = None,
        ingress: bool | None = None,
    ) -> dict[str, Any]:
        """Create a network; the daemon's answer (``{"Id": ..., "Warning": ...}``)."""
        return await self._docker.networks._create(
            name, driver, options, ipam, check_duplicate, internal, labels, enable_ipv6,
            attachable, scope, ingress,
        )  # fmt: skip

    async def prune_networks(self, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused networks; the daemon's answer (``NetworksDeleted``)."""
        return await self._docker.networks.prune(filters)

    async def remove_network(self, net_id: str) -> None:
        """Remove a network by id or name."""
        await self._docker.networks.remove(net_id)

    async def inspect_network(
        self, net_id: str, verbose: bool | None = None, scope: str | None = None
    ) -> dict[str, Any]:
        """The network's inspect data."""
        return (await self._docker.networks.get(net_id, verbose=verbose, scope=scope)).attrs

    async def connect_container_to_network(
        self,
        container: str,
        net_id: str,
        ipv4_address: str | None = None,
        ipv6_address: str | None = None,
        aliases: Sequence[str] | None = None,
        links: Mapping[str, str] | Sequence[str | tuple[str, str]] | None = None,
        link_local_ips: Sequence[str] | None = None,
        driver_opt: Mapping[str, str] | None = None,
        mac_address: str | None = None,
    ) -> None:
        """Attach a container to a network (see :meth:`aiodock.Network.connect`)."""
        await Network(self._docker, {"Id": net_id}).connect(
            container,
            aliases=aliases,
            links=links,
            ipv4_address=ipv4_address,
            ipv6_address=ipv6_address,
            link_local_ips=link_local_ips,
            driver_opt=driver_opt,
            mac_address=mac_address,
        )

    async def disconnect_container_from_network(
        self, container: str, net_id: str, force: bool = False
    ) -> None:
        """Detach a container from a network."""
        await Network(self._docker, {"Id": net_id}).disconnect(container, force=force)
