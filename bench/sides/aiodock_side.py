"""aiodock, through its public API.

While a high-level call is not there yet (other modules still being written), the workload
falls back to the low-level client plus :class:`aiodock.streams.FrameStream`, and says so
in its result (``"api": "low-level"``) so that the report can flag it.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import time
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

import aiodock
from aiodock.streams import FrameStream

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

Ready = Callable[[], None]
Workload = Callable[
    [aiodock.Docker, dict[str, Any], Meter, Ready], Coroutine[Any, Any, dict[str, Any]]
]


def _has(obj: Any, name: str) -> bool:
    return callable(getattr(obj, name, None))


def _logs_stream(docker: aiodock.Docker, container: str, **params: Any) -> FrameStream:
    async def opener() -> Any:
        return await docker.transport.request(
            "GET",
            f"/containers/{container}/logs",
            params={"stdout": True, "stderr": True, **params},
            stream=True,
            timeout=None,
        )

    return FrameStream(docker, opener, tty=False, what=f"logs of {container}")


async def _exec_stream(docker: aiodock.Docker, container: str, cmd: list[str]) -> FrameStream:
    created = await docker.transport.json(
        "POST",
        f"/containers/{container}/exec",
        json={"AttachStdout": True, "AttachStderr": True, "Cmd": cmd},
    )
    exec_id = created["Id"]
    conn = await docker.transport.upgrade("POST", f"/exec/{exec_id}/start", json={"Tty": False})

    async def opener() -> Any:
        return conn

    stream = FrameStream(docker, opener, tty=False, what="exec")
    stream.exec_id = exec_id  # type: ignore[attr-defined]
    return stream


async def exec_output(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    total = 0
    api = "public" if _has(docker.exec, "process") else "low-level"
    with meter:
        if api == "public":
            async with docker.exec.process(params["container"], params["cmd"]) as proc:
                async for frame in proc.output.chunks():
                    total += len(frame.data)
        else:
            stream = await _exec_stream(docker, params["container"], params["cmd"])
            async for frames in stream.batches():
                for frame in frames:
                    total += len(frame.data)
    return {"bytes": total, "api": api}


async def logs(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    api = "public" if _has(docker.containers, "get") else "low-level"
    with meter:
        if api == "public":
            container = await docker.containers.get(params["container"])
            data = await container.logs().read()
        else:
            data = await _logs_stream(docker, params["container"]).read()
    return {"bytes": len(data), "api": api}


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
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    ids = params["containers"]
    api = "public" if _has(docker.containers, "get") else "low-level"

    async def inspect(i: int) -> str:
        ident = ids[i % len(ids)]
        if api == "public":
            return (await docker.containers.get(ident)).id
        return str((await docker.transport.json("GET", f"/containers/{ident}/json"))["Id"])

    concurrency = params["concurrency"]
    await _pooled(concurrency, concurrency, inspect)  # open the connections
    with meter:
        found = await _pooled(params["count"], concurrency, inspect)
    return {"items": sum(1 for ident in found if ident in ids), "api": api}


async def exec_roundtrips(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    expect = params["expect"].encode()
    api = "public" if _has(docker.exec, "run") else "low-level"
    good = 0
    with meter:
        for _ in range(params["count"]):
            if api == "public":
                result = await docker.exec.run(params["container"], params["cmd"])
                good += result.exit_code == 0 and result.output == expect
            else:
                stream = await _exec_stream(docker, params["container"], params["cmd"])
                output = await stream.read()
                info = await docker.transport.json("GET", f"/exec/{stream.exec_id}/json")  # type: ignore[attr-defined]
                good += info["ExitCode"] == 0 and output == expect
    return {"items": good, "api": api}


async def events(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    expected = params["expected"]
    count = 0
    last = 0.0
    stream = docker.events(filters={"label": [params["label"]]}, since=params["since"])
    async with stream:
        ready()
        with meter:
            async for _event in stream:
                count += 1
                if count >= expected:
                    break
            last = time.time()
    return {"items": count, "last_event_at": last, "api": "public"}


async def build(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    if not _has(docker.images, "build"):
        raise NotImplementedError("docker.images.build is not there yet")
    with meter:
        image = await docker.images.build(
            path=params["path"], tag=params["tag"], labels=params["labels"]
        )
    return {"image": getattr(image, "id", str(image)), "api": "public"}


async def follow(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    api = "public" if _has(docker.containers, "get") else "low-level"
    with meter:
        counter = SampleEvery(meter, params["sample_step"])
        if api == "public":
            container = await docker.containers.get(params["container"])
            stream = container.logs(follow=True)
        else:
            stream = _logs_stream(docker, params["container"], follow=True)
        async for frame in stream.chunks():
            counter.add(len(frame.data))
    return {"bytes": counter.total, "api": api}


async def exec_text(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    total = 0
    crc = 0
    crc32 = zlib.crc32
    with meter:
        async with docker.exec.process(params["container"], params["cmd"]) as proc:
            async for frame in proc.output.chunks():
                data = frame.data
                total += len(data)
                crc = crc32(data, crc)
    return {"bytes": total, "api": "public"}


async def logs_kept(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    container = await docker.containers.get(params["container"])
    gc.collect()
    baseline = current_rss()
    reset_peak_rss()
    with meter:
        data = await container.logs()
    peak = peak_rss()
    return {"bytes": len(data), "baseline_rss": baseline, "peak_rss_read": peak, "api": "public"}


async def _settle_and_measure(
    count: Callable[[], int],
    params: dict[str, Any],
    meter: Meter,
    streams: int,
    base_rss: int,
) -> dict[str, Any]:
    """Shared by the thousand-streams workloads: RSS per stream once they are open and
    idle, then client CPU over ``duration`` seconds of delivered items."""
    await asyncio.sleep(params["settle"])
    gc.collect()
    rss = current_rss()
    before = count()
    with meter:
        await asyncio.sleep(params["duration"])
    return {
        "items": count() - before,
        "streams": streams,
        "rss_per_stream": (rss - base_rss) / streams,
    }


async def many_follows(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    ids = params["containers"]
    streams = params["streams"]
    containers = [await docker.containers.get(ident) for ident in ids]
    gc.collect()
    base_fds, base_rss = open_fds(), current_rss()
    delivered = 0

    async def follow(container: Any) -> None:
        nonlocal delivered
        async with container.logs(follow=True, tail=0) as stream:
            async for _stream, _line in stream.lines():
                delivered += 1

    tasks = [asyncio.ensure_future(follow(containers[i % len(ids)])) for i in range(streams)]
    result = await _settle_and_measure(lambda: delivered, params, meter, streams, base_rss)
    result["fds_left"] = await fds_left_after(tasks, base_fds)
    return {**result, "api": "public"}


async def many_subscribers(
    docker: aiodock.Docker, params: dict[str, Any], meter: Meter, ready: Ready
) -> dict[str, Any]:
    expected = params["expected"]
    subscribers = params["subscribers"]
    gc.collect()
    base_fds, base_rss = open_fds(), current_rss()
    counts = [0] * subscribers
    done = asyncio.Event()
    finished = 0

    async def subscribe(i: int, stream: Any) -> None:
        nonlocal finished
        async with stream:
            async for _event in stream:
                counts[i] += 1
                if counts[i] >= expected:
                    break
        finished += 1
        if finished == subscribers:
            done.set()

    label = {"label": [params["label"]]}
    opened = [
        docker.events(filters=label, shared=True)
        if params.get("shared")
        else docker.events(filters=label)
        for _ in range(subscribers)
    ]
    await asyncio.gather(*(stream.open() for stream in opened))
    tasks = [asyncio.ensure_future(subscribe(i, s)) for i, s in enumerate(opened)]
    await asyncio.sleep(params["settle"])
    gc.collect()
    rss = current_rss()
    ready()
    with meter:
        try:
            await asyncio.wait_for(done.wait(), params["timeout"])
        except asyncio.TimeoutError:
            pass
    return {
        "items": sum(counts),
        "lost": subscribers * expected - sum(counts),
        "streams": subscribers,
        "rss_per_stream": (rss - base_rss) / subscribers,
        "fds_left": await fds_left_after(tasks, base_fds),
        "api": "public",
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
    workload: Workload, **fixed: Any
) -> Callable[[dict[str, Any], Meter, Ready], dict[str, Any]]:
    def run(params: dict[str, Any], meter: Meter, ready: Ready) -> dict[str, Any]:
        params = {**params, **fixed}
        out: dict[str, Any] = {}

        async def main() -> None:
            async with aiodock.Docker() as docker:
                await docker.ping()
                out.update(await workload(docker, params, meter, ready))

        asyncio.run(main())
        return out

    return run


WORKLOADS = {name: _runner(fn) for name, fn in ASYNC_WORKLOADS.items()}
WORKLOADS["cold_start"] = cold_start("aiodock")


def _rfc3339(text: str) -> float:
    """``2026-01-02T03:04:05.123456789Z`` as seconds since the epoch."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    stamp = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S")
    seconds = stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
    return seconds + (float(f"0.{fraction}") if fraction else 0.0)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def sse(params: dict[str, Any], meter: Meter, ready: Ready) -> dict[str, Any]:
    """The FastAPI example app served in this process; the clients in another."""
    import importlib.util
    import json
    import os
    import sys
    import tempfile

    import uvicorn

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        "bench_sse_app", os.path.join(root, "examples", "fastapi_app", "app.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out: dict[str, Any] = {}

    async def main() -> None:
        uds = os.path.join(tempfile.mkdtemp(prefix="aiodock-bench-sse-"), "app.sock")
        config = uvicorn.Config(
            module.create_app(), uds=uds, log_level="warning", access_log=False, lifespan="on"
        )
        server = uvicorn.Server(config)
        serving = asyncio.ensure_future(server.serve())
        while not server.started:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        ids = params["containers"]
        seconds = params["settle"] + params["duration"] + 1.0
        clients = {"uds": uds, "containers": ids, "clients": params["clients"], "seconds": seconds}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.sse_clients",
            json.dumps(clients),
            cwd=root,
            stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if line.strip() != b"CONNECTED":
            raise RuntimeError(f"the SSE clients did not connect: {line[:200]!r}")
        await asyncio.sleep(params["settle"])
        start = time.time()
        with meter:
            await asyncio.sleep(params["duration"])
        end = time.time()
        seen = json.loads(await proc.stdout.read())
        await proc.wait()
        server.should_exit = True
        await serving
        # When each line was written: the daemon's timestamp of it, from the log.
        written: list[dict[int, float]] = []
        async with aiodock.Docker() as docker:
            for ident in ids:
                stamps: dict[int, float] = {}
                container = await docker.containers.get(ident)
                async for _stream, text in container.logs(timestamps=True).lines():
                    stamp, _, rest = text.partition(" ")
                    parts = rest.split()
                    if len(parts) > 1 and parts[0] == "tick":
                        stamps[int(parts[1])] = _rfc3339(stamp)
                written.append(stamps)
        latencies = [
            at - written[index][tick]
            for index, tick, at in seen
            if start <= at <= end and tick in written[index]
        ]
        out.update(
            items=len(latencies),
            latency_p50=_percentile(latencies, 0.50) if latencies else None,
            latency_p99=_percentile(latencies, 0.99) if latencies else None,
            api="public",
        )

    asyncio.run(main())
    return out


WORKLOADS["sse"] = sse

SHARED_WORKLOADS = {"many_subscribers": _runner(many_subscribers, shared=True)}
"""The ``aiodock-shared`` side: subscribers of one filter share a daemon connection
(``docker.events(shared=True)``), as aiodocker's ``subscribe()`` always does."""
