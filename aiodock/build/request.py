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
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, cast

from ..auth import AuthConfig, normalize_registry
from ..errors import BuildError, InvalidArgument, StreamDecodeError
from ..reference import parse_reference
from ..streams import ProgressStream
from ..utils import parse_bytes
from .buildkit import decode_trace
from .dockerignore import PatternMatcher, read_dockerignore
from .session import BuildSession, ExportTarget, SyncedDir

if TYPE_CHECKING:
    from ..images import Image  # noqa: F401 (the result type of BuildStream, named in a string)

__all__ = ["BuildStream"]

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
            text = stream.strip()
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
