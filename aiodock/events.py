"""The daemon's event stream, decoded into :class:`Event` objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import aiohttp

from .streams import JSONStream

if TYPE_CHECKING:
    from .client import Docker


@dataclass(frozen=True)
class Actor:
    """The object an event is about: its id and attributes (name, image, labels, ...)."""

    id: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """One daemon event. ``time_nano`` is nanoseconds since the epoch."""

    type: str
    action: str
    actor: Actor
    scope: str
    time_nano: int
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def time(self) -> datetime:
        """When it happened (UTC, microsecond precision)."""
        return datetime.fromtimestamp(self.time_nano / 1e9, tz=timezone.utc)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        actor = data.get("Actor") or {}
        time_nano = data.get("timeNano")
        if not isinstance(time_nano, int):
            time_nano = int(data.get("time") or 0) * 1_000_000_000
        return cls(
            type=str(data.get("Type") or ""),
            action=str(data.get("Action") or data.get("status") or ""),
            actor=Actor(
                id=str(actor.get("ID") or data.get("id") or ""),
                attributes=dict(actor.get("Attributes") or {}),
            ),
            scope=str(data.get("scope") or ""),
            time_nano=time_nano,
            raw=data,
        )


class EventStream(JSONStream[Any]):
    """``docker.events(...)``: yields :class:`Event` (or raw dicts with ``decode=False``)."""

    def __init__(
        self,
        docker: Docker,
        *,
        since: str | None,
        until: str | None,
        filters: str | None,
        decode: bool,
        reconnect: bool,
    ) -> None:
        self._params = {"since": since, "until": until, "filters": filters}
        self.reconnect = reconnect

        async def opener() -> aiohttp.ClientResponse:
            return await docker._request("GET", "/events", params=self._params, stream=True)

        super().__init__(docker, opener, "GET /events", Event.from_dict if decode else None)
