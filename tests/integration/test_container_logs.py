"""Container logs against the daemon: framing, order, text lines, follow and clean-up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from aiodock import Docker, Frame, InvalidArgument, NotFound, StreamType
from aiodock.containers import Container
from aiodock.utils import parse_datetime

from ..conftest import open_fds

Make = Callable[..., Awaitable[Container]]

LINES = 1500  # per stream: 3,000 lines in all
INTERLEAVED = (
    f'i=0; while [ $i -lt {LINES} ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done'
)


@pytest.fixture
async def make(docker: Docker, labels: dict[str, str], test_image: str) -> AsyncIterator[Make]:
    created: list[Container] = []

    async def make(command: Any, *, start: bool = True, **kwargs: Any) -> Container:
        container = await docker.containers.create(
            test_image, command, labels=labels, network_mode="none", **kwargs
        )
        created.append(container)
        if start:
            await container.start()
        return container

    yield make
    for container in created:
        try:
            await container.remove(force=True)
        except NotFound:
            pass


async def finished(make: Make, script: str, **kwargs: Any) -> Container:
    container = await make(["sh", "-c", script], **kwargs)
    assert (await container.wait(timeout=30))["StatusCode"] == 0
    return container


async def test_interleaved_lines_read_back_exactly_and_in_order(make: Make) -> None:
    container = await finished(make, INTERLEAVED)
    out, err = await container.logs().demux()
    assert out.decode().splitlines() == [f"out {i}" for i in range(LINES)]
    assert err.decode().splitlines() == [f"err {i}" for i in range(LINES)]

    by_stream: dict[StreamType, list[str]] = {StreamType.STDOUT: [], StreamType.STDERR: []}
    async for stream, line in container.logs().lines():
        by_stream[stream].append(line)
    assert by_stream[StreamType.STDOUT] == [f"out {i}" for i in range(LINES)]
    assert by_stream[StreamType.STDERR] == [f"err {i}" for i in range(LINES)]

    frames = [frame async for frame in container.logs(stderr=False)]
    assert all(isinstance(f, Frame) and f.stream is StreamType.STDOUT for f in frames)
    assert b"".join(f.data for f in frames) == out
    everything = await container.logs().read()
    assert sorted(everything.splitlines()) == sorted(out.splitlines() + err.splitlines())


async def test_lines_are_joined_across_frames_per_stream(make: Make) -> None:
    # The daemon cuts lines longer than 16 KiB into several frames. (A character cut in
    # two is covered through run(stream=True): json-file stores a cut character as U+FFFD.)
    script = (
        "head -c 40000 /dev/zero | tr '\\0' a; printf 'é-tail\\n';"
        " head -c 40000 /dev/zero | tr '\\0' e >&2; printf '\\nshort\\nno-newline' >&2"
    )
    container = await finished(make, script)
    frames = [frame async for frame in container.logs()]
    assert len(frames) >= 6
    lines = [item async for item in container.logs().lines()]
    assert [line for stream, line in lines if stream is StreamType.STDOUT] == [
        "a" * 40000 + "é-tail"
    ]
    assert [line for stream, line in lines if stream is StreamType.STDERR] == [
        "e" * 40000,
        "short",
        "no-newline",
    ]
    kept = [line async for _, line in container.logs(stderr=False).lines(keepends=True)]
    assert kept == ["a" * 40000 + "é-tail\n"]


async def test_tty_container_logs_have_no_headers(docker: Docker, make: Make) -> None:
    container = await finished(make, "echo to-out; echo to-err >&2", tty=True)
    data = await container.logs().read()
    assert data.replace(b"\r\n", b"\n") in (b"to-out\nto-err\n", b"to-err\nto-out\n")
    # A handle from list() does not know the TTY setting: it is looked up on opening.
    listed = await docker.containers.list(all=True, filters={"id": container.id}, sparse=True)
    assert "Config" not in listed[0].attrs
    lines = [line async for _, line in listed[0].logs().lines()]
    assert sorted(lines) == ["to-err", "to-out"]


async def test_tail_timestamps_since_until(make: Make) -> None:
    container = await finished(make, "for i in 1 2 3 4 5; do echo line$i; done")
    assert await container.logs(tail=2).read() == b"line4\nline5\n"
    assert await container.logs(tail=0).read() == b""
    stamped = (await container.logs(timestamps=True, tail=1).read()).decode()
    stamp, _, text = stamped.partition(" ")
    assert text == "line5\n"
    written = parse_datetime(stamp)  # nanoseconds from Docker, fewer digits from Podman
    assert abs((datetime.now(timezone.utc) - written).total_seconds()) < 120

    assert await container.logs(since=written + timedelta(seconds=1)).read() == b""
    assert await container.logs(since=time.time() - 300).read() != b""
    assert await container.logs(since="5m").read() != b""
    assert await container.logs(until=written - timedelta(seconds=60)).read() == b""
    assert await container.logs(until=timedelta(0)).read() != b""
    with pytest.raises(InvalidArgument, match="tail"):
        container.logs(tail=-1)
    with pytest.raises(InvalidArgument, match="since"):
        container.logs(since="yesterday")


async def test_follow_streams_live_and_ends_with_the_container(make: Make) -> None:
    container = await make(["sh", "-c", "echo first; read x; echo second"], stdin_open=True)
    seen: list[str] = []

    async def follow() -> None:
        async for _stream, line in container.logs(follow=True).lines():
            seen.append(line)
            if line == "first":
                await container.kill()  # the follow stream must end with the container

    await asyncio.wait_for(follow(), 30)
    assert seen == ["first"]


async def test_cancelled_follow_leaves_the_pool_usable(make: Make) -> None:
    fds = open_fds()
    async with Docker(pool_size=1) as docker:
        container = await make(["sh", "-c", "while true; do echo tick; sleep 0.05; done"])
        handle = await docker.containers.get(container.id)
        ticks = 0

        async def follow() -> None:
            nonlocal ticks
            async for _frame in handle.logs(follow=True):
                ticks += 1

        task = asyncio.ensure_future(follow())
        while ticks < 3:  # noqa: ASYNC110 - polling a counter the task updates
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # With one connection in the pool, this hangs if the stream kept its connection.
        await asyncio.wait_for(handle.reload(), 10)
        assert handle.status == "running"

        # Leaving the loop by break releases the connection too.
        async for frame in handle.logs(follow=True):
            assert frame.data.startswith(b"tick")
            break
        await asyncio.wait_for(handle.reload(), 10)
        assert await asyncio.wait_for(handle.logs(tail=1).read(), 10) == b"tick\n"
    assert open_fds() <= fds + 2
