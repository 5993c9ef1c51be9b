"""Where the daemon is and how to reach it: DOCKER_HOST, TLS settings, connectors."""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from yarl import URL

from .errors import InvalidArgument

DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_URL = f"unix://{DEFAULT_UNIX_SOCKET}"


@dataclass(frozen=True)
class TLSConfig:
    """TLS settings for a ``tcp://`` daemon.

    ``ca_cert`` verifies the daemon (system CAs when ``None``), ``client_cert`` and
    ``client_key`` authenticate us; ``verify=False`` accepts any server certificate.
    """

    ca_cert: str | os.PathLike[str] | None = None
    client_cert: str | os.PathLike[str] | None = None
    client_key: str | os.PathLike[str] | None = None
    verify: bool = True

    def __post_init__(self) -> None:
        if (self.client_cert is None) != (self.client_key is None):
            raise InvalidArgument("TLSConfig: client_cert and client_key go together")
        for name in ("ca_cert", "client_cert", "client_key"):
            value = getattr(self, name)
            if value is not None and not Path(value).is_file():
                raise InvalidArgument(f"TLSConfig: {name} file {os.fspath(value)!r} does not exist")

    def ssl_context(self) -> ssl.SSLContext:
        """An SSL context built from these settings."""
        ctx = ssl.create_default_context(
            cafile=os.fspath(self.ca_cert) if self.ca_cert is not None else None
        )
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.client_cert is not None and self.client_key is not None:
            ctx.load_cert_chain(os.fspath(self.client_cert), os.fspath(self.client_key))
        return ctx

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TLSConfig | None:
        """TLS settings as the docker CLI reads them from DOCKER_TLS_VERIFY, DOCKER_TLS and
        DOCKER_CERT_PATH (default ``~/.docker``); ``None`` when TLS is not asked for."""
        env = os.environ if environ is None else environ
        verify = bool(env.get("DOCKER_TLS_VERIFY"))
        if not verify and not env.get("DOCKER_TLS"):
            return None
        cert_path = Path(env.get("DOCKER_CERT_PATH") or Path.home() / ".docker")

        def existing(name: str) -> Path | None:
            path = cert_path / name
            return path if path.is_file() else None

        cert, key = existing("cert.pem"), existing("key.pem")
        if cert is None or key is None:
            cert = key = None
        return cls(
            ca_cert=existing("ca.pem") if verify else None,
            client_cert=cert,
            client_key=key,
            verify=verify,
        )


@dataclass(frozen=True)
class Address:
    """A parsed daemon address: the base URL for requests and how to connect."""

    display: str
    base_url: URL
    unix_path: str | None = None
    host: str | None = None
    port: int | None = None
    ssl: ssl.SSLContext | None = None

    def connector(self, limit: int) -> aiohttp.BaseConnector:
        if self.unix_path is not None:
            return aiohttp.UnixConnector(path=self.unix_path, limit=limit)
        return aiohttp.TCPConnector(limit=limit, ssl=self.ssl if self.ssl is not None else False)


def parse_address(
    url: str | None = None,
    tls: TLSConfig | bool | None = None,
    environ: Mapping[str, str] | None = None,
) -> Address:
    """Resolve the daemon address: the argument, else DOCKER_HOST, else the default socket.

    ``tls=None`` reads TLS settings from the environment for ``tcp://`` addresses;
    ``tls=True`` means TLS with the system CAs, ``False`` plain HTTP.
    """
    env = os.environ if environ is None else environ
    raw = url or env.get("DOCKER_HOST") or DEFAULT_URL
    if "://" not in raw:
        raise InvalidArgument(f"daemon address {raw!r} has no scheme (unix://, tcp://, http(s)://)")
    scheme, rest = raw.split("://", 1)
    scheme = scheme.lower()
    if scheme == "unix":
        path = rest if rest.startswith("/") else "/" + rest
        if path == "/":
            raise InvalidArgument(f"daemon address {raw!r} names no socket path")
        return Address(display=f"unix://{path}", base_url=URL("http://localhost"), unix_path=path)
    if scheme not in ("tcp", "http", "https"):
        raise InvalidArgument(
            f"daemon address {raw!r}: scheme {scheme!r} is not supported (unix, tcp, http, https)"
        )
    parsed = URL(f"http://{rest}")
    if not parsed.host:
        raise InvalidArgument(f"daemon address {raw!r} names no host")
    if parsed.path not in ("", "/"):
        raise InvalidArgument(f"daemon address {raw!r}: a path is not supported")
    tls_config: TLSConfig | None
    if isinstance(tls, TLSConfig):
        tls_config = tls
    elif tls is True or scheme == "https":
        tls_config = TLSConfig()
    elif tls is False or scheme == "http":
        tls_config = None
    else:
        tls_config = TLSConfig.from_env(env)
    secure = tls_config is not None
    port = parsed.explicit_port or (2376 if secure else 2375)
    base = URL.build(scheme="https" if secure else "http", host=parsed.host, port=port)
    return Address(
        display=f"{'https' if secure else 'tcp'}://{parsed.host}:{port}",
        base_url=base,
        host=parsed.host,
        port=port,
        ssl=tls_config.ssl_context() if tls_config is not None else None,
    )
