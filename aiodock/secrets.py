"""Swarm secrets."""

from __future__ import annotations

from .resource import Manager


class SecretManager(Manager):
    """Operations on SecretManager."""
