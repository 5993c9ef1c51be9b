"""The daemon's event stream, decoded into :class:`Event` objects, optionally reconnecting.

With ``reconnect=True`` an :class:`EventStream` survives dropped connections and daemon
restarts: it reconnects with capped exponential backoff and asks the daemon to replay
from shortly before the last event it delivered (``since``), skipping the events it had
already delivered, so the consumer sees each event once.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from .decoders import JSONStreamDecoder
from .engine import podman_version_of
from .errors import (
    APIError,
    DockerConnectionError,
    DockerTimeoutError,
    InvalidArgument,
)
from .reference import familiar_name
from .streams import ItemStream, JSONStream
from .transport import ByteSource
from .utils import Filters, encode_filters, retrieve_exception

if TYPE_CHECKING:
    from .client import Docker

EVENT_FILTERS: Final = frozenset(
    {
        "config",
        "container",
        "daemon",
        "event",
        "image",
        "label",
        "network",
        "node",
        "plugin",
        "scope",
        "secret",
        "service",
        "type",
        "volume",
    }
)
"""Filter names ``GET /events`` accepts."""

EVENT_TYPES: Final = frozenset(
    {
        "builder",
        "config",
        "container",
        "daemon",
        "image",
        "network",
        "node",
        "plugin",
        "secret",
        "service",
        "volume",
    }
)
"""Object types that report events (values of the ``type`` filter)."""

EVENT_SCOPES: Final = frozenset({"local", "swarm"})

REPLAY_WINDOW_NS: Final = 1_000_000_000
"""On reconnecting, events are replayed from this long before the last one delivered, so
that events the daemon logged slightly out of time order are not lost; the ones already
delivered are recognised and skipped."""


def encode_event_filters(filters: Filters | None) -> str | None:
    """Validate event filters (names, ``type`` and ``scope`` values) and encode them."""
    encoded = encode_filters(filters, allowed=EVENT_FILTERS)
    if filters:
        for name, known in (("type", EVENT_TYPES), ("scope", EVENT_SCOPES)):
            value = filters.get(name)
            if value is None:
                continue
            values: Iterable[Any] = [value] if isinstance(value, (str, int, bool)) else value
            for item in values:
                if item not in known:
                    raise InvalidArgument(
                        f"filter {name!r}: unknown value {item!r}; expected one of "
                        f"{', '.join(sorted(known))}"
                    )
    return encoded


def podman_event_filters(encoded: str) -> str:
    """Encoded event filters with Podman's names of the ``event`` values added (``remove``
    beside ``destroy``, ...), so that a Docker filter matches Podman's events too."""
    filters = json.loads(encoded)
    wanted = filters.get("event") or []
    podman = {docker: own for (_, own), docker in PODMAN_ACTIONS.items()}
    filters["event"] = [*wanted, *(podman[w] for w in wanted if w in podman)]
    return json.dumps(filters, separators=(",", ":"))


def format_since(time_nano: int) -> str:
    """Nanoseconds since the epoch as the daemon's ``seconds.nanoseconds`` text."""
    seconds, nanos = divmod(time_nano, 1_000_000_000)
    return f"{seconds}.{nanos:09d}"


def parse_timestamp(text: str) -> int:
    """The daemon's ``seconds[.fraction]`` text as nanoseconds since the epoch."""
    try:
        return int(Decimal(text) * 1_000_000_000)
    except InvalidOperation:
        raise InvalidArgument(f"{text!r} is not a timestamp like 1700000000.5") from None


def backoff_delay(failures: int, initial: float, maximum: float) -> float:
    """Seconds to wait before the next attempt after ``failures`` failures in a row:
    ``0`` for none, then ``initial`` doubling each time, never above ``maximum``."""
    if failures <= 0:
        return 0.0
    return min(maximum, initial * 2.0 ** min(failures - 1, 30))


@dataclass(frozen=True)
class Actor:
    """The object an event is about: its id and attributes (name, image, labels, ...)."""

    id: str
    attributes: dict[str, str] = field(default_factory=dict)


def _time_nano(data: dict[str, Any]) -> int:
    time_nano = data.get("timeNano")
    if isinstance(time_nano, int):
        return time_nano
    return int(data.get("time") or 0) * 1_000_000_000


