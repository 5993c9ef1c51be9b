"""Swarm configs (``docker.configs``): non-sensitive data handed to services as files."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .errors import InvalidArgument
from .resource import Manager, Resource, path_id
from .secrets import driver_json, encode_data
from .swarm import versioned
from .types.swarm import ConfigReference, DriverConfig
from .utils import Filters, encode_filters

_FILTERS = ("id", "label", "name", "names")


class Config(Resource):
    """A swarm config. Its data is available as :attr:`data` but never shown in a repr."""

    inspect_path = "/configs/{id}"

    def __repr__(self) -> str:
        return f"<Config: {self.short_id} {self.name!r}>"

    @property
    def name(self) -> str:
        """The config's name."""
        return str(self.attrs.get("Spec", {}).get("Name", ""))

    @property
    def labels(self) -> dict[str, str]:
        """The config's labels."""
        return dict(self.attrs.get("Spec", {}).get("Labels") or {})

    @property
    def version(self) -> int:
        """The object's version index, sent with updates."""
        return int(self.attrs.get("Version", {}).get("Index", 0))

    @property
    def data(self) -> bytes:
        """The config's content, decoded."""
        return base64.b64decode(self.attrs.get("Spec", {}).get("Data") or "")

    def reference(
        self,
        filename: str | None = None,
        *,
        uid: str | None = None,
        gid: str | None = None,
        mode: int = 0o444,
    ) -> ConfigReference:
        """A reference to hand this config to a service as ``filename`` (default: its name
        under ``/``)."""
        return ConfigReference(self.id, self.name, filename, uid, gid, mode)

    async def update(self, *, labels: Mapping[str, str]) -> None:
        """Replace the labels (the only thing the daemon lets change); versioned."""
        spec = {**self.attrs.get("Spec", {}), "Labels": dict(labels)}
        await versioned(
            self._docker._call(
                "POST",
                f"/configs/{path_id(self.id)}/update",
                params={"version": self.version},
                json=spec,
            ),
            f"config {self.name!r}",
        )
        await self.reload()

    async def remove(self) -> None:
        """Delete the config."""
        await self._docker._call("DELETE", f"/configs/{path_id(self.id)}")


class ConfigManager(Manager):
    """Create, list, inspect and remove swarm configs (``docker.configs``)."""

    async def create(
        self,
        name: str,
        data: bytes | str,
        *,
        labels: Mapping[str, str] | None = None,
        templating: DriverConfig | str | Mapping[str, Any] | None = None,
    ) -> Config:
        """Create a config from ``data`` (bytes or text)."""
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"name: expected a config name, got {name!r}")
        body: dict[str, Any] = {
            "Name": name,
            "Labels": dict(labels or {}),
            "Data": encode_data(data),
        }
        if templating is not None:
            body["Templating"] = driver_json(templating)
        created = await self._docker._json("POST", "/configs/create", json=body)
        return await self.get(created["ID"])

    async def get(self, config_id: str) -> Config:
        """The config with this id or name."""
        attrs = await self._docker._json("GET", f"/configs/{path_id(config_id)}")
        return Config(self._docker, attrs)

    async def list(self, *, filters: Filters | None = None) -> list[Config]:
        """Configs matching ``filters`` (``id``, ``label``, ``name``, ``names``)."""
        params = {"filters": encode_filters(filters, allowed=_FILTERS)}
        items = await self._docker._json("GET", "/configs", params=params)
        return [Config(self._docker, attrs) for attrs in items or []]

    async def remove(self, config_id: str) -> None:
        """Delete the config with this id or name."""
        await self._docker._call("DELETE", f"/configs/{path_id(config_id)}")
