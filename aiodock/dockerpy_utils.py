"""docker-py's public helpers (``docker.utils``), under their names and with their
behaviour, so that code using them ports with its imports changed.

Each one is a thin adapter over the implementation aiodock itself uses (keyword
translation, references, credentials, build contexts, addresses); the few that have no
counterpart inside the package (``split_port``, ``build_port_bindings``,
``parse_env_file``) live here. Re-exported by :mod:`aiodock.utils`.

Differences from docker-py, each for a reason: bad input raises
:class:`~aiodock.InvalidArgument` (a ``ValueError``, as docker-py's port and bind helpers
raise); :func:`resolve_authconfig` is a coroutine (credential helpers run as
subprocesses, which aiodock never waits for on the event loop).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import IO, Any

from .auth import AuthConfig, normalize_registry, resolve_in_config
from .auth import load_config as _read_config
from .build.context import BuildContext, dockerfile_context, write_tar
from .build.dockerignore import PatternMatcher
from .container_config import _command, _device, _environment, _ports, _volumes, link_pairs
from .errors import InvalidArgument
from .reference import split_tag
from .transport.address import DEFAULT_UNIX_SOCKET, TLSConfig, parse_address
from .utils import Filters, encode_filters, to_timestamp, version_tuple

__all__: list[str] = [
    "build_port_bindings",
    "compare_version",
    "convert_filters",
    "convert_port_bindings",
    "convert_volume_binds",
    "datetime_to_timestamp",
    "decode_json_header",
    "exclude_paths",
    "format_environment",
    "kwargs_from_env",
    "load_config",
    "mkbuildcontext",
    "normalize_links",
    "parse_devices",
    "parse_env_file",
    "parse_host",
    "parse_repository_tag",
    "resolve_authconfig",
    "resolve_repository_name",
    "split_command",
    "split_port",
    "tar",
    "version_gte",
    "version_lt",
]

INDEX_NAME = "docker.io"


# --- versions and times -------------------------------------------------------------------


def compare_version(v1: str, v2: str) -> int:
    """docker-py's comparison: ``1`` when ``v2`` is the newer, ``-1`` when ``v1`` is, ``0``
    when equal (missing parts count as 0: ``"1.4"`` equals ``"1.4.0"``)."""
    a, b = version_tuple(v1), version_tuple(v2)
    width = max(len(a), len(b))
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (a < b) - (a > b)


def version_lt(v1: str, v2: str) -> bool:
    """Whether ``v1`` is older than ``v2``."""
    return compare_version(v1, v2) > 0


def version_gte(v1: str, v2: str) -> bool:
    """Whether ``v1`` is ``v2`` or newer."""
    return not version_lt(v1, v2)


def datetime_to_timestamp(dt: datetime) -> int:
    """Whole seconds since the epoch (a naive datetime is local time, as in docker-py)."""
    return math.floor(float(to_timestamp(dt.astimezone(timezone.utc), name="dt")))


def decode_json_header(header: str | bytes) -> Any:
    """A base64-encoded JSON header (``X-Docker-Container-Path-Stat``) decoded."""
    try:
        return json.loads(base64.b64decode(header).decode("utf-8"))
    except (binascii.Error, ValueError) as exc:
        raise InvalidArgument(f"header {header!r} is not base64-encoded JSON: {exc}") from None


# --- commands, environments, links, devices -----------------------------------------------


def split_command(command: str) -> list[str]:
    """A command line split as a POSIX shell would (``"sh -c 'a b'"``)."""
    return _command(command, "command")


def format_environment(environment: Mapping[str, Any]) -> list[str]:
    """``{"A": "1", "B": None}`` as ``["A=1", "B"]`` (bytes values decoded as UTF-8)."""
    return _environment(environment, "environment")


def parse_env_file(env_file: str | os.PathLike[str]) -> dict[str, str]:
    """A file of ``KEY=value`` lines as a dict; blank lines and lines starting with ``#``
    are skipped, anything else without ``=`` is an error."""
    environment: dict[str, str] = {}
    with open(env_file, encoding="utf-8") as fh:
        for number, raw in enumerate(fh, 1):
            if raw.startswith("#"):
                continue
            line = raw.strip()
            if not line:
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise InvalidArgument(f"{os.fspath(env_file)}:{number}: {line!r} is not KEY=value")
            environment[key] = value
    return environment


def normalize_links(links: Mapping[str, str | None] | Iterable[Any]) -> list[str]:
    """Links as the API's ``"name:alias"`` strings (``"name"`` without an alias), sorted."""
    return [f"{name}:{alias}" if alias else name for name, alias in sorted(link_pairs(links))]


