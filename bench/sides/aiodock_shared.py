"""aiodock with shared event subscriptions (``docker.events(shared=True)``): a side of its
own beside ``aiodock``, whose subscribers each hold a daemon connection."""

from __future__ import annotations

from .aiodock_side import SHARED_WORKLOADS as WORKLOADS

__all__ = ["WORKLOADS"]
