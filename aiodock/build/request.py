"""What ``images.build()`` sends and reads: the query parameters made from docker-py's
keywords (tags, container limits, cache sources, outputs, registry credentials; extra
hosts are read as for containers), the directories a session build serves, and
:class:`BuildStream`, the progress with BuildKit's traces decoded, its errors and the id of
the image built."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Final, Literal, cast

from ..auth import AuthConfig, normalize_registry, registry_config_header, resolve_auth
from ..cli_config import proxy_environment
from ..container_config import _boolean, _extra_hosts
from ..errors import BuildError, InvalidArgument, StreamDecodeError
from ..reference import full_image_id, parse_reference
from ..streams import ProgressStream
from ..utils import parse_bytes, string_map
from ..versions import request_target
from .buildkit import decode_trace
from .context import dockerfile_context, iter_file, prepare_context, tar_chunks
from .dockerignore import PatternMatcher, read_dockerignore
from .session import (
    BuildSession,
    ExportTarget,
    SecretSource,
    SyncedDir,
    check_secrets,
    check_ssh_agents,
)
from .support import require_buildkit

if TYPE_CHECKING:
    from ..client import Docker
    from ..images import Image, ImageSource
    from ..transport import ByteSource

__all__ = ["BuildStream", "PreparedBuild"]

_CONTAINER_LIMITS: Final = ("memory", "memswap", "cpushares", "cpusetcpus", "cpuperiod", "cpuquota")
_BUILT = re.compile(r"^Successfully built ([0-9a-f]+)\s*$")


class BuildStream(ProgressStream["Image"]):
    """Progress of a build. BuildKit's ``moby.buildkit.trace`` objects arrive with ``aux``
    decoded into a :class:`~aiodock.build.buildkit.StatusResponse` (vertexes, statuses, logs).
    ``session`` is the build session once the build opened one (``session.bytes_sent``:
    what went to the daemon over it)."""

    session: BuildSession | None = None

    def _convert(self, items: list[Any]) -> list[dict[str, Any]]:
        for item in items:
            if isinstance(item, dict) and item.get("id") == "moby.buildkit.trace":
                aux = item.get("aux")
                if isinstance(aux, str):
                    try:
                        item["aux"] = decode_trace(aux)
                    except StreamDecodeError:
                        pass  # keep the raw payload rather than fail the build
        return super()._convert(items)


def _build_error(item: dict[str, Any], log: list[dict[str, Any]]) -> Exception:
    detail = item.get("errorDetail") or {}
    message = item.get("error") or detail.get("message") or "unknown build error"
    return BuildError(str(message).strip(), log)


def _tags(tag: str | Sequence[str] | None) -> list[str] | None:
    if tag is None:
        return None
    tags = [tag] if isinstance(tag, str) else list(tag)
    for item in tags:
        if not isinstance(item, str):
            raise InvalidArgument(f"tag: {item!r} is not a string")
        parse_reference(item)
    return tags


def _container_limits(limits: Mapping[str, int | str] | None) -> dict[str, Any]:
    if not limits:
        return {}
    out: dict[str, Any] = {}
    for key, value in limits.items():
        if key not in _CONTAINER_LIMITS:
            raise InvalidArgument(
                f"container_limits: unknown key {key!r}; expected one of "
                f"{', '.join(_CONTAINER_LIMITS)}"
            )
        if key in ("memory", "memswap"):
            out[key] = -1 if value == -1 else parse_bytes(value, name=f"container_limits.{key}")
        elif key == "cpusetcpus":
            out[key] = str(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidArgument(f"container_limits.{key}: expected an integer")
            out[key] = value
    return out


def _built_id(log: Iterable[dict[str, Any]]) -> str | None:
    """The image id a build reported: BuildKit's ``moby.image.id``, the classic builder's
    ``aux`` or its ``Successfully built`` line, or the id a quiet build prints."""
    for item in reversed(list(log)):
        aux = item.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
            return str(aux["ID"])
        stream = item.get("stream")
        if isinstance(stream, str):
            match = _BUILT.match(stream.strip())
            if match:
                return match.group(1)
            text = full_image_id(stream.strip())  # Podman 4's quiet build: a bare id
            if text.startswith("sha256:") and " " not in text:
                return text
    return None


CLIENT_SESSION: Final = "client-session"
"""The ``remote`` of a build whose context BuildKit fetches over the session."""


def _have_h2() -> bool:
    return importlib.util.find_spec("h2") is not None


def _session_dirs(
    root: str, dockerfile: str | os.PathLike[str] | None
) -> tuple[dict[str, SyncedDir], str]:
    """The directories a session build serves, and the Dockerfile's name in its own."""
    given = os.fspath(dockerfile) if dockerfile is not None else "Dockerfile"
    full = os.path.abspath(given if os.path.isabs(given) else os.path.join(root, given))
    dirs = {
        "context": SyncedDir(root, PatternMatcher(read_dockerignore(root))),
        "dockerfile": SyncedDir(os.path.dirname(full), PatternMatcher([])),
    }
    return dirs, os.path.basename(full)


