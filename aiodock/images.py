"""Images: list, inspect, tag, remove, prune, search, pull, push, build, save, load, import
and commit, plus registry data.

Progress operations (pull, push, build, load, import) return a
:class:`~aiodock.streams.ProgressStream`: ``await`` it for the result, or ``async for``
over it for the daemon's progress objects. An error object in the stream raises
:class:`~aiodock.errors.BuildError` (builds) or :class:`~aiodock.errors.APIError`.
What a build sends and reads (its parameters, :class:`BuildStream`) is in
:mod:`aiodock.build.request`.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import AsyncIterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, Literal, cast, overload

from ._lazy import lazy_attributes
from .auth import (
    auth_header_for,
)
from .byte_stream import ByteStream
from .errors import (
    APIError,
    ImageLoadError,
    ImageNotFound,
    InvalidArgument,
)
from .reference import familiar_name, full_image_id, parse_reference, split_tag
from .registry_data import RegistryData
from .resource import Manager, Resource, path_id
from .streams import ProgressStream, progress_error
from .transport import ByteSource
from .utils import (
    Filters,
    QueryValue,
    encode_filters,
    inspect_each,
    parse_bytes,
    platform_json,
)
from .versions import request_target, require

if TYPE_CHECKING:
    from .build.request import BuildStream
    from .build.session import SecretSource
    from .client import Docker
    from .shapes import ImageConfig

__all__ = ["BuildStream", "ByteStream", "Image", "ImageManager", "RegistryData"]

if not TYPE_CHECKING:
    # The build modules (BuildKit sessions, tar contexts) are imported on first use.
    __getattr__, __dir__ = lazy_attributes(globals(), {"BuildStream": ".build.request"})

ImageSource = (
    bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes] | AsyncIterable[bytes]
)
"""Image or context bytes: bytes, a path, a binary file, or an async iterable of bytes."""

LoadSource = bytes | bytearray | memoryview | os.PathLike[str] | IO[bytes] | AsyncIterable[bytes]
"""What :meth:`ImageManager.load` reads: bytes, a binary file, an async iterable of bytes, or
a :class:`pathlib.Path` (not a ``str``: data or path?)."""

Platform = str | Mapping[str, str]
"""``"linux/arm64/v8"`` or ``{"os": "linux", "architecture": "arm64", "variant": "v8"}``."""


async def _platform(docker: Docker, operation: str, platform: Platform | None) -> str | None:
    """The ``platform`` parameter of an image operation, checked against the API version."""
    if platform is None:
        return None
    encoded = platform_json(platform)
    await require(docker, f"images.{operation}.platform")
    return encoded


_LIST_FILTERS: Final = ("before", "dangling", "label", "reference", "since")
_PRUNE_FILTERS: Final = ("dangling", "until", "label", "label!")
_BUILD_PRUNE_FILTERS: Final = (
    "until",
    "unused-for",
    "id",
    "parent",
    "type",
    "description",
    "inuse",
    "shared",
    "private",
)
_SEARCH_FILTERS: Final = ("is-automated", "is-official", "stars")
_LOADED = re.compile(r"^Loaded image(?: ID)?: (\S+)\s*$")
_NO_AUTH: Final = "e30="  # base64url of {}: push refuses a request without the header


class Image(Resource):
    """An image: its inspect data in ``attrs``, and what can be done with it."""

    inspect_path = "/images/{id}/json"

    def __repr__(self) -> str:
        tags = self.tags
        shown = ", ".join(repr(t) for t in tags) if tags else self.short_id
        return f"<Image: {shown}>"

    @property
    def tags(self) -> list[str]:
        """The image's ``repository:tag`` names, Docker Hub's as the docker CLI shows them
        (Podman's ``docker.io/library/busybox:latest`` is ``busybox:latest`` here;
        ``attrs["RepoTags"]`` has the daemon's own)."""
        tags = self.attrs.get("RepoTags") or []
        return [familiar_name(t) for t in tags if t != "<none>:<none>"]

    @property
    def labels(self) -> dict[str, str]:
        """The image's labels."""
        config = self.attrs.get("Config") or {}
        labels = config.get("Labels") if "Config" in self.attrs else self.attrs.get("Labels")
        return dict(labels or {})

    @property
    def config(self) -> ImageConfig:
        """``Config`` of the inspect data: the defaults containers of the image get
        (``Cmd``, ``Entrypoint``, ``Env``, ``ExposedPorts``, ``Labels``, ...); empty for
        handles from a list until ``reload()``."""
        config = self.attrs.get("Config")
        return cast("ImageConfig", config if isinstance(config, dict) else {})

    async def history(self, *, platform: Platform | None = None) -> list[dict[str, Any]]:
        """The image's layers, newest first (``GET /images/{name}/history``); ``platform``
        (``"linux/arm64"``, API 1.48) picks one of a multi-platform image."""
        params = {"platform": await _platform(self._docker, "history", platform)}
        result: list[dict[str, Any]] = await self._docker.transport.json(
            "GET", f"/images/{path_id(self.id)}/history", params=params
        )
        return result

    async def tag(self, repository: str, tag: str | None = None) -> bool:
        """Add the name ``repository:tag`` (``tag`` defaults to the one in ``repository``,
        else ``latest``); ``True``, as docker-py answers."""
        repo, inline = split_tag(repository)
        if inline is not None and tag is not None:
            raise InvalidArgument(f"tag: {repository!r} already has a tag; pass one or the other")
        tag = tag or inline or "latest"
        parse_reference(f"{repo}:{tag}")
        await self._docker.transport.call(
            "POST", f"/images/{path_id(self.id)}/tag", params={"repo": repo, "tag": tag}
        )
        return True

    def save(self, *, named: bool | str = False) -> ByteStream:
        """The image as a tar stream (``docker save``). By default it is saved by id, so
        the tar carries no names; ``named=True`` saves it under its first tag, or
        ``named="repo:tag"`` under that tag, so that loading it restores the name."""
        if named is True:
            if not self.tags:
                raise InvalidArgument("named: the image has no tag")
            return self._docker.images.save(self.tags[0])
        if isinstance(named, str):
            if named not in self.tags:
                raise InvalidArgument(f"named: {named!r} is not a tag of this image")
            return self._docker.images.save(named)
        return self._docker.images.save(self.id)

    async def remove(self, *, force: bool = False, noprune: bool = False) -> list[dict[str, Any]]:
        """Remove the image (``force`` even when tagged several times or in use by stopped
        containers); the daemon's list of untagged and deleted ids."""
        return await self._docker.images.remove(self.id, force=force, noprune=noprune)


def _deletions(answer: Any) -> builtins.list[dict[str, Any]]:
    """A remove or prune answer's ``Untagged``/``Deleted`` entries as Docker words them:
    familiar names, ``sha256:`` ids (Podman sends ``docker.io/...`` and bare ids)."""
    entries: builtins.list[dict[str, Any]] = []
    for entry in answer or []:
        entry = dict(entry)
        if isinstance(entry.get("Untagged"), str):
            entry["Untagged"] = familiar_name(entry["Untagged"])
        if isinstance(entry.get("Deleted"), str):
            entry["Deleted"] = full_image_id(entry["Deleted"])
        entries.append(entry)
    return entries


def image_reference(image: str | Image, *, by_name: bool = False) -> str:
    """What a call that takes an image reference sends for ``image``: a name as given; an
    :class:`Image` handle as its id, or (``by_name``, for swarm nodes that pull by name) its
    first tag when it has one."""
    if isinstance(image, Image):
        tags = image.tags
        return tags[0] if by_name and tags else image.id
    return image


class ImageManager(Manager):
    """Operations on images: ``docker.images``."""

    # --- inspect, list, tag, remove ---------------------------------------------------

    async def get(self, name: str, *, platform: Platform | None = None) -> Image:
        """The image with this name or id (raises :class:`ImageNotFound`); ``platform``
        (``"linux/arm64"``, API 1.49) inspects that variant of a multi-platform image."""
        if not isinstance(name, str) or not name:
            raise InvalidArgument("name: an image name or id is required")
        params = {"platform": await _platform(self._docker, "get", platform)}
        attrs = await self._docker.transport.json(
            "GET", Image.inspect_path.format(id=path_id(name)), params=params
        )
        return Image(self._docker, attrs)

    async def exists(self, name: str) -> bool:
        """Whether an image with this name or id exists locally."""
        try:
            await self.get(name)
        except ImageNotFound:
            return False
        return True

    async def list(
        self,
        name: str | None = None,
        all: bool = False,
        filters: Filters | None = None,
        *,
        sparse: bool = False,
        shared_size: bool = False,
        manifests: bool = False,
    ) -> builtins.list[Image]:
        """The local images, optionally only the repository ``name`` (or ``name:tag``).

        ``all`` includes intermediate images; ``filters`` takes ``before``, ``dangling``,
        ``label``, ``reference`` and ``since``. Each image is inspected (concurrently) so
        that ``attrs`` is complete; ``sparse=True`` keeps the list's summaries instead
        (one request, ``attrs`` without ``Config``; :meth:`Image.reload` completes them).
        With ``sparse``, ``shared_size`` (API 1.42) adds ``SharedSize`` and ``manifests``
        (API 1.47) the ``Manifests`` of multi-platform images to the summaries.
        """
        merged: dict[str, Any] = dict(filters or {})
        if name is not None:
            merged["reference"] = name
        params = {"all": all, "filters": encode_filters(merged, allowed=_LIST_FILTERS)}
        for flag, value in (("shared_size", shared_size), ("manifests", manifests)):
            if value:
                await require(self._docker, f"images.list.{flag}")
                params[flag.replace("_", "-")] = True
        summaries: builtins.list[dict[str, Any]] = await self._docker.transport.json(
            "GET", "/images/json", params=params
        )
        if sparse:
            return [Image(self._docker, summary) for summary in summaries]

        return await inspect_each(
            self.get, (s["Id"] for s in summaries), missing=ImageNotFound, skip_missing=True
        )

    async def remove(
        self,
        image: str | Image,
        force: bool = False,
        noprune: bool = False,
        *,
        platforms: Sequence[Platform] | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """Remove an image by name or id; the daemon's list of ``Untagged``/``Deleted``.
        ``platforms`` (API 1.50) removes only those variants of a multi-platform image."""
        name = image.id if isinstance(image, Image) else image
        if not isinstance(name, str) or not name:
            raise InvalidArgument("image: an image name or id is required")
        encoded = None
        if platforms is not None:
            if isinstance(platforms, (str, Mapping)) or not platforms:
                raise InvalidArgument("platforms: expected a non-empty list of platforms")
            encoded = [platform_json(p, "platforms") for p in platforms]
            await require(self._docker, "images.remove.platforms")
        result = await self._docker.transport.json(
            "DELETE",
            f"/images/{path_id(name)}",
            params={"force": force, "noprune": noprune, "platforms": encoded},
        )
        return _deletions(result)

    async def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused images: dangling ones, or all unused with ``{"dangling": False}``;
        also ``until`` and ``label``/``label!`` filters. The daemon's answer
        (``ImagesDeleted``, ``SpaceReclaimed``)."""
        params = {"filters": encode_filters(filters, allowed=_PRUNE_FILTERS)}
        result: dict[str, Any] = await self._docker.transport.json(
            "POST", "/images/prune", params=params, timeout=None
        )
        if result.get("ImagesDeleted"):
            result["ImagesDeleted"] = _deletions(result["ImagesDeleted"])
        return result

    async def prune_builds(
        self,
        filters: Filters | None = None,
        keep_storage: int | str | None = None,
        all: bool = False,
        *,
        reserved_space: int | str | None = None,
        max_used_space: int | str | None = None,
        min_free_space: int | str | None = None,
    ) -> dict[str, Any]:
        """Remove build cache (``docker builder prune``): ``keep_storage`` bytes (or
        ``"1g"``; ``reserved_space`` is its newer name, either is sent as the daemon's API
        version calls it) are kept, ``all`` removes internal cache too; from API 1.48
        ``max_used_space`` caps the cache and ``min_free_space`` keeps that much disk
        free. The daemon's answer (``CachesDeleted``, ``SpaceReclaimed``)."""
        if keep_storage is not None and reserved_space is not None:
            raise InvalidArgument("keep_storage and reserved_space are one setting: pass one")
        kept, kept_name = (
            (keep_storage, "keep_storage") if keep_storage is not None else
            (reserved_space, "reserved_space")
        )  # fmt: skip
        sizes = {
            name: parse_bytes(size, name=name)
            for name, size in ((kept_name, kept), ("max_used_space", max_used_space),
                               ("min_free_space", min_free_space))
            if size is not None
        }  # fmt: skip
        params: dict[str, Any] = {
            "filters": encode_filters(filters, allowed=_BUILD_PRUNE_FILTERS),
            "all": all or None,
        }
        aim = await request_target(self._docker)
        for name, size in sizes.items():
            if name == kept_name:  # renamed in 1.48, the old name gone in 1.52
                new = aim.supports("build_prune.reserved_space")
                params["reserved-space" if new else "keep-storage"] = size
            else:
                aim.check(f"build_prune.{name}")
                params[name.replace("_", "-")] = size
        result: dict[str, Any] = await self._docker.transport.json(
            "POST", "/build/prune", params=params, timeout=None
        )
        return result

    async def search(
        self,
        term: str,
        limit: int | None = None,
        filters: Filters | None = None,
        *,
        auth_config: Mapping[str, str] | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """Search a registry's index (Docker Hub unless ``term`` names a registry):
        ``name``, ``description``, ``star_count``, ``is_official``, ``is_automated``."""
        if not isinstance(term, str) or not term:
            raise InvalidArgument("term: a search term is required")
        if limit is not None and (isinstance(limit, bool) or not 1 <= limit <= 100):
            raise InvalidArgument("limit: must be between 1 and 100")
        headers = None
        if auth_config is not None:
            headers = {"X-Registry-Auth": _header_from(auth_config)}
        result: builtins.list[dict[str, Any]] = await self._docker.transport.json(
            "GET",
            "/images/search",
            params={
                "term": term,
                "limit": limit,
                "filters": encode_filters(filters, allowed=_SEARCH_FILTERS),
            },
            headers=headers,
        )
        return result

    async def get_registry_data(
        self, name: str, auth_config: Mapping[str, str] | None = None
    ) -> RegistryData:
        """Ask the image's registry for its digest and platforms, without pulling it."""
        parse_reference(name)
        headers = await self._auth_headers(name, auth_config)
        attrs = await self._docker.transport.json(
            "GET", f"/distribution/{path_id(name)}/json", headers=headers
        )
        return RegistryData(self._docker, name, attrs, auth_config)

    async def _auth_headers(
        self, image: str, auth_config: Mapping[str, str] | None
    ) -> dict[str, str] | None:
        value = await auth_header_for(image, auth_config, docker=self._docker)
        return {"X-Registry-Auth": value} if value is not None else None

    # --- pull and push ----------------------------------------------------------------

    @overload
    def pull(
        self,
        repository: str,
        tag: str | None = None,
        *,
        all_tags: Literal[False] = False,
        platform: str | None = None,
        auth_config: Mapping[str, str] | None = None,
    ) -> ProgressStream[Image]: ...

    @overload
    def pull(
        self,
        repository: str,
        tag: str | None = None,
        *,
        all_tags: Literal[True],
        platform: str | None = None,
        auth_config: Mapping[str, str] | None = None,
    ) -> ProgressStream[builtins.list[Image]]: ...

    def pull(
        self,
        repository: str,
        tag: str | None = None,
        *,
        all_tags: bool = False,
        platform: str | None = None,
        auth_config: Mapping[str, str] | None = None,
    ) -> ProgressStream[Image] | ProgressStream[builtins.list[Image]]:
        """Pull an image. ``await`` gives the :class:`Image` (a list of them with
        ``all_tags=True``); ``async for`` gives the progress objects.

        The tag comes from ``tag`` or from ``repository`` (``name:tag`` or
        ``name@sha256:...``), else ``latest``. Credentials come from ``auth_config`` or
        as the docker CLI finds them.
        """
        name, inline = split_tag(repository)
        if inline is not None and tag is not None:
            raise InvalidArgument(f"tag: {repository!r} already has a tag; pass one or the other")
        tag = tag or inline
        if all_tags:
            if tag is not None:
                raise InvalidArgument("all_tags: pulling every tag takes no tag")
        else:
            tag = tag or "latest"
        if tag is None:
            parse_reference(name)
            wanted = name
        else:
            wanted = f"{name}@{tag}" if ":" in tag else f"{name}:{tag}"
            parse_reference(wanted)
        if auth_config is not None:
            _header_from(auth_config)  # validate now, before the stream is used
        docker = self._docker

        async def opener() -> ByteSource:
            headers = await self._auth_headers(name, auth_config)
            return await docker.transport.request(
                "POST",
                "/images/create",
                params={"fromImage": name, "tag": tag, "platform": platform},
                headers=headers,
                stream=True,
            )

        if all_tags:

            async def finish_all(log: builtins.list[dict[str, Any]]) -> builtins.list[Image]:
                return await self.list(name)

            return ProgressStream(docker, opener, f"pull {name}", finish_all)

        async def finish(log: builtins.list[dict[str, Any]]) -> Image:
            return await self.get(wanted)

        return ProgressStream(docker, opener, f"pull {wanted}", finish)

    def push(
        self,
        repository: str,
        tag: str | None = None,
        auth_config: Mapping[str, str] | None = None,
        *,
        platform: Platform | None = None,
    ) -> ProgressStream[Image]:
        """Push an image to its registry (every local tag of ``repository`` when no tag is
        given; only the ``platform`` variant of a multi-platform image with it, API 1.46).
        ``await`` gives the pushed :class:`Image` (its ``RepoDigests`` then name the
        registry's digest); ``async for`` gives the progress objects, the last with
        ``aux`` ``{"Tag", "Digest", "Size"}``."""
        name, inline = split_tag(repository)
        if inline is not None and tag is not None:
            raise InvalidArgument(f"tag: {repository!r} already has a tag; pass one or the other")
        tag = tag or inline
        parse_reference(f"{name}:{tag}" if tag else name)
        if auth_config is not None:
            _header_from(auth_config)
        if platform is not None:
            platform_json(platform)
        docker = self._docker

        async def opener() -> ByteSource:
            headers = await self._auth_headers(name, auth_config)
            return await docker.transport.request(
                "POST",
                f"/images/{path_id(name)}/push",
                params={"tag": tag, "platform": await _platform(docker, "push", platform)},
                headers=headers or {"X-Registry-Auth": _NO_AUTH},
                stream=True,
            )

        async def finish(log: builtins.list[dict[str, Any]]) -> Image:
            pushed = tag
            for item in reversed(log):
                aux = item.get("aux")
                if isinstance(aux, dict) and aux.get("Tag"):
                    pushed = str(aux["Tag"])
                    break
            if pushed is None:
                raise APIError(500, "the push reported no pushed tag", path=f"push {name}")
            return await self.get(f"{name}:{pushed}")

        return ProgressStream(docker, opener, f"push {name}", finish)

    # --- save, load, import, commit ---------------------------------------------------

    def save(self, names: str | Sequence[str], *, platform: Platform | None = None) -> ByteStream:
        """One or several images (names or ids) as a tar stream, for :meth:`load`;
        ``platform`` (API 1.48) saves only that variant of multi-platform images."""
        listed = [names] if isinstance(names, str) else list(names)
        if not listed or not all(isinstance(n, str) and n for n in listed):
            raise InvalidArgument("names: one or more image names or ids are required")
        if platform is not None:
            platform_json(platform)
        docker = self._docker
        path = f"/images/{path_id(listed[0])}/get" if len(listed) == 1 else "/images/get"
        params: dict[str, QueryValue] = {"names": listed} if len(listed) > 1 else {}

        async def opener() -> ByteSource:
            params["platform"] = await _platform(docker, "save", platform)
            return await docker.transport.request("GET", path, params=params, stream=True)

        return ByteStream(docker, opener, f"save {', '.join(listed)}")

    def load(
        self, data: LoadSource, *, quiet: bool = False, platform: Platform | None = None
    ) -> ProgressStream[builtins.list[Image]]:
        """Load images from a tar made by :meth:`save` / ``docker save``: bytes, a binary
        file, or an async iterable of bytes (streamed), or a :class:`pathlib.Path` to read
        (a ``str`` is refused: it could be either the data or a path); ``platform`` (API
        1.48) loads only that variant. ``await`` gives the loaded images; a failed load
        raises :class:`~aiodock.errors.ImageLoadError`, as docker-py does."""
        if isinstance(data, str):
            raise InvalidArgument(
                "data: a str is neither the tar's bytes nor a path; give bytes, a binary file, "
                f"an async iterable of bytes, or pathlib.Path({data[:40]!r}) to read a file"
            )
        from .build.context import iter_file

        body = iter_file(data, name="data")
        if platform is not None:
            platform_json(platform)
        docker = self._docker

        async def opener() -> ByteSource:
            try:
                return await docker.transport.request(
                    "POST",
                    "/images/load",
                    params={"quiet": quiet, "platform": await _platform(docker, "load", platform)},
                    data=body,
                    headers={"Content-Type": "application/x-tar"},
                    stream=True,
                    timeout=None,
                )
            except APIError as exc:
                raise ImageLoadError.from_api_error(exc) from None

        async def finish(log: builtins.list[dict[str, Any]]) -> builtins.list[Image]:
            images: builtins.list[Image] = []
            for item in log:
                stream = item.get("stream")
                if isinstance(stream, str):
                    for line in stream.splitlines():
                        match = _LOADED.match(line)
                        if match:  # Podman names several images on one line, with commas
                            for name in match.group(1).split(","):
                                images.append(await self.get(name))
            return images

        def failed(item: dict[str, Any], log: builtins.list[dict[str, Any]]) -> Exception:
            return ImageLoadError.from_api_error(progress_error(item, log, "load"))

        return ProgressStream(docker, opener, "load", finish, failed)

    def import_image(
        self,
        src: ImageSource | None = None,
        repository: str | None = None,
        tag: str | None = None,
        image: str | None = None,
        changes: str | Sequence[str] | None = None,
        message: str | None = None,
        platform: str | None = None,
    ) -> ProgressStream[Image]:
        """Create an image from a filesystem tar (``docker import``): ``src`` is bytes, a
        path, a binary file, an async iterable of bytes, or an ``http(s)://`` URL the
        daemon downloads. ``image`` instead creates it from another image, which the
        daemon fetches from its registry (the Engine's ``fromImage``; ``repository`` is
        then not used). ``changes`` are Dockerfile instructions (``CMD``, ``ENV``, ...)
        applied to the result."""
        if (src is None) == (image is None):
            raise InvalidArgument("import_image: pass exactly one of src and image")
        change_list = [changes] if isinstance(changes, str) else list(changes or [])
        if repository is not None:
            parse_reference(f"{repository}:{tag}" if tag else repository)
        docker = self._docker
        body: Any = None
        params: dict[str, Any] = {
            "repo": repository,
            "tag": tag,
            "message": message,
            "changes": change_list or None,
            "platform": platform,
        }
        if image is not None:
            name, inline = split_tag(image)
            parse_reference(image)
            params.update(fromImage=name, tag=tag or inline or "latest", repo=None)
            wanted = f"{name}:{tag or inline or 'latest'}"
        elif isinstance(src, str) and re.match(r"^https?://", src):
            params["fromSrc"] = src
        else:
            assert src is not None
            params["fromSrc"] = "-"
            from .build.context import iter_file

            body = iter_file(src, name="src")

        async def opener() -> ByteSource:
            headers = {"Content-Type": "application/x-tar"} if body is not None else None
            if image is not None:
                headers = await self._auth_headers(image, None)
            return await docker.transport.request(
                "POST",
                "/images/create",
                params=params,
                data=body,
                headers=headers,
                stream=True,
                timeout=None,
            )

        async def finish(log: builtins.list[dict[str, Any]]) -> Image:
            if image is not None:
                return await self.get(wanted)
            for item in reversed(log):
                status = item.get("status")
                if isinstance(status, str) and status.startswith("sha256:"):
                    return await self.get(status.strip())
            raise APIError(500, "the import reported no image id", path="import")

        return ProgressStream(docker, opener, "import", finish)

    async def commit(
        self,
        container: str | Resource,
        repository: str | None = None,
        tag: str | None = None,
        message: str | None = None,
        author: str | None = None,
        pause: bool = True,
        changes: str | Sequence[str] | None = None,
        conf: Mapping[str, Any] | None = None,
    ) -> Image:
        """Create an image from a container's changes (``docker commit``). ``conf`` is the
        Engine's container config for the image; ``changes`` are Dockerfile instructions."""
        answer = await self._commit_raw(
            container, repository, tag, message, author, pause, changes, conf
        )
        return await self.get(answer["Id"])

    async def _commit_raw(
        self,
        container: str | Resource,
        repository: str | None = None,
        tag: str | None = None,
        message: str | None = None,
        author: str | None = None,
        pause: bool = True,
        changes: str | Sequence[str] | None = None,
        conf: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``POST /commit``: the daemon's answer, ``{"Id": ...}``."""
        ident = container.id if isinstance(container, Resource) else container
        if not isinstance(ident, str) or not ident:
            raise InvalidArgument("container: a container id or name is required")
        if repository is not None:
            parse_reference(f"{repository}:{tag}" if tag else repository)
        elif tag is not None:
            raise InvalidArgument("tag: a tag needs a repository")
        change_list = [changes] if isinstance(changes, str) else list(changes or [])
        answer: dict[str, Any] = await self._docker.transport.json(
            "POST",
            "/commit",
            params={
                "container": ident,
                "repo": repository,
                "tag": tag,
                "comment": message,
                "author": author,
                "pause": pause,
                "changes": "\n".join(change_list) or None,
            },
            json=dict(conf or {}),
            timeout=None,
        )
        return answer

    # --- build ------------------------------------------------------------------------

    def build(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        fileobj: str | bytes | IO[Any] | None = None,
        custom_context: bool | ImageSource = False,
        remote: str | None = None,
        tag: str | Sequence[str] | None = None,
        dockerfile: str | os.PathLike[str] | None = None,
        buildargs: Mapping[str, str] | None = None,
        target: str | None = None,
        labels: Mapping[str, str] | None = None,
        network_mode: str | None = None,
        pull: bool = False,
        nocache: bool = False,
        rm: bool = True,
        forcerm: bool = False,
        quiet: bool = False,
        cache_from: Sequence[str | Mapping[str, str]] | None = None,
        extra_hosts: Mapping[str, str] | Sequence[str] | None = None,
        platform: str | None = None,
        shm_size: int | str | None = None,
        container_limits: Mapping[str, int | str] | None = None,
        squash: bool | None = None,
        isolation: str | None = None,
        encoding: str | None = None,
        gzip: bool = False,
        version: Literal["1", "2"] | None = None,
        secrets: Mapping[str, SecretSource] | None = None,
        ssh: Mapping[str, str | os.PathLike[str]] | None = None,
        auth_config: Mapping[str, Mapping[str, str]] | None = None,
        outputs: Sequence[Mapping[str, Any]] | None = None,
        context_transfer: Literal["session", "tar"] | None = None,
        use_config_proxy: bool = True,
    ) -> BuildStream:
        """Build an image (``docker build``). ``await`` gives the :class:`Image`;
        ``async for`` gives the progress objects. A failed build raises
        :class:`BuildError` carrying the build log.

        The context is one of: ``path``, a directory tarred and streamed by us honouring
        its ``.dockerignore`` like the docker CLI (``gzip=True`` compresses it);
        ``fileobj``, a Dockerfile (file, str or bytes) without context; ``custom_context``,
        a ready tar, plain or compressed (bytes, path, binary file, async iterable of
        bytes, or ``True`` with the tar in ``fileobj``); ``remote``, a Git URL or tarball
        URL the daemon fetches.

        ``tag`` is a name or several; ``dockerfile`` is relative to the context (or a
        path outside it); ``buildargs``, ``target``, ``labels``, ``network_mode``,
        ``pull``, ``nocache``, ``rm``/``forcerm``, ``cache_from``, ``extra_hosts``
        (``{"host": "ip"}``), ``platform``, ``shm_size`` (``"64m"``), ``container_limits``
        (``memory``, ``memswap``, ``cpushares``, ``cpusetcpus``, ``cpuperiod``,
        ``cpuquota``) and ``squash`` (experimental daemons) are ``docker build``'s.
        ``version="2"`` builds with BuildKit: its progress comes decoded (see
        :class:`BuildStream`), and ``secrets`` (``{"id": value}``, the value as ``str`` or
        ``bytes``, or a ``pathlib.Path`` read when asked) are served to
        ``RUN --mount=type=secret,id=...`` steps over a build session, never sent with the
        context; ``ssh`` (``{"default": os.environ["SSH_AUTH_SOCK"]}``: agent ids and their
        sockets) forwards local SSH agents to ``RUN --mount=type=ssh`` steps the same way.

        ``auth_config`` (``{"registry:5000": {"username": ..., "password": ...}}``) gives
        registry logins for the build's own pulls (``FROM``, ``cache_from``), before those
        ``login`` remembered and the docker configuration (credential helpers included);
        BuildKit asks for them over the session, the classic builder gets them all in
        ``X-Registry-Config``. With BuildKit a ``path`` context goes over the session too,
        as the docker CLI sends it: BuildKit asks for the files it lacks, so a rebuild
        sends only what changed (``context_transfer="tar"`` uploads the tar instead).
        ``outputs=[{"type": "local", "dest": DIR}]`` writes the built stage's files to
        ``DIR``, ``[{"type": "tar", "dest": FILE}]`` its tar (``FILE`` a path or a binary
        file); ``await`` then gives ``None``, as no image is made. Other entries (``type``
        and the exporter's attributes) pass to BuildKit as they are.

        The proxies of the docker CLI's ``config.json`` are passed as build arguments
        (``HTTP_PROXY``, ``http_proxy``, ...) unless ``use_config_proxy=False``; a build
        argument given explicitly wins.

        The build session needs ``aiodock[buildkit]``; without it a plain ``version="2"``
        build uploads its context as a tar. ``version="2"``, ``secrets``, ``ssh`` and
        ``outputs`` raise :class:`~aiodock.errors.NotSupported` on an engine without
        BuildKit (Podman, BuildKit turned off), before anything is sent.
        """
        from .build.request import PreparedBuild

        prepared = PreparedBuild.of(
            path=path,
            fileobj=fileobj,
            custom_context=custom_context,
            remote=remote,
            tag=tag,
            dockerfile=dockerfile,
            buildargs=buildargs,
            target=target,
            labels=labels,
            network_mode=network_mode,
            pull=pull,
            nocache=nocache,
            rm=rm,
            forcerm=forcerm,
            quiet=quiet,
            cache_from=cache_from,
            extra_hosts=extra_hosts,
            platform=platform,
            shm_size=shm_size,
            container_limits=container_limits,
            squash=squash,
            isolation=isolation,
            encoding=encoding,
            gzip=gzip,
            version=version,
            secrets=secrets,
            ssh=ssh,
            auth_config=auth_config,
            outputs=outputs,
            context_transfer=context_transfer,
            use_config_proxy=use_config_proxy,
        )
        return prepared.stream(self._docker, self.get)


def _header_from(auth_config: Mapping[str, str]) -> str:
    from .auth import AuthConfig

    return AuthConfig.from_mapping(auth_config).header()
