"""Swarm tasks."""

from __future__ import annotations

from .resource import Manager


class TaskManager(Manager):
    """Operations on TaskManager."""