DOCKER_ACTIONS: dict[tuple[str, str], str] = {
    ("container", "remove"): "destroy",
    ("container", "died"): "die",
    ("image", "remove"): "delete",
}
"""Podman's event actions that Docker names otherwise, by (type, action); Docker never
sends these, so the mapping holds on every engine (``event.raw`` keeps the original)."""

PODMAN_ACTIONS: dict[tuple[str, str], str] = {
    **DOCKER_ACTIONS,
    ("network", "remove"): "destroy",
    ("volume", "remove"): "destroy",
}
"""Podman's event actions in Docker's words: :data:`DOCKER_ACTIONS` and those Docker sends
itself for something else (a swarm network's ``remove``), so mapped on Podman only."""


@dataclass(frozen=True)
class Event:
    """One daemon event. ``time_nano`` is nanoseconds since the epoch. ``action`` is
    Docker's name for it whatever the engine (:data:`DOCKER_ACTIONS`)."""

    type: str
    action: str
    actor: Actor
    scope: str
    time_nano: int
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def time(self) -> datetime:
        """When it happened (UTC, microsecond precision; ``time_nano`` has it all)."""
        return datetime.fromtimestamp(self.time_nano / 1e9, tz=timezone.utc)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        actor = data.get("Actor") or {}
        kind = str(data.get("Type") or "")
        action = str(data.get("Action") or data.get("status") or "")
        return cls(
            type=kind,
            action=DOCKER_ACTIONS.get((kind, action), action),
            actor=Actor(
                id=str(actor.get("ID") or data.get("id") or ""),
                attributes=dict(actor.get("Attributes") or {}),
            ),
            scope=str(data.get("scope") or ""),
            time_nano=_time_nano(data),
            raw=data,
        )


def podman_event(data: dict[str, Any]) -> Event:
    """:meth:`Event.from_dict` of a Podman event, its action Docker's word
    (:data:`PODMAN_ACTIONS`) and its image names as the docker CLI shows them (Podman's
    ``docker.io/library/busybox:latest`` is ``busybox:latest``)."""
    event = Event.from_dict(data)
    action = PODMAN_ACTIONS.get((event.type, str(data.get("Action") or data.get("status") or "")))
    if action is not None:
        event = replace(event, action=action)
    attributes = event.actor.attributes
    for key in ("image", "name") if event.type == "image" else ("image",):
        if key in attributes:
            attributes[key] = familiar_name(attributes[key])
    return event


def docker_event_dict(event: Event) -> dict[str, Any]:
    """An event as a dict of Docker's words: its ``raw`` data with ``Action`` (and the old
    ``status``, ``from``) and the actor's attributes as ``event`` says them (what the
    engine sent otherwise: on Docker, ``raw`` itself)."""
    data = dict(event.raw)
    sent = data.get("Action") or data.get("status")
    if "Action" in data:
        data["Action"] = event.action
    if "status" in data and data["status"] == sent:
        data["status"] = event.action
    actor = data.get("Actor")
    if isinstance(actor, dict) and isinstance(actor.get("Attributes"), dict):
        image = actor["Attributes"].get("image")
        if "from" in data and data["from"] == image and "image" in event.actor.attributes:
            data["from"] = event.actor.attributes["image"]
        data["Actor"] = {**actor, "Attributes": dict(event.actor.attributes)}
    return data


def _event_key(data: dict[str, Any], time_nano: int) -> tuple[Any, ...]:
    actor = data.get("Actor") or {}
    attributes = actor.get("Attributes") or {}
    return (
        time_nano,
        data.get("Type"),
        data.get("Action") or data.get("status"),
        actor.get("ID") or data.get("id"),
        data.get("scope"),
        tuple(sorted(attributes.items())) if isinstance(attributes, dict) else None,
    )


class EventDeduplicator:
    """Remembers the events delivered in the last ``window_ns`` before the newest one, so
    that a replay after reconnecting skips them (events sharing one ``timeNano`` included)."""

    def __init__(self, window_ns: int = REPLAY_WINDOW_NS) -> None:
        self.window_ns = window_ns
        self.latest: int | None = None
        self._recent: deque[tuple[int, tuple[Any, ...]]] = deque()
        self._keys: set[tuple[Any, ...]] = set()

    def fresh(self, items: list[Any]) -> list[Any]:
        """The items not delivered before, in order; they count as delivered from now on."""
        out: list[Any] = []
        for item in items:
            if not isinstance(item, dict):
                out.append(item)
                continue
            time_nano = _time_nano(item)
            key = _event_key(item, time_nano)
            if key in self._keys:
                continue
            self._keys.add(key)
            self._recent.append((time_nano, key))
            if self.latest is None or time_nano > self.latest:
                self.latest = time_nano
            out.append(item)
        self._forget_old()
        return out

    def _forget_old(self) -> None:
        if self.latest is None:
            return
        horizon = self.latest - self.window_ns
        recent = self._recent
        while recent and recent[0][0] < horizon:
            self._keys.discard(recent.popleft()[1])

    def resume_from(self) -> int | None:
        """Where a replay must start (nanoseconds), ``None`` before any event."""
        if self.latest is None:
            return None
        return self.latest - self.window_ns

    def __len__(self) -> int:
        return len(self._keys)


