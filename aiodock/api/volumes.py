"""docker-py's ``VolumeApiMixin``: volumes as dicts, over ``docker.volumes``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..utils import Filters
from .base import ApiBase


class VolumeApiMixin(ApiBase):
    """List, create, inspect, remove and prune volumes."""

    async def volumes(self, filters: Filters | None = None) -> dict[str, Any]:
        """The daemon's list answer: ``{"Volumes": [...], "Warnings": ...}``."""
        return await self._docker.volumes._list(filters)

    async def create_volume(
        self,
        name: str | None = None,
        driver: str | None = None,
        driver_opts: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Create a volume; its inspect data, as the daemon answers the create."""
        volume = await self._docker.volumes.create(
            name, driver=driver, driver_opts=driver_opts, labels=labels
        )
        return volume.attrs

    async def inspect_volume(self, name: str) -> dict[str, Any]:
        """The volume's inspect data."""
        return (await self._docker.volumes.get(name)).attrs

    async def prune_volumes(self, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused volumes, ``filters`` sent as given (as docker-py: from API 1.42
        the daemon then removes only anonymous ones unless ``{"all": True}``; Podman,
        which removes named ones anyway, is sent no ``all``); the daemon's answer
        (``VolumesDeleted``, ``SpaceReclaimed``)."""
        return await self._docker.volumes._prune(filters)

    async def remove_volume(self, name: str, force: bool = False) -> None:
        """Remove a volume by name."""
        await self._docker.volumes.remove(name, force=force)