def _registry_auths(auth_config: Mapping[str, Mapping[str, str]] | None) -> dict[str, AuthConfig]:
    """``auth_config`` of a build (registry to credentials), checked now."""
    if auth_config is None:
        return {}
    if not isinstance(auth_config, Mapping):
        raise InvalidArgument('auth_config: expected {"registry": {"username": ..., ...}}')
    found: dict[str, AuthConfig] = {}
    for registry, credentials in auth_config.items():
        if not isinstance(registry, str) or not registry:
            raise InvalidArgument(f"auth_config: {registry!r} is not a registry")
        if not isinstance(credentials, Mapping):
            raise InvalidArgument(f"auth_config[{registry!r}]: expected a mapping")
        key = normalize_registry(registry)
        auth = AuthConfig.from_mapping(credentials, name=f"auth_config[{registry!r}]")
        found[key] = auth.with_server(key)
    return found


def _export_target(outputs: Sequence[Mapping[str, Any]] | None) -> ExportTarget | None:
    """Check ``outputs``; where a ``local`` or ``tar`` export is to be written."""
    if outputs is None:
        return None
    if isinstance(outputs, (str, Mapping)) or not isinstance(outputs, Sequence):
        raise InvalidArgument('outputs: expected a list, [{"type": "local", "dest": DIR}]')
    if len(outputs) != 1:
        raise InvalidArgument("outputs: the Engine takes exactly one output")
    entry = outputs[0]
    if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str):
        raise InvalidArgument('outputs: each output is a mapping with a "type"')
    kind = entry["type"]
    dest = entry.get("dest")
    if kind not in ("local", "tar"):
        if dest is not None:
            raise InvalidArgument(f"outputs: a {kind!r} output takes no dest")
        return None
    if isinstance(dest, (str, os.PathLike)) and os.fspath(dest):
        path = os.path.abspath(os.fspath(dest))
        if kind == "local" and os.path.exists(path) and not os.path.isdir(path):
            raise InvalidArgument(f"outputs: {os.fspath(dest)!r} is not a directory")
        if kind == "tar" and os.path.isdir(path):
            raise InvalidArgument(f"outputs: {os.fspath(dest)!r} is a directory, not a file")
        return ExportTarget(kind, path)
    if kind == "tar" and dest is not None and hasattr(dest, "write"):
        return ExportTarget(kind, cast(IO[bytes], dest))
    what = "a directory" if kind == "local" else "a file path or a binary file"
    raise InvalidArgument(f"outputs: a {kind} output needs dest, {what}")


def _outputs_param(outputs: Sequence[Mapping[str, Any]]) -> str:
    """The ``outputs`` query parameter: type and attributes (``dest`` is ours)."""
    return json.dumps(
        [
            {
                "Type": str(entry["type"]),
                "Attrs": {str(k): str(v) for k, v in entry.items() if k not in ("type", "dest")},
            }
            for entry in outputs
        ]
    )


def _cache_from(cache_from: Sequence[str | Mapping[str, str]] | None) -> str | None:
    """The ``cachefrom`` parameter: image references, given as they are or as registry
    cache entries (``"type=registry,ref=REF"``, ``{"type": "registry", "ref": REF}``)."""
    if not cache_from:
        return None
    if isinstance(cache_from, (str, Mapping)):
        raise InvalidArgument("cache_from: expected a list of image references")
    refs = []
    for entry in cache_from:
        fields: Mapping[str, str]
        if isinstance(entry, str):
            if "=" not in entry.split(",", 1)[0]:
                refs.append(entry)
                continue
            fields = dict(part.partition("=")[::2] for part in entry.split(","))
        elif isinstance(entry, Mapping):
            fields = entry
        else:
            raise InvalidArgument(f"cache_from: {entry!r} is not a reference")
        if fields.get("type", "registry") != "registry" or not fields.get("ref"):
            raise InvalidArgument(
                f"cache_from: {entry!r}: the Engine imports registry caches only "
                '("type=registry,ref=REF", or the image reference)'
            )
        refs.append(str(fields["ref"]))
    for ref in refs:
        parse_reference(ref)
    return json.dumps(refs)


