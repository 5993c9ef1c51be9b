"""Whether the daemon builds with BuildKit: asked once per client, before a build that
needs it sends anything.

``GET /_ping`` answers ``Builder-Version: 2`` where BuildKit is the daemon's builder and
``1`` where its configuration turns BuildKit off (``"features": {"buildkit": false}``, or
Windows); Docker 20.10 on Linux sends no header unless configured, and builds with BuildKit
when asked. Podman serves Docker's API without BuildKit (its ``/_ping`` adds
``Libpod-Api-Version``, its ``/version`` names a "Podman Engine" component).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from ..errors import NotSupported

if TYPE_CHECKING:
    from ..client import Docker

__all__ = ["buildkit_missing", "require_buildkit"]

_checked: weakref.WeakKeyDictionary[Docker, str | None] = weakref.WeakKeyDictionary()


def buildkit_missing(headers: Any, version: dict[str, Any]) -> str | None:
    """Why the daemon of these ``/_ping`` headers and ``/version`` answer has no BuildKit
    (the engine and its version), or ``None`` when it has."""
    engine = f"Docker Engine {version.get('Version', '?')}"
    for component in version.get("Components") or ():
        name = str(component.get("Name", ""))
        if "podman" in name.lower():
            engine = f"{name} {component.get('Version', '?')}"
    libpod = headers.get("Libpod-Api-Version")
    if "Podman" in engine or libpod:
        if "Podman" not in engine:
            engine = f"Podman (API {libpod})"
        return f"{engine} has no BuildKit"
    builder = headers.get("Builder-Version")
    if builder == "1":
        return f"{engine} has BuildKit turned off (its /_ping says Builder-Version: 1)"
    if builder in (None, "", "2"):
        if str(version.get("Os", "linux")).lower() == "windows" and builder != "2":
            return f"{engine} on Windows has no BuildKit"
        return None
    return f"{engine} reports an unknown builder version {builder!r}"


async def require_buildkit(docker: Docker, feature: str) -> None:
    """Raise :class:`~aiodock.errors.NotSupported` naming the engine when ``feature``
    (what the build asked for) needs BuildKit and the daemon has none."""
    if docker not in _checked:
        headers = dict(await docker.transport.engine_headers())
        version = await docker.version()
        _checked[docker] = buildkit_missing(headers, version if isinstance(version, dict) else {})
    reason = _checked[docker]
    if reason is not None:
        raise NotSupported(f"{feature} needs BuildKit, and {reason}")
