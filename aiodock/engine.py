"""What engine answers: Docker or Podman, its versions, builder, swarm state and platform.

:meth:`Docker.engine() <aiodock.Docker.engine>` returns an :class:`EngineInfo`, read once
from the ``/_ping`` headers (already fetched when the API version was negotiated) and
``GET /version``. Podman serves the Docker API without some of its parts; a request for one
of them raises :class:`~aiodock.errors.NotSupported` naming the engine before it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from .errors import NotSupported
from .utils import version_tuple
from .versions import Target

if TYPE_CHECKING:
    from .client import Docker

__all__ = ["CAPABILITY_PATHS", "Capability", "EngineInfo", "podman_lacks", "read_engine"]

Capability = Literal["swarm", "plugins", "build sessions", "build prune"]

CAPABILITY_PATHS: Final[dict[str, Capability]] = {
    "/swarm": "swarm",
    "/services": "swarm",
    "/nodes": "swarm",
    "/tasks": "swarm",
    "/configs": "swarm",
    "/plugins": "plugins",
    "/session": "build sessions",
    "/build/prune": "build prune",
}
"""API path prefixes and the capability a request to them needs."""

GATED_PREFIXES: Final = tuple(CAPABILITY_PATHS)

_PODMAN_LACKS: Final[dict[Capability, str]] = {
    "swarm": "has no swarm mode (services, tasks, nodes, configs)",
    "plugins": "has no Docker plugins",
    "build sessions": "has no BuildKit build sessions (/session: build secrets, SSH forwarding)",
    "build prune": "has no build-cache prune (/build/prune)",
}
"""What each capability Podman lacks is, said after ``Podman <version>``."""


def podman_lacks(capability: Capability, podman_version: str) -> str | None:
    """Why Podman ``podman_version`` cannot serve ``capability`` (``None``: it can)."""
    del podman_version  # no Podman release so far has any of these
    return _PODMAN_LACKS.get(capability)


def capability_of(path: str) -> Capability | None:
    """The capability a request to API ``path`` needs, if any."""
    for prefix, capability in CAPABILITY_PATHS.items():
        if path == prefix or path.startswith((prefix + "/", prefix + "?")):
            return capability
    return None


def podman_version_of(ping_headers: Mapping[str, str]) -> str | None:
    """Podman's version from its ``/_ping`` headers (``None`` for Docker)."""
    return ping_headers.get("Libpod-Api-Version") or None


def unsupported(ping_headers: Mapping[str, str], path: str) -> NotSupported | None:
    """The error for a request to ``path`` on the engine that sent ``ping_headers``."""
    capability = capability_of(path)
    return lacks(ping_headers, capability) if capability is not None else None


def lacks(ping_headers: Mapping[str, str], capability: Capability) -> NotSupported | None:
    """The error when the engine that sent ``ping_headers`` lacks ``capability``."""
    podman = podman_version_of(ping_headers)
    if podman is None:
        return None
    reason = podman_lacks(capability, podman)
    return NotSupported(f"Podman {podman} {reason}") if reason else None


