"""docker-py's ``SecretApiMixin``: swarm secrets as dicts, over ``docker.secrets``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types.swarm import DriverConfig
from ..utils import Filters
from .base import ApiBase


class SecretApiMixin(ApiBase):
    """Create, inspect, list and remove swarm secrets."""

    async def create_secret(
        self,
        name: str,
        data: bytes | str | None,
        labels: Mapping[str, str] | None = None,
        driver: DriverConfig | Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a secret from ``data`` (or fetched by an external ``driver``, ``data``
        then ``None``); the daemon's answer (``{"ID": ...}``)."""
        secrets = self._docker.secrets
        return await secrets._post_create(secrets._body(name, data, labels, driver, None))

    async def inspect_secret(self, id: str) -> dict[str, Any]:
        """The secret's inspect data (never its data)."""
        return (await self._docker.secrets.get(id)).attrs

    async def remove_secret(self, id: str) -> bool:
        """Remove a secret; ``True``."""
        await self._docker.secrets.remove(id)
        return True

    async def secrets(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        """The secrets matching ``filters``."""
        return [secret.attrs for secret in await self._docker.secrets.list(filters=filters)]
