"""What a registry says about an image (``docker.images.get_registry_data``): the
:class:`RegistryData` handle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgument
from .reference import parse_reference

if TYPE_CHECKING:
    from .client import Docker
    from .images import Image

__all__ = ["RegistryData"]


class RegistryData:
    """What a registry says about an image (``GET /distribution/{name}/json``): its digest
    and the platforms it is built for."""

    def __init__(
        self, docker: Docker, name: str, attrs: dict[str, Any], auth_config: Any = None
    ) -> None:
        self._docker = docker
        self.image_name = name
        self.attrs = attrs
        self._auth_config = auth_config

    def __repr__(self) -> str:
        return f"<RegistryData: {self.image_name} {self.short_id}>"

    @property
    def id(self) -> str:
        """The manifest digest (``sha256:...``)."""
        return str((self.attrs.get("Descriptor") or {}).get("digest") or "")

    @property
    def short_id(self) -> str:
        """The digest shortened to 12 hex characters."""
        return self.id.partition(":")[2][:12]

    @property
    def platforms(self) -> list[dict[str, Any]]:
        """The platforms (``os``, ``architecture``, ``variant``) the image is built for."""
        return list(self.attrs.get("Platforms") or [])

    def has_platform(self, platform: str | Mapping[str, str]) -> bool:
        """Whether the image exists for ``platform`` (``"linux/amd64"`` or a mapping with
        ``os``, ``architecture`` and optionally ``variant``)."""
        if isinstance(platform, str):
            parts = platform.split("/")
            if not 1 <= len(parts) <= 3 or not all(parts):
                raise InvalidArgument(f"platform: {platform!r} is not like linux/amd64")
            wanted = dict(zip(("os", "architecture", "variant"), parts, strict=False))
        else:
            wanted = {k: v for k, v in platform.items() if v}
        for entry in self.platforms:
            if all(entry.get(key) == value for key, value in wanted.items()):
                return True
        return False

    async def reload(self) -> None:
        """Ask the registry again."""
        fresh = await self._docker.images.get_registry_data(self.image_name, self._auth_config)
        self.attrs = fresh.attrs

    async def pull(self, platform: str | None = None) -> Image:
        """Pull this image by digest."""
        ref = parse_reference(self.image_name)
        return await self._docker.images.pull(
            ref.name, self.id or None, platform=platform, auth_config=self._auth_config
        )
