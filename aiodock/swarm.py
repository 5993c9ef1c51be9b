"""Swarm mode."""

from __future__ import annotations

from .resource import Manager


class Swarm(Manager):
    """Operations on Swarm."""
