"""Shared event subscriptions against a fake daemon: one connection, every subscriber
served, errors reach them all, the last one out closes the connection."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from aiodock import Docker, DockerConnectionError, Event
from aiodock.events import SharedEventStream

from .test_transport_faults import HEAD_CHUNKED, Handler, chunk, fake_daemon

__all__ = ["fake_daemon"]  # the fixture, imported for these tests


PING = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK"


def event(n: int) -> bytes:
    data = {"Type": "container", "Action": "create", "Actor": {"ID": f"c{n}"}, "timeNano": n}
    return json.dumps(data).encode() + b"\n"


class Daemon:
    """Counts the event subscriptions it serves; sends what ``send`` is given to each."""

    def __init__(self) -> None:
        self.connections = 0
        self.closed = 0
        self.outgoing: list[asyncio.Queue[bytes | None]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (await reader.readuntil(b"\r\n\r\n")).split(b" ")[1].startswith(b"/_ping"):
                writer.write(PING)  # what the client asks first, on a connection of the pool
                await writer.drain()
        except asyncio.IncompleteReadError:
            return  # the pool's connection, closed with the client
        self.connections += 1
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.outgoing.append(queue)
        writer.write(HEAD_CHUNKED)
        await writer.drain()
        waiting = asyncio.ensure_future(reader.read())  # b"" once the client closes
        try:
            while True:
                getting = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getting, waiting}, return_when="FIRST_COMPLETED")
                if waiting in done:
                    getting.cancel()
                    return
                data = getting.result()
                if data is None:  # drop the connection
                    writer.transport.abort()
                    return
                writer.write(chunk(data))
                await writer.drain()
        finally:
            self.closed += 1

    def send(self, data: bytes | None) -> None:
        for queue in self.outgoing:
            queue.put_nowait(data)


async def test_many_subscribers_one_connection_every_event_to_each(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    daemon = Daemon()
    docker = await fake_daemon(daemon.handle)
    streams = [docker.events(shared=True) for _ in range(50)]
    await asyncio.gather(*(s.open() for s in streams))
    assert daemon.connections == 1
    daemon.send(event(1) + event(2))
    daemon.send(event(3))
    got = []
    for stream in streams:
        got.append([(await stream.__anext__()).actor.id for _ in range(3)])
    assert got == [["c1", "c2", "c3"]] * 50
    for stream in streams[:-1]:
        await stream.close()
    await asyncio.sleep(0.05)
    assert daemon.closed == 0  # one subscriber is left
    await streams[-1].close()
    for _ in range(100):
        if daemon.closed:
            break
        await asyncio.sleep(0.01)
    assert daemon.closed == 1
    # A new subscriber after that opens a new subscription.
    again = docker.events(shared=True)
    await again.open()
    assert daemon.connections == 2
    await again.close()


async def test_a_dropped_subscription_is_every_subscriber_s_error(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    daemon = Daemon()
    docker = await fake_daemon(daemon.handle)
    streams = [docker.events(shared=True) for _ in range(3)]
    await asyncio.gather(*(s.open() for s in streams))
    daemon.send(event(1))
    daemon.send(None)
    for stream in streams:
        assert (await stream.__anext__()).actor.id == "c1"  # what came before the error
        with pytest.raises(DockerConnectionError):
            await asyncio.wait_for(stream.__anext__(), 2)
        with pytest.raises(StopAsyncIteration):  # raised once, then the stream is over
            await stream.__anext__()
    assert not docker._event_hubs


async def test_a_subscriber_that_does_not_read_does_not_hold_up_the_others(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    daemon = Daemon()
    docker = await fake_daemon(daemon.handle)
    idle, busy = docker.events(shared=True), docker.events(shared=True)
    await idle.open()
    await busy.open()
    for n in range(200):
        daemon.send(event(n))
    ids = [(await asyncio.wait_for(busy.__anext__(), 2)).actor.id for _ in range(200)]
    assert ids == [f"c{n}" for n in range(200)]
    later = [e.actor.id async for e in _take(idle, 200)]  # all kept, in order
    assert later == ids
    await idle.close()
    await busy.close()


async def test_cancelling_a_subscriber_leaves_the_others_subscribed(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    daemon = Daemon()
    docker = await fake_daemon(daemon.handle)
    first, second = docker.events(shared=True), docker.events(shared=True)
    await first.open()
    await second.open()
    waiting = asyncio.ensure_future(first.__anext__())
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    daemon.send(event(7))
    assert (await asyncio.wait_for(second.__anext__(), 2)).actor.id == "c7"
    assert daemon.connections == 1 and daemon.closed == 0
    await second.close()


async def _take(stream: SharedEventStream, n: int) -> AsyncIterator[Event]:
    for _ in range(n):
        yield await asyncio.wait_for(stream.__anext__(), 2)


async def test_a_subscriber_dropped_without_closing_leaves(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    daemon = Daemon()
    docker = await fake_daemon(daemon.handle)
    dropped = docker.events(shared=True)
    await dropped.open()
    daemon.send(event(1))  # undelivered: it must not keep the subscriber alive
    await asyncio.sleep(0.05)
    del dropped
    gc.collect()
    for _ in range(100):
        if daemon.closed:
            break
        await asyncio.sleep(0.01)
    assert daemon.closed == 1 and not docker._event_hubs
