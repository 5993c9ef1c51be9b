"""docker-py (synchronous; a thread pool where the workload is concurrent)."""

from __future__ import annotations

import gc
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker

from ..measure import Meter, SampleEvery, current_rss, open_fds, peak_rss, reset_peak_rss
from .cold import cold_start


def _client(pool: int = 10) -> docker.DockerClient:
    client = docker.DockerClient(base_url="unix:///var/run/docker.sock", max_pool_size=pool)
    client.ping()
    return client


def exec_output(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    client = _client()
    container = client.containers.get(params["container"])
    total = 0
    with meter:
        _, chunks = container.exec_run(params["cmd"], stream=True)
        for chunk in chunks:
            total += len(chunk)
    client.close()
    return {"bytes": total}


def logs(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    client = _client()
    container = client.containers.get(params["container"])
    with meter:
        data = container.logs(stdout=True, stderr=True)
    client.close()
    return {"bytes": len(data)}


def inspects(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    concurrency = params["concurrency"]
    client = _client(pool=concurrency)
    ids = params["containers"]
    targets = [ids[i % len(ids)] for i in range(params["count"])]
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda _: client.api.inspect_container(ids[0]), range(concurrency)))
        with meter:
            found = list(pool.map(client.containers.get, targets))
    client.close()
    return {"items": sum(1 for c in found if c.id in ids)}


def exec_roundtrips(
    params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    client = _client()
    container = client.containers.get(params["container"])
    good = 0
    with meter:
        for _ in range(params["count"]):
            result = container.exec_run(params["cmd"])
            good += result.exit_code == 0 and result.output == params["expect"].encode()
    client.close()
    return {"items": good}


def events(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    client = _client()
    expected = params["expected"]
    count = 0
    last = 0.0
    stream = client.events(decode=True, filters={"label": [params["label"]]}, since=params["since"])
    ready()
    with meter:
        for _event in stream:
            count += 1
            if count >= expected:
                last = time.time()
                break
    stream.close()
    client.close()
    return {"items": count, "last_event_at": last}


def build(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    client = _client()
    with meter:
        image, _log = client.images.build(
            path=params["path"], tag=params["tag"], labels=params["labels"], rm=True
        )
    client.close()
    return {"image": image.id}


def follow(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    client = _client()
    container = client.containers.get(params["container"])
    with meter:
        counter = SampleEvery(meter, params["sample_step"])
        for chunk in container.logs(stdout=True, stderr=True, stream=True, follow=True):
            counter.add(len(chunk))
    client.close()
    return {"bytes": counter.total}


def exec_text(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    client = _client()
    container = client.containers.get(params["container"])
    total = 0
    crc = 0
    crc32 = zlib.crc32
    with meter:
        _, chunks = container.exec_run(params["cmd"], stream=True)
        for chunk in chunks:
            total += len(chunk)
            crc = crc32(chunk, crc)
    client.close()
    return {"bytes": total}


def logs_kept(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    client = _client()
    container = client.containers.get(params["container"])
    gc.collect()
    baseline = current_rss()
    reset_peak_rss()
    with meter:
        data = container.logs(stdout=True, stderr=True)
    peak = peak_rss()
    client.close()
    return {"bytes": len(data), "baseline_rss": baseline, "peak_rss_read": peak}


def _threads(
    streams: list[Any], consume: Callable[[int, Any], None]
) -> tuple[list[threading.Thread], Callable[[], None]]:
    """A thread per open stream (what docker-py needs); the second item closes them all."""
    threads = [
        threading.Thread(target=consume, args=(i, stream), daemon=True)
        for i, stream in enumerate(streams)
    ]
    for thread in threads:
        thread.start()

    def stop() -> None:
        for stream in streams:
            try:
                stream.close()
            except Exception:
                pass
        for thread in threads:
            thread.join(5)

    return threads, stop


def many_follows(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    n = params["streams"]
    client = _client(pool=n)
    ids = params["containers"]
    containers = [client.containers.get(ident) for ident in ids]
    gc.collect()
    base_fds, base_rss = open_fds(), current_rss()
    counts = [0] * n

    def consume(i: int, stream: Any) -> None:
        try:
            for _line in stream:
                counts[i] += 1
        except Exception:  # closed under it at the end
            pass

    streams = [containers[i % len(ids)].logs(stream=True, follow=True, tail=0) for i in range(n)]
    _, stop = _threads(streams, consume)
    time.sleep(params["settle"])
    gc.collect()
    rss = current_rss()
    before = sum(counts)
    with meter:
        time.sleep(params["duration"])
    items = sum(counts) - before
    stop()
    client.close()
    gc.collect()
    time.sleep(0.5)
    return {
        "items": items,
        "streams": n,
        "rss_per_stream": (rss - base_rss) / n,
        "fds_left": open_fds() - base_fds,
    }


def many_subscribers(
    params: dict[str, Any], meter: Meter, ready: Callable[[], None]
) -> dict[str, Any]:
    n = params["subscribers"]
    expected = params["expected"]
    client = _client(pool=n)
    gc.collect()
    base_fds, base_rss = open_fds(), current_rss()
    counts = [0] * n

    def consume(i: int, stream: Any) -> None:
        try:
            for _event in stream:
                counts[i] += 1
                if counts[i] >= expected:
                    return
        except Exception:
            pass

    filters = {"label": [params["label"]]}
    streams = [client.events(decode=True, filters=filters) for _ in range(n)]
    threads, stop = _threads(streams, consume)
    time.sleep(params["settle"])
    gc.collect()
    rss = current_rss()
    ready()
    deadline = time.monotonic() + params["timeout"]
    with meter:
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    stop()
    client.close()
    gc.collect()
    time.sleep(0.5)
    return {
        "items": sum(counts),
        "lost": n * expected - sum(counts),
        "streams": n,
        "rss_per_stream": (rss - base_rss) / n,
        "fds_left": open_fds() - base_fds,
    }


WORKLOADS = {
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
WORKLOADS["cold_start"] = cold_start("docker-py")
