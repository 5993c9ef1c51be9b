"""docker-py's ``BuildApiMixin``, awaitable: ``build`` makes its request with
:class:`~aiodock.build.request.PreparedBuild` and streams docker-py's output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any, Final

from ..build.request import PreparedBuild
from ..errors import InvalidArgument
from ._convert import JSONOutput
from .base import ApiBase

__all__ = ["BuildApiMixin"]

_REMOTE: Final = ("http://", "https://", "git://", "github.com/", "git@")


class BuildApiMixin(ApiBase):
    """Builds and the build cache."""

    def build(
        self,
        path: str | None = None,
        tag: str | None = None,
        quiet: bool = False,
        fileobj: str | bytes | IO[Any] | None = None,
        nocache: bool = False,
        rm: bool = False,
        timeout: float | None = None,
        custom_context: bool = False,
        encoding: str | None = None,
        pull: bool = False,
        forcerm: bool = False,
        dockerfile: str | None = None,
        container_limits: Mapping[str, int | str] | None = None,
        decode: bool = False,
        buildargs: Mapping[str, str] | None = None,
        gzip: bool = False,
        shmsize: int | str | None = None,
        labels: Mapping[str, str] | None = None,
        cache_from: Sequence[str] | None = None,
        target: str | None = None,
        network_mode: str | None = None,
        squash: bool | None = None,
        extra_hosts: Mapping[str, str] | Sequence[str] | None = None,
        platform: str | None = None,
        isolation: str | None = None,
        use_config_proxy: bool = True,
    ) -> JSONOutput[dict[str, Any]]:
        """Build an image with the classic builder: iterated, the output as JSON lines
        (dicts with ``decode``); awaited, as text. ``path`` is a directory (its
        ``.dockerignore`` honoured) or a remote URL; ``fileobj`` a Dockerfile, or the
        context's tar with ``custom_context``. A failed step raises
        :class:`~aiodock.errors.BuildError`. ``timeout`` is accepted: the build runs as
        long as it takes. The proxies of ``config.json`` go as build arguments unless
        ``use_config_proxy=False``.
        """
        if path is None and fileobj is None:
            raise InvalidArgument("build: either path or fileobj needs to be provided")
        if gzip and encoding is not None:
            raise InvalidArgument("build: encoding cannot be given with gzip=True")
        remote = None
        if fileobj is None and path is not None and path.startswith(_REMOTE):
            remote, path = path, None
        if fileobj is not None:
            path = None  # docker-py builds from fileobj when both are given
        prepared = PreparedBuild.of(
            path=path,
            fileobj=fileobj,
            custom_context=bool(custom_context),
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
            shm_size=shmsize,
            container_limits=container_limits,
            squash=squash,
            isolation=isolation,
            encoding=encoding,
            gzip=gzip,
            use_config_proxy=use_config_proxy,
        )
        return JSONOutput(prepared.stream(self._docker, self._docker.images.get), decode=decode)

    async def prune_builds(
        self,
        filters: Mapping[str, Any] | None = None,
        keep_storage: int | str | None = None,
        all: bool | None = None,
    ) -> dict[str, Any]:
        """Remove build cache: ``{"CachesDeleted": [...], "SpaceReclaimed": n}``."""
        return await self._docker.images.prune_builds(filters, keep_storage, bool(all))
