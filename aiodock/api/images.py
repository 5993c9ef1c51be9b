"""docker-py's ``ImageApiMixin``, awaitable: each method calls the image manager or an
:class:`~aiodock.images.Image` handle and gives docker-py's shape back."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..images import Image
from ..reference import split_tag
from ._convert import DEFAULT_DATA_CHUNK_SIZE, ChunkOutput, JSONOutput, as_body, resource_id
from .base import ApiBase

__all__ = ["ImageApiMixin"]


class ImageApiMixin(ApiBase):
    """Images: list, inspect, pull, push, tag, remove, save, load, import, search."""

    def _image(self, image: Any) -> Image:
        return Image(self._docker, {"Id": resource_id(image, "image")})

    def get_image(
        self, image: Any, chunk_size: int | None = DEFAULT_DATA_CHUNK_SIZE
    ) -> ChunkOutput:
        """The image as a tar (``docker save``): iterated, chunks; awaited, bytes."""
        return ChunkOutput(self._docker.images.save(resource_id(image, "image")), chunk_size)

    async def history(self, image: Any) -> list[dict[str, Any]]:
        """Its layers, newest first."""
        return await self._image(image).history()

    async def images(
        self,
        name: str | None = None,
        quiet: bool = False,
        all: bool = False,
        filters: Mapping[str, Any] | None = None,
    ) -> list[Any]:
        """The daemon's image summaries (of repository ``name``); ids with ``quiet``."""
        found = await self._docker.images.list(name, all, filters, sparse=True)
        if quiet:
            return [image.attrs["Id"] for image in found]
        return [image.attrs for image in found]

    async def inspect_image(self, image: Any) -> dict[str, Any]:
        """The image's inspect data."""
        return (await self._docker.images.get(resource_id(image, "image"))).attrs

    async def inspect_distribution(
        self, image: str, auth_config: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """What its registry says (``Descriptor``, ``Platforms``), without pulling."""
        return (await self._docker.images.get_registry_data(image, auth_config)).attrs

    def import_image(
        self,
        src: Any = None,
        repository: str | None = None,
        tag: str | None = None,
        image: str | None = None,
        changes: str | Sequence[str] | None = None,
        stream_src: bool = False,
    ) -> JSONOutput[dict[str, Any]]:
        """Import a filesystem tar (``docker import``): ``src`` a file path, an
        ``http(s)://`` URL, bytes, a file or an iterable of bytes; or ``image``. Awaited:
        the daemon's output as text."""
        if image is not None:
            source = None
        elif isinstance(src, str) and os.path.isfile(src):
            source = Path(src)
        else:
            source = as_body(src)
        return JSONOutput(
            self._docker.images.import_image(
                source, repository=repository, tag=tag, image=image, changes=changes
            ),
            decode=False,
        )

    def import_image_from_data(
        self,
        data: bytes,
        repository: str | None = None,
        tag: str | None = None,
        changes: str | Sequence[str] | None = None,
    ) -> JSONOutput[dict[str, Any]]:
        """Import a tar given as bytes."""
        return self.import_image(data, repository, tag, changes=changes)

    def import_image_from_file(
        self,
        filename: str,
        repository: str | None = None,
        tag: str | None = None,
        changes: str | Sequence[str] | None = None,
    ) -> JSONOutput[dict[str, Any]]:
        """Import a tar file."""
        return JSONOutput(
            self._docker.images.import_image(
                Path(filename), repository=repository, tag=tag, changes=changes
            ),
            decode=False,
        )

    def import_image_from_stream(
        self,
        stream: Any,
        repository: str | None = None,
        tag: str | None = None,
        changes: str | Sequence[str] | None = None,
    ) -> JSONOutput[dict[str, Any]]:
        """Import a tar read from a file or an iterable of bytes (streamed)."""
        return self.import_image(stream, repository, tag, changes=changes, stream_src=True)

    def import_image_from_url(
        self,
        url: str,
        repository: str | None = None,
        tag: str | None = None,
        changes: str | Sequence[str] | None = None,
    ) -> JSONOutput[dict[str, Any]]:
        """Import a tar the daemon downloads from ``url``."""
        return self.import_image(url, repository, tag, changes=changes)

    def import_image_from_image(
        self,
        image: str,
        repository: str | None = None,
        tag: str | None = None,
        changes: str | Sequence[str] | None = None,
    ) -> JSONOutput[dict[str, Any]]:
        """Import from another image (the Engine's ``fromImage``)."""
        return self.import_image(None, repository, tag, image=image, changes=changes)

    def load_image(self, data: Any, quiet: bool | None = None) -> JSONOutput[dict[str, Any]]:
        """Load a ``docker save`` tar (bytes, a file, an iterable of bytes): iterated, the
        progress dicts."""
        return JSONOutput(self._docker.images.load(as_body(data), quiet=bool(quiet)), decode=True)

    async def prune_images(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Remove unused images: ``{"ImagesDeleted": [...], "SpaceReclaimed": n}``."""
        return await self._docker.images.prune(filters)

    def pull(
        self,
        repository: str,
        tag: str | None = None,
        stream: bool = False,
        auth_config: Mapping[str, str] | None = None,
        decode: bool = False,
        platform: str | None = None,
        all_tags: bool = False,
    ) -> JSONOutput[dict[str, Any]]:
        """Pull an image (tag from ``tag``, else ``repository``, else ``latest``): awaited,
        the output as text; iterated, JSON lines (dicts with ``decode``)."""
        name, inline = split_tag(repository)
        images = self._docker.images
        if all_tags:
            every = images.pull(name, all_tags=True, platform=platform, auth_config=auth_config)
            return JSONOutput(every, decode=decode)
        one = images.pull(
            name, tag or inline or "latest", platform=platform, auth_config=auth_config
        )
        return JSONOutput(one, decode=decode)

    def push(
        self,
        repository: str,
        tag: str | None = None,
        stream: bool = False,
        auth_config: Mapping[str, str] | None = None,
        decode: bool = False,
    ) -> JSONOutput[dict[str, Any]]:
        """Push an image (every tag of ``repository`` without one): awaited, the output as
        text; iterated, JSON lines (dicts with ``decode``)."""
        return JSONOutput(self._docker.images.push(repository, tag, auth_config), decode=decode)

    async def remove_image(
        self, image: Any, force: bool = False, noprune: bool = False
    ) -> list[dict[str, Any]]:
        """Remove it: the daemon's ``[{"Untagged": ...}, {"Deleted": ...}]``."""
        return await self._docker.images.remove(resource_id(image, "image"), force, noprune)

    async def search(self, term: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Search Docker Hub (or the registry ``term`` names)."""
        return await self._docker.images.search(term, limit)

    async def tag(
        self, image: Any, repository: str, tag: str | None = None, force: bool = False
    ) -> bool:
        """Name it ``repository:tag``: ``True`` (``force`` is accepted; the daemon has no
        use for it)."""
        return await self._image(image).tag(repository, tag)
