"""Daemon-side fixtures, made once by the runner and labelled ``aiodock.bench=1``.

Uses only aiodock's low-level client (``_json``/``_call``), so the fixtures do not depend
on the high-level API being measured.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from typing import Any

import aiodock

from .workloads import LINE, MiB

IMAGE = "aiodock-test/busybox:latest"
LABEL = "aiodock.bench"
LABELS = {LABEL: "1"}
EVENTS_LABEL = "aiodock.bench.events"
BUILD_TAG = "aiodock-bench/context"


async def sweep(docker: aiodock.Docker) -> int:
    """Remove every container and image carrying the bench label (leftovers included)."""
    removed = 0
    label_filter = {"filters": {"label": [LABEL]}}
    for item in await docker.transport.json(
        "GET", "/containers/json", params={"all": True, **label_filter}
    ):
        try:
            await docker.transport.call(
                "DELETE", f"/containers/{item['Id']}", params={"force": True, "v": True}
            )
            removed += 1
        except aiodock.NotFound:
            pass
    for item in await docker.transport.json("GET", "/images/json", params=label_filter):
        try:
            await docker.transport.call("DELETE", f"/images/{item['Id']}", params={"force": True})
            removed += 1
        except (aiodock.NotFound, aiodock.Conflict):
            pass
    return removed


async def create(
    docker: aiodock.Docker,
    cmd: list[str],
    *,
    labels: dict[str, str] | None = None,
    start: bool = False,
) -> str:
    """A container of the test image with no network (created, optionally started)."""
    created = await docker.transport.json(
        "POST",
        "/containers/create",
        json={
            "Image": IMAGE,
            "Cmd": cmd,
            "Labels": {**LABELS, **(labels or {})},
            "HostConfig": {"NetworkMode": "none", "LogConfig": {"Type": "json-file"}},
        },
    )
    ident = str(created["Id"])
    if start:
        await docker.transport.call("POST", f"/containers/{ident}/start")
    return ident


async def remove(docker: aiodock.Docker, ident: str) -> None:
    try:
        await docker.transport.call(
            "DELETE", f"/containers/{ident}", params={"force": True, "v": True}
        )
    except aiodock.NotFound:
        pass


async def wait_exit(docker: aiodock.Docker, ident: str) -> int:
    result = await docker.transport.json("POST", f"/containers/{ident}/wait", timeout=None)
    return int(result["StatusCode"])


async def exec_container(docker: aiodock.Docker) -> str:
    """A running container to exec into."""
    return await create(docker, ["sleep", "86400"], start=True)


async def logs_container(docker: aiodock.Docker, lines: int) -> str:
    """An exited container whose log holds ``lines`` lines of 38 bytes."""
    ident = await create(docker, ["sh", "-c", f'yes "{LINE}" | head -n {lines}'], start=True)
    status = await wait_exit(docker, ident)
    if status != 0:
        raise RuntimeError(f"the logs fixture exited with {status}")
    return ident


async def inspect_containers(docker: aiodock.Docker, count: int = 16) -> list[str]:
    return [await create(docker, ["true"]) for _ in range(count)]


async def follow_container(docker: aiodock.Docker, size: int) -> str:
    """A started container writing ``size`` bytes with no newline (16 KiB log messages)."""
    return await create(docker, ["sh", "-c", f"head -c {size} /dev/zero | tr '\\0' x"], start=True)


async def churn(docker: aiodock.Docker, count: int, token: str, concurrency: int = 4) -> None:
    """Create and remove ``count`` containers labelled with ``token``: 2 events each."""
    numbers = iter(range(count))

    async def worker() -> None:
        for _ in numbers:
            ident = await create(docker, ["true"], labels={EVENTS_LABEL: token})
            await remove(docker, ident)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def new_token() -> str:
    return uuid.uuid4().hex[:12]


def build_context(size: int, file_size: int = 2 * MiB) -> str:
    """A directory of ``size`` bytes of random files and a Dockerfile adding a label."""
    path = tempfile.mkdtemp(prefix="aiodock-bench-ctx-")
    with open(os.path.join(path, "Dockerfile"), "w") as dockerfile:
        dockerfile.write(f"FROM {IMAGE}\nLABEL {LABEL}=1\n")
    data_dir = os.path.join(path, "data")
    os.mkdir(data_dir)
    written = 0
    index = 0
    while written < size:
        n = min(file_size, size - written)
        with open(os.path.join(data_dir, f"blob{index:04d}.bin"), "wb") as blob:
            blob.write(os.urandom(n))
        written += n
        index += 1
    return path


def remove_context(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


async def daemon_version(docker: aiodock.Docker) -> dict[str, Any]:
    result: dict[str, Any] = await docker.version()
    return result


async def alternating_logs_container(docker: aiodock.Docker, lines: int) -> str:
    """An exited container whose log holds ``lines`` lines of 38 bytes alternating between
    stdout and stderr, strictly: no two neighbouring log entries of one stream.

    A program writing to both streams in turn does not give that: the daemon reads the two
    pipes in goroutines of their own and logs whatever each read brought, so neighbouring
    lines of one stream come in runs. Where the daemon's json-file log is on this machine
    and writable (a local daemon, run as root), the entries are written into it after the
    container exited, in strict turn; elsewhere the shell loop's own log is used."""
    script = (
        f"i=0; while [ $i -lt {lines // 2} ]; do echo {LINE}; echo {LINE} >&2; i=$((i+1)); done"
    )
    ident = await create(docker, ["true"], start=True)
    await wait_exit(docker, ident)
    info = await docker.transport.json("GET", f"/containers/{ident}/json")
    path = str(info.get("LogPath") or "")
    if path and os.access(path, os.W_OK):
        await asyncio.to_thread(_write_alternating, path, lines)
        return ident
    await remove(docker, ident)
    ident = await create(docker, ["sh", "-c", script], start=True)
    await wait_exit(docker, ident)
    return ident


