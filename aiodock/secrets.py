"""Swarm secrets (``docker.secrets``): sensitive data handed to services as files.

The data is sent once, base64 on the wire, and never kept, logged or shown in a repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidArgument
from .swarm_objects import SwarmObject, SwarmObjectManager, driver_json, encode_data
from .types.swarm import DriverConfig, SecretReference


class Secret(SwarmObject[SecretReference]):
    """A swarm secret; ``attrs`` never holds its data (the daemon does not return it)."""

    endpoint = "/secrets"
    inspect_path = "/secrets/{id}"
    reference_type = SecretReference


class SecretManager(SwarmObjectManager[Secret]):
    """Create, list, inspect and remove swarm secrets (``docker.secrets``)."""

    handle_type = Secret

    async def create(
        self,
        name: str,
        data: bytes | str | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        driver: DriverConfig | str | Mapping[str, Any] | None = None,
        templating: DriverConfig | str | Mapping[str, Any] | None = None,
    ) -> Secret:
        """Create a secret from ``data`` (bytes or text), or fetched by an external ``driver``."""
        return await self._create(self._body(name, data, labels, driver, templating))

    def _body(
        self,
        name: str,
        data: bytes | str | None,
        labels: Mapping[str, str] | None,
        driver: DriverConfig | str | Mapping[str, Any] | None,
        templating: DriverConfig | str | Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """The create request's body, checked."""
        body = self._new_body(name, labels)
        if (data is None) == (driver is None):
            raise InvalidArgument("give either data or driver (an external secret store)")
        if data is not None:
            body["Data"] = encode_data(data)
        if driver is not None:
            body["Driver"] = driver_json(driver)
        if templating is not None:
            body["Templating"] = driver_json(templating)
        return body

    async def get(self, secret_id: str) -> Secret:
        """The secret with this id or name."""
        return await self._get(secret_id)

    async def remove(self, secret_id: str) -> None:
        """Delete the secret with this id or name."""
        await self._remove(secret_id)