def parse_devices(devices: Iterable[str | Mapping[str, str]]) -> list[dict[str, str]]:
    """``"/dev/host[:/dev/container[:rwm]]"`` strings (or API dicts) as API device dicts."""
    return [_device(device, "devices") for device in devices]


# --- ports and binds ----------------------------------------------------------------------

_PORT_SPEC = re.compile(
    r"^(?:(?:\[?(?P<host>[a-fA-F\d.:]+?)\]?:)?(?P<ext>\d*)(?:-(?P<ext_end>\d+))?:)?"
    r"(?P<int>\d+)(?:-(?P<int_end>\d+))?(?P<proto>/(?:udp|tcp|sctp))?$"
)

PortTarget = str | tuple[str, str | None] | None


def _expand(start: str, end: str | None, proto: str) -> list[str]:
    if not end:
        return [start + proto]
    return [f"{port}{proto}" for port in range(int(start), int(end) + 1)]


def split_port(port: str | int) -> tuple[list[str], list[PortTarget] | None]:
    """A ``[[host_ip:]host_port[-end]:]port[-end][/proto]`` spec as the container ports and
    what each binds to: ``"127.0.0.1:8000-8001:80-81"`` is ``(["80", "81"],
    [("127.0.0.1", "8000"), ("127.0.0.1", "8001")])``; ``None`` when nothing is published."""
    text = str(port)
    match = _PORT_SPEC.match(text)
    if match is None:
        raise InvalidArgument(
            f"invalid port {text!r}: expected [[host_ip:]host_port[-port]:]port[-port][/protocol]"
        )
    host, ext, ext_end, start, end, proto = match.group(
        "host", "ext", "ext_end", "int", "int_end", "proto"
    )
    internal = _expand(start, end, proto or "")
    external: list[PortTarget] | None
    if not ext:
        external = None
    elif ext_end and len(internal) == 1:
        external = [f"{ext}-{ext_end}"]  # one container port, any free host port of a range
    else:
        external = list(_expand(ext, ext_end, ""))
    if external is not None and len(external) != len(internal):
        raise InvalidArgument(f"invalid port {text!r}: the port ranges differ in length")
    if host is None:
        return internal, external
    return internal, [(host, item) for item in (external or [None] * len(internal))]  # type: ignore[misc]


def build_port_bindings(ports: Iterable[str | int]) -> dict[str, list[PortTarget]]:
    """Port specs (``split_port``) gathered into ``{container_port: [bindings]}``."""
    bindings: dict[str, list[PortTarget]] = {}
    for spec in ports:
        internal, external = split_port(spec)
        targets: list[PortTarget] = list(external) if external else [None] * len(internal)
        for inside, target in zip(internal, targets, strict=True):
            bindings.setdefault(inside, []).append(target)
    return bindings


def convert_port_bindings(port_bindings: Mapping[Any, Any]) -> dict[str, list[dict[str, str]]]:
    """docker-py's ``ports`` dict as the API's ``PortBindings``."""
    return _ports(port_bindings, "port_bindings")[1]


def convert_volume_binds(binds: Mapping[str, Any] | list[str]) -> list[str]:
    """docker-py's ``volumes`` dict (``{"/host": {"bind": "/in", "mode": "ro"}}``) as the
    API's ``Binds``; a list is checked and kept."""
    if isinstance(binds, list):
        return list(binds)
    return _volumes(binds, "binds")[0]


def convert_filters(filters: Filters) -> str:
    """A filters dict as the JSON text the API takes (values always lists of strings)."""
    return json.dumps(json.loads(encode_filters(filters) or "{}"))


# --- addresses and the environment --------------------------------------------------------


def parse_host(addr: str | None, is_win32: bool = False, tls: bool = False) -> str:
    """A daemon address as docker-py's base URL: ``unix://`` as ``http+unix://<path>``,
    ``tcp://`` (and a bare ``host:port``) as ``http(s)://host:port``, ``ssh://`` with
    its port. Nothing, or ``unix://``, is the default socket."""
    if is_win32 and not addr:
        return "npipe:////./pipe/docker_engine"
    text = (addr or "").strip()
    if not text or text == "unix://":
        return f"http+unix://{DEFAULT_UNIX_SOCKET}"
    if "://" not in text:
        text = "tcp://" + text
    address = parse_address(text, tls, environ={})
    if address.unix_path is not None:
        return f"http+unix://{address.unix_path}"
    if address.ssh is not None:
        target = address.ssh
        user = f"{target.user}@" if target.user else ""
        return f"ssh://{user}{target.host}:{target.port or 22}"
    return str(address.base_url).rstrip("/")


