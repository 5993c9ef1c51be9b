"""Swarm configs."""

from __future__ import annotations

from .resource import Manager


class ConfigManager(Manager):
    """Operations on ConfigManager."""
