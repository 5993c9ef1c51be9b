"""The :class:`Transport`: everything between a manager's request and the daemon.

It owns the dialer, the aiohttp pool, the base URL, the headers every request carries,
the timeouts and the negotiated API version, and it is the one place where transport and
daemon errors become aiodock's (:meth:`Transport.map_error`, :func:`daemon_error`).
Managers and streams use its small interface: :meth:`~Transport.request`,
:meth:`~Transport.json`, :meth:`~Transport.call` over the pool,
:meth:`~Transport.open_body` and :meth:`~Transport.upgrade` over connections of our own.
"""

from __future__ import annotations

import asyncio
import json as _json
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Protocol

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

from .._version import __version__
from ..errors import (
    APIError,
    DockerConnectionError,
    DockerError,
    DockerTimeoutError,
    InvalidArgument,
    api_error,
)
from ..utils import QueryValue, query, timeout_after, version_tuple
from . import http11
from .address import Address
from .connection import Connection, ConnectionBody, StreamProtocol, TLSSession
from .dial import PING_PATH, Dialer
from .ssh import SSH_MODES

__all__ = [
    "MAX_API_VERSION",
    "ByteSource",
    "PooledResponse",
    "Transport",
    "daemon_error",
]

MAX_API_VERSION: Final = "1.55"
"""The newest Engine API version this client speaks; negotiation never goes above it."""

STREAM_READ_BUFSIZE: Final = 1024 * 1024
"""aiohttp's ``read_bufsize`` for the pool: how much a response buffers before pausing
(following 16 KiB log frames: about 20% less client CPU than 64 KiB)."""

ERROR_BODY_LIMIT: Final = 1024 * 1024
"""Most of an error answer's body that is read."""

_DEFAULT: Any = object()


class ByteSource(Protocol):
    """What streams read: the body of an answer (or an upgraded connection's output)."""

    async def read_chunk(self) -> bytes:
        """The next bytes as they arrived; ``b""`` at the end."""
        ...

    def release(self) -> Any:
        """Done with it: the connection may be reused."""
        ...

    def close(self) -> Any:
        """Abandon it: the connection is closed."""
        ...


class PooledResponse:
    """An answer over the aiohttp pool."""

    __slots__ = ("_resp", "headers", "read_chunk", "status")

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp
        self.status = resp.status
        self.headers: CIMultiDictProxy[str] = resp.headers
        self.read_chunk = resp.content.readany

    async def read(self) -> bytes:
        return await self._resp.read()

    def release(self) -> None:
        self._resp.release()

    def close(self) -> None:
        self._resp.close()


def daemon_error(status: int, reason: str, body: bytes, *, method: str, path: str) -> APIError:
    """The typed exception for a daemon error answer (its JSON ``message`` preferred)."""
    message, parsed = http11.error_message(body, reason)
    return api_error(status, message, method=method, path=path, body=parsed)


