"""Where the daemon is: DOCKER_HOST, docker CLI contexts, TLS settings, parsed into an
:class:`Address` (how to dial it is :mod:`aiodock.transport.dial`'s business)."""

from __future__ import annotations

import hashlib
import json
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yarl import URL

from ..errors import InvalidArgument

DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_URL = f"unix://{DEFAULT_UNIX_SOCKET}"
DEFAULT_CONTEXT = "default"
"""The docker CLI's built-in context: DOCKER_HOST and the TLS variables, else the socket."""


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
        from .dial import ssl_context

        return ssl_context(self)

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
class SSHTarget:
    """The far end of an ``ssh://`` address: the ssh destination and the daemon's socket
    on that machine."""

    host: str
    user: str | None = None
    port: int | None = None
    socket_path: str = DEFAULT_UNIX_SOCKET

    def destination(self) -> str:
        """``[user@]host[:port]`` as an address shows it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port is not None else ""
        return f"{user}{host}{port}"


@dataclass(frozen=True)
class Address:
    """A parsed daemon address: the base URL for requests and how to connect.

    For ``ssh://`` addresses ``ssh`` says where the tunnel leads and ``unix_path`` is the
    local end of the tunnel (set by the client that owns it). ``context`` names the docker
    CLI context the address came from, if any.
    """

    display: str
    base_url: URL
    unix_path: str | None = None
    host: str | None = None
    port: int | None = None
    ssl: ssl.SSLContext | None = None
    ssh: SSHTarget | None = None
    context: str | None = None


# --- docker CLI contexts -------------------------------------------------------------------


@dataclass(frozen=True)
class DockerContext:
    """The docker endpoint of a docker CLI context, as ``docker context create`` stored it."""

    name: str
    host: str
    tls: TLSConfig | None = None
    skip_tls_verify: bool = False


def docker_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The docker CLI's configuration directory: DOCKER_CONFIG, else ``~/.docker``."""
    env = os.environ if environ is None else environ
    configured = env.get("DOCKER_CONFIG")
    return Path(configured).expanduser() if configured else Path.home() / ".docker"


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InvalidArgument(f"cannot read {what} {os.fspath(path)!r}: {exc}") from None


def current_context_name(environ: Mapping[str, str] | None = None) -> str:
    """The context the docker CLI would use without ``--host``/``--context``.

    A non-empty DOCKER_HOST means the default context (it wins over DOCKER_CONTEXT, as in
    the CLI); else DOCKER_CONTEXT; else ``currentContext`` of ``config.json``; else default.
    """
    env = os.environ if environ is None else environ
    if env.get("DOCKER_HOST"):
        return DEFAULT_CONTEXT
    if env.get("DOCKER_CONTEXT"):
        return env["DOCKER_CONTEXT"]
    config_path = docker_config_dir(env) / "config.json"
    config = _read_json(config_path, "the docker CLI configuration")
    if isinstance(config, dict):
        name = config.get("currentContext")
        if isinstance(name, str) and name:
            return name
    return DEFAULT_CONTEXT


def load_context(name: str, environ: Mapping[str, str] | None = None) -> DockerContext:
    """Read context ``name`` from the docker CLI's context store (under DOCKER_CONFIG or
    ``~/.docker``): its docker host, and its TLS files when it has any.

    Raises :class:`InvalidArgument` naming the context when it does not exist or has no
    docker endpoint. ``default`` is not stored: it is not accepted here.
    """
    if not name or name == DEFAULT_CONTEXT:
        raise InvalidArgument(f"docker context {name!r} is not a stored context")
    contexts = docker_config_dir(environ) / "contexts"
    context_id = hashlib.sha256(name.encode()).hexdigest()
    meta_path = contexts / "meta" / context_id / "meta.json"
    meta = _read_json(meta_path, f"docker context {name!r}")
    if meta is None:
        raise InvalidArgument(f"docker context {name!r} does not exist (no {os.fspath(meta_path)})")
    endpoints = meta.get("Endpoints") if isinstance(meta, dict) else None
    endpoint = endpoints.get("docker") if isinstance(endpoints, dict) else None
    host = endpoint.get("Host") if isinstance(endpoint, dict) else None
    if not isinstance(host, str) or not host:
        raise InvalidArgument(f"docker context {name!r} has no docker endpoint host")
    assert isinstance(endpoint, dict)
    skip_verify = bool(endpoint.get("SkipTLSVerify"))
    tls_dir = contexts / "tls" / context_id / "docker"

    def existing(file_name: str) -> Path | None:
        path = tls_dir / file_name
        return path if path.is_file() else None

    ca, cert, key = existing("ca.pem"), existing("cert.pem"), existing("key.pem")
    if cert is None or key is None:
        cert = key = None
    tls: TLSConfig | None = None
    if ca is not None or cert is not None or skip_verify:
        tls = TLSConfig(ca_cert=ca, client_cert=cert, client_key=key, verify=not skip_verify)
    return DockerContext(name=name, host=host, tls=tls, skip_tls_verify=skip_verify)


