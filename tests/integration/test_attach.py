"""Attach as a process: stdin with StdinOnce, EOF ending an attach, logs replay, TTY."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from aiodock import Docker, InvalidArgument, NotFound, NotSupported
from aiodock.containers import Container
from aiodock.process import attach_container
from tests.conftest import open_fds
from tests.engines import Engine

MakeContainer = Callable[..., Awaitable[str]]


@pytest.fixture
async def make_container(
    docker: Docker, labels: dict[str, str], test_image: str
) -> AsyncIterator[MakeContainer]:
    """Create (not start) a labelled busybox container; all are removed after the test."""
    created: list[str] = []

    async def make(cmd: list[str], **config: Any) -> str:
        body = {
            "Image": test_image,
            "Cmd": cmd,
            "Labels": labels,
            "HostConfig": {"NetworkMode": "none"},
            **config,
        }
        result = await docker.transport.json("POST", "/containers/create", json=body)
        created.append(result["Id"])
        return str(result["Id"])

    try:
        yield make
    finally:
        for cid in created:
            await docker.transport.call("DELETE", f"/containers/{cid}", params={"force": True})


async def test_stdin_once_half_close_ends_stdin_and_output_continues(
    docker: Docker, make_container: MakeContainer
) -> None:
    cid = await make_container(
        ["sh", "-c", "cat; echo done >&2; exit 5"], OpenStdin=True, StdinOnce=True
    )
    container = Container(docker, {"Id": cid})
    data = bytes(range(256)) * 4096  # 1 MiB
    async with container.attach(stdin=True, stdout=True, stderr=True) as proc:
        assert proc.kind == "attach"
        assert proc.tty is False
        await docker.transport.call("POST", f"/containers/{cid}/start")
        out, err = await asyncio.wait_for(proc.communicate(data), 30)
        assert out == data
        assert err == b"done\n"
        assert await proc.wait() == 5
    assert proc.closed


@pytest.mark.needs("attach-stdin-close")
async def test_without_stdin_once_eof_ends_the_attach_only(
    docker: Docker, make_container: MakeContainer
) -> None:
    cid = await make_container(["cat"], OpenStdin=True, StdinOnce=False)
    await docker.transport.call("POST", f"/containers/{cid}/start")
    async with attach_container(docker, cid, stdin=True) as proc:
        assert proc.stdin is not None
        proc.stdin.write(b"ping\n")
        await proc.stdin.drain()
        assert await asyncio.wait_for(proc.stdout.readline(), 10) == b"ping\n"
        await proc.stdin.close()
        assert await asyncio.wait_for(proc.stdout.read(), 10) == b""  # the attach is over
    state = (await docker.transport.json("GET", f"/containers/{cid}/json"))["State"]
    assert state["Running"] is True  # ... while cat still runs, its stdin still open


async def test_logs_replay_of_an_exited_container(
    docker: Docker, make_container: MakeContainer, engine: Engine
) -> None:
    cid = await make_container(["sh", "-c", "echo out; echo err >&2"])
    await docker.transport.call("POST", f"/containers/{cid}/start")
    await docker.transport.json("POST", f"/containers/{cid}/wait", timeout=None)
    target = (await docker.engine()).target
    if target.podman is not None and target.podman.startswith("4."):  # frames it wrongly
        with pytest.raises(NotSupported, match="one byte short"):
            async with attach_container(docker, cid, logs=True, stream=False):
                pass
        return
    async with attach_container(docker, cid, logs=True, stream=False) as proc:
        assert await proc.output.demux() == (b"out\n", b"err\n")
        if engine.lacks("attach-exited") is None:
            assert await proc.wait() == 0


async def test_tty_attach_is_raw_and_resizable(
    docker: Docker, make_container: MakeContainer
) -> None:
    cid = await make_container(
        ["sh", "-c", "read line; stty size"], Tty=True, OpenStdin=True, StdinOnce=True
    )
    before = open_fds()
    async with attach_container(docker, cid, stdin=True) as proc:
        assert proc.tty is True  # from the container's Config.Tty
        await docker.transport.call("POST", f"/containers/{cid}/start")
        await proc.resize(height=21, width=73)
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        output = await asyncio.wait_for(proc.output.read(), 10)
        assert b"21 73" in output
        assert await proc.wait() == 0
    assert open_fds() <= before + 1


async def test_attach_arguments_and_missing_container(docker: Docker) -> None:
    with pytest.raises(InvalidArgument, match="stream"):
        attach_container(docker, "anything", stream=False, logs=False)
    with pytest.raises(InvalidArgument, match="container_id"):
        attach_container(docker, "")
    with pytest.raises(NotFound):
        async with attach_container(docker, "aiodock-no-such-container"):
            pass
