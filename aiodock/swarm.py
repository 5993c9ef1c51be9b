"""Swarm mode: initialise, join, leave, inspect, update and unlock the swarm (``docker.swarm``)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import APIError, InvalidArgument, OutOfSequence
from .resource import Manager
from .types.base import to_json
from .types.swarm import SwarmSpec

if TYPE_CHECKING:
    from .client import Docker

T = TypeVar("T")
_TOKEN = re.compile(r"SWMTKN-1-[0-9a-z]+-[0-9a-z]+")


async def versioned(call: Awaitable[T], what: str) -> T:
    """Await a versioned update, raising :class:`OutOfSequence` when the daemon refuses it
    because the object's version moved on."""
    try:
        return await call
    except APIError as exc:
        if "out of sequence" not in exc.message:
            raise
        raise OutOfSequence(
            exc.status,
            f"{what} changed since it was read (the daemon said: {exc.message}); "
            "reload it and apply the change again",
            method=exc.method,
            path=exc.path,
            body=exc.body,
        ) from exc


def _spec(spec: SwarmSpec | Mapping[str, Any] | None, kwargs: dict[str, Any]) -> SwarmSpec | None:
    if kwargs:
        if spec is not None:
            raise InvalidArgument("give either spec= or swarm settings as keywords, not both")
        try:
            return SwarmSpec(**kwargs)
        except TypeError:
            known = set(SwarmSpec.__dataclass_fields__)
            unknown = sorted(set(kwargs) - known)
            raise InvalidArgument(f"unknown swarm setting(s): {', '.join(unknown)}") from None
    if spec is None or isinstance(spec, SwarmSpec):
        return spec
    if isinstance(spec, Mapping):
        return None
    raise InvalidArgument(f"spec: expected a SwarmSpec or a dict, got {spec!r}")


