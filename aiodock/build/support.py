"""Whether the daemon builds with BuildKit: asked once per client, before a build that
needs it sends anything.

``GET /_ping`` answers ``Builder-Version: 2`` where BuildKit is the daemon's builder and
``1`` where its configuration turns BuildKit off (``"features": {"buildkit": false}``, or
Windows); Docker 20.10 on Linux sends no header unless configured, and builds with BuildKit
when asked. Podman serves Docker's API without BuildKit (its ``/_ping`` adds
``Libpod-Api-Version``, its ``/version`` names a "Podman Engine" component).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import NotSupported

if TYPE_CHECKING:
    from ..client import Docker
    from ..engine import EngineInfo

__all__ = ["buildkit_missing", "require_buildkit"]


def buildkit_missing(engine: EngineInfo) -> str | None:
    """Why ``engine`` has no BuildKit (naming it and its version), or ``None`` when it has."""
    if engine.is_podman:
        return f"{engine} has no BuildKit"
    builder = engine.builder_version
    if builder == "1":
        return f"{engine} has BuildKit turned off (its /_ping says Builder-Version: 1)"
    if builder in (None, "2"):
        if engine.os.lower() == "windows" and builder != "2":
            return f"{engine} on Windows has no BuildKit"
        return None
    return f"{engine} reports an unknown builder version {builder!r}"


async def require_buildkit(docker: Docker, feature: str) -> None:
    """Raise :class:`~aiodock.errors.NotSupported` naming the engine when ``feature``
    (what the build asked for) needs BuildKit and the daemon has none (the engine is read
    once per client: :meth:`~aiodock.Docker.engine`)."""
    reason = buildkit_missing(await docker.engine())
    if reason is not None:
        raise NotSupported(f"{feature} needs BuildKit, and {reason}")