def kwargs_from_env(environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``DOCKER_HOST``, ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH`` as keyword arguments
    of :class:`aiodock.Docker` (``url=``, ``tls=``): ``Docker(**kwargs_from_env())``. A
    certificate path without ``DOCKER_TLS_VERIFY`` means TLS without verification."""
    env = environment or os.environ
    params: dict[str, Any] = {}
    if env.get("DOCKER_HOST"):
        params["url"] = env["DOCKER_HOST"]
    tls = TLSConfig.from_env(env)
    if tls is None and env.get("DOCKER_CERT_PATH"):
        tls = TLSConfig.from_env({**env, "DOCKER_TLS": "1"})
    if tls is not None:
        params["tls"] = tls
    return params


# --- images and registries ----------------------------------------------------------------


def parse_repository_tag(repo_name: str) -> tuple[str, str | None]:
    """``"repo:tag"`` as ``("repo", "tag")``, ``"repo@sha256:..."`` as ``("repo",
    "sha256:...")``, and ``(repo, None)`` with neither (a registry port is not a tag)."""
    return split_tag(repo_name)


def resolve_repository_name(repo_name: str) -> tuple[str, str]:
    """``(index name, remote name)``: ``"busybox"`` is ``("docker.io", "busybox")``,
    ``"localhost:5000/app"`` ``("localhost:5000", "app")``."""
    if "://" in repo_name:
        raise InvalidArgument(f"repository name cannot contain a scheme ({repo_name})")
    first, sep, rest = repo_name.partition("/")
    if not sep or ("." not in first and ":" not in first and first != "localhost"):
        return INDEX_NAME, repo_name
    if first.startswith("-") or first.endswith("-"):
        raise InvalidArgument(f"invalid index name ({first}): cannot begin or end with a hyphen")
    index = normalize_registry(first)
    return (INDEX_NAME if index == normalize_registry(INDEX_NAME) else index), rest


def load_config(
    config_path: str | os.PathLike[str] | None = None,
    config_dict: Mapping[str, Any] | None = None,
    credstore_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The docker CLI configuration (``config_path``, else ``$DOCKER_CONFIG`` or
    ``~/.docker``), or ``config_dict`` when given; ``{}`` when there is none."""
    del credstore_env  # credential helpers get the process environment
    if config_dict is not None:
        return dict(config_dict)
    return dict(_read_config(config_path))


async def resolve_authconfig(
    authconfig: Mapping[str, Any],
    registry: str | None = None,
    credstore_env: Mapping[str, str] | None = None,
) -> dict[str, str] | None:
    """The credentials a loaded configuration (:func:`load_config`) has for ``registry``
    (Docker Hub by default), through its credential helpers as the CLI does, as
    docker-py's dict (``username``, ``password``, ``serveraddress``...); ``None`` when it
    has none. Awaited: a helper is a subprocess."""
    del credstore_env
    found: AuthConfig | None = await resolve_in_config(authconfig, registry or INDEX_NAME)
    return found.to_api() if found is not None else None


# --- build contexts -----------------------------------------------------------------------


def _matcher(patterns: Iterable[str] | None, dockerfile: str | None) -> PatternMatcher:
    return PatternMatcher([*(patterns or []), f"!{dockerfile or 'Dockerfile'}"])


def exclude_paths(root: str, patterns: list[str], dockerfile: str | None = None) -> set[str]:
    """The paths under ``root`` (files and directories, relative, ``/``-separated) that
    the ``.dockerignore`` ``patterns`` leave in; the Dockerfile always stays."""
    context = BuildContext(os.path.abspath(root), _matcher(patterns, dockerfile), None)
    return {name for name, _ in context.entries()}


def tar(
    path: str | os.PathLike[str],
    exclude: list[str] | None = None,
    dockerfile: tuple[str, str | None] | None = None,
    fileobj: IO[bytes] | None = None,
    gzip: bool = False,
) -> IO[bytes]:
    """A tar of the directory ``path`` without what ``exclude`` patterns match, written
    to ``fileobj`` (else a temporary file) and rewound. ``dockerfile`` is ``(name,
    content)``: with a content, a Dockerfile added under that name."""
    name, content = dockerfile or (None, None)
    extra = (name, content.encode("utf-8")) if name and content is not None else None
    context = BuildContext(
        os.path.abspath(os.fspath(path)), _matcher(exclude, name), name, extra_dockerfile=extra
    )
    out: IO[bytes] = fileobj if fileobj is not None else tempfile.NamedTemporaryFile()
    write_tar(context, out, gzip=gzip)
    out.seek(0)
    return out


def mkbuildcontext(dockerfile: str | bytes | IO[Any]) -> IO[bytes]:
    """A tar holding only ``Dockerfile`` (from text, bytes or a file), rewound."""
    return io.BytesIO(dockerfile_context(dockerfile))
