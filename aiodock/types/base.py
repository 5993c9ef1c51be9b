"""What every typed helper has in common: ``to_api()`` gives its Engine API JSON object.

:class:`SupportsToApi` is that Protocol; :func:`to_json` takes a typed helper or a raw
mapping where a request accepts either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from ..errors import InvalidArgument

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
