"""Registry credentials: per call, remembered logins, and the docker CLI's configuration.

Credentials for a registry are looked up, first match wins:

1. the ``auth_config`` given to the call (``{"username": ..., "password": ...}`` or
   ``{"identitytoken": ...}``);
2. what :meth:`Docker.login <aiodock.Docker.login>` remembered on that client;
3. the docker CLI's ``config.json`` (``$DOCKER_CONFIG/config.json``, else
   ``~/.docker/config.json``): the registry's ``credHelpers`` entry, else ``credsStore``,
   run as the ``docker-credential-<name>`` program, else the ``auths`` entry.

Docker Hub's credentials live under its index name, ``https://index.docker.io/v1/``.
Secrets never appear in reprs or error messages.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from .errors import CredentialError, InvalidArgument
from .reference import HUB_HOSTS, INDEX_NAME, parse_reference
from .utils import timeout_after

if TYPE_CHECKING:
    from .client import Docker

__all__ = [
    "AuthConfig",
    "CredentialError",
    "auth_header_for",
    "config_path",
    "encode_auth",
    "load_config",
    "login",
    "normalize_registry",
    "resolve_auth",
]

HELPER_TIMEOUT: Final = 30.0
"""Seconds a ``docker-credential-*`` program may take to answer."""

_FIELDS: Final = ("username", "password", "auth", "email", "serveraddress", "identitytoken")
_FIELDS_LOWER: Final = {name.lower(): name for name in (*_FIELDS, "registrytoken")}
_TOKEN_USER: Final = "<token>"


@dataclass(frozen=True)
class AuthConfig:
    """Credentials for one registry. The repr never shows secrets."""

    username: str = ""
    password: str = field(default="", repr=False)
    email: str = ""
    serveraddress: str = ""
    identitytoken: str = field(default="", repr=False)
    registrytoken: str = field(default="", repr=False)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, name: str = "auth_config") -> AuthConfig:
        """From a mapping with docker-py's or the Engine's keys (any case): ``username``,
        ``password``, ``email``, ``serveraddress``, ``identitytoken``, ``registrytoken``, or
        ``auth`` (base64 ``user:password``)."""
        if isinstance(data, AuthConfig):
            return data
        if not isinstance(data, Mapping):
            raise InvalidArgument(f"{name} must be a mapping, not {type(data).__name__}")
        values: dict[str, str] = {}
        for key, value in data.items():
            canonical = _FIELDS_LOWER.get(str(key).lower())
            if canonical is None:
                raise InvalidArgument(f"{name}: unknown key {key!r}")
            if value is None:
                continue
            if not isinstance(value, str):
                raise InvalidArgument(f"{name}: {key!r} must be a string")
            values[canonical] = value
        encoded = values.pop("auth", "")
        if encoded and not values.get("username"):
            values["username"], values["password"] = _decode_basic(encoded, name)
        return cls(**values)

    def with_server(self, server: str) -> AuthConfig:
        """A copy naming ``server`` when it names none."""
        if self.serveraddress:
            return self
        return AuthConfig(
            self.username,
            self.password,
            self.email,
            server,
            self.identitytoken,
            self.registrytoken,
        )

    def to_api(self) -> dict[str, str]:
        """The Engine API's JSON form (empty fields left out)."""
        out = {
            "username": self.username,
            "password": self.password,
            "email": self.email,
            "serveraddress": self.serveraddress,
            "identitytoken": self.identitytoken,
            "registrytoken": self.registrytoken,
        }
        return {key: value for key, value in out.items() if value}

    def header(self) -> str:
        """The ``X-Registry-Auth`` value: base64url of the JSON form."""
        return encode_auth(self.to_api())


def encode_auth(data: Mapping[str, Any]) -> str:
    """base64url of JSON, as ``X-Registry-Auth`` and ``X-Registry-Config`` take it."""
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_basic(encoded: str, where: str) -> tuple[str, str]:
    try:
        text = base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise CredentialError(f"{where}: 'auth' is not base64 of user:password") from None
    user, sep, password = text.partition(":")
    if not sep:
        raise CredentialError(f"{where}: 'auth' is not base64 of user:password")
    return user, password


