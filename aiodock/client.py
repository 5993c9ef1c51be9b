"""The ``Docker`` client: one aiohttp session, version negotiation, typed errors."""

from __future__ import annotations

import asyncio
import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from . import __version__
from .connection import Address, TLSConfig, parse_address
from .engine import GATED_PREFIXES, EngineInfo, read_engine, unsupported
from .errors import (
    APIError,
    DockerConnectionError,
    DockerError,
    DockerTimeoutError,
    InvalidArgument,
    api_error,
)
from .ssh import SSH_MODES
from .utils import (
    AsyncClosing,
    QueryValue,
    TimeSpec,
    encode_filters,
    query,
    timeout_after,
    to_timestamp,
    version_tuple,
)

if TYPE_CHECKING:
    from .events import EventStream
    from .ssh import SSHTunnel
    from .utils import Filters

from .configs import ConfigManager
from .containers import ContainerManager
from .exec import ExecManager
from .images import ImageManager
from .networks import NetworkManager
from .nodes import NodeManager
from .plugins import PluginManager
from .secrets import SecretManager
from .services import ServiceManager
from .swarm import Swarm
from .tasks import TaskManager
from .volumes import VolumeManager

MAX_API_VERSION: Final = "1.55"
"""The newest Engine API version this client speaks; negotiation never goes above it."""

STREAM_READ_BUFSIZE: Final = 1024 * 1024
"""aiohttp's ``read_bufsize`` for the session: how much a response buffers before pausing."""

