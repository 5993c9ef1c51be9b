"""aiodocker 0.27."""

from __future__ import annotations

import asyncio
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable, Coroutine
from typing import Any

import aiodocker

from ..measure import Meter, SampleEvery

Workload = Callable[
    [aiodocker.Docker, dict[str, Any], Meter, Callable[[], None]],
    Coroutine[Any, Any, dict[str, Any]],
]


async def exec_output(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    container = docker.containers.container(params["container"])
    total = 0
    with meter:
        execution = await container.exec(params["cmd"], stdout=True, stderr=True)
        async with execution.start(detach=False) as stream:
            while (message := await stream.read_out()) is not None:
                total += len(message.data)
    return {"bytes": total}


async def logs(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    container = docker.containers.container(params["container"])
    with meter:
        lines = await container.log(stdout=True, stderr=True)
    return {"bytes": sum(len(line) for line in lines)}


async def _pooled(
    count: int, concurrency: int, call: Callable[[int], Coroutine[Any, Any, Any]]
) -> list[Any]:
    results: list[Any] = [None] * count
    indexes = iter(range(count))

    async def worker() -> None:
        for i in indexes:
            results[i] = await call(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


async def inspects(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    ids = params["containers"]
    concurrency = params["concurrency"]

    async def inspect(i: int) -> Any:
        return await docker.containers.get(ids[i % len(ids)])

    await _pooled(concurrency, concurrency, inspect)  # open the connections
    with meter:
        found = await _pooled(params["count"], concurrency, inspect)
    return {"items": sum(1 for c in found if c.id in ids)}


async def exec_roundtrips(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    container = docker.containers.container(params["container"])
    expect = params["expect"].encode()
    good = 0
    with meter:
        for _ in range(params["count"]):
            execution = await container.exec(params["cmd"], stdout=True, stderr=True)
            parts = []
            async with execution.start(detach=False) as stream:
                while (message := await stream.read_out()) is not None:
                    parts.append(message.data)
            info = await execution.inspect()
            good += info["ExitCode"] == 0 and b"".join(parts) == expect
    return {"items": good}


async def events(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    expected = params["expected"]
    subscriber = docker.events.subscribe(
        filters=json.dumps({"label": [params["label"]]}), since=str(params["since"])
    )
    # aiodocker offers no "subscribed" signal: poll for the open response.
    while docker.events.json_stream is None:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    ready()
    count = 0
    last = 0.0
    with meter:
        while count < expected:
            event = await subscriber.get()
            if event is None:
                break
            count += 1
        last = time.time()
    await docker.events.stop()
    return {"items": count, "last_event_at": last}


def _tar_directory(path: str) -> Any:
    """What an aiodocker user has to do: aiodocker takes a ready tar file object."""
    tmp = tempfile.TemporaryFile()
    with tarfile.open(fileobj=tmp, mode="w") as tar:
        for name in sorted(os.listdir(path)):
            tar.add(os.path.join(path, name), arcname=name)
    tmp.seek(0)
    return tmp


async def build(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    with meter:
        with _tar_directory(params["path"]) as context:
            log = await docker.images.build(
                fileobj=context, encoding="identity", tag=params["tag"], labels=params["labels"]
            )
    image = next((item["aux"]["ID"] for item in log if "aux" in item), "")
    return {"image": image}


async def follow(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    container = docker.containers.container(params["container"])
    with meter:
        counter = SampleEvery(meter, params["sample_step"])
        async for text in container.log(stdout=True, stderr=True, follow=True):
            counter.add(len(text))
    return {"bytes": counter.total}


ASYNC_WORKLOADS: dict[str, Workload] = {
    "exec_output": exec_output,
    "logs": logs,
    "inspects": inspects,
    "exec_roundtrips": exec_roundtrips,
    "events": events,
    "build": build,
    "follow": follow,
}


def _runner(
    workload: Workload,
) -> Callable[[dict[str, Any], Meter, Callable[[], None]], dict[str, Any]]:
    def run(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
        async def main() -> dict[str, Any]:
            async with aiodocker.Docker(url="unix:///var/run/docker.sock") as docker:
                await docker.version()
                return await workload(docker, params, meter, ready)

        return asyncio.run(main())

    return run


WORKLOADS = {name: _runner(fn) for name, fn in ASYNC_WORKLOADS.items()}
