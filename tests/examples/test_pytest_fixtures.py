"""examples/pytest_fixtures: the plugin's fixtures in a suite of their own, run by pytest in
a child process as a user would, in each pytest-asyncio mode and loop scope; nothing of
theirs may be left on the daemon afterwards."""

from __future__ import annotations

import socket
import subprocess

import pytest

from aiodock import Docker
from aiodock.pytest_plugin import PLUGIN_LABEL, SESSION_LABEL

from .conftest import EXAMPLES, PYTHON, example_env

SUITE = EXAMPLES / "pytest_fixtures"


async def leftovers(docker: Docker, session: str) -> list[str]:
    """Everything on the daemon still carrying that pytest session's label."""
    filters = {"label": [f"{SESSION_LABEL}={session}"]}
    found = [f"container {c.name}" for c in await docker.containers.list(all=True, filters=filters)]
    found += [f"network {n.name}" for n in await docker.networks.list(filters=filters)]
    found += [f"volume {v.name}" for v in await docker.volumes.list(filters=filters)]
    found += [f"image {i.short_id}" for i in await docker.images.list(filters=filters, sparse=True)]
    return found


def run_suite(*args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    proc = subprocess.Popen(
        [PYTHON, "-m", "pytest", str(SUITE), "-q", "-p", "no:cacheprovider", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=SUITE,
        env=example_env(),
    )
    out, _ = proc.communicate(timeout=300)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, "")
    return done, f"{socket.gethostname()}:{proc.pid}"


@pytest.mark.needs("healthcheck")
async def test_the_suite_passes_in_auto_mode_and_leaves_nothing(docker: Docker) -> None:
    done, session = run_suite()
    assert done.returncode == 0, done.stdout
    assert "4 passed" in done.stdout
    assert await leftovers(docker, session) == []


async def test_strict_mode(docker: Docker) -> None:
    done, session = run_suite("-k", "volume or image", "-o", "asyncio_mode=strict")
    assert done.returncode == 0, done.stdout
    assert "2 passed" in done.stdout
    assert await leftovers(docker, session) == []


async def test_a_session_wide_loop_and_the_sweep_of_a_crashed_sessions_objects(
    docker: Docker, test_image: str
) -> None:
    # Objects labelled by a session whose process is gone (pid 0 never names one)...
    dead = {PLUGIN_LABEL: "1", SESSION_LABEL: f"{socket.gethostname()}:0"}
    volume = await docker.volumes.create(labels=dead)
    container = await docker.containers.create(
        test_image, ["true"], labels=dead, network_mode="none"
    )
    # ... and one of a session still running (pid 1 always is): it must survive the sweep.
    alive = {PLUGIN_LABEL: "1", SESSION_LABEL: f"{socket.gethostname()}:1"}
    kept = await docker.volumes.create(labels=alive)
    try:
        done, session = run_suite(
            "-k",
            "volume",
            "-o",
            "asyncio_default_fixture_loop_scope=session",
            "-o",
            "asyncio_default_test_loop_scope=session",
        )
        assert done.returncode == 0, done.stdout
        assert "1 passed" in done.stdout
        assert await leftovers(docker, session) == []
        remaining = await docker.volumes.list(filters={"label": [PLUGIN_LABEL]})
        assert volume.name not in [v.name for v in remaining]
        assert kept.name in [v.name for v in remaining]
        assert not await docker.containers.list(all=True, filters={"id": [container.id]})
    finally:
        await kept.remove(force=True)
        await volume.remove(force=True)
