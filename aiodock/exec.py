"""Exec instances."""

from __future__ import annotations

from .resource import Manager


class ExecManager(Manager):
    """Operations on ExecManager."""
