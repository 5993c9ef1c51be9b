"""docker.api's exec methods (docker-py's ExecApiMixin) against the daemon."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from aiodock import Docker, InvalidArgument, NotFound
from aiodock.api import APIClient
from aiodock.process import Process

from ..conftest import TEST_IMAGE


@pytest.fixture
def api(docker: Docker) -> APIClient:
    return docker.api


@pytest.fixture
async def running(api: APIClient, labels: dict[str, str]) -> AsyncIterator[str]:
    """A running container (removed afterwards)."""
    created = await api.create_container(TEST_IMAGE, "sleep 60", labels=labels)
    await api.start(created)
    try:
        yield str(created["Id"])
    finally:
        await api.remove_container(created, force=True)


async def test_exec_output_shapes(api: APIClient, running: str) -> None:
    script = "echo out; echo err >&2"
    created = await api.exec_create(running, ["sh", "-c", script], environment={"A": "1"})
    assert set(created) == {"Id"}
    output = await api.exec_start(created)
    assert sorted(output.splitlines()) == [b"err", b"out"]  # type: ignore[union-attr]  # bytes
    info = await api.exec_inspect(created)
    assert info["ExitCode"] == 0 and info["Running"] is False
    assert info["ProcessConfig"]["arguments"] == ["-c", script]
    demuxed = await api.exec_start(await api.exec_create(running, ["sh", "-c", script]),
                                   demux=True)  # fmt: skip
    assert demuxed == (b"out\n", b"err\n")
    silent = await api.exec_start(await api.exec_create(running, "true"), demux=True)
    assert silent == (None, None)
    streamed = api.exec_start(await api.exec_create(running, ["sh", "-c", script]),
                              stream=True, demux=True)  # fmt: skip
    pairs = [pair async for pair in streamed]  # type: ignore[union-attr]
    assert (b"out\n", None) in pairs and (None, b"err\n") in pairs
    env = await api.exec_start(await api.exec_create(running, "sh -c 'echo $A'",
                                                     environment=["A=2"]))  # fmt: skip
    assert env == b"2\n"


async def test_exec_socket_detach_and_resize(api: APIClient, running: str) -> None:
    created = await api.exec_create(running, "cat", stdin=True, tty=True)
    async with api.exec_start(created, socket=True) as process:  # type: ignore[union-attr]
        assert isinstance(process, Process) and process.stdin is not None
        await api.exec_resize(created, height=20, width=90)
        process.stdin.write(b"hi\n")
        await process.stdin.drain()
        assert b"hi" in await process.stdout.readline()
    with pytest.raises(InvalidArgument):
        await api.exec_resize(created, height=20)
    detached = await api.exec_create(running, "sh -c 'sleep 0.2; touch /tmp/detached'")
    assert await api.exec_start(detached, detach=True) == ""
    for _ in range(50):
        if not (await api.exec_inspect(detached))["Running"]:
            break
        await asyncio.sleep(0.1)
    check = await api.exec_create(running, "ls /tmp/detached")
    assert await api.exec_start(check) == b"/tmp/detached\n"
    assert (await api.exec_inspect({"Id": check["Id"]}))["ExitCode"] == 0


async def test_exec_errors(api: APIClient, running: str) -> None:
    with pytest.raises(NotFound):
        await api.exec_inspect("aiodock-no-such-exec")
    with pytest.raises(NotFound):
        await api.exec_create("aiodock-no-such-container", "true")
    with pytest.raises(InvalidArgument):
        await api.exec_create(running, [])
