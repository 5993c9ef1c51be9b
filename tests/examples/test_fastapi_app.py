"""examples/fastapi_app: the real app under uvicorn on a loopback port, driven over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import httpx
import pytest

from aiodock import Docker, NotFound

from ..conftest import RUN_ID, RUN_LABEL
from .conftest import EXAMPLES, PYTHON, example_env

# One line every 0.2 s, 12 lines: the container runs for about 2.4 s.
TICKER = "for i in $(seq 1 12); do echo tick $i; sleep 0.2; done; echo done >&2"


@pytest.fixture(scope="module")
def server(daemon: None) -> Iterator[str]:
    """The example app served by uvicorn on a socket bound here (no port race)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    command = [PYTHON, "-m", "uvicorn", "app:app", "--app-dir", str(EXAMPLES / "fastapi_app")]
    command += ["--fd", str(sock.fileno()), "--log-level", "warning"]
    proc = subprocess.Popen(command, env=example_env(), pass_fds=[sock.fileno()])
    sock.close()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start (exit status {proc.poll()})")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[float, str, str]]:
    """``(arrival time, event, data)`` of each Server-Sent Event, as it arrives."""
    event, data = "message", ""
    async for line in response.aiter_lines():
        if line == "":
            yield time.time(), event, data
            event, data = "message", ""
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = line[6:]


def finished_at(container_attrs: dict[str, object]) -> float:
    state = container_attrs["State"]
    assert isinstance(state, dict)
    stamp = str(state["FinishedAt"])  # RFC 3339 with nanoseconds
    whole, _, frac = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{whole}.{frac[:6]}+00:00").timestamp()


@pytest.mark.needs("follow-ends")
async def test_logs_arrive_as_server_sent_events_while_they_are_written(
    http: httpx.AsyncClient, docker: Docker, test_image: str, labels: dict[str, str]
) -> None:
    container = await docker.containers.run(
        test_image, ["sh", "-c", TICKER], detach=True, labels=labels, network_mode="none"
    )
    try:
        async with http.stream("GET", f"/containers/{container.id}/logs?follow=true") as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            events = [event async for event in sse_events(resp)]
        await container.reload()
        exited = finished_at(container.attrs)
    finally:
        await container.remove(force=True)

    ticks = [(at, data) for at, kind, data in events if kind == "stdout"]
    assert [data for _, data in ticks] == [f"tick {i}" for i in range(1, 13)]
    assert [(kind, data) for _, kind, data in events[-2:]] == [("stderr", "done"), ("end", "")]
    # Delivered as written, not all at once at the end: the last ticks reach the client
    # about 0.2 s apart (a late start can only bunch up the first ones), and the client
    # has tick 10 while the container still runs (it exits about 0.6 s later).
    assert ticks[-1][0] - ticks[-4][0] >= 0.4
    assert exited - ticks[-3][0] >= 0.25


async def test_stats_stream_as_json_lines(
    http: httpx.AsyncClient, docker: Docker, test_image: str, labels: dict[str, str]
) -> None:
    container = await docker.containers.run(
        test_image, ["sleep", "60"], detach=True, labels=labels, network_mode="none"
    )
    try:
        async with http.stream("GET", f"/containers/{container.id}/stats?count=2") as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"] == "application/x-ndjson"
            samples = [json.loads(line) async for line in resp.aiter_lines() if line]
    finally:
        await container.remove(force=True)
    assert len(samples) == 2
    for sample in samples:
        assert sample["id"] == container.id
        assert sample["memory_usage"] > 0
        assert sample["pids"] >= 1
        assert sample["cpu_percent"] >= 0


async def test_run_list_stop_start_and_remove(
    http: httpx.AsyncClient, docker: Docker, test_image: str, labels: dict[str, str]
) -> None:
    resp = await http.post(
        "/containers",
        json={
            "image": test_image,
            "command": ["sleep", "60"],
            "labels": labels,
            "network_mode": "none",
        },
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    ref = created["id"]
    try:
        assert created["status"] == "running"
        assert created["labels"][RUN_LABEL] == RUN_ID

        listed = await http.get("/containers", params={"label": f"{RUN_LABEL}={RUN_ID}"})
        assert ref in [item["id"] for item in listed.json()]

        # A running container cannot be removed without force: 409 from the daemon's Conflict.
        refused = await http.delete(f"/containers/{ref}")
        assert refused.status_code == 409
        assert "force" in refused.json()["detail"]

        stopped = await http.post(f"/containers/{ref}/stop", params={"timeout": 0})
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["status"] == "exited"
        assert ref not in [item["id"] for item in (await http.get("/containers")).json()]
        started = await http.post(f"/containers/{ref}/start")
        assert started.json()["status"] == "running"

        assert (await http.delete(f"/containers/{ref}", params={"force": True})).status_code == 204
        assert (await http.get(f"/containers/{ref}")).status_code == 404
    finally:
        with contextlib.suppress(NotFound):
            await (await docker.containers.get(ref)).remove(force=True)


@pytest.mark.parametrize("path", ["", "/logs", "/stats"])
async def test_an_unknown_container_is_a_404_even_for_streams(
    http: httpx.AsyncClient, path: str
) -> None:
    resp = await http.get(f"/containers/aiodock-no-such-container{path}")
    assert resp.status_code == 404
    assert "aiodock-no-such-container" in resp.json()["detail"]


async def test_bad_input_is_a_client_error(http: httpx.AsyncClient) -> None:
    resp = await http.post("/containers", json={"image": "x", "command": 5})
    assert resp.status_code == 422  # FastAPI's own validation
    resp = await http.get("/containers/anything/logs", params={"tail": "-1"})
    assert resp.status_code == 422


async def test_every_events_client_gets_each_event_from_one_subscription(
    http: httpx.AsyncClient, docker: Docker, test_image: str, labels: dict[str, str]
) -> None:
    async def watch(resp: httpx.Response, ident: list[str]) -> list[tuple[str, str]]:
        seen = []
        async for _, kind, data in sse_events(resp):
            seen.append((kind, json.loads(data)["id"]))
            if kind == "destroy" and ident and seen[-1][1] == ident[0]:
                break
        return seen

    ident: list[str] = []
    async with contextlib.AsyncExitStack() as stack:
        responses = [
            await stack.enter_async_context(http.stream("GET", "/events")) for _ in range(3)
        ]
        assert all(r.status_code == 200 for r in responses)  # each one subscribed by now
        watchers = [asyncio.ensure_future(watch(r, ident)) for r in responses]
        container = await docker.containers.create(
            test_image, ["true"], labels=labels, network_mode="none"
        )
        ident.append(container.id)
        await container.remove()
        seen = await asyncio.wait_for(asyncio.gather(*watchers), 30)
    assert [[kind for kind, of in got if of == container.id] for got in seen] == [
        ["create", "destroy"]
    ] * 3
