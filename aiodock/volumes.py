"""Volumes: create, list, inspect, remove, prune."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from .errors import InvalidArgument
from .resource import DriverResource, Manager, path_id
from .utils import Filters, encode_filters, string_map
from .versions import request_target, require

LIST_FILTERS = frozenset({"dangling", "driver", "label", "name"})
PRUNE_FILTERS = frozenset({"label", "label!", "all"})


class Volume(DriverResource):
    """A volume; its id is its name."""

    inspect_path = "/volumes/{id}"

    @property
    def id(self) -> str:
        return str(self.attrs.get("Name") or "")

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def mountpoint(self) -> str:
        """Where the volume lives on the daemon's host."""
        return str(self.attrs.get("Mountpoint") or "")

    async def remove(self, *, force: bool = False) -> None:
        """Delete the volume (``force`` ignores a missing volume; one in use still fails)."""
        await self._docker.transport.call(
            "DELETE", f"/volumes/{path_id(self.id)}", params={"force": force}
        )

    def __repr__(self) -> str:
        return f"<Volume: {self.name}>"


class VolumeManager(Manager):
    """``docker.volumes``: create, get, list and prune volumes."""

    async def create(
        self,
        name: str | None = None,
        *,
        driver: str | None = None,
        driver_opts: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Volume:
        """Create a volume (the daemon names it when ``name`` is None). Creating a volume
        whose name exists with the same driver returns the existing one, as docker does."""
        if name is not None and (not isinstance(name, str) or not name):
            raise InvalidArgument(f"name: {name!r} is not a volume name")
        body: dict[str, Any] = {}
        if name is not None:
            body["Name"] = name
        if driver is not None:
            body["Driver"] = driver
        if driver_opts is not None:
            body["DriverOpts"] = string_map(driver_opts, "driver_opts")
        if labels is not None:
            body["Labels"] = string_map(labels, "labels")
        attrs = await self._docker.transport.json("POST", "/volumes/create", json=body)
        return Volume(self._docker, attrs)

    async def get(self, volume_id: str) -> Volume:
        """The volume with this name (raises :class:`~aiodock.errors.NotFound`)."""
        if not isinstance(volume_id, str) or not volume_id:
            raise InvalidArgument(f"volume_id: {volume_id!r} is not a volume name")
        volume = Volume(self._docker, {"Name": volume_id})
        await volume.reload()
        return volume

    async def list(self, *, filters: Filters | None = None) -> builtins.list[Volume]:
        """Volumes matching ``filters`` (dangling, driver, label, name)."""
        found = await self._list(filters)
        return [Volume(self._docker, attrs) for attrs in found.get("Volumes") or []]

    async def _list(self, filters: Filters | None) -> dict[str, Any]:
        """The daemon's list answer: ``{"Volumes": [...], "Warnings": ...}``."""
        encoded = encode_filters(filters, allowed=LIST_FILTERS)
        found = await self._docker.transport.json("GET", "/volumes", params={"filters": encoded})
        return dict(found or {})

    async def remove(self, volume_id: str, *, force: bool = False) -> None:
        """Delete a volume by name."""
        if not isinstance(volume_id, str) or not volume_id:
            raise InvalidArgument(f"volume_id: {volume_id!r} is not a volume name")
        await Volume(self._docker, {"Name": volume_id}).remove(force=force)

    async def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused volumes matching ``filters`` (``label``, ``label!``), named ones
        too, on every API version (daemons on API 1.42 and newer are sent the ``all``
        filter that asks for that). ``{"all": False}`` removes only anonymous volumes
        (API 1.42). Returns the daemon's answer (``VolumesDeleted``, ``SpaceReclaimed``)."""
        encode_filters(filters, allowed=PRUNE_FILTERS)
        wanted = dict(filters or {})
        named_too = _named_too(wanted.pop("all", True))
        if (await request_target(self._docker)).supports("volumes.prune.all"):
            wanted["all"] = named_too
        elif not named_too:
            await require(self._docker, "volumes.prune.all")
        return await self._prune(wanted)

    async def _prune(self, filters: Filters | None) -> dict[str, Any]:
        """The prune request with ``filters`` as given (what the daemon removes then
        depends on its API version: from 1.42 only anonymous volumes without ``all``).
        Podman, which prunes named volumes anyway and refuses the ``all`` filter, is sent
        none: ``{"all": True}`` is what it does, ``{"all": False}`` raises."""
        if filters and "all" in filters:
            target = await request_target(self._docker)
            if target.podman is not None and not target.supports("volumes.prune.all"):
                filters = dict(filters)
                if not _named_too(filters.pop("all")):
                    await require(self._docker, "volumes.prune.all")
        encoded = encode_filters(filters, allowed=PRUNE_FILTERS)
        result: dict[str, Any] = await self._docker.transport.json(
            "POST", "/volumes/prune", params={"filters": encoded}, timeout=None
        )
        return result


def _named_too(value: Any) -> bool:
    """Whether the prune filter ``all`` (``True``, ``"1"``, ``["true"]``, ...) asks for
    named volumes too."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return str(value).lower() not in ("false", "0")
