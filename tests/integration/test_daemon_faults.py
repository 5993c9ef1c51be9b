"""Faults against real daemons: a daemon killed mid-stream, streams cancelled at random."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable

import pytest

from aiodock import Docker, DockerConnectionError
from aiodock.containers import Container

from ..conftest import TEST_IMAGE, force_remove, open_fds
from .private_daemon import private_daemon

TICKER = ["sh", "-c", "while true; do echo tick; sleep 0.05; done"]


async def drain(stream: AsyncIterator[object]) -> None:
    async for _ in stream:
        pass


async def raises_connection_error(awaitable: Awaitable[object]) -> float:
    """Seconds until ``awaitable`` raised DockerConnectionError."""
    started = time.monotonic()
    with pytest.raises(DockerConnectionError):
        await awaitable
    return time.monotonic() - started


async def test_daemon_killed_while_streams_are_read(labels: dict[str, str]) -> None:
    async with private_daemon() as daemon, daemon.client() as docker:
        container = await docker.containers.run(
            TEST_IMAGE, TICKER, detach=True, network_mode="none", labels=labels
        )
        logs = container.logs(follow=True)
        events = docker.events()
        await events.open()
        async with container.exec(TICKER) as proc:
            # Every stream is flowing before the daemon dies.
            await logs.__anext__()
            await proc.output.__anext__()
            await docker.containers.create(TEST_IMAGE, ["true"], labels=labels)
            await events.__anext__()

            async def exec_output_then_wait() -> None:
                await drain(proc.output)
                await proc.wait()

            readers = [
                asyncio.ensure_future(drain(logs)),
                asyncio.ensure_future(drain(events)),
                asyncio.ensure_future(exec_output_then_wait()),
            ]
            await daemon.kill()
            killed = time.monotonic()
            results = await asyncio.wait_for(
                asyncio.gather(*readers, return_exceptions=True), timeout=5
            )
            elapsed = time.monotonic() - killed
        for result in results:
            assert isinstance(result, DockerConnectionError), repr(result)
        assert elapsed < 2, elapsed
        await logs.close()
        await events.close()

        # The same client works again once the daemon is back.
        await daemon.start()
        assert await docker.ping()
        listed = await docker.containers.list(all=True, filters={"label": "aiodock.test"})
        assert container.id in {c.id for c in listed}


async def test_requests_fail_fast_while_the_daemon_is_down() -> None:
    async with private_daemon(image=None) as daemon, daemon.client() as docker:
        assert await docker.ping()
        await daemon.stop()
        await asyncio.wait_for(raises_connection_error(docker.version()), timeout=2)
        await daemon.start()
        assert (await docker.version())["ApiVersion"]


@pytest.fixture
async def ticker(docker: Docker, labels: dict[str, str]) -> AsyncIterator[Container]:
    container = await docker.containers.run(
        TEST_IMAGE, TICKER, detach=True, network_mode="none", labels=labels
    )
    yield container
    await force_remove(container)  # hundreds of cancelled execs: its process may be slow to go


async def test_streams_cancelled_at_random_points(ticker: Container) -> None:
    rng = random.Random(20261122)
    fds_before = open_fds()
    pool = 20
    async with Docker(pool_size=pool) as docker:
        container = await docker.containers.get(ticker.id)

        async def read_logs() -> None:
            await drain(container.logs(follow=True))

        async def read_events() -> None:
            await drain(docker.events())

        async def read_stats() -> None:
            await drain(container.stats())

        async def read_exec() -> None:
            async with container.exec(TICKER) as proc:
                await drain(proc.output)

        kinds = [read_logs, read_events, read_stats, read_exec]
        for round_start in range(0, 200, pool):
            tasks = [
                asyncio.ensure_future(kinds[(round_start + i) % len(kinds)]()) for i in range(pool)
            ]
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            for task in tasks:
                if rng.random() < 0.5:
                    await asyncio.sleep(rng.uniform(0.0, 0.02))
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            assert all(isinstance(r, asyncio.CancelledError) for r in results), results

        # A connection kept by a cancelled stream would leave fewer than `pool` for these.
        replies = await asyncio.wait_for(
            asyncio.gather(*(container.logs(tail=1).read() for _ in range(pool))), timeout=10
        )
        # every one answered (Podman's tail=1 may give two lines of a file being written)
        assert len(replies) == pool and all(set(r.splitlines()) == {b"tick"} for r in replies)
    # Hijacked exec sockets are outside the pool: none may be left open either.
    for _ in range(50):
        if open_fds() <= fds_before:
            break
        await asyncio.sleep(0.1)
    assert open_fds() <= fds_before
