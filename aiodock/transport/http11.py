"""HTTP/1.1 as aiodock speaks it on connections of its own, without I/O (bytes in, results
out): request heads written, response heads found and parsed, bodies de-framed
(``Content-Length``, chunked, until close) and, after a ``101``, the bytes that follow the
head handed over untouched. Also the one reading of a daemon error body.

The chunked coding itself is :class:`aiodock.decoders.ChunkedDecoder` (with its C twin).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ..decoders import ChunkedDecoder
from ..errors import DockerError

__all__ = [
    "MAX_HEAD_SIZE",
    "BodyDecoder",
    "HeadParser",
    "IncompleteBody",
    "ResponseHead",
    "build_request",
    "error_message",
    "find_head_end",
    "parse_response_head",
]

MAX_HEAD_SIZE = 64 * 1024
"""Longest response head accepted."""

_SET_BY_US = frozenset({"host", "connection", "upgrade", "content-length", "content-type"})


class IncompleteBody(DockerError):
    """The connection ended before the body its head announced."""


class ResponseHead(NamedTuple):
    """The status line and headers of the daemon's answer (header names lower-cased,
    repeated headers joined with ``", "``)."""

    version: str
    status: int
    reason: str
    headers: dict[str, str]


def build_request(
    method: str,
    target: str,
    *,
    host: str,
    headers: Mapping[str, str],
    body: bytes = b"",
    content_type: str | None = None,
    upgrade: bool = True,
    upgrade_to: str = "tcp",
    extra_headers: Iterable[tuple[str, str]] = (),
) -> bytes:
    """The bytes of a request: asking to upgrade to ``upgrade_to``, or with
    ``upgrade=False`` a plain request on a connection closed after the answer.
    ``extra_headers`` follow ``headers`` and a name may repeat there."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    for name, value in [*headers.items(), *extra_headers]:
        if name.lower() in _SET_BY_US:
            continue
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise DockerError(f"header {name!r} contains a line break")
        lines.append(f"{name}: {value}")
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body)}")
    if upgrade:
        lines += ["Connection: Upgrade", f"Upgrade: {upgrade_to}"]
    else:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def find_head_end(data: bytes | bytearray) -> int:
    """Offset just past the blank line ending the head, or ``-1`` while it is incomplete
    (bare LF line ends are tolerated)."""
    end = data.find(b"\r\n\r\n")
    if end >= 0:
        return end + 4
    end = data.find(b"\n\n")
    return end + 2 if end >= 0 else -1


def parse_response_head(data: bytes | bytearray) -> ResponseHead:
    """Parse ``HTTP/1.1 101 UPGRADED\\r\\nName: value\\r\\n...`` (the blank line at the end
    is optional). Raises :class:`DockerError` on anything else."""
    lines = bytes(data).decode("latin-1").replace("\r\n", "\n").split("\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise DockerError(f"malformed response status line from the daemon: {status_line[:200]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise DockerError(f"malformed response header from the daemon: {line[:200]!r}")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return ResponseHead(parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", headers)


class HeadParser:
    """Collects bytes until a response head is complete: :meth:`feed` returns the
    :class:`ResponseHead` then (``None`` before), and :attr:`trailing` holds the bytes that
    came after it: the body's start, or the raw stream after an upgrade."""

    __slots__ = ("_buf", "head", "trailing")

    def __init__(self) -> None:
        self._buf = bytearray()
        self.head: ResponseHead | None = None
        self.trailing = b""

    def feed(self, data: bytes) -> ResponseHead | None:
        if self.head is not None:
            raise DockerError("the response head is complete already")
        buf = self._buf
        buf += data
        end = find_head_end(buf)
        if end < 0:
            if len(buf) > MAX_HEAD_SIZE:
                raise DockerError("the daemon's response head is too long")
            return None
        self.head = parse_response_head(buf[:end])
        self.trailing = bytes(buf[end:])
        buf.clear()
        return self.head


class BodyDecoder:
    """The body of a plain answer, as its head frames it: bytes of the connection in
    (:meth:`feed`), body bytes out; :attr:`done` once it is complete. :meth:`feed_eof`
    raises :class:`IncompleteBody` if the connection ended before that."""

    __slots__ = ("_chunked", "_left", "done")

    def __init__(self, head: ResponseHead, *, method: str = "GET") -> None:
        headers = head.headers
        self._chunked: ChunkedDecoder | None = None
        self._left: int | None = None
        self.done = False
        if method == "HEAD" or head.status in (204, 304) or 100 <= head.status < 200:
            self.done = True
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self._chunked = ChunkedDecoder()
        elif headers.get("content-length", "").isdigit():
            self._left = int(headers["content-length"])
            self.done = not self._left

    def feed(self, data: bytes) -> bytes:
        if self.done:
            return b""
        chunked = self._chunked
        if chunked is not None:
            out = chunked.feed(data)
            self.done = chunked.done
            return out
        left = self._left
        if left is None:  # until the connection closes
            return data
        out = data[:left] if len(data) > left else data
        self._left = left - len(out)
        self.done = not self._left
        return out

    def feed_eof(self) -> None:
        if self._left is None and self._chunked is None:
            self.done = True
        if not self.done:
            raise IncompleteBody("the answer ended before its last byte")


def error_message(body: bytes, reason: str) -> tuple[str, Any]:
    """The message of a daemon error answer and its parsed JSON (``None`` if not JSON):
    ``{"message": "..."}`` as the daemon sends it, else the body as text, else ``reason``."""
    message = body.decode("utf-8", "replace").strip()
    parsed: Any = None
    if body[:1] == b"{":
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
            message = parsed["message"]
    return message or reason, parsed
