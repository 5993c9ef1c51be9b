"""Events against the real daemon: typed events, filters, since/until, and a reconnecting
watcher that survives a dropped connection without delivering anything twice."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from datetime import datetime, timezone
from typing import Any

import pytest

from aiodock import Docker, DockerConnectionError, DockerError, Event, InvalidArgument
from aiodock.events import EventStream, SharedEventStream
from aiodock.transport.connection import ConnectionBody

from ..conftest import open_fds


@pytest.fixture
async def make_container(
    docker: Docker, labels: dict[str, str], test_image: str
) -> AsyncIterator[Callable[..., Any]]:
    """Create (not start) labelled containers; all are removed after the test."""
    made: list[str] = []

    async def make(**extra_labels: str) -> str:
        created = await docker.transport.json(
            "POST",
            "/containers/create",
            json={"Image": test_image, "Cmd": ["true"], "Labels": {**labels, **extra_labels}},
        )
        made.append(created["Id"])
        return str(created["Id"])

    yield make
    for ident in made:
        with suppress(DockerError):
            await docker.transport.call("DELETE", f"/containers/{ident}", params={"force": True})


async def _until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``condition`` until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def _watch(stream: EventStream | SharedEventStream, seen: list[Any]) -> asyncio.Task[None]:
    async def consume() -> None:
        async for event in stream:
            seen.append(event)

    return asyncio.create_task(consume())


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_typed_events_of_a_container(
    docker: Docker, make_container: Callable[..., Any]
) -> None:
    mark = uuid.uuid4().hex
    since = time.time()
    ident = await make_container(**{"adk.mark": mark})
    await docker.transport.call("DELETE", f"/containers/{ident}")
    seen: list[Event] = []
    async with docker.events(
        since=since, until=time.time() + 0.5, filters={"label": f"adk.mark={mark}"}
    ) as events:
        async for event in events:
            seen.append(event)
    assert [e.action for e in seen] == ["create", "destroy"]
    create = seen[0]
    assert create.type == "container" and create.scope == "local"
    assert create.actor.id == ident
    assert create.actor.attributes["adk.mark"] == mark
    assert create.actor.attributes["image"]
    assert since * 1e9 <= create.time_nano <= seen[1].time_nano
    assert isinstance(create.time, datetime) and create.time.tzinfo is timezone.utc
    assert abs(create.time.timestamp() - create.time_nano / 1e9) < 1e-5
    assert create.raw["Actor"]["ID"] == ident


async def test_filtered_watcher_sees_only_matching_events(
    docker: Docker, labels: dict[str, str], make_container: Callable[..., Any]
) -> None:
    mark, other = uuid.uuid4().hex, uuid.uuid4().hex
    seen: list[Event] = []
    stream = docker.events(
        filters={"type": "container", "event": ["create", "destroy"], "label": f"adk.mark={mark}"}
    )
    await stream.open()
    task = _watch(stream, seen)
    try:
        unwanted = await make_container(**{"adk.mark": other})
        wanted = await make_container(**{"adk.mark": mark})
        network = await docker.networks.create(
            f"adk-ev-{mark[:10]}", labels={**labels, "adk.mark": mark}
        )
        await network.remove()
        await docker.transport.call("DELETE", f"/containers/{unwanted}")
        await docker.transport.call("DELETE", f"/containers/{wanted}")
        await _until(lambda: any(e.action == "destroy" for e in seen))
    finally:
        await _stop(task)
    assert [(e.type, e.action, e.actor.id) for e in seen] == [
        ("container", "create", wanted),
        ("container", "destroy", wanted),
    ]


async def test_undecoded_events_are_dicts(
    docker: Docker, make_container: Callable[..., Any]
) -> None:
    mark = uuid.uuid4().hex
    since = time.time()
    ident = await make_container(**{"adk.mark": mark})
    async with docker.events(
        since=since, until=time.time() + 0.2, filters={"container": ident}, decode=False
    ) as events:
        items = [item async for item in events]
    assert items and all(isinstance(item, dict) for item in items)
    assert items[0]["Action"] == "create" and items[0]["Actor"]["ID"] == ident


async def test_reconnect_after_dropped_connection_delivers_each_event_once(
    docker: Docker, make_container: Callable[..., Any]
) -> None:
    mark = uuid.uuid4().hex
    seen: list[Event] = []
    stream = docker.events(filters={"label": f"adk.mark={mark}", "event": "create"}, reconnect=True)
    task = _watch(stream, seen)
    try:
        before = [await make_container(**{"adk.mark": mark}) for _ in range(3)]
        await _until(lambda: len(seen) == 3)
        resp = stream._resp
        assert isinstance(resp, ConnectionBody)  # events come on a connection of our own
        transport = resp._conn._protocol.transport
        assert transport is not None
        transport.abort()  # the connection drops under the watcher
        # Created while the watcher notices the drop and reconnects: replayed from `since`.
        after = [await make_container(**{"adk.mark": mark}) for _ in range(2)]
        await _until(lambda: stream.reconnects == 1 and len(seen) >= 5)
        marker = await make_container(**{"adk.mark": mark})
        await _until(lambda: seen[-1].actor.id == marker)
    finally:
        await _stop(task)
    # The replay covered the three events seen before the drop: none is repeated.
    assert [e.actor.id for e in seen] == [*before, *after, marker]
    assert isinstance(stream.last_error, DockerConnectionError)
    assert stream._resp is None


async def test_reconnect_keeps_trying_while_daemon_is_away_and_stops_on_cancel() -> None:
    async with Docker("unix:///tmp/adk-no-daemon.sock") as docker:
        stream = docker.events(reconnect=True)
        stream.backoff_initial = 0.01
        stream.backoff_max = 0.04
        async with stream:  # no daemon: not an error with reconnect=True
            assert stream.failures == 1
            seen: list[Any] = []
            task = _watch(stream, seen)
            started = time.monotonic()
            await _until(lambda: stream.failures >= 8)
            # 0.01 + 0.02 + 0.04 * 5 at most, had the delay not been capped it would be 1.27 s
            assert time.monotonic() - started < 1.0
            assert not task.done()
            assert isinstance(stream.last_error, DockerConnectionError)
            assert "adk-no-daemon.sock" in str(stream.last_error)
            await _stop(task)
            assert "finished" in repr(stream)  # cancelled while waiting: stopped for good
        assert seen == []


async def test_reconnect_ends_when_until_is_past(
    docker: Docker, make_container: Callable[..., Any]
) -> None:
    mark = uuid.uuid4().hex
    since = time.time()
    ident = await make_container(**{"adk.mark": mark})
    until = time.time() + 0.2
    stream = docker.events(
        since=since, until=until, filters={"label": f"adk.mark={mark}"}, reconnect=True
    )
    items = await asyncio.wait_for(_collect(stream), 10)
    assert [(e.action, e.actor.id) for e in items] == [("create", ident)]
    assert time.time() >= until and stream.reconnects == 0


async def _collect(stream: EventStream) -> list[Any]:
    return [event async for event in stream]


async def test_breaking_out_releases_the_connection(
    docker: Docker, make_container: Callable[..., Any]
) -> None:
    mark = uuid.uuid4().hex
    since = time.time()
    for _ in range(2):
        await make_container(**{"adk.mark": mark})
    fds = open_fds()
    for reconnect in (False, True):
        async with docker.events(
            since=since, filters={"label": f"adk.mark={mark}"}, reconnect=reconnect
        ) as events:
            async for _event in events:
                break
        assert events._resp is None
    assert open_fds() <= fds + 1


async def test_bad_filters_fail_locally(docker: Docker) -> None:
    with pytest.raises(InvalidArgument, match="unknown filter 'colour'"):
        docker.events(filters={"colour": "red"})
    with pytest.raises(InvalidArgument, match="filter 'type': unknown value 'contianer'"):
        docker.events(filters={"type": ["network", "contianer"]})
    with pytest.raises(InvalidArgument, match="filter 'scope'"):
        docker.events(filters={"scope": "global"})
    with pytest.raises(InvalidArgument, match="since"):
        docker.events(since="yesterday")


async def test_shared_subscribers_get_every_event_over_one_connection(
    docker: Docker, make_container: Callable[..., Any]
) -> None:
    mark = uuid.uuid4().hex
    filters = {"type": "container", "event": ["create", "destroy"], "label": f"adk.mark={mark}"}
    fds = open_fds()
    streams = [docker.events(filters=filters, shared=True) for _ in range(20)]
    await asyncio.gather(*(stream.open() for stream in streams))
    assert len(docker._event_hubs) == 1  # one daemon subscription for the twenty
    assert open_fds() <= fds + 2  # its connection, and maybe the pool's for the first ping
    seen: list[list[Any]] = [[] for _ in streams]
    tasks = [_watch(stream, into) for stream, into in zip(streams, seen, strict=True)]
    try:
        first = await make_container(**{"adk.mark": mark})
        await _until(lambda: all(len(s) == 1 for s in seen))
        late: list[Any] = []
        late_stream = docker.events(filters=filters, shared=True)
        await late_stream.open()  # joins the running subscription: later events only
        tasks.append(_watch(late_stream, late))
        second = await make_container(**{"adk.mark": mark})
        await docker.transport.call("DELETE", f"/containers/{first}")
        await _until(lambda: all(len(s) == 3 for s in seen) and len(late) == 2)
    finally:
        for task in tasks:
            await _stop(task)
    expected = [("create", first), ("create", second), ("destroy", first)]
    for events in seen:
        assert [(e.action, e.actor.id) for e in events] == expected
    assert [(e.action, e.actor.id) for e in late] == expected[1:]
    assert seen[0][0] is seen[1][0]  # decoded once, handed to all
    # The last subscriber out closes the daemon's subscription.
    assert not docker._event_hubs
    await _until(lambda: open_fds() <= fds + 1)  # the pool's connection may stay


async def test_shared_subscriptions_differ_by_filters_and_close_with_the_client(
    docker: Docker, make_container: Callable[..., Any]
) -> None:
    mark, other = uuid.uuid4().hex, uuid.uuid4().hex
    async with Docker() as client:
        mine = client.events(filters={"event": "create", "label": f"adk.mark={mark}"}, shared=True)
        theirs = client.events(filters={"label": f"adk.mark={other}"}, shared=True)
        await mine.open()
        await theirs.open()
        assert len(client._event_hubs) == 2
        ident = await make_container(**{"adk.mark": mark})
        event = await asyncio.wait_for(mine.__anext__(), 20)
        assert (event.action, event.actor.id) == ("create", ident)
    # Closing the client ends every subscriber: the streams finish, nothing hangs.
    assert [e async for e in mine] == [] and [e async for e in theirs] == []
    assert not client._event_hubs


async def test_shared_subscriptions_are_live_only(docker: Docker) -> None:
    with pytest.raises(InvalidArgument, match="since and until are not allowed"):
        docker.events(since=time.time(), shared=True)  # type: ignore[call-overload]
    with pytest.raises(InvalidArgument, match="unknown filter 'colour'"):
        docker.events(filters={"colour": "red"}, shared=True)
