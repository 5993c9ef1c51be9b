"""``containers.run()``: creating (pulling the image when the daemon lacks it), attaching
before the start, and :class:`RunOutput`, the live output that waits for the exit status,
raises :class:`~aiodock.errors.ContainerError` on failure and removes the container when
asked."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .container_config import CreateRequest, _boolean, create_body
from .decoders import Frame, StreamType
from .errors import (
    APIError,
    ContainerError,
    DockerError,
    ImageNotFound,
    InvalidArgument,
    NotFound,
)
from .process import attach_request
from .reference import split_tag
from .streams import FrameStream, Opener
from .transport import ByteSource

if TYPE_CHECKING:
    from .containers import Container, ContainerManager

__all__ = ["RunOutput", "run_container"]


class RunOutput(FrameStream):
    """Output of ``containers.run(..., stream=True)``, live while the container runs.

    Yields :class:`Frame` objects of the streams asked for (``stdout``/``stderr``), with
    ``read()``, ``demux()`` and ``lines()``. When the output ends it waits for the exit
    status, removes the container if ``remove=True``, and raises :class:`ContainerError`
    on a non-zero exit. Closing it early (leaving ``async with``) removes the container
    too when ``remove=True``.
    """

    def __init__(
        self,
        container: Container,
        opener: Opener,
        *,
        tty: bool,
        stdout: bool,
        stderr: bool,
        remove: bool,
        command: Any,
        image: str,
    ) -> None:
        super().__init__(container.docker, opener, tty=tty, what=f"run {image}")
        self.container = container
        self.exit_status: int | None = None
        self._wanted = {StreamType.STDOUT} if stdout else set()
        if stderr:
            self._wanted.add(StreamType.STDERR)
        self._remove = remove
        self._command = command
        self._image = image
        self._stderr: list[bytes] = []
        self._output_tail: list[bytes] = []
        self._settled = False

    def _convert(self, items: list[Any]) -> list[Frame]:
        frames = super()._convert(items)
        if self.tty:
            self._output_tail.extend(frame.data for frame in frames)
            if len(self._output_tail) > 256:
                del self._output_tail[:-256]
        else:
            self._stderr.extend(f.data for f in frames if f.stream is StreamType.STDERR)
        wanted = self._wanted
        if len(wanted) == 2:
            return frames
        return [frame for frame in frames if frame.stream in wanted]

    async def _fill(self) -> bool:
        while await super()._fill():
            if self._items:
                return True
        await self._settle()
        return False

    async def _settle(self) -> None:
        if self._settled:
            return
        self._settled = True
        try:
            result = await self.container.wait()
            self.exit_status = int(result.get("StatusCode", -1))
        finally:
            if self._remove:
                await _remove_quietly(self.container)
        if self.exit_status != 0:
            err = b"".join(self._output_tail if self.tty else self._stderr)
            raise ContainerError(self.container, self.exit_status, self._command, self._image, err)

    async def close(self) -> None:
        """Stop reading; with ``remove=True`` the container is removed (killed if running)."""
        await super().close()
        if not self._settled:
            self._settled = True
            if self._remove:
                await _remove_quietly(self.container)


async def _remove_quietly(container: Container) -> None:
    """Force-remove, surviving a second cancellation and a container already gone."""

    async def remove() -> None:
        try:
            await container.remove(force=True)
        except NotFound:
            pass
        except DockerError as exc:
            if "already in progress" not in str(exc):
                raise

    await asyncio.shield(asyncio.ensure_future(remove()))


def _attach_output(container: Container) -> Opener:
    """An opener of a read-only attach (stdout and stderr), without hijacking."""
    path, params = attach_request(
        container.id, stdin=False, stdout=True, stderr=True, logs=False, stream=True
    )

    async def open_response() -> ByteSource:
        return await container.docker.transport.request("POST", path, params=params, stream=True)

    return open_response


async def _create_pulling(containers: ContainerManager, request: CreateRequest) -> Container:
    """Create the container, pulling its image first when the daemon does not have it."""
    try:
        return await containers._create(request)
    except ImageNotFound:
        pull = getattr(containers.docker.images, "pull", None)
        if pull is None:
            raise
    image = request.body["Image"]
    repository, tag = split_tag(image)
    try:
        await pull(repository, tag=tag or "latest", platform=request.platform)
    except APIError as exc:
        raise ImageNotFound(
            exc.status,
            f"image {image!r} is not present locally and pulling it failed: {exc.message}",
            method=exc.method,
            path=exc.path,
            body=exc.body,
        ) from exc
    return await containers._create(request)


async def run_container(
    containers: ContainerManager,
    image: str,
    command: str | Sequence[str] | None,
    *,
    detach: bool,
    stream: bool,
    stdout: bool,
    stderr: bool,
    remove: bool,
    **kwargs: Any,
) -> Container | RunOutput | bytes:
    """What :meth:`~aiodock.containers.ContainerManager.run` does: create (pulling the image
    if needed) and start; then the container with ``detach``, the live :class:`RunOutput`
    with ``stream``, else all of the output once the container has exited."""
    for flag, value in (
        ("detach", detach),
        ("stream", stream),
        ("stdout", stdout),
        ("stderr", stderr),
        ("remove", remove),
    ):
        _boolean(value, flag)
    if detach and stream:
        raise InvalidArgument("detach and stream cannot be used together")
    if detach and remove:
        kwargs["auto_remove"] = True
    request = create_body(image, command, **kwargs)
    container = await _create_pulling(containers, request)
    if detach:
        await container.start()
        await container.reload()
        return container
    output = RunOutput(
        container,
        _attach_output(container),
        tty=request.tty,
        stdout=stdout,
        stderr=stderr,
        remove=remove,
        command=command,
        image=image,
    )
    try:
        await output.open()
        await container.start()
    except BaseException:
        await output.close()
        raise
    if stream:
        return output
    try:
        return await output.read()
    finally:
        await output.close()
