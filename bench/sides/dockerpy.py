"""docker-py (synchronous; a thread pool where the workload is concurrent)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker

from ..measure import Meter, SampleEvery


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


WORKLOADS = {
    "exec_output": exec_output,
    "logs": logs,
    "inspects": inspects,
    "exec_roundtrips": exec_roundtrips,
    "events": events,
    "build": build,
    "follow": follow,
}
