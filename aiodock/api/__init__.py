"""``docker.api``: an awaitable twin of docker-py's low-level ``APIClient``.

The same method names, parameters and return shapes as docker-py (dicts, ids, bytes; async
iterators where docker-py streams), built on the managers and handles: this package knows
no endpoint of its own, each request goes through the one place that knows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ApiBase
from .build import BuildApiMixin
from .containers import ContainerApiMixin
from .exec import ExecApiMixin
from .images import ImageApiMixin

if TYPE_CHECKING:
    from ..client import Docker

__all__ = ["APIClient"]


class APIClient(ContainerApiMixin, ImageApiMixin, BuildApiMixin, ExecApiMixin, ApiBase):
    """docker-py's ``APIClient`` methods, awaitable, over one :class:`~aiodock.Docker`."""

    def __init__(self, docker: Docker) -> None:
        super().__init__(docker)
