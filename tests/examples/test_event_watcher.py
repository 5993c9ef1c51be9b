"""examples/event_watcher.py: prints a container's lifecycle as it happens, stops cleanly."""

from __future__ import annotations

import asyncio
import signal
import uuid

from aiodock import Docker

from .conftest import EXAMPLES, PYTHON, example_env


async def read_line(stream: asyncio.StreamReader) -> str:
    line = await asyncio.wait_for(stream.readline(), 20)
    assert line, "the watcher's output ended early"
    return line.decode().rstrip("\n")


async def test_watcher_prints_lifecycle_events_and_stops_on_sigint(
    docker: Docker, test_image: str, labels: dict[str, str]
) -> None:
    marker = f"aiodock.test.watch={uuid.uuid4().hex[:12]}"
    proc = await asyncio.create_subprocess_exec(
        PYTHON,
        str(EXAMPLES / "event_watcher.py"),
        "--label",
        marker,
        stdout=asyncio.subprocess.PIPE,
        env=example_env(),
    )
    assert proc.stdout is not None
    try:
        assert (await read_line(proc.stdout)).startswith("watching container events at ")
        key, _, value = marker.partition("=")
        name = f"aiodock-watched-{value}"
        container = await docker.containers.create(
            test_image,
            ["sh", "-c", "exit 3"],
            name=name,
            labels={**labels, key: value},
            network_mode="none",
        )
        await container.start()
        assert (await container.wait())["StatusCode"] == 3
        await container.remove()

        seen: list[list[str]] = []
        while not seen or seen[-1][1] != "destroy":
            seen.append((await read_line(proc.stdout)).split())
        assert [fields[1] for fields in seen] == ["create", "start", "die", "destroy"]
        assert all(fields[2] == name for fields in seen)
        assert "exit=3" in seen[2]
        assert f"image={test_image}" in seen[0]

        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
