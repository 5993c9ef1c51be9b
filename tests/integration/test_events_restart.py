"""A reconnecting event watcher across a restart and a crash of a private daemon: each
container's ``create`` is seen exactly once, on both sides of the outage."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress

import pytest

from aiodock import Docker, DockerConnectionError, Event

from .private_daemon import PrivateDaemon, private_daemon

pytestmark = pytest.mark.daemon_restart


async def _create(docker: Docker, image: str, labels: dict[str, str]) -> str:
    created = await docker.transport.json(
        "POST", "/containers/create", json={"Image": image, "Cmd": ["true"], "Labels": labels}
    )
    return str(created["Id"])


async def _until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def _outage_scenario(
    daemon: PrivateDaemon, labels: dict[str, str], image: str, *, crash: bool
) -> None:
    async with daemon.client(timeout=10) as docker:
        stream = docker.events(filters={"type": "container", "event": "create"}, reconnect=True)
        seen: list[Event] = []

        async def watch() -> None:
            async for event in stream:
                seen.append(event)

        task = asyncio.create_task(watch())
        try:
            before = [await _create(docker, image, labels) for _ in range(3)]
            await _until(lambda: len(seen) >= 3)

            if crash:
                await daemon.kill()
            else:
                await daemon.stop()
            # The watcher keeps trying while the daemon is away.
            await _until(lambda: stream.failures >= 1)
            assert not task.done()
            await daemon.start()

            # Created as soon as the daemon is back, most likely before the watcher has
            # reconnected: it gets them from the daemon's replay of `since`.
            after = [await _create(docker, image, labels) for _ in range(3)]
            await _until(lambda: len(seen) >= 6)
            assert stream.reconnects >= 1
            # A last container once the watcher is live again: any duplicate from the
            # replay would have arrived before its event.
            marker = await _create(docker, image, labels)
            await _until(lambda: bool(seen) and seen[-1].actor.id == marker)
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        assert task.cancelled() and stream._resp is None

    assert [e.actor.id for e in seen] == [*before, *after, marker]
    assert all(e.action == "create" and e.type == "container" for e in seen)
    assert isinstance(stream.last_error, DockerConnectionError)


async def test_watcher_survives_daemon_restart(labels: dict[str, str], test_image: str) -> None:
    async with private_daemon() as daemon:
        await _outage_scenario(daemon, labels, test_image, crash=False)
        assert daemon.starts == 2


async def test_watcher_survives_daemon_crash(labels: dict[str, str], test_image: str) -> None:
    async with private_daemon() as daemon:
        await _outage_scenario(daemon, labels, test_image, crash=True)
        assert daemon.starts == 2


async def test_private_daemon_cleans_up_after_itself(test_image: str) -> None:
    async with private_daemon() as daemon, daemon.client() as docker:
        root = daemon.root
        assert daemon.pid is not None
        images = await docker.transport.json("GET", "/images/json")
        assert any(test_image in (image.get("RepoTags") or []) for image in images)
        info = await docker.info()
        assert info["DockerRootDir"] == str(root / "data")
    assert not root.exists()
