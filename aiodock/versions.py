"""Which Engine API versions have which request fields and parameters.

One table, :data:`FEATURES`, says for each keyword or parameter aiodock sends the API
versions that take it (from the Engine API changelog). The places that build requests
ask it before anything is sent: :func:`check` raises :class:`InvalidArgument` naming the
keyword and the versions that have it, and :func:`adapt_create` also moves fields the
daemon moved (``mac_address`` onto the network endpoint from 1.44).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from .errors import InvalidArgument, NotSupported
from .utils import version_tuple

if TYPE_CHECKING:
    from .client import Docker

__all__ = [
    "FEATURES",
    "MOVED",
    "PODMAN_ALSO",
    "PODMAN_BROKEN",
    "PODMAN_IGNORES",
    "Feature",
    "Target",
    "adapt_create",
    "check",
    "check_body",
    "request_target",
    "require",
    "supports",
]


@dataclass(frozen=True)
class Feature:
    """A keyword or parameter and the API versions that have it (``None``: no bound)."""

    name: str
    since: str | None = None
    until: str | None = None
    note: str = ""

    def available(self, version: str) -> bool:
        """Whether API ``version`` has it."""
        wanted = version_tuple(version)
        if self.since is not None and wanted < version_tuple(self.since):
            return False
        return self.until is None or wanted <= version_tuple(self.until)

    def error(self, version: str) -> InvalidArgument:
        """The error for using it on API ``version``."""
        if self.since is not None and self.until is not None:
            span = f"API {self.since} to {self.until} only"
        elif self.since is not None:
            span = f"needs API {self.since} or newer"
        else:
            span = f"is only in API {self.until} and older"
        note = f" ({self.note})" if self.note else ""
        return InvalidArgument(f"{self.name} {span}{note}; the daemon speaks API {version}")


def _f(name: str, since: str | None = None, until: str | None = None, note: str = "") -> Feature:
    return Feature(name, since, until, note)


FEATURES: Final[dict[str, Feature]] = {
    # containers: create and update bodies
    "create.kernel_memory": _f("kernel_memory", until="1.41", note="later daemons ignore it"),
    "create.console_size": _f("console_size", "1.42"),
    "create.annotations": _f("annotations", "1.43"),
    "create.healthcheck.start_interval": _f("healthcheck start_interval", "1.44"),
    "create.mounts.subpath": _f("mount subpath", "1.45"),
    "create.endpoint.mac_address": _f("endpoint mac_address", "1.44"),
    "create.endpoint.gw_priority": _f("endpoint gw_priority", "1.48"),
    "update.kernel_memory": _f("kernel_memory", until="1.41", note="later daemons ignore it"),
    # containers: query parameters
    "stop.signal": _f("stop(signal=...)", "1.42"),
    "restart.signal": _f("restart(signal=...)", "1.42"),
    # exec
    "exec.console_size": _f("exec console_size", "1.42"),
    # networks
    "connect.mac_address": _f("connect(mac_address=...)", "1.44"),
    "connect.gw_priority": _f("connect(gw_priority=...)", "1.48"),
    # images
    "images.list.shared_size": _f("images.list(shared_size=...)", "1.42"),
    "images.list.manifests": _f("images.list(manifests=...)", "1.47"),
    "images.get.platform": _f("images.get(platform=...)", "1.49"),
    "images.history.platform": _f("history(platform=...)", "1.48"),
    "images.save.platform": _f("save(platform=...)", "1.48"),
    "images.load.platform": _f("load(platform=...)", "1.48"),
    "images.push.platform": _f("push(platform=...)", "1.46"),
    "images.remove.platforms": _f("images.remove(platforms=...)", "1.50"),
    # build cache
    "build_prune.max_used_space": _f("prune_builds(max_used_space=...)", "1.48"),
    "build_prune.min_free_space": _f("prune_builds(min_free_space=...)", "1.48"),
    # volumes
    "volumes.prune.all": _f("the volume prune filter 'all'", "1.42"),
}
"""Every version-dependent keyword or parameter, keyed ``operation.keyword``: outside
its versions it is refused."""

MOVED: Final[dict[str, Feature]] = {
    "create.mac_address": _f("mac_address on the endpoint", "1.44", note="top-level before"),
    "build_prune.reserved_space": _f("reserved-space", "1.48", note="keep-storage before"),
}
"""Fields the daemon moved or renamed: from ``since`` they are sent in the new place."""


PODMAN_IGNORES: Final[dict[str, str]] = {
    "stop.signal": "ignores stop(signal=...)",
    "restart.signal": "ignores restart(signal=...)",
    "create.healthcheck.start_interval": "ignores healthcheck start_interval",
    "exec.console_size": "ignores exec console_size",
    "volumes.prune.all": "has no volume prune filter 'all' (it prunes named volumes anyway)",
}
"""Features of :data:`FEATURES` that Podman's Docker-compatible API leaves out although
the API version it serves has them: asking for one raises
:class:`~aiodock.errors.NotSupported` rather than being silently ignored."""

PODMAN_BROKEN: Final[dict[str, tuple[str, str]]] = {
    "container.update": ("5", "has no container update (POST /containers/{id}/update)"),
    "attach.logs": (
        "5",
        "frames the logs replay of attach one byte short: read container.logs(), then "
        "attach with logs=False",
    ),
}
"""What Podman releases before the given one get wrong (``key``: (fixed in, what)): asking
for it raises :class:`~aiodock.errors.NotSupported` there instead of failing later."""

PODMAN_ALSO: Final = frozenset({"create.endpoint.mac_address", "create.mac_address"})
"""Features Podman honours below the API version that brought them to Docker (it ignores
the container-wide ``MacAddress`` and reads the endpoint's, on API 1.41 too)."""


@dataclass(frozen=True)
class Target:
    """What requests are built for: the negotiated API ``version``, and Podman's version
    when Podman serves it."""

    version: str
    podman: str | None = None

    def supports(self, key: str) -> bool:
        """Whether the feature ``key`` of :data:`FEATURES` can be used (or the field
        ``key`` of :data:`MOVED` goes to its new place)."""
        if self.podman is not None and key in PODMAN_IGNORES:
            return False
        if self.podman is not None and key in PODMAN_ALSO:
            return True
        return (MOVED.get(key) or FEATURES[key]).available(self.version)

    def check(self, key: str) -> None:
        """Raise :class:`InvalidArgument` when the API version lacks the feature ``key``,
        :class:`NotSupported` when the engine ignores it."""
        feature = FEATURES.get(key)
        if feature is not None and not self.supports(key) and not feature.available(self.version):
            raise feature.error(self.version)
        if self.podman is None:
            return
        if key in PODMAN_IGNORES:
            raise NotSupported(f"Podman {self.podman} {PODMAN_IGNORES[key]}")
        fixed, broken = PODMAN_BROKEN.get(key, ("0", ""))
        if version_tuple(_release(self.podman) or "0") < version_tuple(fixed):
            raise NotSupported(f"Podman {self.podman} {broken}")

    @property
    def default_network(self) -> str:
        """The network a container joins when none is named."""
        return "podman" if self.podman is not None else "bridge"


def _release(version: str) -> str:
    """``"4.3.1"`` of ``"4.3.1-dev"`` or ``"4.3.1+ds1"``."""
    return ".".join(
        part for part in version.split("-")[0].split("+")[0].split(".") if part.isdigit()
    )


def supports(version: str, key: str) -> bool:
    """Whether Docker's API ``version`` has the feature ``key`` (see :meth:`Target.supports`)."""
    return Target(version).supports(key)


def check(version: str, key: str) -> None:
    """Raise :class:`InvalidArgument` when Docker's API ``version`` lacks the feature ``key``."""
    Target(version).check(key)


async def request_target(docker: Docker) -> Target:
    """The :class:`Target` of ``docker``'s requests (its ping headers tell Podman)."""
    version = await docker.negotiate_version()
    headers = await docker.transport.engine_headers()
    return Target(version, headers.get("Libpod-Api-Version") or None)


async def require(docker: Docker, key: str) -> None:
    """:meth:`Target.check` the feature ``key`` for ``docker``."""
    (await request_target(docker)).check(key)


def check_body(target: Target, operation: str, fields: Mapping[str, str], body: Any) -> None:
    """:meth:`Target.check` each ``fields`` key (a body field) present in the dict ``body``;
    ``fields`` maps it to its keyword under ``operation``."""
    if isinstance(body, Mapping):
        for field, keyword in fields.items():
            if body.get(field) is not None:
                target.check(f"{operation}.{keyword}")


_HOST_FIELDS: Final = {
    "KernelMemory": "kernel_memory",
    "ConsoleSize": "console_size",
    "Annotations": "annotations",
}
_ENDPOINT_FIELDS: Final = {
    "MacAddress": "endpoint.mac_address",
    "GwPriority": "endpoint.gw_priority",
}


def adapt_create(target: Target, body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``POST /containers/create`` body for ``target``: fields it lacks raise
    :class:`InvalidArgument`; ``Config.MacAddress`` moves onto the endpoint from 1.44
    (where it is deprecated; 1.52 dropped it) and on Podman (which ignores it)."""
    result = dict(body)
    host = result.get("HostConfig")
    check_body(target, "create", _HOST_FIELDS, host)
    health = result.get("Healthcheck")
    check_body(target, "create", {"StartInterval": "healthcheck.start_interval"}, health)
    for mount in (host or {}).get("Mounts") or ():
        check_body(target, "create", {"Subpath": "mounts.subpath"}, mount.get("VolumeOptions"))
    mac = result.get("MacAddress")
    if mac and target.supports("create.mac_address"):
        result = _mac_on_endpoint(result, mac, target.default_network)
    endpoints = (result.get("NetworkingConfig") or {}).get("EndpointsConfig") or {}
    for endpoint in endpoints.values():
        check_body(target, "create", _ENDPOINT_FIELDS, endpoint)
    return result


def _mac_on_endpoint(body: dict[str, Any], mac: str, default_network: str) -> dict[str, Any]:
    """``body`` with its container-wide MAC address on the endpoint of its network."""
    del body["MacAddress"]
    network = (body.get("HostConfig") or {}).get("NetworkMode") or "default"
    if network == "default":  # docker-py's name for the engine's default network
        network = default_network
    networking = dict(body.get("NetworkingConfig") or {})
    endpoints = dict(networking.get("EndpointsConfig") or {})
    endpoint = dict(endpoints.get(network) or {})
    if endpoint.get("MacAddress") not in (None, mac):
        raise InvalidArgument(
            f"mac_address {mac!r} differs from the MacAddress of the endpoint on {network!r}"
        )
    endpoint["MacAddress"] = mac
    endpoints[network] = endpoint
    networking["EndpointsConfig"] = endpoints
    body["NetworkingConfig"] = networking
    return body
