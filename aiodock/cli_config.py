"""What the docker CLI's ``config.json`` says besides credentials, applied as the CLI and
docker-py apply it: ``proxies`` (the environment of new containers and the build
arguments of builds), ``HttpHeaders`` (sent with every request) and ``detachKeys`` (the
default detach keys of attach and exec).

The file is the client's (``login(dockercfg_path=...)``/``reload_config``), else
``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``. A file that cannot be read
counts as empty here, as for docker-py (credential lookups still report it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .auth import client_config_path, load_config
from .errors import CredentialError

if TYPE_CHECKING:
    from .client import Docker

__all__ = [
    "ProxyConfig",
    "config_detach_keys",
    "config_http_headers",
    "general_config",
    "proxy_environment",
    "with_proxy_environment",
]


def general_config(docker: Docker | None = None, *, path: str | None = None) -> Mapping[str, Any]:
    """The parsed ``config.json`` of ``docker`` (or at ``path``); ``{}`` when there is
    none or it cannot be read."""
    if path is None and docker is not None:
        path = client_config_path(docker)
    try:
        return load_config(path)
    except CredentialError:
        return {}


@dataclass(frozen=True)
class ProxyConfig:
    """One entry of ``config.json``'s ``proxies``: ``httpProxy``, ``httpsProxy``,
    ``ftpProxy``, ``noProxy``."""

    http: str | None = None
    https: str | None = None
    ftp: str | None = None
    no_proxy: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], host: str | None = None) -> ProxyConfig:
        """The entry for the daemon at ``host`` (as the address was given, e.g.
        ``tcp://docker:2376``), else the ``default`` one."""
        proxies = config.get("proxies")
        if not isinstance(proxies, Mapping):
            return cls()
        entry = proxies.get(host) if host is not None and host in proxies else None
        if entry is None:
            entry = proxies.get("default")
        if not isinstance(entry, Mapping):
            return cls()

        def text(key: str) -> str | None:
            value = entry.get(key)
            return value if isinstance(value, str) and value else None

        return cls(text("httpProxy"), text("httpsProxy"), text("ftpProxy"), text("noProxy"))

    def environment(self) -> dict[str, str]:
        """The variables it sets, each in both cases (``HTTP_PROXY`` and ``http_proxy``)."""
        env: dict[str, str] = {}
        for name, value in (
            ("http_proxy", self.http),
            ("https_proxy", self.https),
            ("ftp_proxy", self.ftp),
            ("no_proxy", self.no_proxy),
        ):
            if value:
                env[name.upper()] = env[name] = value
        return env


def proxy_environment(docker: Docker) -> dict[str, str]:
    """The proxy variables ``config.json`` sets for ``docker``'s daemon (``{}``: none)."""
    proxies = ProxyConfig.from_config(general_config(docker), docker.address.display)
    return proxies.environment()


def with_proxy_environment(
    env: Sequence[str] | None, proxies: Mapping[str, str]
) -> list[str] | None:
    """``env`` (``KEY=value`` entries) with the proxy variables it does not set itself
    put first: an explicit entry wins."""
    if not proxies:
        return None if env is None else list(env)
    given = list(env or [])
    names = {entry.partition("=")[0] for entry in given}
    return [f"{key}={value}" for key, value in proxies.items() if key not in names] + given


def config_http_headers(path: str | None = None) -> dict[str, str]:
    """``config.json``'s ``HttpHeaders``: headers every request carries."""
    headers = general_config(path=path).get("HttpHeaders")
    if not isinstance(headers, Mapping):
        return {}
    return {str(key): str(value) for key, value in headers.items()}


def config_detach_keys(docker: Docker) -> str | None:
    """``config.json``'s ``detachKeys`` (``ctrl-p,ctrl-q`` style), if set."""
    keys = general_config(docker).get("detachKeys")
    return keys if isinstance(keys, str) and keys else None