def _buildkit_feature(secrets: Any, ssh: Any, outputs: Any) -> str:
    """What a build asks of BuildKit, for the error when there is none."""
    named = (("secrets", secrets), ("ssh", ssh), ("outputs", outputs))
    asked = [name for name, value in named if value]
    return ("a build with " + ", ".join(asked)) if asked else 'a version="2" build'


@dataclass
class PreparedBuild:
    """A build request checked and made, not yet sent: its query, body and headers, and
    what its session (if any) serves."""

    params: dict[str, Any]
    body: Any
    headers: dict[str, str]
    dirs: dict[str, SyncedDir]
    export: ExportTarget | None
    use_session: bool
    given_auth: dict[str, AuthConfig]
    secrets: dict[str, Any]
    ssh: dict[str, Any]
    buildkit: bool
    feature: str
    use_config_proxy: bool = True

    @classmethod
    def of(
        cls,
        *,
        path: str | os.PathLike[str] | None = None,
        fileobj: str | bytes | IO[Any] | None = None,
        custom_context: bool | ImageSource = False,
        remote: str | None = None,
        tag: str | Sequence[str] | None = None,
        dockerfile: str | os.PathLike[str] | None = None,
        buildargs: Mapping[str, str] | None = None,
        target: str | None = None,
        labels: Mapping[str, str] | None = None,
        network_mode: str | None = None,
        pull: bool = False,
        nocache: bool = False,
        rm: bool = True,
        forcerm: bool = False,
        quiet: bool = False,
        cache_from: Sequence[str | Mapping[str, str]] | None = None,
        extra_hosts: Mapping[str, str] | Sequence[str] | None = None,
        platform: str | None = None,
        shm_size: int | str | None = None,
        container_limits: Mapping[str, int | str] | None = None,
        squash: bool | None = None,
        isolation: str | None = None,
        encoding: str | None = None,
        gzip: bool = False,
        version: Literal["1", "2"] | None = None,
        secrets: Mapping[str, SecretSource] | None = None,
        ssh: Mapping[str, str | os.PathLike[str]] | None = None,
        auth_config: Mapping[str, Mapping[str, str]] | None = None,
        outputs: Sequence[Mapping[str, Any]] | None = None,
        context_transfer: Literal["session", "tar"] | None = None,
        use_config_proxy: bool = True,
    ) -> PreparedBuild:
        """Check ``images.build()``'s arguments and make the request's parts (nothing is
        sent yet)."""
        sources = [
            path is not None,
            fileobj is not None and custom_context is False,
            custom_context is not False,
            remote is not None,
        ]
        if sum(sources) != 1:
            raise InvalidArgument(
                "build: pass exactly one of path, fileobj, custom_context and remote"
            )
        params: dict[str, Any] = {
            "t": _tags(tag),
            "remote": remote,
            "q": quiet,
            "nocache": nocache,
            "pull": pull or None,
            "rm": rm,
            "forcerm": forcerm,
            "target": target,
            "platform": platform,
            "networkmode": network_mode,
            "isolation": isolation,
            "squash": squash,
            "version": version,
            "buildargs": string_map(buildargs, "buildargs"),
            "labels": string_map(labels, "labels"),
            "cachefrom": _cache_from(cache_from),
            "extrahosts": None if extra_hosts is None else _extra_hosts(extra_hosts, "extra_hosts"),
            "shmsize": parse_bytes(shm_size, name="shm_size") if shm_size is not None else None,
        }
        if version not in (None, "1", "2"):
            raise InvalidArgument(f'version: {version!r} is not "1" (classic) or "2" (BuildKit)')
        params.update(_container_limits(container_limits))
        export = _export_target(outputs)
        if (secrets or ssh or outputs or context_transfer == "session") and version != "2":
            raise InvalidArgument(
                'secrets, ssh, outputs and context_transfer="session" need BuildKit (version="2")'
            )
        if context_transfer not in (None, "session", "tar"):
            raise InvalidArgument('context_transfer: expected "session" or "tar"')
        if context_transfer == "session" and path is None:
            raise InvalidArgument('context_transfer="session" needs a path context')
        checked_secrets = check_secrets(secrets or {})
        checked_ssh = check_ssh_agents(ssh or {})
        given_auth = _registry_auths(auth_config)
        if outputs:
            params["outputs"] = _outputs_param(outputs)
        need_session = bool(secrets or ssh or export or context_transfer == "session")
        use_session = version == "2" and (need_session or _have_h2())
        body: Any = None
        dirs: dict[str, SyncedDir] = {}
        if path is not None:
            context = prepare_context(path, dockerfile)
            if use_session and context_transfer != "tar":
                dirs, params["dockerfile"] = _session_dirs(context.root, dockerfile)
                params["remote"] = CLIENT_SESSION
            else:
                params["dockerfile"] = context.dockerfile
                body = tar_chunks(context, gzip=gzip)
        else:
            if dockerfile is not None:
                params["dockerfile"] = os.fspath(dockerfile)
            if custom_context is True:
                if fileobj is None:
                    raise InvalidArgument("custom_context=True needs the tar in fileobj")
                body = iter_file(fileobj, name="fileobj")
            elif custom_context is not False:
                body = iter_file(custom_context, name="custom_context")
            elif fileobj is not None:
                body = dockerfile_context(fileobj)
        headers = {"Content-Type": "application/x-tar"}
        if encoding:
            headers["Content-Encoding"] = encoding

        return cls(
            params=params, body=body, headers=headers, dirs=dirs, export=export,
            use_session=use_session, given_auth=given_auth, secrets=checked_secrets,
            ssh=checked_ssh, buildkit=version == "2",
            feature=_buildkit_feature(secrets, ssh, outputs),
            use_config_proxy=_boolean(use_config_proxy, "use_config_proxy"),
        )  # fmt: skip

    def stream(self, docker: Docker, get_image: Callable[[str], Awaitable[Image]]) -> BuildStream:
        """Start the build when the stream is first read (``get_image`` makes the result)."""

        async def credentials(host: str) -> tuple[str, str] | None:
            key = normalize_registry(host)
            auth = self.given_auth.get(key) or await resolve_auth(key, docker=docker)
            if auth is None:
                return None
            if auth.identitytoken:
                return "", auth.identitytoken
            return auth.username, auth.password

        session: BuildSession | None = None
        if self.use_session:
            session = BuildSession(
                docker, self.secrets, self.ssh, credentials=credentials, dirs=self.dirs,
                export=self.export,
            )  # fmt: skip
        stream: BuildStream

        async def opener() -> ByteSource:
            if self.buildkit:
                await require_buildkit(docker, self.feature)
            if self.use_config_proxy:
                proxies = proxy_environment(docker)
                if proxies:  # build arguments given explicitly win
                    self.params["buildargs"] = {**proxies, **(self.params["buildargs"] or {})}
            config = await registry_config_header(docker, self.given_auth)
            if config is not None:
                self.headers["X-Registry-Config"] = config
            if session is None:
                return await self._post(docker)
            stream.session = session
            await session.start()
            self.params["session"] = session.id
            try:
                resp = await self._post(docker)
            except BaseException:
                session.abort()
                raise
            return session.bind(resp)

        async def finish(log: list[dict[str, Any]]) -> Image:
            if self.export is not None:
                if session is not None:
                    await session.close()  # its connection too, before we return
                return None  # type: ignore[return-value]  # files, not an image
            image_id = _built_id(log)
            if image_id is None:
                raise BuildError("the build finished without reporting an image id", log)
            return await get_image(image_id)

        def error(item: dict[str, Any], log: list[dict[str, Any]]) -> Exception:
            failed = _build_error(item, log)
            hosts = sorted(session.hosts_without_credentials) if session is not None else []
            if hosts and isinstance(failed, BuildError) and "401" in failed.reason:
                failed = BuildError(
                    f"{failed.reason} (no credentials for {', '.join(hosts)}: pass "
                    "auth_config, log in with docker.login, or add them to config.json)",
                    log,
                )
            return failed

        stream = BuildStream(docker, opener, "build", finish, error)
        return stream

    async def _post(self, docker: Docker) -> ByteSource:
        params = self.params
        hosts = params.get("extrahosts")
        if hosts and (await request_target(docker)).podman is not None:
            # Podman reads extrahosts as one JSON list; Docker as repeated parameters.
            params = {**params, "extrahosts": json.dumps(hosts)}
        return await docker.transport.request(
            "POST", "/build", params=params, data=self.body, headers=self.headers,
            stream=True, timeout=None,
        )  # fmt: skip
