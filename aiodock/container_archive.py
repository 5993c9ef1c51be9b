"""Files in and out of a container (what ``docker cp`` and ``docker export`` use): the
filesystem as a tar, a path as a tar with its stat (the ``X-Docker-Container-Path-Stat``
header), and a tar extracted into the container. :class:`~aiodock.containers.Container`'s
``export``, ``get_archive``, ``stat_archive`` and ``put_archive`` call these."""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import AsyncIterable
from typing import IO, TYPE_CHECKING, Any, Final

from .byte_stream import ByteStream
from .container_config import _fail, _string
from .errors import InvalidArgument
from .resource import path_id
from .transport import ByteSource

if TYPE_CHECKING:
    from .containers import Container

__all__ = ["export", "get_archive", "put_archive", "stat_archive"]

_PATH_STAT: Final = "X-Docker-Container-Path-Stat"


def _decode_path_stat(header: str | None) -> dict[str, Any]:
    if not header:
        return {}
    try:
        result: dict[str, Any] = json.loads(base64.b64decode(header))
    except (ValueError, binascii.Error):
        return {}
    return result


def _archive_path(container: Container) -> str:
    return f"/containers/{path_id(container.id)}/archive"


def export(container: Container) -> ByteStream:
    """The container's filesystem as a tar byte stream."""
    path = f"/containers/{path_id(container.id)}/export"

    async def opener() -> ByteSource:
        return await container.docker.transport.request("GET", path, stream=True)

    return ByteStream(container.docker, opener, f"GET {path}")


async def get_archive(container: Container, path: str) -> tuple[ByteStream, dict[str, Any]]:
    """A tar of ``path`` in the container as a byte stream, with the stat of ``path``."""
    url = _archive_path(container)
    resp = await container.docker.transport.request(
        "GET", url, params={"path": _string(path, "path")}, stream=True
    )
    stat = _decode_path_stat(resp.headers.get(_PATH_STAT))

    async def opener() -> ByteSource:
        return resp

    stream = ByteStream(container.docker, opener, f"GET {url}")
    await stream.open()
    return stream, stat


async def stat_archive(container: Container, path: str) -> dict[str, Any]:
    """The stat of ``path`` in the container, without its content."""
    resp = await container.docker.transport.request(
        "HEAD", _archive_path(container), params={"path": _string(path, "path")}
    )
    resp.release()
    return _decode_path_stat(resp.headers.get(_PATH_STAT))


async def put_archive(
    container: Container,
    path: str,
    data: bytes | bytearray | memoryview | IO[bytes] | AsyncIterable[bytes],
    *,
    no_overwrite_dir_non_dir: bool,
    copy_uidgid: bool,
) -> None:
    """Extract the tar ``data`` (bytes, a binary file, an async iterator of bytes) into the
    directory ``path`` of the container, streamed."""
    if isinstance(data, io.TextIOBase):
        raise InvalidArgument("put_archive: open the file in binary mode")
    if not isinstance(data, (bytes, bytearray, memoryview, AsyncIterable)) and not hasattr(
        data, "read"
    ):
        raise _fail("data", "bytes, a binary file or an async iterator of bytes", data)
    if isinstance(data, (bytes, bytearray, memoryview)) and len(data) > 1024 * 1024:
        data = io.BytesIO(data)  # sent in chunks; a bytes body would block the loop
    await container.docker.transport.call(
        "PUT",
        _archive_path(container),
        params={
            "path": _string(path, "path"),
            "noOverwriteDirNonDir": no_overwrite_dir_non_dir,
            "copyUIDGID": copy_uidgid,
        },
        data=data,
        headers={"Content-Type": "application/x-tar"},
        timeout=None,
    )
