"""Read pacing: when streamed reads pause, for how long, and the read that ends a pause."""

from __future__ import annotations

import asyncio
import random
import socket

import pytest

from aiodock.transport.connection import StreamProtocol
from aiodock.transport.pacing import BACK_TO_BACK, MAX_PAUSE, READ_TARGET, STREAK, ReadPacer

KiB = 1024
MS = 0.001


def stream(
    pacer: ReadPacer, rate: float, reads: int, capacity: int = 10**9, start: float = 0.0
) -> list[float]:
    """Feed ``reads`` reads of a producer writing ``rate`` bytes a second into a socket
    buffer holding ``capacity`` bytes from ``start`` on, each read taking what accumulated
    since the last (the reader's own work costs 20 us); the pauses the pacer asked for."""
    now = start
    pauses: list[float] = []
    for _ in range(reads):
        gap = 20e-6 + (pauses[-1] if pauses else 0.0)
        now += gap
        pauses.append(pacer.pause_after(now, min(capacity, max(1, int(rate * gap)))))
    return pauses


def test_reads_that_do_not_come_back_to_back_never_pause() -> None:
    pacer = ReadPacer()
    assert [pacer.pause_after(i * 2 * BACK_TO_BACK, 100) for i in range(50)] == [0.0] * 50


def test_a_stream_of_small_reads_pauses_after_the_streak_in_whole_milliseconds() -> None:
    pauses = stream(ReadPacer(), rate=50e6, reads=40)
    assert pauses[:STREAK] == [0.0] * STREAK
    assert all(p > 0 for p in pauses[STREAK:])
    assert all(p <= MAX_PAUSE and round(p / MS, 9).is_integer() for p in pauses)


def test_paced_reads_aim_at_the_target_without_passing_it() -> None:
    rate = 60e6  # 60 KB/ms: two ticks gather 120 KB, just under 128 KiB
    pauses = stream(ReadPacer(), rate=rate, reads=40)
    assert max(pauses) == pytest.approx(2 * MS)
    assert all(rate * p <= READ_TARGET for p in pauses)


def test_a_fast_producer_is_read_unpaced() -> None:
    # READ_TARGET arrives in under a millisecond: any pause would be longer than useful.
    assert stream(ReadPacer(), rate=400e6, reads=200) == [0.0] * 200


def test_a_read_of_the_target_or_more_does_not_pause() -> None:
    pacer = ReadPacer()
    for i in range(STREAK + 2):
        pacer.pause_after(i * 100e-6, 1 * KiB)
    assert pacer.pause_after((STREAK + 2) * 100e-6, READ_TARGET) == 0.0


def test_a_small_socket_buffer_keeps_pauses_at_one_millisecond() -> None:
    # Log lines: the buffer holds about 14 KiB of them, whatever the pause; after one
    # short paused read the pauses stay at a tick instead of stalling the daemon longer.
    pauses = stream(ReadPacer(), rate=50e6, reads=60, capacity=14 * KiB)
    paced = [p for p in pauses if p]
    assert paced[0] == pytest.approx(2 * MS)
    assert len(paced) > 20
    assert paced[1:] == [pytest.approx(MS)] * (len(paced) - 1)


def test_a_new_burst_forgets_the_small_buffer_of_the_last() -> None:
    pacer = ReadPacer()
    small = stream(pacer, rate=55e6, reads=30, capacity=14 * KiB)
    assert small[-1] == pytest.approx(MS)
    big = stream(pacer, rate=55e6, reads=30, start=1.0)  # later, with room to gather
    assert big[-1] == pytest.approx(2 * MS)


def test_random_reads_keep_every_pause_bounded() -> None:
    rng = random.Random(16)
    pacer = ReadPacer()
    now = 0.0
    for _ in range(20_000):
        now += rng.choice((1e-6, 50e-6, 0.5 * MS, 3 * MS))
        pause = pacer.pause_after(now, rng.choice((1, 46, 4 * KiB, 90 * KiB, 256 * KiB)))
        assert 0.0 <= pause <= MAX_PAUSE
        assert round(pause / MS, 9).is_integer()
        now += pause


# --- the end of a pause: what accumulated is read straight from the socket -------------

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"


async def paused_connection() -> tuple[StreamProtocol, asyncio.Transport, socket.socket]:
    """A protocol past its answer's head, its transport paused as a pacing pause leaves
    it; and the daemon's end of the socket."""
    ours, theirs = socket.socketpair()
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_accepted_socket(
        lambda: StreamProtocol(loop, None), ours
    )
    theirs.sendall(HEAD)
    await asyncio.wait_for(protocol.wait_head(), 2)
    protocol.coalescing = True
    transport.pause_reading()
    return protocol, transport, theirs


async def test_the_end_of_a_pause_reads_what_waits_then_resumes_the_transport() -> None:
    protocol, transport, theirs = await paused_connection()
    with theirs:
        theirs.sendall(b"a" * 5000)
        protocol._end_coalescing()  # a lone read: no pause follows it
        assert b"".join(protocol.chunks) == b"a" * 5000
        assert transport.is_reading()
        theirs.sendall(b"b" * 10)
        await asyncio.wait_for(protocol.wait_data(), 2)  # the transport reads on its own
        assert b"".join(protocol.chunks) == b"a" * 5000 + b"b" * 10
    transport.close()


async def test_the_end_of_a_pause_with_nothing_waiting_resumes_the_transport() -> None:
    protocol, transport, theirs = await paused_connection()
    with theirs:
        protocol._end_coalescing()
        assert transport.is_reading() and not protocol.chunks and not protocol.eof
    transport.close()


async def test_eof_met_at_the_end_of_a_pause_ends_the_stream() -> None:
    protocol, transport, theirs = await paused_connection()
    theirs.sendall(b"last")
    theirs.close()
    protocol._end_coalescing()  # the bytes; a lone read, so the transport resumes
    await asyncio.wait_for(_until_eof(protocol), 2)
    assert b"".join(protocol.chunks) == b"last" and protocol.error is None
    # EOF seen by the direct read itself: the transport stays paused, the stream ends.
    protocol2, transport2, theirs2 = await paused_connection()
    theirs2.close()
    protocol2._end_coalescing()
    assert protocol2.eof and protocol2.error is None and not transport2.is_reading()
    transport.close()
    transport2.close()


async def test_a_reset_met_at_the_end_of_a_pause_is_the_stream_s_error() -> None:
    protocol, transport, theirs = await paused_connection()
    protocol.send(b"never read")  # unread by the daemon's end: closing it resets
    await asyncio.sleep(0)
    theirs.close()
    protocol._end_coalescing()
    assert protocol.eof and isinstance(protocol.error, ConnectionResetError)
    await asyncio.sleep(0)
    assert transport.is_closing()


async def _until_eof(protocol: StreamProtocol) -> None:
    while not protocol.eof:
        await protocol.wait_data()
