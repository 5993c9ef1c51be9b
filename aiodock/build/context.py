"""Build contexts: a directory tarred and streamed the way the docker CLI sends it.

The tar is produced incrementally in a worker thread (file reads and compression are
blocking work) and handed to the request body a chunk at a time, so memory stays bounded
by the chunk size whatever the size of the context.

What is sent follows the docker CLI: ``.dockerignore`` patterns decide (see
:mod:`aiodock.build.dockerignore`), the Dockerfile and ``.dockerignore`` are sent even when a
pattern excludes them, owners are root, and a Dockerfile outside the context travels in
the tar under a generated name.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import stat
import tarfile
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final

from ..errors import InvalidArgument
from .dockerignore import PatternMatcher, read_dockerignore

__all__ = [
    "CHUNK_SIZE",
    "BuildContext",
    "dockerfile_context",
    "iter_file",
    "prepare_context",
    "tar_chunks",
    "write_tar",
]

CHUNK_SIZE: Final = 256 * 1024
"""Size of the chunks the context is sent in (and of file reads)."""

_BLOCK: Final = tarfile.BLOCKSIZE
_RECORD: Final = tarfile.RECORDSIZE


@dataclass(frozen=True)
class BuildContext:
    """A directory to send: its root, the ignore rules, and where the Dockerfile is."""

    root: str
    matcher: PatternMatcher
    dockerfile: str | None
    """The ``dockerfile`` parameter to send (a path inside the tar), ``None`` for the
    default ``Dockerfile``."""
    extra_dockerfile: tuple[str, bytes] | None = None
    """A Dockerfile from outside the context: its name in the tar and its content."""

    def entries(self) -> Iterator[tuple[str, str]]:
        """``(path in the tar, path on disk)`` of everything sent, in walk order."""
        yield from _walk(self.root, "", self.matcher)


def prepare_context(
    path: str | os.PathLike[str], dockerfile: str | os.PathLike[str] | None = None
) -> BuildContext:
    """Check a context directory and work out its ignore rules and Dockerfile.

    ``dockerfile`` is relative to the context or absolute; one outside the context is
    read now and added to the tar under a generated name.
    """
    root = os.path.abspath(os.fspath(path))
    if not os.path.isdir(root):
        raise InvalidArgument(f"path: {os.fspath(path)!r} is not a directory")
    patterns = read_dockerignore(root)
    extra: tuple[str, bytes] | None = None
    rel_dockerfile = "Dockerfile"
    param: str | None = None
    if dockerfile is not None:
        given = os.fspath(dockerfile)
        full = given if os.path.isabs(given) else os.path.join(root, given)
        full = os.path.abspath(full)
        if os.path.commonpath([root, full]) == root:
            rel_dockerfile = os.path.relpath(full, root).replace(os.sep, "/")
            param = rel_dockerfile
        else:
            try:
                with open(full, "rb") as fh:
                    content = fh.read()
            except OSError as exc:
                raise InvalidArgument(
                    f"dockerfile: cannot read {given!r}: {exc.strerror or exc}"
                ) from None
            name = f".dockerfile.{secrets.token_hex(10)}"
            extra = (name, content)
            param = name
    matcher = PatternMatcher(patterns)
    if matcher:
        # The CLI sends these two even when ignored: the builder needs them.
        if matcher.matches(".dockerignore"):
            patterns.append("!.dockerignore")
        if extra is None and matcher.matches(rel_dockerfile):
            patterns.append("!" + rel_dockerfile)
        matcher = PatternMatcher(patterns)
    return BuildContext(root, matcher, param, extra)


def _walk(directory: str, prefix: str, matcher: PatternMatcher) -> Iterator[tuple[str, str]]:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        raise InvalidArgument(
            f"build context: cannot read {directory!r}: {exc.strerror or exc}"
        ) from None
    for entry in entries:
        rel = prefix + entry.name
        is_dir = entry.is_dir(follow_symlinks=False)
        if matcher and matcher.matches(rel):
            if is_dir and matcher.must_walk(rel):
                yield from _walk(entry.path, rel + "/", matcher)
            continue
        yield rel, entry.path
        if is_dir:
            yield from _walk(entry.path, rel + "/", matcher)


def _header(name: str, st: os.stat_result, linkname: str = "") -> tarfile.TarInfo | None:
    info = tarfile.TarInfo(name)
    mode = st.st_mode
    if linkname:
        info.type = tarfile.LNKTYPE
        info.linkname = linkname
    elif stat.S_ISREG(mode):
        info.type = tarfile.REGTYPE
        info.size = st.st_size
    elif stat.S_ISDIR(mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(mode):
        return None  # filled by the caller, which knows the path
    elif stat.S_ISFIFO(mode):
        info.type = tarfile.FIFOTYPE
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        info.type = tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
        info.devmajor = os.major(st.st_rdev)
        info.devminor = os.minor(st.st_rdev)
    else:
        return None  # sockets and the like are not archived
    info.mode = stat.S_IMODE(mode)
    info.mtime = int(st.st_mtime)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _encode(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _tar_pieces(context: BuildContext) -> Generator[bytes, None, None]:
    """The tar of a context as a sequence of byte strings (headers, file data, padding)."""
    links: dict[tuple[int, int], str] = {}
    for name, full in context.entries():
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            continue  # removed while we walked
        if stat.S_ISLNK(st.st_mode):
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = os.readlink(full)
            info.mode = 0o777
            info.mtime = int(st.st_mtime)
            yield _encode(info)
            continue
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            first = links.get(key)
            if first is not None:
                hard = _header(name, st, linkname=first)
                if hard is not None:
                    yield _encode(hard)
                continue
            links[key] = name
        info_or_none = _header(name, st)
        if info_or_none is None:
            continue
        if info_or_none.type != tarfile.REGTYPE:
            yield _encode(info_or_none)
            continue
        yield from _file_pieces(info_or_none, full)
    if context.extra_dockerfile is not None:
        name, content = context.extra_dockerfile
        info = tarfile.TarInfo(name)
        info.size = len(content)
        info.mode = 0o600
        yield _encode(info)
        yield content
        if len(content) % _BLOCK:
            yield bytes(_BLOCK - len(content) % _BLOCK)


def _file_pieces(info: tarfile.TarInfo, full: str) -> Generator[bytes, None, None]:
    try:
        fh = open(full, "rb")
    except OSError as exc:
        raise InvalidArgument(
            f"build context: cannot read {info.name!r}: {exc.strerror or exc}"
        ) from None
    with fh:
        yield _encode(info)
        remaining = info.size
        while remaining > 0:
            data = fh.read(min(CHUNK_SIZE, remaining))
            if not data:
                # The file shrank while we read it: pad, as the header promised its size.
                yield bytes(remaining)
                break
            remaining -= len(data)
            yield data
        if info.size % _BLOCK:
            yield bytes(_BLOCK - info.size % _BLOCK)


def _coalesce(pieces: Iterator[bytes], *, gzip: bool) -> Generator[bytes, None, None]:
    """Group pieces into chunks of about :data:`CHUNK_SIZE` (gzip-compressed if asked),
    ending the tar with its two zero blocks and record padding."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None
    buf = bytearray()
    total = 0

    def out(data: bytes) -> bytes:
        return compressor.compress(data) if compressor is not None else data

    for piece in pieces:
        total += len(piece)
        if len(piece) >= CHUNK_SIZE and not buf:
            chunk = out(piece)
            if chunk:
                yield chunk
            continue
        buf += piece
        if len(buf) >= CHUNK_SIZE:
            chunk = out(bytes(buf))
            buf.clear()
            if chunk:
                yield chunk
    end = 2 * _BLOCK
    total += end
    end += -total % _RECORD
    buf += bytes(end)
    tail = out(bytes(buf))
    if compressor is not None:
        tail += compressor.flush()
    if tail:
        yield tail