def _write_alternating(path: str, lines: int) -> None:
    stamp = "2020-01-01T00:00:00.{:09d}Z"
    with open(path, "w") as log:
        for i in range(lines):
            stream = "stderr" if i & 1 else "stdout"
            log.write(f'{{"log":"{LINE}\\n","stream":"{stream}","time":"{stamp.format(i)}"}}\n')


async def large_logs_container(docker: aiodock.Docker, size: int) -> str:
    """An exited container that wrote ``size`` bytes in large writes: half on stdout, then
    half on stderr (no newline: the json-file driver keeps 16 KiB messages)."""
    half = size // 2
    script = (
        f"head -c {half} /dev/zero | tr '\\0' o; head -c {size - half} /dev/zero | tr '\\0' e >&2"
    )
    ident = await create(docker, ["sh", "-c", script], start=True)
    status = await wait_exit(docker, ident)
    if status != 0:
        raise RuntimeError(f"the large logs fixture exited with {status}")
    return ident


async def line_writers(docker: aiodock.Docker, count: int, *, paced: bool = False) -> list[str]:
    """``count`` running containers each writing 20 lines a second: a burst of 20 then
    ``sleep 1`` or, ``paced``, one every 50 ms (``usleep``, a process each); each line is
    ``tick N`` with N counting up, so that it can be found again in the log."""
    pause = "usleep 50000" if paced else ":"
    burst_end = "" if paced else "sleep 1;"
    script = (
        "n=0; while :; do i=0; while [ $i -lt 20 ]; do n=$((n+1)); "
        f'echo "tick $n 0123456789abcdefghijklmnopqrstuvwxyz"; i=$((i+1)); {pause}; done; '
        f"{burst_end} done"
    )
    return list(
        await asyncio.gather(
            *(create(docker, ["sh", "-c", script], start=True) for _ in range(count))
        )
    )
