"""Swarm services."""

from __future__ import annotations

from .resource import Manager


class ServiceManager(Manager):
    """Operations on ServiceManager."""
