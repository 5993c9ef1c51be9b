"""Typed helpers for request bodies: mounts, health checks, IPAM, swarm specs, ..."""

from .containers import *  # noqa: F403
from .containers import __all__ as _containers_all
from .networks import *  # noqa: F403
from .networks import __all__ as _networks_all
from .swarm import *  # noqa: F403
from .swarm import __all__ as _swarm_all

__all__ = [*_containers_all, *_networks_all, *_swarm_all]
