"""docker-py's ``ConfigApiMixin``: swarm configs as dicts, over ``docker.configs``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types.swarm import DriverConfig
from ..utils import Filters
from .base import ApiBase


class ConfigApiMixin(ApiBase):
    """Create, inspect, list and remove swarm configs."""

    async def create_config(
        self,
        name: str,
        data: bytes | str,
        labels: Mapping[str, str] | None = None,
        templating: DriverConfig | Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a config from ``data``; the daemon's answer (``{"ID": ...}``)."""
        configs = self._docker.configs
        return await configs._post_create(configs._body(name, data, labels, templating))

    async def inspect_config(self, id: str) -> dict[str, Any]:
        """The config's inspect data (its data base64-encoded in ``Spec.Data``)."""
        return (await self._docker.configs.get(id)).attrs

    async def remove_config(self, id: str) -> bool:
        """Remove a config; ``True``."""
        await self._docker.configs.remove(id)
        return True

    async def configs(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        """The configs matching ``filters``."""
        return [config.attrs for config in await self._docker.configs.list(filters=filters)]