class EventStream(JSONStream[Any]):
    """``docker.events(...)``: yields :class:`Event` (or raw dicts with ``decode=False``).

    With ``reconnect=True``, a dropped connection or a daemon restart is not an error: the
    stream reconnects, first at once, then waiting ``backoff_initial`` seconds doubled after
    each failure in a row up to ``backoff_max`` (0.1 s and 2 s by default; set them on the
    stream before iterating), for as long as the daemon stays away. It resumes from the last
    event delivered and skips replayed ones. The stream ends when ``until`` has passed (the
    daemon closed it then, or cannot be reached after it), when it is closed, or when its
    task is cancelled; a 4xx answer (bad filters) still raises.
    ``reconnects`` counts re-established connections and ``last_error`` keeps the last
    connection error met while retrying.
    """

    backoff_initial: float = 0.1
    backoff_max: float = 2.0

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
        self._since = since
        self._until = until
        self._filters = filters
        self._since_ns = parse_timestamp(since) if since is not None else None
        self._until_ns = parse_timestamp(until) if until is not None else None
        self._started_ns: int | None = None
        self._cut_after_ns: int | None = None  # events after it are dropped here
        self.reconnect = reconnect
        self.reconnects = 0
        self.last_error: BaseException | None = None
        self._failures = 0
        self._connected_at = 0.0
        self._got_data = False
        self._ever_connected = False
        self._dedupe = EventDeduplicator() if reconnect else None
        super().__init__(
            docker, self._open_once, "GET /events", Event.from_dict if decode else None
        )

    @property
    def failures(self) -> int:
        """Connection attempts that failed in a row (0 while connected)."""
        return self._failures

    # --- connecting ---------------------------------------------------------------------

    def _resume_since(self) -> str | None:
        """``since`` for the next request: the user's at first, then just before the last
        event delivered (or the first connection's time when none was)."""
        resume = self._dedupe.resume_from() if self._dedupe is not None else None
        if resume is None:
            if self._since is not None or self._started_ns is None:
                return self._since
            resume = self._started_ns
        if self._since_ns is not None:
            resume = max(resume, self._since_ns)
        return format_since(resume)

    async def _open_once(self) -> ByteSource:
        if self._started_ns is None:
            self._started_ns = time.time_ns()
        filters = self._filters
        podman = podman_version_of(await self._docker.transport.engine_headers()) is not None
        if podman and filters and "event" in filters:
            filters = podman_event_filters(filters)
        params = {"since": self._resume_since(), "until": self._until, "filters": filters}
        if podman and self._until_ns is not None and time.time_ns() >= self._until_ns:
            # Podman stops reading at once when `until` has passed already, returning some
            # events or none: ask for what it has (stream=false) and cut here instead.
            params.update(until=None, stream="false")
            self._cut_after_ns = self._until_ns
        if podman and self._transform is not None:
            self._transform = podman_event
        # A connection of our own, not one of the pool's: a subscription holds it for good
        # (a thousand subscribers must not wait for the pool's hundred), and reading it
        # directly costs less per event than aiohttp's per-chunk work.
        return await self._docker.transport.open_body("GET", "/events", params=params)

    @staticmethod
    def _retryable(error: BaseException) -> bool:
        if isinstance(error, (DockerConnectionError, DockerTimeoutError)):
            return True
        return isinstance(error, APIError) and error.is_server_error

    async def _connect(self, *, once: bool = False) -> None:
        """Open the response, retrying retryable failures with backoff (one try if ``once``)."""
        while not self._finished:
            delay = backoff_delay(self._failures, self.backoff_initial, self.backoff_max)
            if delay:
                await asyncio.sleep(delay)
                if self._finished:
                    return
            try:
                resp = await self._open_once()
            except asyncio.CancelledError:
                self._finished = True
                raise
            except BaseException as exc:
                error = self._docker.transport.map_error(exc, self._what)
                if not self._retryable(error):
                    self._finished = True
                    if error is exc:
                        raise
                    raise error from exc
                self.last_error = error
                self._failures += 1
                if self._until_passed():
                    self._finished = True  # nothing more to wait for
                    return
                if once:
                    return
                continue
            if self._finished:  # closed while the request was on its way
                resp.close()
                return
            if self._ever_connected:
                self.reconnects += 1
            self._ever_connected = True
            self._resp = resp
            self._connected_at = time.monotonic()
            self._got_data = False
            return

    def _drop(self, *, release: bool) -> None:
        """Let go of a connection that ended, keeping the stream alive to reconnect."""
        resp, self._resp = self._resp, None
        if resp is not None:
            if release:
                resp.release()
            else:
                resp.close()
        self._decoder = JSONStreamDecoder()  # a value cut in half by the drop is discarded
        lived = time.monotonic() - self._connected_at
        if self._got_data or lived >= self.backoff_max:
            self._failures = 0  # a healthy connection: retry at once
        else:
            self._failures += 1  # dropped at once: back off, no busy loop

    def _until_passed(self) -> bool:
        if self._until_ns is None:
            return False
        latest = self._dedupe.latest if self._dedupe is not None else None
        return time.time_ns() >= self._until_ns or (latest is not None and latest >= self._until_ns)

    async def open(self) -> None:
        """Send the request now (it is sent on first use otherwise). With ``reconnect``, a
        daemon that does not answer is not an error here: iteration keeps trying."""
        if not self.reconnect:
            await super().open()
        elif self._resp is None and not self._finished:
            await self._connect(once=True)

    # --- reading ------------------------------------------------------------------------

    def _convert(self, items: list[Any]) -> list[Any]:
        if self._dedupe is not None:
            items = self._dedupe.fresh(items)
        if self._cut_after_ns is not None:
            cut = self._cut_after_ns
            items = [item for item in items if _time_nano(item) <= cut]
        return super()._convert(items)

    async def _fill(self) -> bool:
        if not self.reconnect:
            return await super()._fill()
        try:
            return await self._fill_reconnecting()
        except asyncio.CancelledError:
            self._finish(release=False)
            raise

    async def _fill_reconnecting(self) -> bool:
        while not self._finished:
            resp = self._resp
            if resp is None:
                await self._connect()
                continue
            try:
                chunk = await resp.read_chunk()
            except asyncio.CancelledError:
                raise
            except BaseException as exc:
                if self._finished:  # close() from another task
                    return False
                error = self._docker.transport.map_error(exc, self._what)
                if not self._retryable(error):
                    self._finish(release=False)
                    raise error from exc
                self.last_error = error
                self._drop(release=False)
                continue
            if not chunk:
                self._drop(release=True)
                if self._until_passed():
                    self._finished = True
                    return False
                continue
            self._got_data = True
            try:
                items = self._convert(self._decoder.feed(chunk))
            except BaseException:
                self._finish(release=False)
                raise
            if items:
                self._items = items
                self._index = 0
                return True
        return False


