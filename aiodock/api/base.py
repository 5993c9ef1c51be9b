"""What every ``docker.api`` mixin stands on: the client it speaks through."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client import Docker


class ApiBase:
    """The client a low-level mixin reaches the managers through."""

    def __init__(self, docker: Docker) -> None:
        self._docker = docker

    def __repr__(self) -> str:
        return f"<APIClient of {self._docker!r}>"
