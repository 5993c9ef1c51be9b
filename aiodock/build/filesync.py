"""Files over a build session: BuildKit's ``fsutil`` packet stream, both ways.

BuildKit asks for the context with ``/moby.filesync.v1.FileSync/DiffCopy`` (we send) and
hands a ``local`` export back with ``/moby.filesync.v1.FileSend/DiffCopy`` (we receive).
Both carry ``fsutil.types.Packet`` messages::

    Packet { PacketType type = 1; Stat stat = 2; uint32 ID = 3; bytes data = 4; }
    PacketType: STAT = 0, REQ = 1, DATA = 2, FIN = 3, ERR = 4
    Stat { string path = 1; uint32 mode = 2; uint32 uid = 3; uint32 gid = 4; int64 size = 5;
           int64 modTime = 6; string linkname = 7; int64 devmajor = 8; int64 devminor = 9;
           map<string, bytes> xattrs = 10; }

The sender walks its tree in order (names sorted within each directory, a directory before
what is in it) and sends a STAT for each entry, then an empty STAT. The receiver asks for
the regular files it lacks with REQ packets naming a file by its index among the STATs;
the sender answers with DATA packets for that index, an empty one ending the file. When
the receiver has everything it sends FIN, and the sender answers FIN. ``mode`` is Go's
``os.FileMode`` (type bits high, permissions low), ``modTime`` nanoseconds; a hard link is
a regular file whose ``linkname`` names the first path of its inode, with size 0.

A ``tar`` export uses ``FileSend/DiffCopy`` too, as a stream of ``BytesMessage { bytes
data = 1; }`` holding the tar.
"""

from __future__ import annotations

import os
import re
import stat as _stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..errors import DockerError
from .buildkit import proto_bytes, proto_fields, proto_varint
from .context import _walk
from .dockerignore import PatternMatcher, clean_path

__all__ = [
    "PACKET_DATA",
    "PACKET_ERR",
    "PACKET_FIN",
    "PACKET_REQ",
    "PACKET_STAT",
    "Packet",
    "Stat",
    "go_mode",
    "tree_entries",
    "unix_mode",
]

PACKET_STAT, PACKET_REQ, PACKET_DATA, PACKET_FIN, PACKET_ERR = 0, 1, 2, 3, 4

# Go's os.FileMode type bits.
_GO_DIR = 1 << 31
_GO_SYMLINK = 1 << 27
_GO_DEVICE = 1 << 26
_GO_PIPE = 1 << 25
_GO_SOCKET = 1 << 24
_GO_SETUID = 1 << 23
_GO_SETGID = 1 << 22
_GO_CHARDEV = 1 << 21
_GO_STICKY = 1 << 20
_GO_TYPE = _GO_DIR | _GO_SYMLINK | _GO_DEVICE | _GO_PIPE | _GO_SOCKET | _GO_CHARDEV | (1 << 19)
_MASK64 = (1 << 64) - 1


def go_mode(st_mode: int) -> int:
    """A Unix ``st_mode`` as Go's ``os.FileMode``."""
    mode = st_mode & 0o777
    kind = _stat.S_IFMT(st_mode)
    if kind == _stat.S_IFDIR:
        mode |= _GO_DIR
    elif kind == _stat.S_IFLNK:
        mode |= _GO_SYMLINK
    elif kind == _stat.S_IFBLK:
        mode |= _GO_DEVICE
    elif kind == _stat.S_IFCHR:
        mode |= _GO_DEVICE | _GO_CHARDEV
    elif kind == _stat.S_IFIFO:
        mode |= _GO_PIPE
    elif kind == _stat.S_IFSOCK:
        mode |= _GO_SOCKET
    if st_mode & _stat.S_ISUID:
        mode |= _GO_SETUID
    if st_mode & _stat.S_ISGID:
        mode |= _GO_SETGID
    if st_mode & _stat.S_ISVTX:
        mode |= _GO_STICKY
    return mode


def unix_mode(mode: int) -> int:
    """Go's ``os.FileMode`` as a Unix ``st_mode``."""
    out = mode & 0o777
    if mode & _GO_DIR:
        out |= _stat.S_IFDIR
    elif mode & _GO_SYMLINK:
        out |= _stat.S_IFLNK
    elif mode & _GO_DEVICE:
        out |= _stat.S_IFCHR if mode & _GO_CHARDEV else _stat.S_IFBLK
    elif mode & _GO_PIPE:
        out |= _stat.S_IFIFO
    elif mode & _GO_SOCKET:
        out |= _stat.S_IFSOCK
    else:
        out |= _stat.S_IFREG
    if mode & _GO_SETUID:
        out |= _stat.S_ISUID
    if mode & _GO_SETGID:
        out |= _stat.S_ISGID
    if mode & _GO_STICKY:
        out |= _stat.S_ISVTX
    return out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass
