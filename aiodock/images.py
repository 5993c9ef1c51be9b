"""Images: pull, push, build, save, load and the rest."""

from __future__ import annotations

from .resource import Manager


class ImageManager(Manager):
    """Operations on ImageManager."""