class Transport:
    """The way to one daemon: see the module's documentation. Made by
    :class:`~aiodock.Docker`; ``docker.transport`` is the same object."""

    def __init__(
        self,
        address: Address,
        *,
        api_version: str | None = None,
        timeout: float | None = 60.0,
        connect_timeout: float = 10.0,
        pool_size: int = 100,
        headers: Mapping[str, str] | None = None,
        ssh_options: Sequence[str] = (),
        ssh_mode: str = "forward",
    ) -> None:
        if api_version is not None and api_version != "auto":
            version_tuple(api_version)
        if pool_size < 1:
            raise InvalidArgument("pool_size must be at least 1")
        if ssh_mode not in SSH_MODES:
            raise InvalidArgument(f"ssh_mode must be one of {', '.join(SSH_MODES)}: {ssh_mode!r}")
        self.address = address
        self.dialer = Dialer(
            address, connect_timeout=connect_timeout, ssh_options=ssh_options, ssh_mode=ssh_mode
        )
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.headers: Mapping[str, str] = {
            "User-Agent": f"aiodock/{__version__}",
            **(headers or {}),
        }
        self._pool_size = pool_size
        self._api_version: str | None = None if api_version in (None, "auto") else api_version
        self._version_lock: asyncio.Lock | None = None
        self.ping_headers: CIMultiDictProxy[str] | None = None
        """The headers of the last ``/_ping`` answer (API-Version, Builder-Version, Swarm,
        Podman's Libpod-Api-Version, ...)."""
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._timeouts: dict[float | None, aiohttp.ClientTimeout] = {}
        self._checked_prefixes: tuple[str, ...] = ()
        self._check: Callable[[str], Awaitable[None]] | None = None

    def __repr__(self) -> str:
        return f"<Transport {self.address.display} api={self._api_version or '?'}>"

    # --- life cycle ---------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def has_pool(self) -> bool:
        """Whether the aiohttp pool was made (it is on the first request)."""
        return self._session is not None

    def _pool(self) -> aiohttp.ClientSession:
        if self._closed:
            raise DockerError("this Docker client is closed")
        session = self._session
        if session is None:
            session = self._session = aiohttp.ClientSession(
                connector=self.dialer.connector(self._pool_size),
                headers=self.headers,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout),
                auto_decompress=False,
                read_bufsize=STREAM_READ_BUFSIZE,
                # The daemon sets no cookies, and its answers are not compressed for us to
                # undo (auto_decompress is off): no jar to consult and no Accept headers
                # on every request.
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("Accept", "Accept-Encoding"),
            )
        return session

    async def close(self) -> None:
        """Close every connection (and the ssh tunnel)."""
        self._closed = True
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        await self.dialer.close()

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
        await self.dialer.ready()  # outside the lock: waiters share one tunnel attempt
        async with self._version_lock:
            if self._api_version is None:
                await self.ping()
            if self._api_version is None:  # a daemon without the API-Version header
                info = await self.daemon_version(versioned=False)
                if not isinstance(info, dict) or not info.get("ApiVersion"):
                    raise APIError(
                        200, "the daemon did not say its API version", path="GET /version"
                    )
                self._set_version(str(info["ApiVersion"]))
        assert self._api_version is not None
        return self._api_version

    async def daemon_version(self, *, versioned: bool = True) -> dict[str, Any]:
        """The daemon's ``GET /version`` answer (``versioned=False``: before negotiation)."""
        result: dict[str, Any] = await self.json("GET", "/version", versioned=versioned)
        return result

    def _set_version(self, daemon_version: str) -> None:
        self._api_version = min(daemon_version, MAX_API_VERSION, key=version_tuple)

    async def require_version(self, minimum: str, feature: str) -> None:
        """Raise :class:`InvalidArgument` when the negotiated version is below ``minimum``."""
        version = await self.negotiate_version()
        if version_tuple(version) < version_tuple(minimum):
            raise InvalidArgument(f"{feature} needs API {minimum}; the daemon speaks {version}")

    async def ping(self) -> bool:
        """``True`` when the daemon answers ``/_ping`` with ``OK``; learns the API version
        from its header when none is set yet."""
        resp = await self.request("GET", PING_PATH, versioned=False)
        body = await self._read(resp, f"GET {PING_PATH}")
        self.ping_headers = CIMultiDictProxy(CIMultiDict(resp.headers))
        header = resp.headers.get("API-Version")
        if self._api_version is None and header:
            self._set_version(header)
        return body.strip() == b"OK"

    async def request_target(
        self,
        path: str,
        params: Mapping[str, QueryValue] | None = None,
        *,
        versioned: bool = True,
    ) -> str:
        """The request target: ``/v1.41/containers/json?all=1`` (negotiates on first use)."""
        if versioned:
            version = self._api_version or await self.negotiate_version()
            if self._check is not None and path.startswith(self._checked_prefixes):
                await self._check(path)
            path = f"/v{version}{path}"
        if not params:
            return path
        url = self.address.base_url.with_path(path, encoded=True).with_query(query(params))
        return url.raw_path_qs

    def check_before(
        self, prefixes: tuple[str, ...], check: Callable[[str], Awaitable[None]]
    ) -> None:
        """Have ``check(path)`` run (and raise) before every versioned request to a path
        starting with one of ``prefixes`` (the client's engine capability checks)."""
        self._checked_prefixes = prefixes
        self._check = check

    async def engine_headers(self) -> Mapping[str, str]:
        """The ``/_ping`` headers: the negotiation's, else those of a ping sent now."""
        if self.ping_headers is None:
            await self.ping()
        assert self.ping_headers is not None
        return self.ping_headers

    # --- errors -------------------------------------------------------------------------

    def map_error(self, exc: BaseException, what: str) -> BaseException:
        """The aiodock error for an exception met while talking to the daemon (aiodock's
        own errors and cancellation are returned unchanged)."""
        if isinstance(exc, (DockerError, asyncio.CancelledError)):
            return exc
        if isinstance(exc.__cause__, DockerError):  # ours, wrapped by aiohttp on the way up
            return exc.__cause__
        display = self.address.display
        if isinstance(exc, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
            return DockerTimeoutError(f"{what}: the daemon at {display} did not answer in time")
        if isinstance(exc, aiohttp.ClientConnectorError):
            return DockerConnectionError(
                f"cannot connect to the Docker daemon: {exc.os_error.strerror or exc.os_error}",
                address=display,
            )
        if isinstance(exc, aiohttp.ClientResponseError):
            return DockerConnectionError(
                f"{what}: the daemon sent a malformed response: {exc.message}", address=display
            )
        if isinstance(exc, ssl.SSLError):
            return DockerConnectionError(
                f"{what}: TLS with the daemon failed: {exc}", address=display
            )
        if isinstance(exc, (aiohttp.ClientError, OSError)):
            return DockerConnectionError(
                f"{what}: connection to the daemon failed: {exc}", address=display
            )
        return exc

    # --- over the pool ------------------------------------------------------------------

    def _client_timeout(self, read: float | None) -> aiohttp.ClientTimeout:
        cached = self._timeouts.get(read)
        if cached is None:
            cached = self._timeouts[read] = aiohttp.ClientTimeout(
                total=None, sock_connect=self.connect_timeout, sock_read=read
            )
        return cached

    async def request(
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
    ) -> PooledResponse:
        """Send a request over the pool; the answer on success, the typed error otherwise.

        ``timeout`` bounds the wait for the answer (default: the client's). With
        ``stream=True`` it bounds only the wait for the head, so a quiet stream is never
        cut. The caller releases the answer.
        """
        if timeout is _DEFAULT:
            timeout = self.timeout
        what = f"{method} {path}"
        try:
            target = await self.request_target(path, versioned=versioned)
            pending = self._pool().request(
                method,
                self.address.base_url.with_path(target, encoded=True),
                params=query(params) if params else None,
                json=json,
                data=data,
                headers=headers,
                timeout=self._client_timeout(None if stream else timeout),
            )
            if stream and timeout is not None:
                async with timeout_after(timeout):
                    resp = await pending
            else:
                resp = await pending
        except BaseException as exc:
            raise self.map_error(exc, what) from exc
        answer = PooledResponse(resp)
        if resp.status >= 300:
            body = await self._read(answer, what)
            raise daemon_error(resp.status, resp.reason or "", body, method=method, path=path)
        return answer

    async def _read(self, resp: PooledResponse, what: str) -> bytes:
        """The whole body, the answer released (closed on failure)."""
        try:
            body = await resp.read()
        except BaseException as exc:
            resp.close()
            raise self.map_error(exc, what) from exc
        resp.release()
        return body

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request whose answer is JSON (``None`` for an empty body); keywords as
        :meth:`request`."""
        resp = await self.request(method, path, **kwargs)
        body = await self._read(resp, f"{method} {path}")
        if not body:
            return None
        try:
            return _json.loads(body)
        except ValueError:
            raise APIError(
                resp.status,
                f"the daemon's answer is not JSON: {body[:200]!r}",
                method=method,
                path=path,
            ) from None

    async def call(self, method: str, path: str, **kwargs: Any) -> None:
        """A request whose answer body does not matter (204, 201, ...)."""
        resp = await self.request(method, path, **kwargs)
        await self._read(resp, f"{method} {path}")

    # --- over connections of our own ----------------------------------------------------

    async def _connect(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None,
        json: Any,
        headers: Iterable[tuple[str, str]],
        upgrade_to: str | None,
        what: str,
    ) -> Connection:
        """Dial, send one request and wait for the answer's head; a status other than
        101/200 (200 for a plain request) raises the daemon's typed error."""
        body = b""
        content_type = None
        if json is not None:
            body = _json.dumps(json, separators=(",", ":")).encode()
            content_type = "application/json"
        dialer = self.dialer
        try:
            request = http11.build_request(
                method,
                await self.request_target(path, params),
                host=dialer.host_header,
                headers=self.headers,
                body=body,
                content_type=content_type,
                upgrade=upgrade_to is not None,
                upgrade_to=upgrade_to or "",
                extra_headers=headers,
            )
            address = self.address
            tls = (
                TLSSession(address.ssl, dialer.server_hostname) if address.ssl is not None else None
            )
            loop = asyncio.get_running_loop()
            _transport, protocol = await dialer.open(lambda: StreamProtocol(loop, tls), tls=False)
        except BaseException as exc:
            raise self.map_error(exc, what) from exc
        conn = Connection(protocol, what, self.map_error)
        try:
            protocol.send(request)
            head = await conn.wait_head(self.timeout)
            if head.status not in ((101, 200) if upgrade_to is not None else (200,)):
                error_body = ConnectionBody(conn, method=method)
                async with timeout_after(self.timeout or 10.0):
                    raw = await error_body.read(ERROR_BODY_LIMIT)
                raise daemon_error(head.status, head.reason, raw, method=method, path=path)
        except BaseException as exc:
            conn.close()
            raise self.map_error(exc, what) from exc
        return conn

    async def upgrade(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        headers: Iterable[tuple[str, str]] = (),
        protocol: str = "tcp",
        what: str | None = None,
    ) -> Connection:
        """Send ``method path`` asking for an upgrade to ``protocol`` (``tcp`` for exec and
        attach, ``h2c`` for build sessions) and return the raw stream once the daemon
        answered 101 (or 200). ``headers`` are added to the client's own."""
        return await self._connect(
            method, path, params=params, json=json, headers=headers, upgrade_to=protocol,
            what=what or f"{method} {path}",
        )  # fmt: skip

    async def open_body(
        self, method: str, path: str, *, params: Mapping[str, QueryValue] | None = None
    ) -> ConnectionBody:
        """Send a body-less request on a connection of our own; the answer's body."""
        conn = await self._connect(
            method, path, params=params, json=None, headers=(), upgrade_to=None,
            what=f"{method} {path}",
        )  # fmt: skip
        return ConnectionBody(conn, method=method)