class Stat:
    """One entry of a tree, as ``fsutil`` describes it."""

    path: str
    mode: int = 0
    uid: int = 0
    gid: int = 0
    size: int = 0
    mod_time: int = 0
    linkname: str = ""
    devmajor: int = 0
    devminor: int = 0
    xattrs: dict[str, bytes] = field(default_factory=dict)

    @property
    def is_dir(self) -> bool:
        return bool(self.mode & _GO_DIR)

    @property
    def is_regular(self) -> bool:
        """A regular file: the only kind whose data is asked for."""
        return not self.mode & _GO_TYPE

    def encode(self) -> bytes:
        out = proto_bytes(1, self.path.encode("utf-8", "surrogateescape"))
        for number, value in ((2, self.mode), (3, self.uid), (4, self.gid)):
            if value:
                out += proto_varint(number, value)
        for number, value in ((5, self.size), (6, self.mod_time)):
            if value:
                out += proto_varint(number, value & _MASK64)
        if self.linkname:
            out += proto_bytes(7, self.linkname.encode("utf-8", "surrogateescape"))
        for number, value in ((8, self.devmajor), (9, self.devminor)):
            if value:
                out += proto_varint(number, value & _MASK64)
        for key, data in sorted(self.xattrs.items()):
            entry = proto_bytes(1, key.encode()) + proto_bytes(2, data)
            out += proto_bytes(10, entry)
        return out

    @classmethod
    def decode(cls, data: bytes) -> Stat:
        found = cls("")
        for number, _wire, value in proto_fields(data):
            if number == 1:
                found.path = bytes(value).decode("utf-8", "surrogateescape")
            elif number == 2:
                found.mode = value
            elif number == 3:
                found.uid = value
            elif number == 4:
                found.gid = value
            elif number == 5:
                found.size = _signed(value)
            elif number == 6:
                found.mod_time = _signed(value)
            elif number == 7:
                found.linkname = bytes(value).decode("utf-8", "surrogateescape")
            elif number == 8:
                found.devmajor = _signed(value)
            elif number == 9:
                found.devminor = _signed(value)
            elif number == 10:
                parts = {n: bytes(v) for n, _w, v in proto_fields(value)}
                found.xattrs[parts.get(1, b"").decode()] = parts.get(2, b"")
        return found


@dataclass
class Packet:
    """One ``fsutil.types.Packet``."""

    type: int
    stat: Stat | None = None
    id: int = 0
    data: bytes = b""

    def encode(self) -> bytes:
        out = proto_varint(1, self.type) if self.type else b""
        if self.stat is not None:
            out += proto_bytes(2, self.stat.encode())
        if self.id:
            out += proto_varint(3, self.id)
        if self.data:
            out += proto_bytes(4, self.data)
        return out

    @classmethod
    def decode(cls, data: bytes) -> Packet:
        packet = cls(PACKET_STAT)
        for number, _wire, value in proto_fields(data):
            if number == 1:
                packet.type = value
            elif number == 2:
                packet.stat = Stat.decode(bytes(value))
            elif number == 3:
                packet.id = value
            elif number == 4:
                packet.data = bytes(value)
        return packet


# --- the tree we send ---------------------------------------------------------------------


def _literal(path: str) -> str:
    """A ``.dockerignore`` pattern matching exactly ``path``."""
    return re.sub(r"([*?\[\\])", r"\\\1", path)


def _stat_of(rel: str, st: os.stat_result, full: str, links: dict[tuple[int, int], str]) -> Stat:
    entry = Stat(
        rel,
        go_mode(st.st_mode),
        mod_time=st.st_mtime_ns,
    )  # owners are root, as the docker CLI sends them
    if _stat.S_ISDIR(st.st_mode):
        return entry
    entry.size = st.st_size
    if _stat.S_ISLNK(st.st_mode):
        entry.linkname = os.readlink(full)
    elif _stat.S_ISBLK(st.st_mode) or _stat.S_ISCHR(st.st_mode):
        entry.devmajor, entry.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
    elif _stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        key = (st.st_dev, st.st_ino)
        first = links.get(key)
        if first is None:
            links[key] = rel
        else:
            entry.linkname, entry.size = first, 0
    return entry


