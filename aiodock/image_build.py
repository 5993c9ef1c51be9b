"""What ``images.build()`` sends and reads: the query parameters made from docker-py's
keywords (tags, container limits; extra hosts are read as for containers) and
:class:`BuildStream`, the progress with BuildKit's traces decoded, its errors and the id of
the image built."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from .buildkit import decode_trace
from .errors import BuildError, InvalidArgument, StreamDecodeError
from .reference import parse_reference
from .streams import ProgressStream
from .utils import parse_bytes

if TYPE_CHECKING:
    from .images import Image  # noqa: F401 (the result type of BuildStream, named in a string)

__all__ = ["BuildStream"]

_CONTAINER_LIMITS: Final = ("memory", "memswap", "cpushares", "cpusetcpus", "cpuperiod", "cpuquota")
_BUILT = re.compile(r"^Successfully built ([0-9a-f]+)\s*$")


class BuildStream(ProgressStream["Image"]):
    """Progress of a build. BuildKit's ``moby.buildkit.trace`` objects arrive with ``aux``
    decoded into a :class:`~aiodock.buildkit.StatusResponse` (vertexes, statuses, logs)."""

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
