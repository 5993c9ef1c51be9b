"""Typed helpers for container creation: mounts, health checks, restart policies, ...

Each is a dataclass validated when built; ``to_api()`` returns the Engine API JSON object.
Bad values raise :class:`~aiodock.errors.InvalidArgument` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import InvalidArgument
from ..utils import parse_bytes, string_map
from .base import Duration, nanoseconds

__all__ = [
    "DeviceRequest",
    "Healthcheck",
    "LogConfig",
    "Mount",
    "RestartPolicy",
    "Ulimit",
]


def _duration_nanos(value: Duration | None, name: str) -> int | None:
    return None if value is None else nanoseconds(value, name)


_HEALTH_TEST_KINDS = ("NONE", "CMD", "CMD-SHELL")


@dataclass(frozen=True)
class Healthcheck:
    """How the daemon checks that a container is healthy.

    ``test`` is a shell command string (run with ``/bin/sh -c``), or a list starting with
    ``"CMD"`` (exec form), ``"CMD-SHELL"`` or ``"NONE"`` (disable the image's check).

    **Durations are an int of nanoseconds**, as in docker-py and the Engine API
    (``interval=10 * 1_000_000_000``), or, readably, a :class:`~datetime.timedelta` or a Go
    duration string (``"10s"``, ``"1m30s"``, ``"500ms"``); a float is refused. ``None`` inherits
    the image's value. ``retries`` is the number of consecutive failures before the
    container is reported unhealthy. ``start_interval`` (API 1.44) is the interval between
    checks during ``start_period``.
    """

    test: str | Sequence[str] | None = None
    interval: Duration | None = None
    timeout: Duration | None = None
    retries: int | None = None
    start_period: Duration | None = None
    start_interval: Duration | None = None

    def __post_init__(self) -> None:
        if self.test is not None and not isinstance(self.test, str):
            items = list(self.test)
            if not items or not all(isinstance(item, str) for item in items):
                raise InvalidArgument(
                    f"healthcheck test: expected a string or a list of strings, got {self.test!r}"
                )
            if items[0] not in _HEALTH_TEST_KINDS:
                raise InvalidArgument(
                    f"healthcheck test: a list must start with CMD, CMD-SHELL or NONE, "
                    f"got {items[0]!r}"
                )
        if self.retries is not None and (
            isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0
        ):
            raise InvalidArgument(
                f"healthcheck retries: expected an integer >= 0, got {self.retries!r}"
            )
        for name in ("interval", "timeout", "start_period", "start_interval"):
            _duration_nanos(getattr(self, name), f"healthcheck {name}")

    def to_api(self) -> dict[str, Any]:
        """The ``HealthConfig`` object (durations in nanoseconds)."""
        body: dict[str, Any] = {}
        if isinstance(self.test, str):
            body["Test"] = ["CMD-SHELL", self.test]
        elif self.test is not None:
            body["Test"] = list(self.test)
        for name, key in (
            ("interval", "Interval"),
            ("timeout", "Timeout"),
            ("start_period", "StartPeriod"),
            ("start_interval", "StartInterval"),
        ):
            nanos = _duration_nanos(getattr(self, name), f"healthcheck {name}")
            if nanos is not None:
                body[key] = nanos
        if self.retries is not None:
            body["Retries"] = self.retries
        return body


RestartPolicyName = Literal["", "no", "always", "unless-stopped", "on-failure"]
_RESTART_NAMES = ("", "no", "always", "unless-stopped", "on-failure")


@dataclass(frozen=True)
class RestartPolicy:
    """When the daemon restarts the container: ``"no"``, ``"always"``, ``"unless-stopped"``
    or ``"on-failure"`` (at most ``maximum_retry_count`` times; 0 means no limit)."""

    name: RestartPolicyName = "no"
    maximum_retry_count: int = 0

    def __post_init__(self) -> None:
        if self.name not in _RESTART_NAMES:
            raise InvalidArgument(
                f"restart_policy: unknown policy {self.name!r}; expected no, always, "
                "unless-stopped or on-failure"
            )
        count = self.maximum_retry_count
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidArgument(
                f"restart_policy: maximum_retry_count must be an integer >= 0, got {count!r}"
            )
        if count and self.name != "on-failure":
            raise InvalidArgument(
                "restart_policy: maximum_retry_count only applies to the on-failure policy"
            )

    @classmethod
    def parse(cls, value: str) -> RestartPolicy:
        """``"always"``, ``"on-failure:3"``, ... as the CLI's ``--restart`` takes it."""
        name, _, count = value.partition(":")
        if count and not count.isdigit():
            raise InvalidArgument(f"restart_policy: {value!r} is not like on-failure:3")
        return cls(name, int(count) if count else 0)  # type: ignore[arg-type]

    def to_api(self) -> dict[str, Any]:
        """The ``RestartPolicy`` object."""
        return {"Name": self.name, "MaximumRetryCount": self.maximum_retry_count}


@dataclass(frozen=True)
class Ulimit:
    """A resource limit of the container's processes (``nofile``, ``nproc``, ...).
    ``hard`` defaults to ``soft``."""

    name: str
    soft: int
    hard: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgument(f"ulimits: a name is required, got {self.name!r}")
        for label, value in (("soft", self.soft), ("hard", self.hard)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidArgument(f"ulimits {self.name}: {label} must be an integer")
        if self.hard is not None and self.soft > self.hard and self.hard != -1:
            raise InvalidArgument(
                f"ulimits {self.name}: soft limit {self.soft} exceeds hard limit {self.hard}"
            )

    def to_api(self) -> dict[str, Any]:
        """The ``Ulimit`` object."""
        return {
            "Name": self.name,
            "Soft": self.soft,
            "Hard": self.soft if self.hard is None else self.hard,
        }


@dataclass(frozen=True)
class LogConfig:
    """The logging driver of the container and its options (all values are strings)."""

    type: str = "json-file"
    config: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.type, str) or not self.type:
            raise InvalidArgument(f"log_config: type must be a driver name, got {self.type!r}")
        string_map(self.config, "log_config.config")

    def to_api(self) -> dict[str, Any]:
        """The ``LogConfig`` object."""
        return {"Type": self.type, "Config": string_map(self.config, "log_config.config")}


@dataclass(frozen=True)
class DeviceRequest:
    """A request for devices from a device driver, such as GPUs.

    ``count=-1`` asks for every device; ``device_ids`` names them instead.
    ``capabilities`` is a list of alternatives, each a list of capabilities
    (``[["gpu"]]``). :meth:`gpus` builds what ``docker run --gpus`` sends.
    """

    driver: str = ""
    count: int = 0
    device_ids: Sequence[str] | None = None
    capabilities: Sequence[Sequence[str]] | None = None
    options: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < -1:
            raise InvalidArgument(f"device_requests: count must be -1 or more, got {self.count!r}")
        if self.count and self.device_ids:
            raise InvalidArgument("device_requests: give count or device_ids, not both")
        if self.capabilities is not None:
            for alternative in self.capabilities:
                if isinstance(alternative, str) or not all(
                    isinstance(cap, str) for cap in alternative
                ):
                    raise InvalidArgument(
                        "device_requests: capabilities is a list of lists of strings, "
                        f"like [['gpu']], got {self.capabilities!r}"
                    )

    @classmethod
    def gpus(cls, count: int = -1, device_ids: Sequence[str] | None = None) -> DeviceRequest:
        """GPUs as ``docker run --gpus`` asks for them (every GPU by default)."""
        return cls(count=0 if device_ids else count, device_ids=device_ids, capabilities=[["gpu"]])

    def to_api(self) -> dict[str, Any]:
        """The ``DeviceRequest`` object."""
        return {
            "Driver": self.driver,
            "Count": self.count,
            "DeviceIDs": list(self.device_ids or []),
            "Capabilities": [list(alt) for alt in self.capabilities or []],
            "Options": string_map(self.options, "device_requests.options"),
        }


MountType = Literal["volume", "bind", "tmpfs", "npipe"]
_PROPAGATIONS = ("private", "rprivate", "shared", "rshared", "slave", "rslave")
_CONSISTENCIES = ("default", "consistent", "cached", "delegated")


@dataclass(frozen=True)
class Mount:
    """A mount in the container (the ``--mount`` flag).

    - ``type="volume"``: ``source`` is a volume name (``None``: a new anonymous volume);
      ``no_copy``, ``labels``, ``driver``, ``driver_options`` and ``subpath`` (a path
      inside the volume to mount instead of its root; API 1.45) apply.
    - ``type="bind"``: ``source`` is a path on the host; ``propagation`` and
      ``non_recursive`` apply.
    - ``type="tmpfs"``: no source; ``tmpfs_size`` (bytes or ``"64m"``) and ``tmpfs_mode``
      (an int such as ``0o1777``) apply.
    """

    target: str
    source: str | None = None
    type: MountType = "volume"
    read_only: bool = False
    consistency: str | None = None
    propagation: str | None = None
    non_recursive: bool = False
    no_copy: bool = False
    labels: Mapping[str, str] | None = None
    driver: str | None = None
    driver_options: Mapping[str, str] | None = None
    tmpfs_size: int | str | None = None
    tmpfs_mode: int | None = None
    subpath: str | None = None

    def __post_init__(self) -> None:
        where = f"mount {self.target!r}"
        if not isinstance(self.target, str) or not self.target.startswith("/"):
            raise InvalidArgument(f"{where}: target must be an absolute path in the container")
        if self.type not in ("volume", "bind", "tmpfs", "npipe"):
            raise InvalidArgument(f"{where}: unknown type {self.type!r}")
        if self.type in ("bind", "npipe") and not self.source:
            raise InvalidArgument(f"{where}: a {self.type} mount needs a source path")
        if self.type == "tmpfs" and self.source:
            raise InvalidArgument(f"{where}: a tmpfs mount has no source")
        if self.consistency is not None and self.consistency not in _CONSISTENCIES:
            raise InvalidArgument(f"{where}: unknown consistency {self.consistency!r}")
        bind_only = self.propagation is not None or self.non_recursive
        volume_only = self._volume_options_given
        tmpfs_only = self.tmpfs_size is not None or self.tmpfs_mode is not None
        if bind_only and self.type != "bind":
            raise InvalidArgument(f"{where}: propagation/non_recursive apply to bind mounts only")
        if self.propagation is not None and self.propagation not in _PROPAGATIONS:
            raise InvalidArgument(f"{where}: unknown propagation {self.propagation!r}")
        if volume_only and self.type != "volume":
            raise InvalidArgument(
                f"{where}: no_copy/labels/driver/driver_options/subpath apply to volume mounts only"
            )
        if tmpfs_only and self.type != "tmpfs":
            raise InvalidArgument(f"{where}: tmpfs_size/tmpfs_mode apply to tmpfs mounts only")
        if self.tmpfs_size is not None:
            parse_bytes(self.tmpfs_size, name=f"{where} tmpfs_size")
        if self.tmpfs_mode is not None and (
            isinstance(self.tmpfs_mode, bool) or not isinstance(self.tmpfs_mode, int)
        ):
            raise InvalidArgument(f"{where}: tmpfs_mode must be an int such as 0o1777")

    @property
    def _volume_options_given(self) -> bool:
        return bool(
            self.no_copy or self.labels or self.driver or self.driver_options or self.subpath
        )

    def to_api(self) -> dict[str, Any]:
        """The ``Mount`` object of ``HostConfig.Mounts``."""
        body: dict[str, Any] = {"Target": self.target, "Type": self.type}
        if self.source:
            body["Source"] = self.source
        if self.read_only:
            body["ReadOnly"] = True
        if self.consistency:
            body["Consistency"] = self.consistency
        if self.type == "bind" and (self.propagation or self.non_recursive):
            options: dict[str, Any] = {}
            if self.propagation:
                options["Propagation"] = self.propagation
            if self.non_recursive:
                options["NonRecursive"] = True
            body["BindOptions"] = options
        elif self.type == "volume" and self._volume_options_given:
            volume: dict[str, Any] = {}
            if self.no_copy:
                volume["NoCopy"] = True
            if self.labels:
                volume["Labels"] = string_map(self.labels, "Mount.labels")
            if self.driver or self.driver_options:
                volume["DriverConfig"] = {
                    "Name": self.driver or "local",
                    "Options": string_map(self.driver_options or {}, "Mount.driver_options"),
                }
            if self.subpath:
                volume["Subpath"] = self.subpath
            body["VolumeOptions"] = volume
        elif self.type == "tmpfs" and (self.tmpfs_size is not None or self.tmpfs_mode is not None):
            tmpfs: dict[str, Any] = {}
            if self.tmpfs_size is not None:
                tmpfs["SizeBytes"] = parse_bytes(self.tmpfs_size, name="tmpfs_size")
            if self.tmpfs_mode is not None:
                tmpfs["Mode"] = self.tmpfs_mode
            body["TmpfsOptions"] = tmpfs
        return body
