"""Typed helpers for request bodies: mounts, health checks, IPAM, swarm specs, ...

The names are imported from their module on first use (the swarm specs are the heaviest)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .containers import *  # noqa: F403
    from .containers import __all__ as _containers_all
    from .networks import *  # noqa: F403
    from .networks import __all__ as _networks_all
    from .swarm import *  # noqa: F403
    from .swarm import __all__ as _swarm_all

    __all__ = [*_containers_all, *_networks_all, *_swarm_all]

# Each module's ``__all__`` is part of ours, in this order.
_MODULES = ("containers", "networks", "swarm")


def _lookup(name: str) -> Any:
    """``__all__``, a name of one of the modules, or a submodule, imported on first use."""
    if name == "__all__":
        return [item for module in _MODULES for item in _module(module).__all__]
    for module in _MODULES:
        if name in _module(module).__all__:
            return getattr(_module(module), name)
    if name in (*_MODULES, "base"):
        return _module(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _module(name: str) -> Any:
    return importlib.import_module(f"{__name__}.{name}")


if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        value = globals()[name] = _lookup(name)
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_lookup("__all__")})
