"""Swarm secrets (``docker.secrets``): sensitive data handed to services as files.

The data is sent once, base64 on the wire, and never kept, logged or shown in a repr.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .errors import InvalidArgument
from .resource import Manager, Resource, path_id
from .swarm import versioned
from .types.swarm import DriverConfig, SecretReference
from .utils import Filters, encode_filters

_FILTERS = ("id", "label", "name", "names")


def encode_data(data: bytes | str, name: str = "data") -> str:
    """Secret or config data (bytes, or text sent as UTF-8) in base64."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidArgument(f"{name}: expected bytes or str, got {type(data).__name__}")
    return base64.b64encode(bytes(data)).decode("ascii")


def driver_json(value: DriverConfig | str | Mapping[str, Any] | None) -> Any:
    """A driver given by name, as :class:`DriverConfig` or as a dict."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"Name": value}
    if isinstance(value, DriverConfig):
        return value.to_dict()
    return dict(value)


class Secret(Resource):
    """A swarm secret; ``attrs`` never holds its data (the daemon does not return it)."""

    inspect_path = "/secrets/{id}"

    def __repr__(self) -> str:
        return f"<Secret: {self.short_id} {self.name!r}>"

    @property
    def name(self) -> str:
        """The secret's name."""
        return str(self.attrs.get("Spec", {}).get("Name", ""))

    @property
    def labels(self) -> dict[str, str]:
        """The secret's labels."""
        return dict(self.attrs.get("Spec", {}).get("Labels") or {})

    @property
    def version(self) -> int:
        """The object's version index, sent with updates."""
        return int(self.attrs.get("Version", {}).get("Index", 0))

    def reference(
        self,
        filename: str | None = None,
        *,
        uid: str | None = None,
        gid: str | None = None,
        mode: int = 0o444,
    ) -> SecretReference:
        """A reference to hand this secret to a service (``/run/secrets/<filename>``)."""
        return SecretReference(self.id, self.name, filename, uid, gid, mode)

    async def update(self, *, labels: Mapping[str, str]) -> None:
        """Replace the labels (the only thing the daemon lets change); versioned."""
        spec = {**self.attrs.get("Spec", {}), "Labels": dict(labels)}
        await versioned(
            self._docker._call(
                "POST",
                f"/secrets/{path_id(self.id)}/update",
                params={"version": self.version},
                json=spec,
            ),
            f"secret {self.name!r}",
        )
        await self.reload()

    async def remove(self) -> None:
        """Delete the secret."""
        await self._docker._call("DELETE", f"/secrets/{path_id(self.id)}")


class SecretManager(Manager):
    """Create, list, inspect and remove swarm secrets (``docker.secrets``)."""

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
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"name: expected a secret name, got {name!r}")
        if (data is None) == (driver is None):
            raise InvalidArgument("give either data or driver (an external secret store)")
        body: dict[str, Any] = {"Name": name, "Labels": dict(labels or {})}
        if data is not None:
            body["Data"] = encode_data(data)
        if driver is not None:
            body["Driver"] = driver_json(driver)
        if templating is not None:
            body["Templating"] = driver_json(templating)
        created = await self._docker._json("POST", "/secrets/create", json=body)
        return await self.get(created["ID"])

    async def get(self, secret_id: str) -> Secret:
        """The secret with this id or name."""
        attrs = await self._docker._json("GET", f"/secrets/{path_id(secret_id)}")
        return Secret(self._docker, attrs)

    async def list(self, *, filters: Filters | None = None) -> list[Secret]:
        """Secrets matching ``filters`` (``id``, ``label``, ``name``, ``names``)."""
        params = {"filters": encode_filters(filters, allowed=_FILTERS)}
        items = await self._docker._json("GET", "/secrets", params=params)
        return [Secret(self._docker, attrs) for attrs in items or []]

    async def remove(self, secret_id: str) -> None:
        """Delete the secret with this id or name."""
        await self._docker._call("DELETE", f"/secrets/{path_id(secret_id)}")