@dataclass(frozen=True)
class EngineInfo:
    """The engine behind a :class:`~aiodock.Docker` client.

    ``name`` is ``"docker"`` or ``"podman"``; ``version`` its release (``"28.5.2"``,
    ``"4.3.1"``); ``api_version`` the API version this client speaks to it (negotiated or
    pinned), ``max_api_version``/``min_api_version`` the range the daemon serves.
    ``builder_version`` is the daemon's default builder (``"1"`` classic, ``"2"``
    BuildKit; ``None`` when it does not say, as Docker before 23). ``swarm`` is the node's
    swarm state when read (``"inactive"``, ``"pending"``, ``"active/worker"``,
    ``"active/manager"``, ``"locked"``, ``"error"``, or ``"unsupported"`` on Podman);
    ``engine(refresh=True)`` reads it again. ``components`` maps each component the daemon
    lists (``Engine``, ``containerd``, ``runc``, ``Podman Engine``, ...) to its version.
    """

    name: Literal["docker", "podman"]
    version: str
    api_version: str
    max_api_version: str
    min_api_version: str | None
    builder_version: str | None
    swarm: str
    os: str
    arch: str
    kernel_version: str
    experimental: bool
    components: Mapping[str, str] = field(hash=False)

    def __str__(self) -> str:
        return f"{'Podman' if self.is_podman else 'Docker'} {self.version}"

    @property
    def is_podman(self) -> bool:
        """Whether the engine is Podman (serving the Docker-compatible API)."""
        return self.name == "podman"

    @property
    def platform(self) -> str:
        """``os/arch`` of the daemon's host, as in ``linux/amd64``."""
        return f"{self.os}/{self.arch}"

    def api_at_least(self, version: str) -> bool:
        """Whether the negotiated API version is ``version`` or newer."""
        return version_tuple(self.api_version) >= version_tuple(version)

    @property
    def target(self) -> Target:
        """What requests to it are built for: ``engine.target.supports("stop.signal")``
        says whether a version-dependent keyword (:data:`aiodock.versions.FEATURES`)
        can be used with it."""
        return Target(self.api_version, self.version if self.is_podman else None)

    def supports(self, capability: Capability) -> bool:
        """Whether the engine has ``capability`` at all (swarm mode may still be off)."""
        return not self.is_podman or podman_lacks(capability, self.version) is None

    def require(self, capability: Capability) -> None:
        """Raise :class:`NotSupported` when the engine lacks ``capability``."""
        if self.is_podman:
            reason = podman_lacks(capability, self.version)
            if reason is not None:
                raise NotSupported(f"{self} {reason}")


_SWARM_STATES: Final = ("inactive", "pending", "active", "error", "locked")


async def read_engine(docker: Docker, *, fresh: bool = False) -> EngineInfo:
    """Read the engine's facts: ``/_ping`` (unless the version negotiation's headers are
    there and not ``fresh``), ``/version``, and ``/info`` only for a Docker daemon whose
    ping has no ``Swarm`` header."""
    api_version = await docker.negotiate_version()
    if fresh:
        await docker.transport.ping()
    ping_headers = await docker.transport.engine_headers()
    version: dict[str, Any] = await docker.version()
    components = {
        str(part.get("Name")): str(part.get("Version") or "")
        for part in version.get("Components") or ()
        if isinstance(part, Mapping) and part.get("Name")
    }
    podman = podman_version_of(ping_headers) or components.get("Podman Engine")
    swarm = ping_headers.get("Swarm")
    if podman:
        swarm = "unsupported"
    elif not swarm:
        swarm = _swarm_state((await docker.info()).get("Swarm") or {})
    builder = ping_headers.get("Builder-Version")
    experimental = ping_headers.get("Docker-Experimental", str(version.get("Experimental", "")))
    return EngineInfo(
        name="podman" if podman else "docker",
        version=str(podman or version.get("Version") or ""),
        api_version=api_version,
        max_api_version=str(version.get("ApiVersion") or ping_headers.get("API-Version") or ""),
        min_api_version=str(version["MinAPIVersion"]) if version.get("MinAPIVersion") else None,
        builder_version=builder or None,
        swarm=swarm,
        os=str(version.get("Os") or ping_headers.get("OSType") or ""),
        arch=str(version.get("Arch") or ""),
        kernel_version=str(version.get("KernelVersion") or ""),
        experimental=experimental.lower() == "true",
        components=components,
    )


def _swarm_state(swarm: Mapping[str, Any]) -> str:
    """The ``Swarm`` ping header's value from ``/info``'s ``Swarm`` section."""
    state = str(swarm.get("LocalNodeState") or "inactive")
    if state == "active":
        return "active/manager" if swarm.get("ControlAvailable") else "active/worker"
    return state if state in _SWARM_STATES else "error"
