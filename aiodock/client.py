"""The ``Docker`` client: the resource managers over one :class:`~aiodock.transport.Transport`,
and the system calls (version, info, df, login, prune, events)."""

from __future__ import annotations

import asyncio
import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from .containers import ContainerManager
from .engine import GATED_PREFIXES, EngineInfo, lacks, read_engine, unsupported
from .errors import InvalidArgument
from .exec import ExecManager
from .images import ImageManager
from .networks import NetworkManager
from .transport import MAX_API_VERSION, Transport, parse_address
from .utils import AsyncClosing, TimeSpec, encode_filters, to_timestamp
from .volumes import VolumeManager

if TYPE_CHECKING:
    from .api import APIClient
    from .configs import ConfigManager
    from .events import EventHub, EventStream, SharedEventStream
    from .nodes import NodeManager
    from .plugins import PluginManager
    from .secrets import SecretManager
    from .services import ServiceManager
    from .swarm import Swarm
    from .tasks import TaskManager
    from .transport import Address, TLSConfig
    from .utils import Filters

__all__ = ["MAX_API_VERSION", "Docker"]


class Docker(AsyncClosing):
    """An asyncio client of one Docker daemon.

    ``url`` is ``unix:///path``, ``tcp://host:port``, ``http(s)://host:port`` or
    ``ssh://[user@]host[:port]``; ``context`` names a docker CLI context instead. By
    default, as the docker CLI: DOCKER_HOST, else DOCKER_CONTEXT, else the CLI's current
    context, else ``unix:///var/run/docker.sock``. ``tls`` is a :class:`TLSConfig`,
    ``True``/``False``, or ``None`` to take it from the context or from
    DOCKER_TLS_VERIFY/DOCKER_CERT_PATH. ``ssh_options`` are extra arguments of the ``ssh``
    command that tunnels to an ``ssh://`` daemon (e.g. ``["-i", "key"]``); ``ssh_mode``
    is ``"forward"`` (one ssh forwarding the daemon's socket) or ``"dial-stdio"`` (one
    ``ssh host docker system dial-stdio`` per connection, as the docker CLI does).
    ``api_version`` pins the version instead of negotiating it. ``headers`` go with every
    request, over the ``HttpHeaders`` of the docker CLI's ``config.json``. ``timeout`` bounds
    how long a request waits for the daemon to answer (streams that are merely quiet are not
    cut); ``connect_timeout`` bounds connecting. ``pool_size`` caps open connections.

    Use ``async with Docker() as docker:`` or call :meth:`close`.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        tls: TLSConfig | bool | None = None,
        api_version: str | None = None,
        timeout: float | None = 60.0,
        connect_timeout: float = 10.0,
        pool_size: int = 100,
        headers: Mapping[str, str] | None = None,
        context: str | None = None,
        ssh_options: Sequence[str] | None = None,
        ssh_mode: Literal["forward", "dial-stdio"] = "forward",
    ) -> None:
        from .cli_config import config_http_headers

        self.transport = Transport(
            parse_address(url, tls, context=context),
            api_version=api_version,
            timeout=timeout,
            connect_timeout=connect_timeout,
            pool_size=pool_size,
            headers={**config_http_headers(), **(headers or {})},
            ssh_options=ssh_options or (),
            ssh_mode=ssh_mode,
        )
        """How this client reaches the daemon: requests, connections, version, errors."""
        self.transport.check_before(GATED_PREFIXES, self._check_capability)
        self._engine: EngineInfo | None = None
        self._event_hubs: dict[tuple[str | None, bool, bool], EventHub] = {}
        """Shared event subscriptions by (filters, decode, reconnect): see :meth:`events`."""
        self._engine_lock: asyncio.Lock | None = None

        self.containers = ContainerManager(self)
        self.images = ImageManager(self)
        self.networks = NetworkManager(self)
        self.volumes = VolumeManager(self)
        self.exec = ExecManager(self)
        self._api: APIClient | None = None

    def __repr__(self) -> str:
        return f"<Docker {self.address.display} api={self.transport.api_version or '?'}>"

    # The swarm and plugin managers, made (and their modules imported) on first use.

    @functools.cached_property
    def swarm(self) -> Swarm:
        """The swarm this daemon is part of: init, join, inspect, update, leave."""
        from .swarm import Swarm

        return Swarm(self)

    @functools.cached_property
    def services(self) -> ServiceManager:
        """Swarm services."""
        from .services import ServiceManager

        return ServiceManager(self)

    @functools.cached_property
    def tasks(self) -> TaskManager:
        """Swarm tasks."""
        from .tasks import TaskManager

        return TaskManager(self)

    @functools.cached_property
    def nodes(self) -> NodeManager:
        """Swarm nodes."""
        from .nodes import NodeManager

        return NodeManager(self)

    @functools.cached_property
    def secrets(self) -> SecretManager:
        """Swarm secrets."""
        from .secrets import SecretManager

        return SecretManager(self)

    @functools.cached_property
    def configs(self) -> ConfigManager:
        """Swarm configs."""
        from .configs import ConfigManager

        return ConfigManager(self)

    @functools.cached_property
    def plugins(self) -> PluginManager:
        """Engine plugins."""
        from .plugins import PluginManager

        return PluginManager(self)

    @property
    def api(self) -> APIClient:
        """docker-py's low-level ``APIClient`` methods, awaitable (made on first use)."""
        if self._api is None:
            from .api import APIClient

            self._api = APIClient(self)
        return self._api

    @property
    def address(self) -> Address:
        """Where the daemon is."""
        return self.transport.address

    async def close(self) -> None:
        """Close every connection of this client (shared event subscriptions end)."""
        for hub in list(self._event_hubs.values()):
            await hub.close()
        await self.transport.close()

    def __del__(self, _warn: Any = warnings.warn) -> None:
        transport = getattr(self, "transport", None)
        if transport is not None and transport.has_pool and not transport.closed:
            _warn(
                f"unclosed {self!r}: call close() or use 'async with'", ResourceWarning, source=self
            )

    @property
    def api_version(self) -> str | None:
        """The API version in use, once negotiated (or pinned)."""
        return self.transport.api_version

    async def negotiate_version(self) -> str:
        """The API version to speak: the daemon's, capped at :data:`MAX_API_VERSION`."""
        return await self.transport.negotiate_version()

    async def engine(self, *, refresh: bool = False) -> EngineInfo:
        """Which engine answers (Docker or Podman), its versions, default builder, swarm
        state and platform. Read once (from the ``/_ping`` headers of the version
        negotiation and ``GET /version``) and cached; ``refresh=True`` reads it again,
        for instance after joining or leaving a swarm."""
        if self._engine is None or refresh:
            self._engine = await read_engine(self, fresh=refresh)
        return self._engine

    async def _check_capability(self, path: str) -> None:
        """Raise :class:`NotSupported` before a request the engine cannot serve at all."""
        headers = await self.transport.engine_headers()
        error = unsupported(headers, path)
        if error is not None:
            raise error

    # --- system -------------------------------------------------------------------------

    async def ping(self) -> bool:
        """``True`` when the daemon answers ``/_ping`` (raises :class:`DockerConnectionError`
        otherwise)."""
        return await self.transport.ping()

    async def version(self) -> dict[str, Any]:
        """The daemon's version information (``GET /version``)."""
        return await self.transport.daemon_version()

    async def info(self) -> dict[str, Any]:
        """System-wide information (``GET /info``)."""
        result: dict[str, Any] = await self.transport.json("GET", "/info")
        return result

    async def df(self) -> dict[str, Any]:
        """Disk usage of images, containers, volumes and build cache (``GET /system/df``)."""
        result: dict[str, Any] = await self.transport.json("GET", "/system/df", timeout=None)
        return result

    async def login(
        self,
        username: str,
        password: str | None = None,
        email: str | None = None,
        registry: str | None = None,
        reauth: bool = False,
        dockercfg_path: str | None = None,
    ) -> dict[str, Any]:
        """Check registry credentials with the daemon and remember them on this client for
        later pulls, pushes and builds (see :func:`aiodock.auth.login`)."""
        from .auth import login

        return await login(self, username, password, email, registry, reauth, dockercfg_path)

    async def prune(
        self,
        *,
        containers: bool = True,
        images: bool = True,
        networks: bool = True,
        volumes: bool = True,
        build_cache: bool = True,
        filters: Filters | None = None,
    ) -> dict[str, Any]:
        """Prune stopped containers, unused networks and volumes, dangling images and build
        cache (leave any out with ``name=False``), like ``docker system prune``. ``filters``
        go to each; a name one of them does not accept raises before anything is removed.
        Returns each daemon answer by type and the total ``SpaceReclaimed``. Volumes go
        as :meth:`VolumeManager.prune` sends them (named ones too); the build cache is
        left out on engines that cannot prune it (Podman)."""
        common = ("until", "label", "label!")
        accepted = {
            "containers": common if containers else None,
            "networks": common if networks else None,
            "volumes": ("label", "label!", "all") if volumes else None,
            "images": (*common, "dangling") if images else None,
            "build_cache": (
                *("until", "unused-for", "id", "parent", "type"),
                *("description", "inuse", "shared", "private"),
            )
            if build_cache
            else None,
        }
        for kind, names in accepted.items():
            if names is not None:
                try:
                    encode_filters(filters, allowed=names)
                except InvalidArgument as exc:
                    raise InvalidArgument(f"{kind} prune: {exc} (or pass {kind}=False)") from None
        if build_cache and lacks(await self.transport.engine_headers(), "build prune"):
            build_cache = False
        results: dict[str, Any] = {}
        if containers:
            results["containers"] = await self.containers.prune(filters)
        if networks:
            results["networks"] = await self.networks.prune(filters)
        if volumes:
            results["volumes"] = await self.volumes.prune(filters)
        if images:
            results["images"] = await self.images.prune(filters)
        if build_cache:
            results["build_cache"] = await self.images.prune_builds(filters=filters)
        results["SpaceReclaimed"] = sum(
            int((answer or {}).get("SpaceReclaimed") or 0) for answer in results.values()
        )
        return results

    @overload
    def events(
        self,
        *,
        since: TimeSpec | None = None,
        until: TimeSpec | None = None,
        filters: Filters | None = None,
        decode: bool = True,
        reconnect: bool = False,
        shared: Literal[False] = False,
    ) -> EventStream: ...

    @overload
    def events(
        self,
        *,
        filters: Filters | None = None,
        decode: bool = True,
        reconnect: bool = False,
        shared: Literal[True],
    ) -> SharedEventStream: ...

    def events(
        self,
        *,
        since: TimeSpec | None = None,
        until: TimeSpec | None = None,
        filters: Filters | None = None,
        decode: bool = True,
        reconnect: bool = False,
        shared: bool = False,
    ) -> EventStream | SharedEventStream:
        """Stream the daemon's events as :class:`~aiodock.events.Event` objects (raw dicts
        with ``decode=False``). ``reconnect=True`` survives dropped connections and daemon
        restarts, resuming after the last event delivered. ``shared=True`` subscribes to
        live events through one daemon connection shared by every subscriber of this
        client with the same ``filters``, ``decode`` and ``reconnect`` (see
        :class:`~aiodock.events.SharedEventStream`); ``since`` and ``until`` are then not
        allowed."""
        from .events import EventHub, EventStream, SharedEventStream, encode_event_filters

        encoded = encode_event_filters(filters)
        if not shared:
            return EventStream(
                self,
                since=to_timestamp(since, name="since") if since is not None else None,
                until=to_timestamp(until, name="until") if until is not None else None,
                filters=encoded,
                decode=decode,
                reconnect=reconnect,
            )
        if since is not None or until is not None:
            raise InvalidArgument(
                "events(shared=True) is a live subscription: since and until are not allowed"
            )
        key = (encoded, decode, reconnect)
        hubs = self._event_hubs

        def forget(hub: EventHub) -> None:
            if hubs.get(key) is hub:
                del hubs[key]

        def hub_for() -> EventHub:
            hub = hubs.get(key)
            if hub is None:
                upstream = EventStream(
                    self,
                    since=None,
                    until=None,
                    filters=encoded,
                    decode=decode,
                    reconnect=reconnect,
                )
                hub = hubs[key] = EventHub(upstream, forget)
            return hub

        return SharedEventStream(hub_for)
