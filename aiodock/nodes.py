"""Swarm nodes."""

from __future__ import annotations

from .resource import Manager


class NodeManager(Manager):
    """Operations on NodeManager."""
