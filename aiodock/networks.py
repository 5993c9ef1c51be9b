"""Networks."""

from __future__ import annotations

from .resource import Manager


class NetworkManager(Manager):
    """Operations on NetworkManager."""
