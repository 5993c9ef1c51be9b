"""docker-py's ``DaemonApiMixin``: the system calls, over the client's own."""

from __future__ import annotations

import json
from typing import Any

from ..events import Event, docker_event_dict
from ..utils import Filters, TimeSpec
from .base import ApiBase, MappedStream


def _json_line(event: Event) -> Any:
    """An event as the JSON line the daemon sent (re-encoded, compact)."""
    return json.dumps(event.raw, separators=(",", ":")).encode() + b"\n"


class DaemonApiMixin(ApiBase):
    """Disk usage, events, system information, registry login, ping and version."""

    async def df(self) -> dict[str, Any]:
        """Disk usage of images, containers, volumes and build cache."""
        return await self._docker.df()

    def events(
        self,
        since: TimeSpec | None = None,
        until: TimeSpec | None = None,
        filters: Filters | None = None,
        decode: bool | None = None,
    ) -> MappedStream[Event, Any]:
        """The daemon's events as an async iterator: dicts with ``decode=True`` (in Docker's
        words, as :class:`~aiodock.events.Event` has them: Podman's ``remove`` is
        ``destroy``, ...), else each event's JSON text as the daemon sent it, as bytes
        (docker-py's raw chunks). ``async with`` or ``close()`` ends it.
        ``since``/``until`` take datetimes, timestamps, durations or RFC 3339."""
        stream = self._docker.events(since=since, until=until, filters=filters, decode=True)
        return MappedStream(stream, docker_event_dict if decode else _json_line)

    async def info(self) -> dict[str, Any]:
        """System-wide information."""
        return await self._docker.info()

    async def login(
        self,
        username: str,
        password: str | None = None,
        email: str | None = None,
        registry: str | None = None,
        reauth: bool = False,
        dockercfg_path: str | None = None,
    ) -> dict[str, Any]:
        """Check registry credentials with the daemon and remember them for later pulls,
        pushes and builds; the daemon's answer."""
        return await self._docker.login(username, password, email, registry, reauth, dockercfg_path)

    async def ping(self) -> bool:
        """``True`` when the daemon answers."""
        return await self._docker.ping()

    async def version(self, api_version: bool = True) -> dict[str, Any]:
        """The daemon's version information (``api_version`` is accepted for docker-py's
        sake: the answer is the same on either path)."""
        return await self._docker.version()
