"""``docker.api``: an awaitable twin of docker-py's low-level ``APIClient``.

The same method names, parameters and return shapes as docker-py (dicts, ids, bytes; async
iterators where docker-py streams), built on the managers and handles: this package knows
no endpoint of its own, each request goes through the one place that knows it.
"""

from __future__ import annotations

from .base import ApiBase
from .build import BuildApiMixin
from .configs import ConfigApiMixin
from .containers import ContainerApiMixin
from .daemon import DaemonApiMixin
from .exec import ExecApiMixin
from .images import ImageApiMixin
from .networks import NetworkApiMixin
from .plugins import PluginApiMixin
from .secrets import SecretApiMixin
from .services import ServiceApiMixin
from .swarm import SwarmApiMixin
from .volumes import VolumeApiMixin

__all__ = ["APIClient"]


class APIClient(
    BuildApiMixin,
    ConfigApiMixin,
    ContainerApiMixin,
    DaemonApiMixin,
    ExecApiMixin,
    ImageApiMixin,
    NetworkApiMixin,
    PluginApiMixin,
    SecretApiMixin,
    ServiceApiMixin,
    SwarmApiMixin,
    VolumeApiMixin,
    ApiBase,
):
    """docker-py's ``APIClient`` methods, awaitable, over one :class:`~aiodock.Docker`:
    ``APIClient(docker)`` (``docker.api``) or standalone with docker-py's arguments
    (see :class:`~aiodock.api.base.ApiBase`)."""
