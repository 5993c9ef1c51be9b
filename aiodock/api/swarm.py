"""docker-py's ``SwarmApiMixin``: the swarm and its nodes, over ``docker.swarm`` and
``docker.nodes``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import APIError, InvalidArgument
from ..nodes import Node
from ..types.swarm import SwarmSpec
from ..utils import Filters
from .base import ApiBase

DEFAULT_SWARM_ADDR_POOL = ("10.0.0.0/8",)
DEFAULT_SWARM_SUBNET_SIZE = 24
# What a forced leave of a node in no swarm answers (docker-py counts it as done).
_NOT_IN_A_SWARM = (406, 503)


class SwarmApiMixin(ApiBase):
    """Initialise, join, inspect, update, unlock and leave the swarm; list, inspect,
    update and remove nodes."""

    def create_swarm_spec(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """A swarm spec dict for ``init_swarm``/``update_swarm`` from
        :class:`~aiodock.types.SwarmSpec`'s arguments (docker-py's names;
        ``external_ca=`` is one ``external_cas`` entry)."""
        external_ca = kwargs.pop("external_ca", None)
        if external_ca:
            kwargs["external_cas"] = [external_ca]
        try:
            spec = SwarmSpec(*args, **kwargs)
        except TypeError as exc:
            raise InvalidArgument(f"create_swarm_spec: {exc}") from None
        return spec.to_api()

    async def get_unlock_key(self) -> dict[str, str]:
        """``{"UnlockKey": ...}``: the key that unlocks a manager after a restart."""
        return {"UnlockKey": await self._docker.swarm.unlock_key()}

    async def init_swarm(
        self,
        advertise_addr: str | None = None,
        listen_addr: str = "0.0.0.0:2377",
        force_new_cluster: bool = False,
        swarm_spec: Mapping[str, Any] | None = None,
        default_addr_pool: Iterable[str] | None = None,
        subnet_size: int | None = None,
        data_path_addr: str | None = None,
        data_path_port: int | None = None,
    ) -> str:
        """Make this daemon the first manager of a new swarm; the node's id. As docker-py,
        ``default_addr_pool`` without ``subnet_size`` means /24 subnets, and ``subnet_size``
        alone carves them out of ``10.0.0.0/8``."""
        if default_addr_pool is not None and subnet_size is None:
            subnet_size = DEFAULT_SWARM_SUBNET_SIZE
        if subnet_size is not None and default_addr_pool is None:
            default_addr_pool = DEFAULT_SWARM_ADDR_POOL
        return await self._docker.swarm.init(
            advertise_addr,
            listen_addr,
            force_new_cluster,
            default_addr_pool,
            subnet_size,
            data_path_addr,
            data_path_port,
            spec=swarm_spec,
        )

    async def inspect_swarm(self) -> dict[str, Any]:
        """The swarm's inspect data (id, spec, version, join tokens)."""
        return await self._docker.swarm.inspect()

    async def inspect_node(self, node_id: str) -> dict[str, Any]:
        """A node's inspect data."""
        return (await self._docker.nodes.get(node_id)).attrs

    async def join_swarm(
        self,
        remote_addrs: Iterable[str],
        join_token: str,
        listen_addr: str = "0.0.0.0:2377",
        advertise_addr: str | None = None,
        data_path_addr: str | None = None,
    ) -> bool:
        """Join the swarm managed at ``remote_addrs``; ``True``."""
        await self._docker.swarm.join(
            remote_addrs, join_token, listen_addr, advertise_addr, data_path_addr
        )
        return True

    async def leave_swarm(self, force: bool = False) -> bool:
        """Leave the swarm; ``True`` (with ``force``, also when in no swarm, as docker-py)."""
        try:
            return await self._docker.swarm.leave(force)
        except APIError as exc:
            if force and exc.status in _NOT_IN_A_SWARM:
                return True
            raise

    async def nodes(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        """The swarm's nodes matching ``filters``."""
        return [node.attrs for node in await self._docker.nodes.list(filters=filters)]

    async def remove_node(self, node_id: str, force: bool = False) -> bool:
        """Remove a node from the swarm; ``True``."""
        await self._docker.nodes.remove(node_id, force)
        return True

    async def unlock_swarm(self, key: str | Mapping[str, str]) -> bool:
        """Unlock a locked manager with its key (the string, or ``{"UnlockKey": ...}`` as
        :meth:`get_unlock_key` gives it); ``True``."""
        if isinstance(key, Mapping):
            if "UnlockKey" not in key:
                raise InvalidArgument("unlock_swarm: the key dict has no UnlockKey")
            key = key["UnlockKey"]
        await self._docker.swarm.unlock(key)
        return True

    async def update_node(
        self, node_id: str, version: int, node_spec: Mapping[str, Any] | None = None
    ) -> bool:
        """Replace a node's spec (``Availability``, ``Role``, ``Labels``, ``Name``), sent
        with the node's ``version``; ``True``."""
        node = Node(self._docker, {"ID": node_id, "Version": {"Index": version}})
        await node.update(node_spec or {})
        return True

    async def update_swarm(
        self,
        version: int,
        swarm_spec: Mapping[str, Any] | None = None,
        rotate_worker_token: bool = False,
        rotate_manager_token: bool = False,
        rotate_manager_unlock_key: bool = False,
    ) -> bool:
        """Replace the swarm's spec (as docker-py, a missing ``swarm_spec`` sends an empty
        one: start from ``inspect_swarm()["Spec"]``), sent with the swarm's ``version``,
        and/or rotate tokens or the unlock key; ``True``."""
        await self._docker.swarm._send_update(
            version,
            swarm_spec or {},
            rotate_worker_token=rotate_worker_token,
            rotate_manager_token=rotate_manager_token,
            rotate_manager_unlock_key=rotate_manager_unlock_key,
        )
        return True
