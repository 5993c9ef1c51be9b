"""The examples run against the daemon, as users would run them: every test here needs it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(autouse=True)
def _require_daemon(daemon: None) -> None:
    return None


def example_env(**extra: str) -> dict[str, str]:
    """The environment of an example's process: this one's, unbuffered output."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", **extra}


PYTHON = sys.executable