# --- shared subscriptions -----------------------------------------------------------------


class EventHub:
    """One live daemon subscription (an :class:`EventStream`) read once and handed to
    every local subscriber with the same filters: one connection and one decoding for all
    of them, however many there are. Made by ``docker.events(shared=True)``; it opens with
    its first subscriber and closes when its last one leaves."""

    def __init__(self, upstream: EventStream, forget: Callable[[EventHub], None]) -> None:
        self._upstream = upstream
        self._forget = forget
        # Weakly held: a subscriber dropped without closing is collected, and leaves.
        self.subscribers: weakref.WeakSet[SharedEventStream] = weakref.WeakSet()
        self._opening: asyncio.Future[None] | None = None
        self._pump: asyncio.Task[None] | None = None
        self.done = False

    def __repr__(self) -> str:
        state = "done" if self.done else f"{len(self.subscribers)} subscribers"
        return f"<EventHub {state}>"

    async def join(self, subscriber: SharedEventStream) -> None:
        """Add ``subscriber``; once this returns, the daemon's subscription is open and
        every later event reaches it."""
        self.subscribers.add(subscriber)
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
            self._opening.add_done_callback(retrieve_exception)
        try:
            await asyncio.shield(self._opening)  # one subscriber's cancellation is its own
        except BaseException:
            self.leave(subscriber)
            raise

    async def _open(self) -> None:
        try:
            await self._upstream.open()
        except BaseException:
            self._finish()
            raise
        if self.done or not self.subscribers:  # closed, or all left, while it opened
            self._finish()  # closes what opened meanwhile
            return
        self._pump = asyncio.ensure_future(self._deliver())

    async def _deliver(self) -> None:
        error: BaseException | None = None
        try:
            async for batch in self._upstream.batches():
                self._hand_out(batch)
        except asyncio.CancelledError:
            pass  # closed by its last subscriber or by the client
        except Exception as exc:
            error = exc
        finally:
            self._upstream._finish(release=False)
        for subscriber in tuple(self.subscribers):
            subscriber._ended(error)
        self._finish()

    def _hand_out(self, batch: list[Any]) -> None:
        # A function of its own: no subscriber stays referenced from the pump's frame.
        for subscriber in tuple(self.subscribers):
            subscriber._receive(batch)

    def leave(self, subscriber: SharedEventStream) -> None:
        """Remove ``subscriber``; the last one out closes the daemon's subscription."""
        self.subscribers.discard(subscriber)
        if not self.subscribers and self._opening is not None and self._opening.done():
            self._finish()

    def _finish(self) -> None:
        """Forget the hub and close its connection (safe to call again: an opening that
        completes after a first call is closed by the next)."""
        if not self.done:
            self.done = True
            self._forget(self)
        pump = self._pump
        if pump is None:
            self._upstream._finish(release=False)
        elif not pump.done() and pump is not asyncio.current_task():
            pump.cancel()  # it closes the upstream's connection

    async def close(self) -> None:
        """End the subscription for every subscriber (they see the stream end)."""
        pump = self._pump
        for subscriber in tuple(self.subscribers):
            subscriber._ended(None)
        self.subscribers.clear()
        self._finish()
        if pump is not None:
            await asyncio.gather(pump, return_exceptions=True)


