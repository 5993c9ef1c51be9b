"""docker-py's high-level behaviour against the daemon: what ``await`` on a log call
gives, while iterating it still streams frames."""

from __future__ import annotations

import pytest

from aiodock import APIError, Docker, Frame, ImageLoadError, StreamType


async def test_awaited_logs_are_bytes_and_iterated_logs_are_frames(
    docker: Docker, labels: dict[str, str], test_image: str
) -> None:
    script = ["sh", "-c", "echo out; echo err >&2"]
    container = await docker.containers.run(test_image, script, detach=True, labels=labels)
    try:
        assert (await container.wait(timeout=30))["StatusCode"] == 0
        both = await container.logs()
        assert isinstance(both, bytes)
        assert sorted(both.splitlines()) == [b"err", b"out"]
        assert await container.logs(stderr=False) == b"out\n"
        assert await container.logs(stdout=False) == b"err\n"
        frames = [frame async for frame in container.logs()]
        assert all(isinstance(frame, Frame) for frame in frames)
        assert {(f.stream, f.data) for f in frames} == {
            (StreamType.STDOUT, b"out\n"),
            (StreamType.STDERR, b"err\n"),
        }
    finally:
        await container.remove(force=True)


SECOND = 1_000_000_000  # docker-py's documentation writes health check durations so


async def test_health_check_durations_as_docker_py_writes_them(
    docker: Docker, labels: dict[str, str], test_image: str
) -> None:
    check = {"test": ["CMD", "true"], "interval": 10 * SECOND, "start_period": "1m30s"}
    container = await docker.containers.create(test_image, healthcheck=check, labels=labels)
    try:
        health = container.attrs["Config"]["Healthcheck"]
        assert health["Interval"] == 10 * SECOND and health["StartPeriod"] == 90 * SECOND
    finally:
        await container.remove(force=True)


async def test_a_failed_image_load_raises_image_load_error(docker: Docker) -> None:
    with pytest.raises(ImageLoadError) as caught:
        await docker.images.load(b"this is not an image archive" * 100)
    assert isinstance(caught.value, APIError)
