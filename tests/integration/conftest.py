"""Every integration test needs the daemon."""

import pytest


@pytest.fixture(autouse=True)
def _require_daemon(daemon: None) -> None:
    return None
