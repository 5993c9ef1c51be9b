"""The transport layer: the only code that knows unix sockets, TCP, TLS and ssh, speaks
HTTP/1.1 on connections of its own, and maps transport and daemon errors to aiodock's.

- :mod:`~aiodock.transport.address`: where the daemon is (DOCKER_HOST, contexts, TLS settings);
- :mod:`~aiodock.transport.dial`: opening connections (the aiohttp pool's and our own);
- :mod:`~aiodock.transport.ssh`: the ssh tunnel behind ``ssh://`` addresses;
- :mod:`~aiodock.transport.http11`: sans-IO HTTP/1.1 (heads, bodies, upgrades, error bodies);
- :mod:`~aiodock.transport.connection`: connections of our own (exec, attach, sessions, logs);
- :mod:`~aiodock.transport.core`: the :class:`Transport` every manager and stream talks to.
"""

from .address import Address, DockerContext, SSHTarget, TLSConfig, parse_address
from .connection import Connection, ConnectionBody
from .core import MAX_API_VERSION, ByteSource, PooledResponse, Transport

__all__ = [
    "MAX_API_VERSION",
    "Address",
    "ByteSource",
    "Connection",
    "ConnectionBody",
    "DockerContext",
    "PooledResponse",
    "SSHTarget",
    "TLSConfig",
    "Transport",
    "parse_address",
]