class SharedEventStream(ItemStream[Any]):
    """A subscriber of an :class:`EventHub` (``docker.events(shared=True)``): iterated and
    closed as an :class:`EventStream` is. Subscribers of one hub are handed the same
    :class:`Event` objects (or dicts), so treat them as read-only. Each subscriber keeps the
    events it has not read yet; one that stops reading holds them in memory and does not
    slow the others. An error of the daemon's subscription ends every subscriber with it."""

    def __init__(self, hub_for: Callable[[], EventHub]) -> None:
        self._hub_for = hub_for
        self._hub: EventHub | None = None
        self._pending: deque[list[Any]] = deque()
        self._items: list[Any] = []
        self._index = 0
        self._waiter: asyncio.Future[None] | None = None
        self._over = False  # the hub ended (or this subscriber closed)
        self._error: BaseException | None = None

    def __repr__(self) -> str:
        state = "finished" if self._over else ("open" if self._hub is not None else "new")
        return f"<SharedEventStream GET /events {state}>"

    async def open(self) -> None:
        """Join the shared subscription now (on first use otherwise)."""
        if self._hub is None and not self._over:
            self._hub = self._hub_for()
            await self._hub.join(self)

    # called by the hub
    def _receive(self, batch: list[Any]) -> None:
        self._pending.append(batch)
        self._wake()

    def _ended(self, error: BaseException | None) -> None:
        self._over = True
        self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _fill(self) -> bool:
        try:
            if self._hub is None:
                await self.open()
            while not self._pending:
                if self._over:
                    error, self._error = self._error, None
                    if error is not None:
                        raise error
                    return False
                self._waiter = asyncio.get_running_loop().create_future()
                await self._waiter
        except BaseException:
            self._leave()
            raise
        self._items = self._pending.popleft()
        self._index = 0
        return True

    def _leave(self) -> None:
        self._over = True
        self._pending.clear()
        hub, self._hub = self._hub, None
        if hub is not None:
            hub.leave(self)

    def _abandon(self) -> None:
        self._leave()

    async def close(self) -> None:
        """Leave the subscription (safe to call twice)."""
        self._leave()
        self._wake()

    def __del__(self) -> None:
        if getattr(self, "_hub", None) is not None:
            try:
                self._leave()
            except RuntimeError:  # the event loop is already closed
                pass