def tree_entries(
    root: str,
    excludes: PatternMatcher,
    includes: Sequence[str] = (),
    follow_paths: Sequence[str] = (),
) -> Iterator[tuple[Stat, str]]:
    """``(stat, path on disk)`` of what to send of ``root``, in ``fsutil``'s order.

    ``excludes`` are ``.dockerignore`` rules; when ``includes`` (patterns) or
    ``follow_paths`` (exact paths, a symlink's target followed) are given, only what
    they name is sent, with the directories above it.
    """
    wanted = [clean_path(p) for p in includes if clean_path(p) not in ("", ".")]
    follow: list[str] = []
    for path in follow_paths:
        rel = clean_path(path)
        if rel in ("", "."):
            continue
        follow.append(_literal(rel))
        full = os.path.join(root, rel)
        if os.path.islink(full):
            target = os.path.relpath(os.path.realpath(full), os.path.realpath(root))
            if not target.startswith(".."):
                follow.append(_literal(target.replace(os.sep, "/")))
    patterns = wanted + follow
    selecting = bool(includes or follow_paths)
    selected = PatternMatcher(patterns) if patterns else None
    sent: set[str] = set()
    links: dict[tuple[int, int], str] = {}
    for rel, full in _walk(root, "", excludes):
        if selecting:
            if selected is None or not selected.matches(rel):
                continue
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            continue  # removed while we walked
        if _stat.S_ISSOCK(st.st_mode):
            continue
        parent = rel.rpartition("/")[0]
        missing: list[str] = []
        while parent and parent not in sent:
            missing.append(parent)
            parent = parent.rpartition("/")[0]
        for directory in reversed(missing):
            sent.add(directory)
            dir_stat = os.lstat(os.path.join(root, directory))
            yield _stat_of(directory, dir_stat, os.path.join(root, directory), links), ""
        if _stat.S_ISDIR(st.st_mode):
            sent.add(rel)
        yield _stat_of(rel, st, full, links), full


# --- the tree we receive ------------------------------------------------------------------


class TreeWriter:
    """Writes a tree received as ``fsutil`` packets under ``dest`` (a ``local`` export),
    refusing paths that would leave it. Owners are ours; modes and times are the sender's.
    """

    def __init__(self, dest: str) -> None:
        self.dest = os.path.abspath(dest)
        self._kinds: dict[str, Stat] = {}
        self._open: dict[int, tuple[Stat, int]] = {}  # id -> (stat, fd)
        self._dirs: list[Stat] = []
        self._count = 0
        self.walk_done = False
        os.makedirs(self.dest, mode=0o700, exist_ok=True)  # as the docker CLI makes it

    def _target(self, path: str) -> str:
        rel = clean_path(path)
        if rel in ("", ".") or rel.startswith("../") or rel == ".." or os.path.isabs(path):
            raise DockerError(f"local export: refusing the path {path!r}")
        parent = rel.rpartition("/")[0]
        if parent and (parent not in self._kinds or not self._kinds[parent].is_dir):
            raise DockerError(f"local export: {path!r} comes before its directory")
        return os.path.join(self.dest, rel)

    def stat(self, entry: Stat | None) -> int | None:
        """Take one STAT; the id to ask data for (a regular file), else ``None``."""
        if entry is None:
            self.walk_done = True
            return None
        index = self._count
        self._count += 1
        target = self._target(entry.path)
        rel = clean_path(entry.path)
        self._kinds[rel] = entry
        if entry.is_dir:
            if os.path.lexists(target) and not os.path.isdir(target):
                os.unlink(target)
            os.makedirs(target, exist_ok=True)
            self._dirs.append(entry)
            return None
        if os.path.lexists(target) and (os.path.isdir(target) and not os.path.islink(target)):
            raise DockerError(f"local export: {entry.path!r} is a directory here")
        if os.path.lexists(target):
            os.unlink(target)
        if entry.is_regular and entry.linkname:
            os.link(self._target(entry.linkname), target)
            return None
        if entry.mode & _GO_SYMLINK:
            os.symlink(entry.linkname, target)
            os.utime(target, ns=(entry.mod_time, entry.mod_time), follow_symlinks=False)
            return None
        if not entry.is_regular:
            return None  # devices, pipes: not made by a local export here
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        self._open[index] = (entry, fd)
        return index

    def data(self, index: int, chunk: bytes) -> None:
        """Take file data (an empty chunk ends the file)."""
        try:
            entry, fd = self._open[index]
        except KeyError:
            raise DockerError(f"local export: data for an unknown file {index}") from None
        if chunk:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
            return
        del self._open[index]
        try:
            os.fchmod(fd, unix_mode(entry.mode) & 0o7777)
            os.utime(fd, ns=(entry.mod_time, entry.mod_time))
        finally:
            os.close(fd)

    @property
    def complete(self) -> bool:
        return self.walk_done and not self._open

    def finish(self) -> None:
        """Give directories their modes and times (the deepest first)."""
        for entry in reversed(self._dirs):
            target = os.path.join(self.dest, clean_path(entry.path))
            os.chmod(target, unix_mode(entry.mode) & 0o7777)
            os.utime(target, ns=(entry.mod_time, entry.mod_time))

    def close(self) -> None:
        for _entry, fd in self._open.values():
            os.close(fd)
        self._open.clear()
