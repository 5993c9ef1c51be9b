"""Shared test harness: the client fixture, the test image, and label-based clean-up.

Everything a test creates carries ``TEST_LABELS`` (use the ``labels`` fixture). At the end
of the session this run's objects are removed; at the start, objects left by earlier runs
whose process is gone are swept, while those of runs still going are left alone.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, NoReturn

import pytest

from aiodock import Docker, DockerError, NotFound, ServerError
from aiodock.containers import Container
from aiodock.transport.address import parse_address

from .engines import NOT_APPLICABLE, Engine, identify

TEST_IMAGE = "aiodock-test/busybox:latest"
LABEL = "aiodock.test"
RUN_LABEL = "aiodock.test.run"
RUN_ID = f"{socket.gethostname()}:{os.getpid()}"
TEST_LABELS = {LABEL: "1", RUN_LABEL: RUN_ID}


def _run_is_alive(run: str) -> bool:
    host, _, pid = run.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def remove_labelled(docker: Docker, *, only_run: str | None) -> None:
    """Remove containers, services, networks, volumes and images labelled by a test run:
    this run's (``only_run``), or every run whose process is gone (``only_run=None``)."""

    def wanted(labels: dict[str, str] | None) -> bool:
        run = (labels or {}).get(RUN_LABEL, "")
        return run == only_run if only_run is not None else not _run_is_alive(run)

    label_filter = {"filters": f'{{"label":["{LABEL}"]}}'}
    try:
        services = await docker.transport.json("GET", "/services", params=label_filter)
    except DockerError:
        services = []  # not a swarm manager
    for service in services or []:
        if wanted(service.get("Spec", {}).get("Labels")):
            await _quietly(docker.transport.call("DELETE", f"/services/{service['ID']}"))
    for container in await docker.transport.json(
        "GET", "/containers/json", params={"all": "1", **label_filter}
    ):
        if wanted(container.get("Labels")):
            await _quietly(
                docker.transport.call(
                    "DELETE", f"/containers/{container['Id']}", params={"force": "1", "v": "1"}
                )
            )
    for network in await docker.transport.json("GET", "/networks", params=label_filter):
        if wanted(network.get("Labels")):
            await _quietly(docker.transport.call("DELETE", f"/networks/{network['Id']}"))
    volumes = await docker.transport.json("GET", "/volumes", params=label_filter)
    for volume in volumes.get("Volumes") or []:
        if wanted(volume.get("Labels")):
            await _quietly(
                docker.transport.call("DELETE", f"/volumes/{volume['Name']}", params={"force": "1"})
            )
    for image in await docker.transport.json("GET", "/images/json", params=label_filter):
        if wanted(image.get("Labels")):
            await _quietly(
                docker.transport.call("DELETE", f"/images/{image['Id']}", params={"force": "1"})
            )


def unavailable(message: str) -> NoReturn:
    """Skip a test whose requirement this machine lacks; under CI (``CI`` set, as
    ``.ci/run`` does) fail it instead, so that nothing is skipped unseen."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


async def force_remove(container: Container, *, within: float = 30.0) -> None:
    """Remove a container, retrying while the daemon refuses because its process is still
    being reaped (Engine 20.10 answers 500 "... is zombie and can not be killed")."""
    deadline = time.monotonic() + within
    while True:
        try:
            await container.remove(force=True)
            return
        except NotFound:
            return
        except ServerError as exc:
            if "zombie" not in str(exc) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.2)


async def _quietly(call: Any) -> None:
    try:
        await call
    except DockerError:
        pass


def _daemon_answers() -> bool:
    async def ping() -> bool:
        async with Docker(timeout=5, connect_timeout=5) as docker:
            return await docker.ping()

    try:
        return asyncio.run(ping())
    except DockerError:
        return False


@pytest.fixture(scope="session")
def daemon() -> Iterator[None]:
    """A reachable daemon: fails under CI=true when there is none, skips otherwise."""
    if not _daemon_answers():
        unavailable("no Docker daemon answers: run 'make docker-up'")

    async def sweep(only_run: str | None) -> None:
        async with Docker() as docker:
            await remove_labelled(docker, only_run=only_run)

    asyncio.run(sweep(None))
    yield
    asyncio.run(sweep(RUN_ID))


def daemon_socket() -> str:
    """The unix socket of the daemon under test (DOCKER_HOST's, or the default one)."""
    path = parse_address().unix_path
    if path is None:
        unavailable("the daemon under test is not on a unix socket")
    return path


@functools.cache
def engine_under_test() -> Engine:
    """The engine under test: Docker or Podman, its version and API version."""
    if not _daemon_answers():
        unavailable("no Docker daemon answers: run 'make docker-up'")

    async def version() -> dict[str, Any]:
        async with Docker() as docker:
            return dict(await docker.version())

    return identify(asyncio.run(version()))


@pytest.fixture(scope="session")
def engine(daemon: None) -> Engine:
    """The engine under test (see ``tests/engines.py``)."""
    return engine_under_test()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``needs(...)`` is not applicable on an engine lacking one of those:
    decided before any of its fixtures (a swarm, a plugin) is set up."""
    needed = [name for marker in item.iter_markers("needs") for name in marker.args]
    if not needed:
        return
    engine = engine_under_test()
    for capability in needed:
        reason = engine.lacks(capability)
        if reason is not None:
            pytest.skip(f"{NOT_APPLICABLE} {reason}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Under ``scripts/engine.sh exec`` (AIODOCK_ENGINE set): one line of counts for the
    engine, the not-applicable tests apart from other skips."""
    name = os.environ.get("AIODOCK_ENGINE")
    if not name:
        return
    stats = terminalreporter.stats
    skipped = stats.get("skipped", [])
    not_applicable = sum(NOT_APPLICABLE in str(report.longrepr) for report in skipped)
    counts = {
        "passed": len(stats.get("passed", [])),
        "not applicable": not_applicable,
        "skipped": len(skipped) - not_applicable,
        "failed": len(stats.get("failed", [])),
        "errors": len(stats.get("error", [])),
    }
    terminalreporter.write_line(
        f"engine {name}: " + ", ".join(f"{count} {what}" for what, count in counts.items())
    )


@pytest.fixture
async def docker(daemon: None) -> AsyncIterator[Docker]:
    """A client of the local daemon, closed after the test."""
    async with Docker() as client:
        yield client


@pytest.fixture
def labels() -> dict[str, str]:
    """Labels to put on everything a test creates, so that clean-up finds it."""
    return dict(TEST_LABELS)


@pytest.fixture(scope="session")
def test_image() -> str:
    """The locally built busybox image."""
    return TEST_IMAGE


def open_fds() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))