async def _threaded(gen: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """Run a blocking generator in a worker thread, one item at a time."""
    loop = asyncio.get_running_loop()
    pending: asyncio.Future[bytes | None] | None = None
    try:
        while True:
            pending = loop.run_in_executor(None, next, gen, None)
            item = await pending
            pending = None
            if item is None:
                return
            yield item
    finally:
        if pending is not None and not pending.done():
            # The worker is still inside the generator: close it when it comes back.
            pending.add_done_callback(lambda _: gen.close())
        else:
            gen.close()


def tar_chunks(context: BuildContext, *, gzip: bool = False) -> AsyncIterator[bytes]:
    """The context's tar as an async iterator of chunks, produced as it is consumed."""
    return _threaded(_coalesce(_tar_pieces(context), gzip=gzip))


def write_tar(context: BuildContext, fileobj: IO[bytes], *, gzip: bool = False) -> None:
    """Write the context's tar into ``fileobj`` (blocking: for synchronous callers)."""
    for chunk in _coalesce(_tar_pieces(context), gzip=gzip):
        fileobj.write(chunk)


def dockerfile_context(dockerfile: str | bytes | IO[Any]) -> bytes:
    """A tar holding only ``Dockerfile`` (a build from a ``fileobj``)."""
    if isinstance(dockerfile, str):
        content = dockerfile.encode("utf-8")
    elif isinstance(dockerfile, (bytes, bytearray, memoryview)):
        content = bytes(dockerfile)
    elif hasattr(dockerfile, "read"):
        data = dockerfile.read()
        content = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    else:
        raise InvalidArgument(
            f"fileobj must be a file, str or bytes, not {type(dockerfile).__name__}"
        )
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(content)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _read_chunks(fh: IO[bytes], close: bool) -> Generator[bytes, None, None]:
    try:
        while True:
            data = fh.read(CHUNK_SIZE)
            if not data:
                return
            if isinstance(data, str):
                raise InvalidArgument("expected a binary file, got a text one")
            yield bytes(data)
    finally:
        if close:
            fh.close()


async def _slices(data: bytes) -> AsyncIterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), CHUNK_SIZE):
        yield bytes(view[start : start + CHUNK_SIZE])


def iter_file(
    source: bytes
    | bytearray
    | memoryview
    | str
    | os.PathLike[str]
    | IO[bytes]
    | AsyncIterable[bytes],
    *,
    name: str,
) -> bytes | AsyncIterable[bytes]:
    """A request body from bytes (sliced when large), a path or binary file (read in a
    worker thread, chunk by chunk) or an async iterable of bytes (as is)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        # Large bodies go in chunks: aiohttp sends them without a copy or a warning.
        return data if len(data) <= CHUNK_SIZE else _slices(data)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            fh = open(path, "rb")
        except OSError as exc:
            raise InvalidArgument(f"{name}: cannot open {path!r}: {exc.strerror or exc}") from None
        return _threaded(_read_chunks(fh, close=True))
    if hasattr(source, "__aiter__"):
        return source
    if hasattr(source, "read"):
        return _threaded(_read_chunks(source, close=False))
    raise InvalidArgument(
        f"{name}: expected bytes, a path, a binary file or an async iterable of bytes, "
        f"not {type(source).__name__}"
    )
