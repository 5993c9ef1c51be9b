"""Volumes."""

from __future__ import annotations

from .resource import Manager


class VolumeManager(Manager):
    """Operations on VolumeManager."""