# --- addresses -----------------------------------------------------------------------------


def parse_address(
    url: str | None = None,
    tls: TLSConfig | bool | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    context: str | None = None,
) -> Address:
    """Resolve the daemon address as the docker CLI does.

    ``url`` wins; ``context`` names a docker CLI context (giving both is an error); without
    either, a non-empty DOCKER_HOST, else DOCKER_CONTEXT, else ``currentContext`` of the
    CLI's ``config.json``, else the default socket. The ``default`` context means
    DOCKER_HOST, else the default socket.

    ``tls=None`` takes TLS settings from the context, or from the environment for a
    ``tcp://`` DOCKER_HOST or ``url``; ``tls=True`` means TLS with the system CAs,
    ``False`` plain HTTP.
    """
    env = os.environ if environ is None else environ
    if url and context:
        raise InvalidArgument(f"give a daemon url ({url!r}) or a context ({context!r}), not both")
    if not url:
        name = context or current_context_name(env)
        if name != DEFAULT_CONTEXT:
            stored = load_context(name, env)
            context_tls: TLSConfig | bool = tls if tls is not None else (stored.tls or False)
            return _parse_url(stored.host, context_tls, env, context=name)
    return _parse_url(url or env.get("DOCKER_HOST") or DEFAULT_URL, tls, env)


def _parse_url(
    raw: str, tls: TLSConfig | bool | None, env: Mapping[str, str], context: str | None = None
) -> Address:
    where = f" (docker context {context!r})" if context else ""
    if "://" not in raw:
        raise InvalidArgument(
            f"daemon address {raw!r}{where} has no scheme (unix://, tcp://, http(s)://, ssh://)"
        )
    scheme, rest = raw.split("://", 1)
    scheme = scheme.lower()
    if scheme == "unix":
        path = rest if rest.startswith("/") else "/" + rest
        if path == "/":
            raise InvalidArgument(f"daemon address {raw!r}{where} names no socket path")
        return Address(
            display=f"unix://{path}",
            base_url=URL("http://localhost"),
            unix_path=path,
            context=context,
        )
    if scheme == "ssh":
        return _parse_ssh(raw, rest, where, context)
    if scheme not in ("tcp", "http", "https"):
        raise InvalidArgument(
            f"daemon address {raw!r}{where}: scheme {scheme!r} is not supported "
            "(unix, tcp, http, https, ssh)"
        )
    parsed = URL(f"http://{rest}")
    if not parsed.host:
        raise InvalidArgument(f"daemon address {raw!r}{where} names no host")
    if parsed.path not in ("", "/"):
        raise InvalidArgument(f"daemon address {raw!r}{where}: a path is not supported")
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
        context=context,
    )


def _parse_ssh(raw: str, rest: str, where: str, context: str | None) -> Address:
    """``ssh://[user@]host[:port][/remote/socket/path]``."""
    try:
        parsed = URL(f"ssh://{rest}")
        port = parsed.explicit_port
    except ValueError as exc:
        raise InvalidArgument(f"daemon address {raw!r}{where}: {exc}") from None
    if not parsed.host:
        raise InvalidArgument(f"daemon address {raw!r}{where} names no host")
    if parsed.password is not None:
        raise InvalidArgument(
            f"daemon address {raw!r}{where}: a password in an ssh address is not supported "
            "(use a key or an ssh agent)"
        )
    if parsed.query_string or parsed.fragment:
        raise InvalidArgument(f"daemon address {raw!r}{where}: a query is not supported")
    if parsed.host.startswith("-") or (parsed.user or "").startswith("-"):
        raise InvalidArgument(f"daemon address {raw!r}{where}: a name may not start with '-'")
    socket_path = parsed.path if parsed.path not in ("", "/") else DEFAULT_UNIX_SOCKET
    target = SSHTarget(
        host=parsed.host, user=parsed.user or None, port=port, socket_path=socket_path
    )
    suffix = socket_path if socket_path != DEFAULT_UNIX_SOCKET else ""
    return Address(
        display=f"ssh://{target.destination()}{suffix}",
        base_url=URL("http://localhost"),
        ssh=target,
        context=context,
    )
