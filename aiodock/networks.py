"""Networks: create, list, inspect, connect and disconnect containers, remove, prune."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgument
from .resource import DriverResource, Manager, path_id
from .types.networks import EndpointConfig, IPAMConfig
from .utils import Filters, encode_filters, string_map
from .versions import check_body, request_target

if TYPE_CHECKING:
    from .containers import Container

LIST_FILTERS = frozenset({"dangling", "driver", "id", "label", "name", "scope", "type"})
PRUNE_FILTERS = frozenset({"until", "label", "label!"})
_SCOPES = frozenset({"local", "global", "swarm"})
_VERSIONED = {"MacAddress": "mac_address", "GwPriority": "gw_priority"}


def _container_id(container: Any) -> str:
    """The id of a ``Container`` handle, or the id/name given as a string."""
    if isinstance(container, str) and container:
        return container
    ident = getattr(container, "id", None)
    if isinstance(ident, str) and ident:
        return ident
    raise InvalidArgument(f"container: expected a Container or an id/name, got {container!r}")


class Network(DriverResource):
    """A network. ``attrs`` is the daemon's inspect data (``list()`` gives a smaller form
    without ``Containers``: :meth:`reload` fills it)."""

    inspect_path = "/networks/{id}"

    @property
    def ipam(self) -> dict[str, Any]:
        """The IPAM section: ``Driver``, ``Config`` (subnets, gateways), ``Options``."""
        return dict(self.attrs.get("IPAM") or {})

    @property
    def internal(self) -> bool:
        return bool(self.attrs.get("Internal"))

    @property
    def attachable(self) -> bool:
        return bool(self.attrs.get("Attachable"))

    @property
    def containers(self) -> list[Container]:
        """Handles of the containers attached, as of the last inspect (``get`` or
        :meth:`reload`). Each holds the network's view (``Id``, ``Name``); ``await
        container.reload()`` fetches the full inspect data."""
        from .containers import Container

        attached: dict[str, Any] = self.attrs.get("Containers") or {}
        handles: list[Container] = []
        for ident, endpoint in attached.items():
            if ident.startswith("ep-"):  # endpoints of other swarm nodes have no container
                continue
            name = (endpoint or {}).get("Name") or ""
            handles.append(Container(self._docker, {"Id": ident, "Name": f"/{name}"}))
        return handles

    async def connect(
        self,
        container: Container | str,
        *,
        aliases: Sequence[str] | None = None,
        links: Mapping[str, str] | Sequence[str | tuple[str, str]] | None = None,
        ipv4_address: str | None = None,
        ipv6_address: str | None = None,
        link_local_ips: Sequence[str] | None = None,
        driver_opt: Mapping[str, str] | None = None,
        mac_address: str | None = None,
        gw_priority: int | None = None,
    ) -> None:
        """Attach a container (handle, id or name) to this network, optionally with DNS
        ``aliases``, ``links``, static addresses, driver options, ``mac_address`` (API
        1.44) and ``gw_priority`` (API 1.48; see :class:`~aiodock.types.EndpointConfig`)."""
        endpoint = EndpointConfig(
            aliases=aliases,
            links=links,
            ipv4_address=ipv4_address,
            ipv6_address=ipv6_address,
            link_local_ips=link_local_ips,
            driver_opt=driver_opt,
            mac_address=mac_address,
            gw_priority=gw_priority,
        ).to_api()
        check_body(await request_target(self._docker), "connect", _VERSIONED, endpoint)
        body: dict[str, Any] = {"Container": _container_id(container)}
        if endpoint:
            body["EndpointConfig"] = endpoint
        await self._docker.transport.call(
            "POST", f"/networks/{path_id(self.id)}/connect", json=body
        )

    async def disconnect(self, container: Container | str, *, force: bool = False) -> None:
        """Detach a container (handle, id or name); ``force`` also works when the container
        is gone or stopped oddly."""
        body = {"Container": _container_id(container), "Force": bool(force)}
        await self._docker.transport.call(
            "POST", f"/networks/{path_id(self.id)}/disconnect", json=body
        )

    async def remove(self) -> None:
        """Delete this network."""
        await self._docker.transport.call("DELETE", f"/networks/{path_id(self.id)}")

    def __repr__(self) -> str:
        return f"<Network: {self.short_id} {self.name}>"


class NetworkManager(Manager):
    """``docker.networks``: create, get, list and prune networks."""

    async def create(
        self,
        name: str,
        *,
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
        config_only: bool | None = None,
        config_from: str | None = None,
    ) -> Network:
        """Create a network and return its handle (inspected).

        ``ipam`` is an :class:`~aiodock.types.IPAMConfig` (or the raw Engine API dict);
        ``scope`` is ``local``, ``global`` or ``swarm``; ``config_from`` names a
        config-only network to take the configuration from.
        """
        created = await self._create(
            name, driver, options, ipam, check_duplicate, internal, labels, enable_ipv6,
            attachable, scope, ingress, config_only, config_from,
        )  # fmt: skip
        return await self.get(created["Id"])

    async def _create(
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
        config_only: bool | None = None,
        config_from: str | None = None,
    ) -> dict[str, Any]:
        """The create request (parameters in docker-py's order, as :meth:`create`); the
        daemon's answer: ``{"Id": ..., "Warning": ...}``."""
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"name: {name!r} is not a network name")
        if scope is not None and scope not in _SCOPES:
            raise InvalidArgument(f"scope: {scope!r} is not one of local, global, swarm")
        body: dict[str, Any] = {
            "Name": name,
            "Driver": driver or "bridge",
            "Internal": bool(internal),
            "EnableIPv6": bool(enable_ipv6),
        }
        if options is not None:
            body["Options"] = string_map(options, "options")
        if labels is not None:
            body["Labels"] = string_map(labels, "labels")
        if ipam is not None:
            if isinstance(ipam, IPAMConfig):
                body["IPAM"] = ipam.to_api()
            elif isinstance(ipam, Mapping):
                body["IPAM"] = dict(ipam)
            else:
                raise InvalidArgument(f"ipam: expected an IPAMConfig, got {ipam!r}")
        if check_duplicate is not None:
            body["CheckDuplicate"] = bool(check_duplicate)
        if attachable is not None:
            body["Attachable"] = bool(attachable)
        if scope is not None:
            body["Scope"] = scope
        if ingress is not None:
            body["Ingress"] = bool(ingress)
        if config_only is not None:
            body["ConfigOnly"] = bool(config_only)
        if config_from is not None:
            body["ConfigFrom"] = {"Network": config_from}
        created: dict[str, Any] = await self._docker.transport.json(
            "POST", "/networks/create", json=body
        )
        return created

    async def get(
        self, network_id: str, *, verbose: bool | None = None, scope: str | None = None
    ) -> Network:
        """The network with this id or name (raises :class:`~aiodock.errors.NotFound`).
        ``verbose`` adds swarm service details; ``scope`` restricts the lookup."""
        if not isinstance(network_id, str) or not network_id:
            raise InvalidArgument(f"network_id: {network_id!r} is not a network id or name")
        if scope is not None and scope not in _SCOPES:
            raise InvalidArgument(f"scope: {scope!r} is not one of local, global, swarm")
        attrs = await self._docker.transport.json(
            "GET",
            f"/networks/{path_id(network_id)}",
            params={"verbose": verbose, "scope": scope},
        )
        return Network(self._docker, attrs)

    async def list(
        self,
        names: Iterable[str] | None = None,
        ids: Iterable[str] | None = None,
        *,
        filters: Filters | None = None,
        greedy: bool = False,
    ) -> builtins.list[Network]:
        """Networks matching ``filters`` (dangling, driver, id, label, name, scope, type),
        ``names`` and ``ids``. ``greedy=True`` inspects each one so that
        :attr:`Network.containers` is filled."""
        merged: dict[str, Any] = dict(filters or {})
        for key, extra in (("name", names), ("id", ids)):
            if extra is None:
                continue
            if isinstance(extra, str):
                raise InvalidArgument(f"{key}s must be a list of strings, not a string")
            current = merged.get(key)
            values = [] if current is None else [current] if isinstance(current, str) else current
            merged[key] = [*values, *extra]
        encoded = encode_filters(merged, allowed=LIST_FILTERS)
        found = await self._docker.transport.json("GET", "/networks", params={"filters": encoded})
        networks = [Network(self._docker, attrs) for attrs in found or []]
        if greedy and networks:
            await asyncio.gather(*(network.reload() for network in networks))
        return networks

    async def remove(self, network_id: str) -> None:
        """Delete a network by id or name."""
        if not isinstance(network_id, str) or not network_id:
            raise InvalidArgument(f"network_id: {network_id!r} is not a network id or name")
        await Network(self._docker, {"Id": network_id}).remove()

    async def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused networks matching ``filters`` (``until``, ``label``, ``label!``);
        returns the daemon's answer (``NetworksDeleted``)."""
        encoded = encode_filters(filters, allowed=PRUNE_FILTERS)
        result: dict[str, Any] = await self._docker.transport.json(
            "POST", "/networks/prune", params={"filters": encoded}, timeout=None
        )
        return result
