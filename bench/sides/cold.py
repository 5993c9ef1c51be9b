"""Cold start: ``import`` of the client and its first request, in a fresh interpreter.

The first request is a container list, with whatever the client does before it (version
negotiation included: each client is left on its default, ``auto`` where it has one).
Every client is imported from compiled bytecode, as an installed package is: aiodock runs
from its source tree here, where ``PYTHONDONTWRITEBYTECODE`` (or a tree never imported
before) would otherwise have it compiled from source on every start while the others load
the ``.pyc`` files their installation wrote.
"""

from __future__ import annotations

import compileall
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from ..measure import Meter

_PRELUDE = """
import json, resource, time
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
c0, t0 = cpu(), time.perf_counter()
"""
_REPORT = """
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "cpu": cpu() - c0, "n": n}))
"""
SNIPPETS = {
    "aiodock": """
import asyncio
import aiodock
t1 = time.perf_counter()
async def first():
    async with aiodock.Docker() as docker:
        return len(await docker.containers.list(all=True))
n = asyncio.run(first())
""",
    "aiodocker": """
import asyncio
import aiodocker
t1 = time.perf_counter()
async def first():
    async with aiodocker.Docker(url="unix:///var/run/docker.sock") as docker:
        return len(await docker.containers.list(all=True))
n = asyncio.run(first())
""",
    "docker-py": """
import docker
t1 = time.perf_counter()
client = docker.DockerClient(base_url="unix:///var/run/docker.sock", version="auto")
n = len(client.containers.list(all=True))
client.close()
""",
}


CLIENT_PACKAGES = ("aiodock", "aiodocker", "docker", "aiohttp", "yarl", "multidict")


def compile_clients() -> None:
    """Write the bytecode of every client's packages where it is missing or stale."""
    for name in CLIENT_PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(location, quiet=1)


def cold_start(client: str) -> Callable[[dict[str, Any], Meter, Callable[[], None]], Any]:
    def run(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
        code = _PRELUDE + SNIPPETS[client] + _REPORT
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        meter.wall = figures["import"] + figures["first"]
        meter.cpu = figures["cpu"]
        return {"import_s": figures["import"], "first_s": figures["first"], "items": figures["n"]}

    return run
