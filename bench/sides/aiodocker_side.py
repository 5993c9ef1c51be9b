"""aiodocker 0.27."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

import aiodocker
import aiohttp

from ..measure import (
    Meter,
    SampleEvery,
    current_rss,
    fds_left_after,
    open_fds,
    peak_rss,
    reset_peak_rss,
)
from .cold import cold_start

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


async def exec_text(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    container = docker.containers.container(params["container"])
    total = 0
    crc = 0
    crc32 = zlib.crc32
    with meter:
        execution = await container.exec(params["cmd"], stdout=True, stderr=True)
        async with execution.start(detach=False) as stream:
            while (message := await stream.read_out()) is not None:
                data = message.data
                total += len(data)
                crc = crc32(data, crc)
    return {"bytes": total}


async def logs_kept(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    container = docker.containers.container(params["container"])
    gc.collect()
    baseline = current_rss()
    reset_peak_rss()
    with meter:
        lines = await container.log(stdout=True, stderr=True)
    peak = peak_rss()
    # aiodocker decodes to str: the bytes are the encoded length (the output is ASCII)
    return {"bytes": sum(map(len, lines)), "baseline_rss": baseline, "peak_rss_read": peak}


async def many_follows(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    ids = params["containers"]
    streams = params["streams"]
    gc.collect()
    base_fds, base_rss = open_fds(), current_rss()
    delivered = 0

    async def follow(ident: str) -> None:
        nonlocal delivered
        container = docker.containers.container(ident)
        async for _line in container.log(stdout=True, stderr=True, follow=True, tail=0):
            delivered += 1

    tasks = [asyncio.ensure_future(follow(ids[i % len(ids)])) for i in range(streams)]
    await asyncio.sleep(params["settle"])
    gc.collect()
    rss = current_rss()
    before = delivered
    with meter:
        await asyncio.sleep(params["duration"])
    items = delivered - before
    return {
        "items": items,
        "streams": streams,
        "rss_per_stream": (rss - base_rss) / streams,
        "fds_left": await fds_left_after(tasks, base_fds),
    }


async def many_subscribers(
    docker: aiodocker.Docker, params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    """aiodocker fans one events connection out to its subscribers (``subscribe()``)."""
    expected = params["expected"]
    subscribers = params["subscribers"]
    gc.collect()
    base_fds, base_rss = open_fds(), current_rss()
    counts = [0] * subscribers
    channels = [
        docker.events.subscribe(filters=json.dumps({"label": [params["label"]]}))
        for _ in range(subscribers)
    ]
    while docker.events.json_stream is None:  # noqa: ASYNC110
        await asyncio.sleep(0.005)

    async def consume(i: int) -> None:
        while counts[i] < expected:
            if await channels[i].get() is None:
                break
            counts[i] += 1

    tasks = [asyncio.ensure_future(consume(i)) for i in range(subscribers)]
    await asyncio.sleep(params["settle"])
    gc.collect()
    rss = current_rss()
    ready()
    with meter:
        await asyncio.wait(tasks, timeout=params["timeout"])
    await docker.events.stop()
    return {
        "items": sum(counts),
        "lost": subscribers * expected - sum(counts),
        "streams": subscribers,
        "rss_per_stream": (rss - base_rss) / subscribers,
        "fds_left": await fds_left_after(tasks, base_fds),
    }


ASYNC_WORKLOADS: dict[str, Workload] = {
    "exec_output": exec_output,
    "logs": logs,
    "inspects": inspects,
    "exec_roundtrips": exec_roundtrips,
    "events": events,
    "build": build,
    "follow": follow,
    "exec_text": exec_text,
    "logs_alternating": logs_kept,
    "logs_large": logs_kept,
    "whole_log_rss": logs_kept,
    "many_follows": many_follows,
    "many_subscribers": many_subscribers,
}


def _runner(
    workload: Workload,
) -> Callable[[dict[str, Any], Meter, Callable[[], None]], dict[str, Any]]:
    def run(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
        out: dict[str, Any] = {}

        async def main() -> None:
            # no limit on the pool: the thousand-streams workloads hold 1,000 connections
            connector = aiohttp.UnixConnector("/var/run/docker.sock", limit=0)
            async with aiodocker.Docker(url="unix://localhost", connector=connector) as docker:
                await docker.version()
                out.update(await workload(docker, params, meter, ready))

        asyncio.run(main())
        return out

    return run


WORKLOADS = {name: _runner(fn) for name, fn in ASYNC_WORKLOADS.items()}
WORKLOADS["cold_start"] = cold_start("aiodocker")