def normalize_registry(server: str) -> str:
    """The credential key of a registry address: the host (scheme and path dropped), or
    Docker Hub's index name for any of its addresses."""
    host = server.strip()
    for scheme in ("https://", "http://"):
        if host.startswith(scheme):
            host = host[len(scheme) :]
            break
    host = host.split("/", 1)[0]
    if not host or host in HUB_HOSTS:
        return INDEX_NAME
    return host


# --- the docker CLI's configuration -------------------------------------------------------


def config_path(dockercfg_path: str | os.PathLike[str] | None = None) -> str:
    """The docker CLI configuration file: the argument, ``$DOCKER_CONFIG/config.json``,
    else ``~/.docker/config.json``."""
    if dockercfg_path is not None:
        return os.fspath(dockercfg_path)
    directory = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    return os.path.join(directory, "config.json")


_config_cache: dict[str, tuple[int, int, dict[str, Any]]] = {}


def load_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The parsed configuration file (``{}`` when there is none)."""
    file = config_path(path)
    try:
        stat = os.stat(file)
    except FileNotFoundError:
        return {}
    cached = _config_cache.get(file)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    try:
        with open(file, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise CredentialError(f"cannot read the docker configuration {file}: {exc}") from None
    if not isinstance(data, dict):
        raise CredentialError(f"the docker configuration {file} is not a JSON object")
    _config_cache[file] = (stat.st_mtime_ns, stat.st_size, data)
    return data


def _auths_entry(config: Mapping[str, Any], key: str) -> AuthConfig | None:
    auths = config.get("auths")
    if not isinstance(auths, Mapping):
        return None
    entry = auths.get(key)
    if not isinstance(entry, Mapping):
        entry = None
        for server, value in auths.items():
            if normalize_registry(server) == key and isinstance(value, Mapping):
                entry = value
                break
    if entry is None:
        return None
    known = {k: v for k, v in entry.items() if str(k).lower() in _FIELDS_LOWER}
    auth = AuthConfig.from_mapping(known, name=f"config.json auths[{key!r}]")
    if not (auth.username or auth.identitytoken or auth.registrytoken):
        return None
    return auth.with_server(key)


def _store_for(config: Mapping[str, Any], key: str) -> str | None:
    helpers = config.get("credHelpers")
    if isinstance(helpers, Mapping):
        for server, name in helpers.items():
            if normalize_registry(server) == key and isinstance(name, str) and name:
                return name
    store = config.get("credsStore")
    return store if isinstance(store, str) and store else None


async def run_helper(
    helper: str, action: str, payload: str, *, env: Mapping[str, str] | None = None
) -> str:
    """Run ``docker-credential-<helper> <action>`` with ``payload`` on stdin; its stdout.
    ``env`` adds to (or overrides) this process's environment for the helper."""
    program = f"docker-credential-{helper}"
    try:
        proc = await asyncio.create_subprocess_exec(
            program,
            action,
            env=None if env is None else {**os.environ, **env},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise CredentialError(
            f"credential helper {program} cannot run: {exc.strerror or exc}"
        ) from None
    try:
        async with timeout_after(HELPER_TIMEOUT):
            out, err = await proc.communicate(payload.encode())
    except (TimeoutError, asyncio.TimeoutError):
        proc.kill()
        await proc.wait()
        raise CredentialError(
            f"credential helper {program} did not answer in {HELPER_TIMEOUT:g}s"
        ) from None
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    if proc.returncode != 0:
        message = (out or err).decode("utf-8", "replace").strip().splitlines()
        first = message[0][:200] if message else f"exit status {proc.returncode}"
        raise _HelperFailed(first)
    return out.decode("utf-8", "replace")


class _HelperFailed(CredentialError):
    """The helper exited non-zero; the message is its first output line."""

    @property
    def not_found(self) -> bool:
        return "credentials not found" in str(self).lower()


async def _from_helper(
    helper: str, key: str, env: Mapping[str, str] | None = None
) -> AuthConfig | None:
    try:
        out = await run_helper(helper, "get", key, env=env)
    except _HelperFailed as exc:
        if exc.not_found:
            return None
        raise CredentialError(
            f"credential helper docker-credential-{helper} failed for {key}: {exc}"
        ) from None
    try:
        answer = json.loads(out)
        username = answer.get("Username", "")
        secret = answer.get("Secret", "")
    except (ValueError, AttributeError):
        raise CredentialError(
            f"credential helper docker-credential-{helper} gave no JSON credentials for {key}"
        ) from None
    if not isinstance(username, str) or not isinstance(secret, str):
        raise CredentialError(f"credential helper docker-credential-{helper}: bad answer")
    if username == _TOKEN_USER:
        return AuthConfig(identitytoken=secret, serveraddress=key)
    if not username and not secret:
        return None
    return AuthConfig(username=username, password=secret, serveraddress=key)


async def resolve_from_config(
    registry: str,
    *,
    dockercfg_path: str | os.PathLike[str] | None = None,
    credstore_env: Mapping[str, str] | None = None,
) -> AuthConfig | None:
    """Credentials for ``registry`` from the docker configuration, as the docker CLI finds
    them: ``credHelpers`` entry, else ``credsStore``, else ``auths``. ``credstore_env``:
    environment variables for the credential helpers."""
    config = load_config(dockercfg_path)
    return await resolve_in_config(config, registry, credstore_env=credstore_env)


async def resolve_in_config(
    config: Mapping[str, Any],
    registry: str,
    *,
    credstore_env: Mapping[str, str] | None = None,
) -> AuthConfig | None:
    """Credentials for ``registry`` from a loaded docker configuration (see
    :func:`resolve_from_config`)."""
    key = normalize_registry(registry)
    if not config:
        return None
    store = _store_for(config, key)
    if store is not None:
        found = await _from_helper(store, key, credstore_env)
        if found is not None:
            entry = _auths_entry(config, key)
            if entry is not None and entry.email and not found.email:
                found = AuthConfig(
                    found.username,
                    found.password,
                    entry.email,
                    found.serveraddress,
                    found.identitytoken,
                )
        return found
    return _auths_entry(config, key)


# --- per-client memory of logins ----------------------------------------------------------


@dataclass
class _ClientAuth:
    dockercfg_path: str | None = None
    logins: dict[str, tuple[AuthConfig, dict[str, Any]]] = field(default_factory=dict)
    credstore_env: dict[str, str] | None = field(default=None, repr=False)


_clients: weakref.WeakKeyDictionary[Docker, _ClientAuth] = weakref.WeakKeyDictionary()


def _client_state(docker: Docker) -> _ClientAuth:
    state = _clients.get(docker)
    if state is None:
        state = _clients[docker] = _ClientAuth()
    return state


def client_config_path(docker: Docker) -> str | None:
    """The configuration file ``docker`` reads (``None``: the docker CLI's default)."""
    state = _clients.get(docker)
    return state.dockercfg_path if state is not None else None


def set_credstore_env(docker: Docker, env: Mapping[str, str] | None) -> None:
    """Run the credential helpers of ``docker``'s lookups with ``env`` added to this
    process's environment (docker-py's ``credstore_env``)."""
    _client_state(docker).credstore_env = dict(env) if env is not None else None


def reload_config(docker: Docker, dockercfg_path: str | os.PathLike[str] | None = None) -> None:
    """Read ``docker``'s credentials from ``dockercfg_path`` (default: the docker CLI's
    configuration) from now on, forgetting what its ``login`` remembered."""
    state = _client_state(docker)
    state.dockercfg_path = os.fspath(dockercfg_path) if dockercfg_path is not None else None
    state.logins.clear()


async def resolve_auth(
    registry: str,
    auth_config: Mapping[str, Any] | None = None,
    *,
    docker: Docker | None = None,
) -> AuthConfig | None:
    """Credentials for a registry host (or Docker Hub's index name): the argument, else
    what ``docker.login`` remembered, else the docker configuration."""
    key = normalize_registry(registry)
    if auth_config is not None:
        return AuthConfig.from_mapping(auth_config).with_server(key)
    state = _clients.get(docker) if docker is not None else None
    if state is None:
        return await resolve_from_config(key)
    remembered = state.logins.get(key)
    if remembered is not None:
        return remembered[0]
    return await resolve_from_config(
        key, dockercfg_path=state.dockercfg_path, credstore_env=state.credstore_env
    )


async def auth_header_for(
    image: str,
    auth_config: Mapping[str, str] | None = None,
    *,
    docker: Docker | None = None,
) -> str | None:
    """The ``X-Registry-Auth`` value for the registry of ``image`` (``None`` when no
    credentials are known). ``docker`` adds what that client's ``login`` remembered."""
    reference = parse_reference(image)
    auth = await resolve_auth(reference.auth_key, auth_config, docker=docker)
    return auth.header() if auth is not None else None


async def registry_config_header(
    docker: Docker | None = None, given: Mapping[str, AuthConfig] | None = None
) -> str | None:
    """The ``X-Registry-Config`` value of a build: every registry's known credentials,
    ``given`` (registry key to credentials) first."""
    state = _clients.get(docker) if docker is not None else None
    config = load_config(state.dockercfg_path if state is not None else None)
    keys: set[str] = set()
    auths = config.get("auths")
    if isinstance(auths, Mapping):
        keys.update(normalize_registry(str(server)) for server in auths)
    helpers = config.get("credHelpers")
    if isinstance(helpers, Mapping):
        keys.update(normalize_registry(str(server)) for server in helpers)
    if state is not None:
        keys.update(state.logins)
    found: dict[str, dict[str, str]] = {key: auth.to_api() for key, auth in (given or {}).items()}
    keys.difference_update(found)
    if not keys and not found:
        return None
    for key in sorted(keys):
        try:
            auth = await resolve_auth(key, docker=docker)
        except CredentialError:
            continue  # the CLI also builds with what it can find
        if auth is not None:
            found[key] = auth.to_api()
    return encode_auth(found) if found else None


async def login(
    docker: Docker,
    username: str,
    password: str | None = None,
    email: str | None = None,
    registry: str | None = None,
    reauth: bool = False,
    dockercfg_path: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Check credentials with the daemon (``POST /auth``) and remember them on ``docker``
    for later calls to that registry. Returns the daemon's answer (``Status``, and
    ``IdentityToken`` when the registry issues one).

    Without ``reauth``, a login already done on this client with the same user name is
    not repeated. ``dockercfg_path`` names the docker configuration this client reads.
    """
    if not isinstance(username, str) or not username:
        raise InvalidArgument("login: username must be a non-empty string")
    if password is not None and not isinstance(password, str):
        raise InvalidArgument("login: password must be a string")
    key = normalize_registry(registry) if registry else INDEX_NAME
    state = _client_state(docker)
    if dockercfg_path is not None:
        state.dockercfg_path = os.fspath(dockercfg_path)
    previous = state.logins.get(key)
    if previous is not None and previous[0].username == username and not reauth:
        return dict(previous[1])
    body = {
        "username": username,
        "password": password or "",
        "email": email or "",
        "serveraddress": registry or INDEX_NAME,
    }
    answer: dict[str, Any] = await docker.transport.json("POST", "/auth", json=body) or {}
    token = answer.get("IdentityToken") or ""
    remembered = AuthConfig(
        username=username,
        password="" if token else (password or ""),
        email=email or "",
        serveraddress=key,
        identitytoken=token,
    )
    state.logins[key] = (remembered, dict(answer))
    return answer
