"""Dialling: the only code that opens sockets or builds SSL contexts.

One :class:`Dialer` per client turns its :class:`~aiodock.transport.address.Address` into
connections, for the aiohttp pool (:meth:`Dialer.connector`) and for connections of our
own (:meth:`Dialer.open`) alike: a unix socket, TCP, TCP with TLS, or an ``ssh://`` daemon
reached through the ssh tunnel's local socket (started on first dial,
:mod:`aiodock.transport.ssh`).
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

import aiohttp

from ..errors import DockerConnectionError, DockerError
from ..utils import timeout_after
from . import http11

if TYPE_CHECKING:
    from aiohttp.client_proto import ResponseHandler

    from .address import Address, TLSConfig
    from .ssh import SSHTunnel

__all__ = ["Dialer", "connect_unix", "probe_unix", "serve_unix", "ssl_context"]

P = TypeVar("P", bound=asyncio.BaseProtocol)


def ssl_context(tls: TLSConfig) -> ssl.SSLContext:
    """An SSL context for ``tls``: its CA (else the system's), client certificate, and
    ``verify=False`` accepting any server certificate."""
    ctx = ssl.create_default_context(
        cafile=os.fspath(tls.ca_cert) if tls.ca_cert is not None else None
    )
    if not tls.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if tls.client_cert is not None and tls.client_key is not None:
        ctx.load_cert_chain(os.fspath(tls.client_cert), os.fspath(tls.client_key))
    return ctx


class Dialer:
    """Opens connections to one daemon address (and owns the ssh tunnel of an ``ssh://``
    address)."""

    def __init__(
        self,
        address: Address,
        *,
        connect_timeout: float | None,
        ssh_options: Sequence[str] = (),
        ssh_mode: str = "forward",
    ) -> None:
        self.address = address
        self.connect_timeout = connect_timeout
        self.tunnel: SSHTunnel | None = None
        self.unix_path = address.unix_path
        """The unix socket dialled (an ssh tunnel's local end for ``ssh://``), if any."""
        if address.ssh is not None:
            from .ssh import SSHTunnel

            self.tunnel = SSHTunnel(
                address.ssh, display=address.display, options=ssh_options, mode=ssh_mode
            )
            self.unix_path = self.tunnel.socket_path

    @property
    def host_header(self) -> str:
        """The ``Host`` header requests carry."""
        address = self.address
        if address.host is None or address.port is None:
            return "localhost"
        host = f"[{address.host}]" if ":" in address.host else address.host
        return f"{host}:{address.port}"

    @property
    def server_hostname(self) -> str | None:
        """The name TLS checks the daemon's certificate against."""
        return self.address.host

    async def open(
        self, protocol_factory: Callable[[], P], *, tls: bool = True
    ) -> tuple[asyncio.Transport, P]:
        """Connect and return the transport and protocol. ``tls=False`` leaves TLS to the
        protocol (over :class:`ssl.MemoryBIO`, so that it can half-close). Raises
        ``OSError`` or ``asyncio.TimeoutError`` (mapped by the caller)."""
        loop = asyncio.get_running_loop()
        await self.ready()
        async with timeout_after(self.connect_timeout):
            if self.unix_path is not None:
                transport, protocol = await loop.create_unix_connection(
                    protocol_factory, self.unix_path
                )
            else:
                address = self.address
                assert address.host is not None and address.port is not None
                context = address.ssl if tls else None
                transport, protocol = await loop.create_connection(
                    protocol_factory,
                    address.host,
                    address.port,
                    ssl=context,
                    server_hostname=address.host if context is not None else None,
                )
        assert isinstance(transport, asyncio.Transport)
        return transport, protocol

    async def ready(self) -> None:
        """Start the ssh tunnel unless it runs (nothing to do for other addresses).
        Concurrent callers share one attempt, and its failure."""
        tunnel = self.tunnel
        if tunnel is not None and not tunnel.running:
            await tunnel.start(self.connect_timeout)

    def connector(self, limit: int) -> aiohttp.BaseConnector:
        """The connector of the client's aiohttp pool: dials through :meth:`open`."""
        return _DialConnector(self, limit=limit)

    async def close(self) -> None:
        """Stop the ssh tunnel, if any."""
        if self.tunnel is not None:
            await self.tunnel.close()


class _DialConnector(aiohttp.BaseConnector):
    """aiohttp's pool over :meth:`Dialer.open` (aiohttp's own unix and TCP connectors
    implement the same hook)."""

    def __init__(self, dialer: Dialer, *, limit: int) -> None:
        super().__init__(limit=limit)
        self._dialer = dialer

    def close(self, *, abort_ssl: bool = True) -> Awaitable[None]:
        """Close the pool's connections; TLS ones are aborted, without waiting for the
        daemon's answer to a TLS shutdown (as aiohttp's own TCP connector does)."""
        try:
            return super().close(abort_ssl=abort_ssl)
        except TypeError:  # aiohttp before 3.12 has no abort_ssl (nor waits for TLS)
            return super().close()

    async def _create_connection(
        self, req: aiohttp.ClientRequest, traces: list[Any], timeout: aiohttp.ClientTimeout
    ) -> ResponseHandler:
        try:
            _transport, protocol = await self._dialer.open(self._factory)
        except DockerError:
            raise  # the ssh tunnel's own (aiohttp may wrap it: see Transport.map_error)
        except OSError as exc:
            raise aiohttp.ClientConnectorError(req.connection_key, exc) from exc
        return protocol


class _ProbeProtocol(asyncio.Protocol):
    """Reads just the status line of one answer."""

    def __init__(self) -> None:
        self.parser = http11.HeadParser()
        self.answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        if self.answered.done():
            return
        try:
            if self.parser.feed(data) is not None:
                self.answered.set_result(True)
        except DockerError:
            self.answered.set_result(False)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.answered.done():
            self.answered.set_result(False)


PING_PATH: Final = "/_ping"
"""The daemon's health check, asked by the probe here and by the transport's ``ping``."""


async def probe_unix(path: str) -> bool | None:
    """Whether an HTTP daemon answers ``GET /_ping`` on the unix socket ``path``: ``True``
    when it answers, ``False`` when the connection closes without an answer, ``None`` when
    nothing listens there."""
    loop = asyncio.get_running_loop()
    try:
        transport, protocol = await loop.create_unix_connection(_ProbeProtocol, path)
    except (FileNotFoundError, ConnectionRefusedError):
        return None
    try:
        transport.write(
            http11.build_request("GET", PING_PATH, host="localhost", headers={}, upgrade=False)
        )
        return await protocol.answered
    finally:
        transport.close()


async def connect_unix(path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A stream connection to a local unix socket that is not the daemon's (an SSH agent
    a build session relays to). Raises ``OSError``."""
    return await asyncio.open_unix_connection(path)


async def serve_unix(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]], path: str
) -> asyncio.AbstractServer:
    """Listen on the unix socket ``path``; each connection is given to ``handler``."""
    try:
        return await asyncio.start_unix_server(handler, path=path)
    except OSError as exc:
        raise DockerConnectionError(
            f"cannot listen on {path!r}: {exc.strerror or exc}", address=path
        ) from exc