_DEFAULT: Any = object()


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
    ``api_version`` pins the version instead of negotiating it. ``timeout`` bounds
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
        if api_version is not None and api_version != "auto":
            version_tuple(api_version)
        if pool_size < 1:
            raise InvalidArgument("pool_size must be at least 1")
        if ssh_mode not in SSH_MODES:
            raise InvalidArgument(f"ssh_mode must be one of {', '.join(SSH_MODES)}: {ssh_mode!r}")
        self.address: Address = parse_address(url, tls, context=context)
        self._tunnel: SSHTunnel | None = None
        if self.address.ssh is not None:
            from .ssh import SSHTunnel

            self._tunnel = SSHTunnel(
                self.address.ssh,
                display=self.address.display,
                options=ssh_options or (),
                mode=ssh_mode,
            )
            self.address = dataclasses.replace(self.address, unix_path=self._tunnel.socket_path)
        self._pinned_version = None if api_version in (None, "auto") else api_version
        self._api_version: str | None = self._pinned_version
        self._version_lock: asyncio.Lock | None = None
        self._ping_headers: CIMultiDictProxy[str] | None = None
        self._engine: EngineInfo | None = None
        self._engine_lock: asyncio.Lock | None = None
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._pool_size = pool_size
        self._headers = {"User-Agent": f"aiodock/{__version__}", **(headers or {})}
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._timeouts: dict[float | None, aiohttp.ClientTimeout] = {}

        self.containers = ContainerManager(self)
        self.images = ImageManager(self)
        self.networks = NetworkManager(self)
        self.volumes = VolumeManager(self)
        self.exec = ExecManager(self)
        self.swarm = Swarm(self)
        self.services = ServiceManager(self)
        self.tasks = TaskManager(self)
        self.nodes = NodeManager(self)
        self.secrets = SecretManager(self)
        self.configs = ConfigManager(self)
        self.plugins = PluginManager(self)

    def __repr__(self) -> str:
        return f"<Docker {self.address.display} api={self._api_version or '?'}>"

    # --- life cycle ---------------------------------------------------------------------

    @property
    def session(self) -> aiohttp.ClientSession:
        """The one aiohttp session of this client (made on first use)."""
        if self._closed:
            raise DockerError("this Docker client is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=self.address.connector(self._pool_size),
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._connect_timeout),
                auto_decompress=False,
                # Bigger reads for streams: fewer pause/resume cycles of the transport
                # (following 16 KiB log frames: about 20% less client CPU than 64 KiB).
                read_bufsize=STREAM_READ_BUFSIZE,
            )
        return self._session

    async def close(self) -> None:
        """Close every connection of this client."""
        self._closed = True
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        if self._tunnel is not None:
            await self._tunnel.close()

    def __del__(self, _warn: Any = warnings.warn) -> None:
        if getattr(self, "_session", None) is not None and not self._closed:
            _warn(
                f"unclosed {self!r}: call close() or use 'async with'", ResourceWarning, source=self
            )

    # --- versions -----------------------------------------------------------------------

    @property
    def api_version(self) -> str | None:
        """The API version in use, once negotiated (or pinned)."""
        return self._api_version

    async def negotiate_version(self) -> str:
        """The API version to speak: the daemon's, capped at :data:`MAX_API_VERSION`."""
        if self._api_version is not None:
            return self._api_version
        if self._version_lock is None:
            self._version_lock = asyncio.Lock()
        async with self._version_lock:
            if self._api_version is None:
                daemon_version = await self._daemon_api_version()
                self._api_version = min(daemon_version, MAX_API_VERSION, key=version_tuple)
        return self._api_version

    async def _daemon_api_version(self) -> str:
        header = (await self.ping_headers()).get("API-Version")
        if header:
            return header
        info = await self._json("GET", "/version", versioned=False)
        return str(info["ApiVersion"])

    async def require_version(self, minimum: str, feature: str) -> None:
        """Raise :class:`InvalidArgument` when the negotiated version is below ``minimum``."""
        version = await self.negotiate_version()
        if version_tuple(version) < version_tuple(minimum):
            raise InvalidArgument(f"{feature} needs API {minimum}; the daemon speaks {version}")

    async def ping_headers(self) -> CIMultiDictProxy[str]:
        """The headers of a ``GET /_ping`` answer (``API-Version``, ``Builder-Version``,
        ``Swarm``, Podman's ``Libpod-Api-Version``, ...), sent now."""
        async with await self._request("GET", "/_ping", versioned=False) as resp:
            await resp.read()
        self._ping_headers = CIMultiDictProxy(CIMultiDict(resp.headers))
        return self._ping_headers

    async def engine(self, *, refresh: bool = False) -> EngineInfo:
        """Which engine answers (Docker or Podman), its versions, default builder, swarm
        state and platform. Read once (from the ``/_ping`` headers of the version
        negotiation and ``GET /version``) and cached; ``refresh=True`` reads it again,
        for instance after joining or leaving a swarm."""
        if self._engine is not None and not refresh:
            return self._engine
        if self._engine_lock is None:
            self._engine_lock = asyncio.Lock()
        async with self._engine_lock:
            if self._engine is None or refresh:
                self._engine = await read_engine(self, fresh=refresh)
        return self._engine

    async def _check_capability(self, path: str) -> None:
        """Raise :class:`NotSupported` before a request the engine cannot serve at all."""
        headers = self._ping_headers or await self.ping_headers()
        error = unsupported(headers, path)
        if error is not None:
            raise error

    # --- requests -----------------------------------------------------------------------

    async def url(self, path: str, *, versioned: bool = True) -> URL:
        """The full URL of an API path (``/containers/json``)."""
        tunnel = self._tunnel
        if tunnel is not None and not tunnel.running:
            if self._closed:
                raise DockerError("this Docker client is closed")
            await tunnel.start(self._connect_timeout)  # ssh:// daemons: before connecting
        if versioned:
            version = self._api_version or await self.negotiate_version()
            if path.startswith(GATED_PREFIXES):
                await self._check_capability(path)
            return self.address.base_url.with_path(f"/v{version}{path}", encoded=True)
        return self.address.base_url.with_path(path, encoded=True)

    def _client_timeout(self, read: float | None) -> aiohttp.ClientTimeout:
        cached = self._timeouts.get(read)
        if cached is None:
            cached = aiohttp.ClientTimeout(
                total=None, sock_connect=self._connect_timeout, sock_read=read
            )
            self._timeouts[read] = cached
        return cached

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = _DEFAULT,
        stream: bool = False,
        versioned: bool = True,
    ) -> aiohttp.ClientResponse:
        """Send a request; return the response on success, raise the typed error otherwise.

        ``timeout`` bounds the wait for the answer (default: the client's). With
        ``stream=True`` it bounds only the wait for the response head, so a quiet
        stream is never cut. The caller releases the response.
        """
        if timeout is _DEFAULT:
            timeout = self._timeout
        url = await self.url(path, versioned=versioned)
        try:
            # A stream's timeout covers only the wait for its head; aiohttp's read timeout
            # bounds everything else.
            async with timeout_after(timeout if stream else None):
                resp = await self.session.request(
                    method,
                    url,
                    params=query(params) if params else None,
                    json=json,
                    data=data,
                    headers=headers,
                    timeout=self._client_timeout(None if stream else timeout),
                )
        except BaseException as exc:
            raise self.translate_error(exc, f"{method} {path}") from exc
        if resp.status >= 300:
            await self._raise_for_status(resp, method, path)
        return resp

    async def _raise_for_status(self, resp: aiohttp.ClientResponse, method: str, path: str) -> None:
        try:
            body = await resp.read()
        except BaseException as exc:
            resp.close()
            raise self.translate_error(exc, f"{method} {path}") from exc
        finally:
            resp.release()
        message = body.decode("utf-8", "replace").strip()
        parsed: Any = None
        if body[:1] == b"{":
            import json as _json

            try:
                parsed = _json.loads(body)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
                message = parsed["message"]
        raise api_error(
            resp.status, message or resp.reason or "", method=method, path=path, body=parsed
        )

    def translate_error(self, exc: BaseException, what: str) -> BaseException:
        """The aiodock error for a transport-level exception (others are returned unchanged)."""
        if isinstance(exc, (DockerError, asyncio.CancelledError)):
            return exc
        if isinstance(exc, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
            return DockerTimeoutError(
                f"{what}: the daemon at {self.address.display} did not answer in time"
            )
        if isinstance(exc, aiohttp.ClientConnectorError):
            return DockerConnectionError(
                f"cannot connect to the Docker daemon: {exc.os_error.strerror or exc.os_error}",
                address=self.address.display,
            )
        if isinstance(exc, aiohttp.ClientResponseError):
            return DockerConnectionError(
                f"{what}: the daemon sent a malformed response: {exc.message}",
                address=self.address.display,
            )
        if isinstance(exc, (aiohttp.ClientError, OSError)):
            return DockerConnectionError(
                f"{what}: connection to the daemon failed: {exc}", address=self.address.display
            )
        return exc

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request whose answer is JSON (``None`` for an empty body)."""
        resp = await self._request(method, path, **kwargs)
        try:
            body = await resp.read()
        except BaseException as exc:
            resp.close()
            raise self.translate_error(exc, f"{method} {path}") from exc
        resp.release()
        if not body:
            return None
        try:
            import json as _json

            return _json.loads(body)
        except ValueError:
            raise APIError(
                resp.status,
                f"the daemon's answer is not JSON: {body[:200]!r}",
                method=method,
                path=path,
            ) from None

    async def _call(self, method: str, path: str, **kwargs: Any) -> None:
        """A request whose answer body does not matter (204, 201, ...)."""
        resp = await self._request(method, path, **kwargs)
        try:
            await resp.read()
        except BaseException as exc:
            resp.close()
            raise self.translate_error(exc, f"{method} {path}") from exc
        resp.release()

    # --- system -------------------------------------------------------------------------

    async def ping(self) -> bool:
        """``True`` when the daemon answers ``/_ping`` (raises :class:`DockerConnectionError`
        otherwise)."""
        resp = await self._request("GET", "/_ping", versioned=False)
        try:
            body = await resp.read()
        except BaseException as exc:
            resp.close()
            raise self.translate_error(exc, "GET /_ping") from exc
        resp.release()
        self._ping_headers = CIMultiDictProxy(CIMultiDict(resp.headers))
        header = resp.headers.get("API-Version")
        if self._api_version is None and header:
            self._api_version = min(header, MAX_API_VERSION, key=version_tuple)
        return body.strip() == b"OK"

    async def version(self) -> dict[str, Any]:
        """The daemon's version information (``GET /version``)."""
        result: dict[str, Any] = await self._json("GET", "/version")
        return result

    async def info(self) -> dict[str, Any]:
        """System-wide information (``GET /info``)."""
        result: dict[str, Any] = await self._json("GET", "/info")
        return result

    async def df(self) -> dict[str, Any]:
        """Disk usage of images, containers, volumes and build cache (``GET /system/df``)."""
        result: dict[str, Any] = await self._json("GET", "/system/df", timeout=None)
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
        engine_headers = self._ping_headers or await self.ping_headers()
        if build_cache and unsupported(engine_headers, "/build/prune"):
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

    def events(
        self,
        *,
        since: TimeSpec | None = None,
        until: TimeSpec | None = None,
        filters: Filters | None = None,
        decode: bool = True,
        reconnect: bool = False,
    ) -> EventStream:
        """Stream the daemon's events as :class:`~aiodock.events.Event` objects (raw dicts
        with ``decode=False``). ``reconnect=True`` survives dropped connections and daemon
        restarts, resuming after the last event delivered."""
        from .events import EventStream, encode_event_filters

        return EventStream(
            self,
            since=to_timestamp(since, name="since") if since is not None else None,
            until=to_timestamp(until, name="until") if until is not None else None,
            filters=encode_event_filters(filters),
            decode=decode,
            reconnect=reconnect,
        )
