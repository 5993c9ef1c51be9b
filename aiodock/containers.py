"""Containers: the lifecycle, logs, attach, stats and archives."""

from __future__ import annotations

from .resource import Manager


class ContainerManager(Manager):
    """Operations on ContainerManager."""