class Swarm(Manager):
    """The swarm this daemon belongs to (``docker.swarm``).

    ``attrs`` holds the last :meth:`inspect` answer (``{}`` before the first one).
    """

    def __init__(self, docker: Docker) -> None:
        super().__init__(docker)
        self.attrs: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<Swarm: {self.id or 'not inspected'}>"

    @property
    def id(self) -> str:
        """The swarm's id (after :meth:`inspect`/:meth:`reload`)."""
        return str(self.attrs.get("ID", ""))

    @property
    def version(self) -> int | None:
        """The swarm object's version index, sent with updates."""
        index = self.attrs.get("Version", {}).get("Index")
        return int(index) if index is not None else None

    @property
    def join_tokens(self) -> dict[str, str]:
        """``{"Worker": ..., "Manager": ...}`` from the last inspect."""
        return dict(self.attrs.get("JoinTokens") or {})

    async def init(
        self,
        advertise_addr: str | None = None,
        listen_addr: str = "0.0.0.0:2377",
        force_new_cluster: bool = False,
        default_addr_pool: Iterable[str] | None = None,
        subnet_size: int | None = None,
        data_path_addr: str | None = None,
        data_path_port: int | None = None,
        *,
        spec: SwarmSpec | Mapping[str, Any] | None = None,
        **settings: Any,
    ) -> str:
        """Make this daemon the first manager of a new swarm; returns the node id.

        Swarm settings go in ``spec`` or as :class:`~aiodock.types.SwarmSpec` keywords
        (``autolock_managers=True``, ``task_history_retention_limit=5``, ...).
        """
        typed = _spec(spec, settings)
        body: dict[str, Any] = {
            "ListenAddr": listen_addr,
            "ForceNewCluster": bool(force_new_cluster),
        }
        if advertise_addr is not None:
            body["AdvertiseAddr"] = advertise_addr
        if default_addr_pool is not None:
            if isinstance(default_addr_pool, str):
                raise InvalidArgument("default_addr_pool: expected a list of subnets")
            body["DefaultAddrPool"] = list(default_addr_pool)
        if subnet_size is not None:
            body["SubnetSize"] = subnet_size
        if data_path_addr is not None:
            body["DataPathAddr"] = data_path_addr
        if data_path_port is not None:
            body["DataPathPort"] = data_path_port
        if typed is not None:
            body["Spec"] = typed.to_api()
        elif spec is not None:
            body["Spec"] = to_json(spec, "spec")
        node_id = await self._docker.transport.json("POST", "/swarm/init", json=body, timeout=None)
        await self.reload()
        return str(node_id)

    async def join(
        self,
        remote_addrs: Iterable[str],
        join_token: str,
        listen_addr: str = "0.0.0.0:2377",
        advertise_addr: str | None = None,
        data_path_addr: str | None = None,
    ) -> None:
        """Join the swarm managed at ``remote_addrs`` with a worker or manager token. A
        token that is not shaped as one raises :class:`InvalidArgument` before anything is
        sent; a well-formed wrong one raises the daemon's error."""
        if isinstance(remote_addrs, str):
            remote_addrs = [remote_addrs]
        remote_addrs = list(remote_addrs)
        if not remote_addrs:
            raise InvalidArgument("remote_addrs: give the address of at least one manager")
        if not isinstance(join_token, str) or not _TOKEN.fullmatch(join_token):
            raise InvalidArgument(
                "join_token: not a swarm join token (SWMTKN-1-<CA digest>-<secret>, as "
                "swarm.join_tokens gives)"
            )
        body: dict[str, Any] = {
            "ListenAddr": listen_addr,
            "RemoteAddrs": list(remote_addrs),
            "JoinToken": join_token,
        }
        if advertise_addr is not None:
            body["AdvertiseAddr"] = advertise_addr
        if data_path_addr is not None:
            body["DataPathAddr"] = data_path_addr
        await self._docker.transport.call("POST", "/swarm/join", json=body, timeout=None)

    async def join_via(
        self,
        manager: Docker,
        role: str = "worker",
        *,
        listen_addr: str = "0.0.0.0:2377",
        advertise_addr: str | None = None,
        data_path_addr: str | None = None,
    ) -> None:
        """Join the swarm that ``manager`` (a client of one of its managers) belongs to, as
        a ``worker`` or a ``manager``: the join token and the managers' addresses are read
        from it."""
        if role not in ("worker", "manager"):
            raise InvalidArgument(f"role: {role!r} is not 'worker' or 'manager'")
        info = (await manager.info()).get("Swarm") or {}
        if not info.get("ControlAvailable"):
            raise InvalidArgument(
                f"manager: {manager.address.display} is not a swarm manager "
                f"(its node state: {info.get('LocalNodeState') or 'unknown'})"
            )
        addresses = [m["Addr"] for m in info.get("RemoteManagers") or [] if m.get("Addr")]
        tokens = (await manager.swarm.inspect()).get("JoinTokens") or {}
        await self.join(
            addresses,
            tokens[role.capitalize()],
            listen_addr=listen_addr,
            advertise_addr=advertise_addr,
            data_path_addr=data_path_addr,
        )

    async def leave(self, force: bool = False) -> bool:
        """Leave the swarm (``force`` for the last manager, which ends the swarm); ``True``,
        as docker-py answers."""
        await self._docker.transport.call(
            "POST", "/swarm/leave", params={"force": force}, timeout=None
        )
        self.attrs = {}
        return True

    async def inspect(self) -> dict[str, Any]:
        """The swarm's inspect data (id, spec, version, join tokens)."""
        result: dict[str, Any] = await self._docker.transport.json("GET", "/swarm")
        return result

    async def reload(self) -> None:
        """Refresh :attr:`attrs`."""
        self.attrs = await self.inspect()

    async def update(
        self,
        spec: SwarmSpec | Mapping[str, Any] | None = None,
        *,
        rotate_worker_token: bool = False,
        rotate_manager_token: bool = False,
        rotate_manager_unlock_key: bool = False,
        **settings: Any,
    ) -> None:
        """Change swarm settings and/or rotate join tokens or the unlock key.

        A :class:`~aiodock.types.SwarmSpec` or keywords change only the settings given; a
        dict replaces the whole spec. The swarm is read first and its version sent; a
        concurrent change raises :class:`OutOfSequence`.
        """
        typed = _spec(spec, settings)
        await self.reload()
        current = self.attrs.get("Spec") or {}
        if typed is not None:
            body = typed.merge_into(current)
        elif spec is not None:
            body = dict(to_json(spec, "spec"))
        else:
            body = current
        await self._send_update(
            self.version,
            body,
            rotate_worker_token=rotate_worker_token,
            rotate_manager_token=rotate_manager_token,
            rotate_manager_unlock_key=rotate_manager_unlock_key,
        )
        await self.reload()

    async def _send_update(
        self,
        version: int | None,
        body: Mapping[str, Any],
        *,
        rotate_worker_token: bool,
        rotate_manager_token: bool,
        rotate_manager_unlock_key: bool,
    ) -> None:
        """The update request: ``body`` replaces the spec of the swarm at ``version``."""
        params = {
            "version": version,
            "rotateWorkerToken": rotate_worker_token,
            "rotateManagerToken": rotate_manager_token,
            "rotateManagerUnlockKey": rotate_manager_unlock_key,
        }
        await versioned(
            self._docker.transport.call("POST", "/swarm/update", params=params, json=dict(body)),
            "the swarm",
        )

    async def unlock_key(self) -> str:
        """The key that unlocks a manager after a restart (autolock)."""
        result = await self._docker.transport.json("GET", "/swarm/unlockkey")
        return str((result or {}).get("UnlockKey", ""))

    async def unlock(self, key: str) -> None:
        """Unlock a locked manager."""
        if not isinstance(key, str) or not key:
            raise InvalidArgument("key: expected the unlock key string")
        await self._docker.transport.call("POST", "/swarm/unlock", json={"UnlockKey": key})
