"""Fixtures of the cluster tests: one three-node swarm for the whole session.

The tests share it, so they run in one event loop (the daemons are its child processes:
each module sets ``pytestmark = SESSION_LOOP``) and in a fixed order: membership first,
the tests that kill or remove nodes after the others, and the check that every swarm
operation of the Engine API was called last.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
import pytest_asyncio

from aiodock import Docker, NotFound, Service

from ..conftest import TEST_IMAGE, TEST_LABELS
from ..integration.private_daemon import sweep_orphans
from .cluster import Cluster

SLEEP = ["sleep", "600"]
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")
MODULE_ORDER = (
    "test_membership",
    "test_scheduling",
    "test_updates",
    "test_data",
    "test_failover",
    "test_operations",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.module.__name__.rpartition(".")[2] if item.module else ""
        return MODULE_ORDER.index(module) if module in MODULE_ORDER else len(MODULE_ORDER)

    ours = [item for item in items if "tests/cluster/" in str(item.path)]
    others = [item for item in items if item not in ours]
    items[:] = others + sorted(ours, key=rank)  # sorted() keeps each module's own order


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def cluster(daemon: None) -> AsyncIterator[Cluster]:
    """Three daemons on a private network, formed into a swarm (node1 the manager, node2
    and node3 workers); everything is removed at the end."""
    await sweep_orphans()
    cluster = Cluster()
    try:
        await cluster.start()
        await cluster.form()
        yield cluster
    finally:
        await cluster.close()


@pytest.fixture
def manager(cluster: Cluster) -> Docker:
    """The client of node1, the first manager."""
    return cluster["node1"].docker


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@pytest_asyncio.fixture(loop_scope="session")
async def cleanup(cluster: Cluster) -> AsyncIterator[list[Any]]:
    """Objects (services, secrets, configs, networks) to remove after the test, newest
    first, so that the next test finds the cluster empty."""
    created: list[Any] = []
    yield created
    for item in reversed(created):
        try:
            await item.remove()
        except NotFound:
            pass


NewService = Callable[..., Awaitable[Service]]


@pytest_asyncio.fixture(loop_scope="session")
async def new_service(manager: Docker, cleanup: list[Any]) -> NewService:
    """Create a service of the test image (``sleep 600`` unless a command is given) on
    node1, removed after the test; its tasks stop at once (SIGKILL)."""

    async def create(prefix: str, command: Sequence[str] = SLEEP, **kwargs: Any) -> Service:
        kwargs.setdefault("stop_signal", "SIGKILL")
        service = await manager.services.create(
            TEST_IMAGE, list(command), name=unique(prefix), labels=TEST_LABELS, **kwargs
        )
        cleanup.append(service)
        return service

    return create


async def hostnames(docker: Docker) -> dict[str, str]:
    """Node id -> host name."""
    return {node.id: node.hostname for node in await docker.nodes.list()}
