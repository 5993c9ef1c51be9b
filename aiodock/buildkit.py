"""Moved to :mod:`aiodock.build.buildkit`; this name stays importable."""

from .build.buildkit import *  # noqa: F403
from .build.buildkit import __all__ as __all__
