"""Swarm configs (``docker.configs``): non-sensitive data handed to services as files."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .swarm_objects import SwarmObject, SwarmObjectManager, driver_json, encode_data
from .types.swarm import ConfigReference, DriverConfig


class Config(SwarmObject[ConfigReference]):
    """A swarm config. Its data is available as :attr:`data` but never shown in a repr."""

    endpoint = "/configs"
    inspect_path = "/configs/{id}"
    reference_type = ConfigReference

    @property
    def data(self) -> bytes:
        """The config's content, decoded."""
        return base64.b64decode(self.attrs.get("Spec", {}).get("Data") or "")


class ConfigManager(SwarmObjectManager[Config]):
    """Create, list, inspect and remove swarm configs (``docker.configs``)."""

    handle_type = Config

    async def create(
        self,
        name: str,
        data: bytes | str,
        *,
        labels: Mapping[str, str] | None = None,
        templating: DriverConfig | str | Mapping[str, Any] | None = None,
    ) -> Config:
        """Create a config from ``data`` (bytes or text)."""
        return await self._create(self._body(name, data, labels, templating))

    def _body(
        self,
        name: str,
        data: bytes | str,
        labels: Mapping[str, str] | None,
        templating: DriverConfig | str | Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """The create request's body, checked."""
        body = self._new_body(name, labels)
        body["Data"] = encode_data(data)
        if templating is not None:
            body["Templating"] = driver_json(templating)
        return body

    async def get(self, config_id: str) -> Config:
        """The config with this id or name."""
        return await self._get(config_id)

    async def remove(self, config_id: str) -> None:
        """Delete the config with this id or name."""
        await self._remove(config_id)
