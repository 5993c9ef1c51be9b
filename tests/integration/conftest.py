"""Every integration test needs the daemon; private daemons of dead runs are swept."""

import asyncio

import pytest

from .private_daemon import sweep_orphans


@pytest.fixture(scope="session", autouse=True)
def _sweep_private_daemons() -> None:
    asyncio.run(sweep_orphans())


@pytest.fixture(autouse=True)
def _require_daemon(daemon: None) -> None:
    return None
