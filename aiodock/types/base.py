"""What every typed helper has in common: ``to_api()`` gives its Engine API JSON object.

:class:`SupportsToApi` is that Protocol; :func:`to_json` takes a typed helper or a raw
mapping where a request accepts either; ``nanoseconds()`` reads a ``Duration``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from ..errors import InvalidArgument
from ..utils import parse_duration

__all__ = ["SupportsToApi", "to_json"]


@runtime_checkable
class SupportsToApi(Protocol):
    """A typed helper of :mod:`aiodock.types` (``Mount``, ``IPAMConfig``, ``ServiceSpec``, ...)."""

    def to_api(self) -> dict[str, Any]: ...


def to_json(value: Any, name: str) -> Any:
    """A typed helper or mapping as Engine API JSON."""
    if isinstance(value, SupportsToApi):
        return value.to_api()
    if isinstance(value, Mapping):
        return dict(value)
    raise InvalidArgument(f"{name}: expected a typed helper or a dict, got {value!r}")


Duration = int | timedelta | str
"""Nanoseconds (an int, as docker-py and the Engine API take them), a timedelta, or a Go
duration string such as ``"1m30s"``."""


_READABLE = 'a datetime.timedelta or a Go duration string like "10s", "1m30s" or "500ms"'


def nanoseconds(value: Duration, name: str) -> int:
    """A duration in nanoseconds: an int is nanoseconds already (as in docker-py and the
    Engine API), a timedelta or a Go duration string is converted; a float (seconds or
    nanoseconds?) is refused. ``InvalidArgument`` naming ``name`` when it is not one."""
    if isinstance(value, float):
        raise InvalidArgument(
            f"{name}: {value!r} is a float; give an int of nanoseconds, or {_READABLE}"
        )
    if isinstance(value, bool) or not isinstance(value, (int, timedelta, str)):
        raise InvalidArgument(
            f"{name}: expected an int of nanoseconds or {_READABLE}, got {value!r}"
        )
    if isinstance(value, int):
        nanos = value
    elif isinstance(value, timedelta):
        nanos = (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000
    else:
        try:
            nanos = round(parse_duration(value) * 1_000_000_000)
        except InvalidArgument:
            raise InvalidArgument(
                f"{name}: {value!r} is not a duration like 10s, 1m30s or 500ms"
            ) from None
    if nanos < 0:
        raise InvalidArgument(f"{name}: a duration cannot be negative ({value!r})")
    return nanos
