"""Typed swarm specs: services, tasks, placement, secrets and configs references, the swarm.

Each class takes the keyword arguments docker-py users know and ``to_api()`` gives the
Engine API JSON. Durations (``delay``, ``monitor``, ``stop_grace_period``, ...) are an
integer of **nanoseconds**, as in docker-py and the Engine API, or, readably, a
:class:`~datetime.timedelta` or a Go duration string (``"10s"``, ``"1m30s"``, ``"500ms"``);
a float is refused. ``None`` leaves a field out, so the daemon's default applies.
"""

from __future__ import annotations

import shlex
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import InvalidArgument
from ..utils import parse_bytes, string_map
from .base import Duration, nanoseconds, to_json

__all__ = [
    "ConfigReference",
    "ContainerSpec",
    "DNSConfig",
    "DriverConfig",
    "EndpointSpec",
    "NetworkAttachmentConfig",
    "Placement",
    "PlacementPreference",
    "Privileges",
    "Resources",
    "RollbackConfig",
    "SecretReference",
    "ServiceMode",
    "ServiceRestartPolicy",
    "ServiceSpec",
    "SwarmExternalCA",
    "SwarmSpec",
    "TaskTemplate",
    "UpdateConfig",
]


class _Spec:
    """Base of the specs here: ``to_api()`` gives the JSON."""

    def to_api(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Deprecated alias of :meth:`to_api`."""
        warnings.warn(
            f"{type(self).__name__}.to_dict() is deprecated: use to_api()",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.to_api()


def _one_of(value: str | None, name: str, allowed: Iterable[str]) -> None:
    choices = tuple(allowed)
    if value is not None and value not in choices:
        raise InvalidArgument(f"{name}: {value!r} is not one of {', '.join(choices)}")


def _strings(
    value: str | Iterable[str] | None, name: str, *, split: bool = False
) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value) if split else [value]
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise InvalidArgument(f"{name}: {item!r} is not a string")
    return items


def _count(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument(f"{name}: expected a non-negative integer, got {value!r}")
    return value


def _pruned(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def environment(
    value: Mapping[str, Any] | Iterable[str] | None, name: str = "env"
) -> list[str] | None:
    """``{"A": "1"}`` or ``["A=1"]`` as the ``Env`` list (``None`` values give bare names)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return [str(key) if item is None else f"{key}={item}" for key, item in value.items()]
    if isinstance(value, str):
        raise InvalidArgument(f"{name}: expected a mapping or a list of 'NAME=value' strings")
    return _strings(value, name)


def _mount(value: Any, name: str) -> dict[str, Any]:
    """A mount as a typed helper, a dict, or ``"source:target[:ro|rw]"`` (a bind when the
    source is an absolute path, a named volume otherwise)."""
    if not isinstance(value, str):
        return dict(to_json(value, name))
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise InvalidArgument(f"{name}: {value!r} is not 'source:target[:ro|rw]'")
    mode = parts[2] if len(parts) == 3 else "rw"
    _one_of(mode, name, ("ro", "rw"))
    return {
        "Type": "bind" if parts[0].startswith("/") else "volume",
        "Source": parts[0],
        "Target": parts[1],
        "ReadOnly": mode == "ro",
    }


@dataclass
class DriverConfig(_Spec):
    """A driver with options: a log driver, a secret driver, a templating driver."""

    name: str
    options: Mapping[str, str] | None = None

    def to_api(self) -> dict[str, Any]:
        return _pruned({"Name": self.name, "Options": string_map(self.options, "options")})


def _driver(value: DriverConfig | str | Mapping[str, Any] | None, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return {"Name": value}
    return to_json(value, name)


def _file_target(name: str, uid: str | None, gid: str | None, mode: int) -> dict[str, Any]:
    """Where a secret or config appears in a task: file name, owner and mode."""
    return {"Name": name, "UID": uid or "0", "GID": gid or "0", "Mode": mode}


@dataclass
class SecretReference(_Spec):
    """A secret exposed to a service's tasks as the file ``/run/secrets/<filename>``."""

    secret_id: str
    secret_name: str
    filename: str | None = None
    uid: str | None = None
    gid: str | None = None
    mode: int = 0o444

    def to_api(self) -> dict[str, Any]:
        return {
            "SecretID": self.secret_id,
            "SecretName": self.secret_name,
            "File": _file_target(self.filename or self.secret_name, self.uid, self.gid, self.mode),
        }


@dataclass
class ConfigReference(_Spec):
    """A config exposed to a service's tasks as a file (``/<filename>`` unless absolute)."""

    config_id: str
    config_name: str
    filename: str | None = None
    uid: str | None = None
    gid: str | None = None
    mode: int = 0o444

    def to_api(self) -> dict[str, Any]:
        return {
            "ConfigID": self.config_id,
            "ConfigName": self.config_name,
            "File": _file_target(self.filename or self.config_name, self.uid, self.gid, self.mode),
        }


@dataclass
class DNSConfig(_Spec):
    """The tasks' ``resolv.conf``: name servers, search domains, resolver options."""

    nameservers: Sequence[str] | None = None
    search: Sequence[str] | None = None
    options: Sequence[str] | None = None

    def to_api(self) -> dict[str, Any]:
        return _pruned(
            {
                "Nameservers": _strings(self.nameservers, "nameservers"),
                "Search": _strings(self.search, "search"),
                "Options": _strings(self.options, "options"),
            }
        )


@dataclass
class Privileges(_Spec):
    """Security options of a service's containers (credential spec, SELinux context)."""

    credentialspec_file: str | None = None
    credentialspec_registry: str | None = None
    selinux_disable: bool | None = None
    selinux_user: str | None = None
    selinux_role: str | None = None
    selinux_type: str | None = None
    selinux_level: str | None = None

    def to_api(self) -> dict[str, Any]:
        if self.credentialspec_file and self.credentialspec_registry:
            raise InvalidArgument(
                "credentialspec_file and credentialspec_registry are mutually exclusive"
            )
        credential = _pruned(
            {"File": self.credentialspec_file, "Registry": self.credentialspec_registry}
        )
        selinux = _pruned(
            {
                "Disable": self.selinux_disable,
                "User": self.selinux_user,
                "Role": self.selinux_role,
                "Type": self.selinux_type,
                "Level": self.selinux_level,
            }
        )
        return _pruned({"CredentialSpec": credential or None, "SELinuxContext": selinux or None})


def _references(items: Sequence[Any] | None, name: str) -> list[Any] | None:
    """Secret or config references as JSON; a name or id stays a string, looked up when
    a service is created or updated (see ``resolve_spec_references``)."""
    if items is None:
        return None
    if isinstance(items, (str, bytes, Mapping)):
        raise InvalidArgument(f"{name}: expected a list of references, names or ids")
    return [item if isinstance(item, str) else to_json(item, name) for item in items]


@dataclass
class ContainerSpec(_Spec):
    """What each task runs: ``image``, ``command`` (the entrypoint; a string is split like a
    shell would) and ``args``, ``env`` (mapping or ``NAME=value`` list), ``mounts`` (typed
    :class:`~aiodock.types.Mount`, dicts or ``"source:target[:ro]"``), ``secrets`` and
    ``configs`` (typed references, dicts, or names and ids, which ``services.create`` and
    ``Service.update`` look up: a file named after each, as for their ``secrets=``
    keyword), ``hosts`` (``{"name": "ip"}`` or ``"ip name"`` lines), ...
    """

    image: str
    command: str | Sequence[str] | None = None
    args: Sequence[str] | None = None
    hostname: str | None = None
    env: Mapping[str, Any] | Sequence[str] | None = None
    workdir: str | None = None
    user: str | None = None
    labels: Mapping[str, str] | None = None
    mounts: Sequence[Any] | None = None
    stop_grace_period: Duration | None = None
    secrets: Sequence[SecretReference | Mapping[str, Any] | str] | None = None
    tty: bool | None = None
    groups: Sequence[str] | None = None
    open_stdin: bool | None = None
    read_only: bool | None = None
    stop_signal: str | None = None
    healthcheck: Any = None
    hosts: Mapping[str, str] | Sequence[str] | None = None
    dns_config: DNSConfig | Mapping[str, Any] | None = None
    configs: Sequence[ConfigReference | Mapping[str, Any] | str] | None = None
    privileges: Privileges | Mapping[str, Any] | None = None
    isolation: str | None = None
    init: bool | None = None
    cap_add: Sequence[str] | None = None
    cap_drop: Sequence[str] | None = None
    sysctls: Mapping[str, str] | None = None
    ulimits: Sequence[Any] | None = None

    def to_api(self) -> dict[str, Any]:
        if not isinstance(self.image, str) or not self.image:
            raise InvalidArgument(f"image: expected an image name, got {self.image!r}")
        _one_of(self.isolation, "isolation", ("default", "process", "hyperv", ""))
        hosts: list[str] | None
        if isinstance(self.hosts, Mapping):
            hosts = [f"{address} {host}" for host, address in self.hosts.items()]
        else:
            hosts = _strings(self.hosts, "hosts")
        return _pruned(
            {
                "Image": self.image,
                "Command": _strings(self.command, "command", split=True),
                "Args": _strings(self.args, "args", split=True),
                "Hostname": self.hostname,
                "Env": environment(self.env),
                "Dir": self.workdir,
                "User": self.user,
                "Labels": string_map(self.labels, "labels"),
                "Mounts": None
                if self.mounts is None
                else [_mount(item, "mounts") for item in self.mounts],
                "StopGracePeriod": None
                if self.stop_grace_period is None
                else nanoseconds(self.stop_grace_period, "stop_grace_period"),
                "Secrets": _references(self.secrets, "secrets"),
                "TTY": self.tty,
                "Groups": _strings(self.groups, "groups"),
                "OpenStdin": self.open_stdin,
                "ReadOnly": self.read_only,
                "StopSignal": self.stop_signal,
                "HealthCheck": None
                if self.healthcheck is None
                else to_json(self.healthcheck, "healthcheck"),
                "Hosts": hosts,
                "DNSConfig": None
                if self.dns_config is None
                else to_json(self.dns_config, "dns_config"),
                "Configs": _references(self.configs, "configs"),
                "Privileges": None
                if self.privileges is None
                else to_json(self.privileges, "privileges"),
                "Isolation": self.isolation,
                "Init": self.init,
                "CapabilityAdd": _strings(self.cap_add, "cap_add"),
                "CapabilityDrop": _strings(self.cap_drop, "cap_drop"),
                "Sysctls": string_map(self.sysctls, "sysctls"),
                "Ulimits": None
                if self.ulimits is None
                else [to_json(item, "ulimits") for item in self.ulimits],
            }
        )


def _generic_resources(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        out: list[dict[str, Any]] = []
        for kind, amount in value.items():
            if isinstance(amount, int) and not isinstance(amount, bool):
                out.append({"DiscreteResourceSpec": {"Kind": kind, "Value": amount}})
            elif isinstance(amount, str):
                out.append({"NamedResourceSpec": {"Kind": kind, "Value": amount}})
            else:
                raise InvalidArgument(
                    f"generic_resources: {kind!r} must be an int or a string, not {amount!r}"
                )
        return out
    if isinstance(value, (list, tuple)):
        return [dict(item) for item in value]
    raise InvalidArgument(f"generic_resources: expected a mapping or a list, got {value!r}")


@dataclass
class Resources(_Spec):
    """Limits and reservations of each task: CPUs in units of 10^-9 CPU (``1_000_000_000`` is
    one CPU, as docker-py), memory in bytes or as ``"512m"``, ``generic_resources`` as
    ``{"gpu": 2, "ssd": "UUID"}``, ``pids_limit`` as a count."""

    cpu_limit: int | None = None
    mem_limit: int | str | None = None
    cpu_reservation: int | None = None
    mem_reservation: int | str | None = None
    generic_resources: Mapping[str, int | str] | Sequence[Mapping[str, Any]] | None = None
    pids_limit: int | None = None

    def to_api(self) -> dict[str, Any]:
        limits = _pruned(
            {
                "NanoCPUs": _count(self.cpu_limit, "cpu_limit"),
                "MemoryBytes": None
                if self.mem_limit is None
                else parse_bytes(self.mem_limit, name="mem_limit"),
                "Pids": _count(self.pids_limit, "pids_limit"),
            }
        )
        reservations = _pruned(
            {
                "NanoCPUs": _count(self.cpu_reservation, "cpu_reservation"),
                "MemoryBytes": None
                if self.mem_reservation is None
                else parse_bytes(self.mem_reservation, name="mem_reservation"),
                "GenericResources": _generic_resources(self.generic_resources),
            }
        )
        return _pruned({"Limits": limits or None, "Reservations": reservations or None})


@dataclass
class RestartPolicy(_Spec):
    """When a service's task is restarted: ``condition`` is ``"none"``, ``"on-failure"`` or
    ``"any"``; ``delay`` between attempts and ``window`` to evaluate them (durations: nanoseconds, a
    timedelta or ``"5s"``)."""

    condition: str = "none"
    delay: Duration = 0
    max_attempts: int = 0
    window: Duration = 0

    def to_api(self) -> dict[str, Any]:
        _one_of(self.condition, "condition", ("none", "on-failure", "any"))
        return {
            "Condition": self.condition,
            "Delay": nanoseconds(self.delay, "delay"),
            "MaxAttempts": _count(self.max_attempts, "max_attempts"),
            "Window": nanoseconds(self.window, "window"),
        }


ServiceRestartPolicy = RestartPolicy
"""``aiodock.types.ServiceRestartPolicy``: the name under which :class:`RestartPolicy` of
services is exported, since ``aiodock.types.RestartPolicy`` is the containers' one (which
services accept too: ``"no"`` becomes ``"none"``, ``"always"`` and ``"unless-stopped"``
become ``"any"``)."""

_CONTAINER_CONDITIONS = {"no": "none", "always": "any", "unless-stopped": "any"}


def restart_policy(value: Any) -> dict[str, Any]:
    """A service restart policy from a :class:`RestartPolicy`, the containers'
    ``RestartPolicy`` (translated), or an Engine API dict."""
    body = dict(to_json(value, "restart_policy"))
    if "Name" in body and "Condition" not in body:
        name = str(body["Name"] or "no")
        body = {
            "Condition": _CONTAINER_CONDITIONS.get(name, name),
            "MaxAttempts": int(body.get("MaximumRetryCount") or 0),
        }
    return body


@dataclass
class PlacementPreference(_Spec):
    """A scheduling preference: ``PlacementPreference("spread", "node.labels.zone")``."""

    strategy: str
    descriptor: str

    def to_api(self) -> dict[str, Any]:
        _one_of(self.strategy, "strategy", ("spread",))
        return {"Spread": {"SpreadDescriptor": self.descriptor}}


@dataclass
class Placement(_Spec):
    """Where tasks may run: ``constraints`` (``"node.role==manager"``), ``preferences``
    (:class:`PlacementPreference` or ``("spread", descriptor)``), ``platforms`` as
    ``(arch, os)`` pairs, ``maxreplicas`` per node."""

    constraints: Sequence[str] | None = None
    preferences: Sequence[PlacementPreference | tuple[str, str] | Mapping[str, Any]] | None = None
    platforms: Sequence[tuple[str, str]] | None = None
    maxreplicas: int | None = None

    def to_api(self) -> dict[str, Any]:
        preferences: list[Any] | None = None
        if self.preferences is not None:
            preferences = []
            for item in self.preferences:
                if isinstance(item, tuple):
                    preferences.append(PlacementPreference(*item).to_api())
                else:
                    preferences.append(to_json(item, "preferences"))
        platforms: list[dict[str, str]] | None = None
        if self.platforms is not None:
            platforms = []
            for pair in self.platforms:
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise InvalidArgument(f"platforms: {pair!r} is not an (arch, os) pair")
                platforms.append({"Architecture": pair[0], "OS": pair[1]})
        return _pruned(
            {
                "Constraints": _strings(self.constraints, "constraints"),
                "Preferences": preferences,
                "Platforms": platforms,
                "MaxReplicas": _count(self.maxreplicas, "maxreplicas"),
            }
        )


@dataclass
class NetworkAttachmentConfig(_Spec):
    """A network a service's tasks join, with ``aliases`` and driver ``options``."""

    target: str
    aliases: Sequence[str] | None = None
    options: Mapping[str, str] | None = None

    def to_api(self) -> dict[str, Any]:
        return _pruned(
            {
                "Target": self.target,
                "Aliases": _strings(self.aliases, "aliases"),
                "DriverOpts": string_map(self.options, "options"),
            }
        )


def networks(value: Sequence[Any] | None) -> list[dict[str, Any]] | None:
    """Network names, :class:`NetworkAttachmentConfig` objects or dicts as attachments."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    return [
        {"Target": item} if isinstance(item, str) else to_json(item, "networks") for item in value
    ]


@dataclass
class TaskTemplate(_Spec):
    """The template of a service's tasks: the :class:`ContainerSpec` and how tasks are
    resourced, restarted, placed, logged and networked. ``placement`` may be a list of
    constraints."""

    container_spec: ContainerSpec | Mapping[str, Any]
    resources: Resources | Mapping[str, Any] | None = None
    restart_policy: RestartPolicy | Mapping[str, Any] | None = None
    placement: Placement | Sequence[str] | Mapping[str, Any] | None = None
    log_driver: DriverConfig | str | Mapping[str, Any] | None = None
    networks: Sequence[str | NetworkAttachmentConfig | Mapping[str, Any]] | None = None
    force_update: int | None = None

    def to_api(self) -> dict[str, Any]:
        placement: Any = self.placement
        if placement is not None and not isinstance(placement, (Placement, Mapping)):
            placement = Placement(constraints=list(placement))
        return _pruned(
            {
                "ContainerSpec": to_json(self.container_spec, "container_spec"),
                "Resources": None
                if self.resources is None
                else to_json(self.resources, "resources"),
                "RestartPolicy": None
                if self.restart_policy is None
                else restart_policy(self.restart_policy),
                "Placement": None if placement is None else to_json(placement, "placement"),
                "LogDriver": _driver(self.log_driver, "log_driver"),
                "Networks": networks(self.networks),
                "ForceUpdate": _count(self.force_update, "force_update"),
            }
        )


@dataclass
class UpdateConfig(_Spec):
    """How a service update rolls out: ``parallelism`` tasks at a time, ``delay`` between
    batches and ``monitor`` after each (durations), ``failure_action`` (``"continue"``,
    ``"pause"``, ``"rollback"``), ``max_failure_ratio`` (0 to 1), ``order``
    (``"stop-first"`` or ``"start-first"``)."""

    parallelism: int = 0
    delay: Duration | None = None
    failure_action: str = "continue"
    monitor: Duration | None = None
    max_failure_ratio: float | None = None
    order: str | None = None

    _failure_actions: ClassVar[tuple[str, ...]] = ("continue", "pause", "rollback")

    def to_api(self) -> dict[str, Any]:
        _one_of(self.failure_action, "failure_action", self._failure_actions)
        _one_of(self.order, "order", ("stop-first", "start-first"))
        ratio = self.max_failure_ratio
        if ratio is not None and not (
            isinstance(ratio, (int, float)) and not isinstance(ratio, bool) and 0 <= ratio <= 1
        ):
            raise InvalidArgument(
                f"max_failure_ratio: expected a number from 0 to 1, got {ratio!r}"
            )
        return _pruned(
            {
                "Parallelism": _count(self.parallelism, "parallelism"),
                "Delay": None if self.delay is None else nanoseconds(self.delay, "delay"),
                "FailureAction": self.failure_action,
                "Monitor": None if self.monitor is None else nanoseconds(self.monitor, "monitor"),
                "MaxFailureRatio": ratio,
                "Order": self.order,
            }
        )


@dataclass
class RollbackConfig(UpdateConfig):
    """How a rollback rolls out; as :class:`UpdateConfig`, but ``failure_action`` is
    ``"continue"`` or ``"pause"``."""

    _failure_actions: ClassVar[tuple[str, ...]] = ("continue", "pause")


@dataclass
class EndpointSpec(_Spec):
    """How a service is reached: ``mode`` ``"vip"`` or ``"dnsrr"``, and ``ports`` as
    ``{published: target}``, ``{published: (target, protocol)}``,
    ``{published: (target, protocol, publish_mode)}`` or a list of Engine API dicts."""

    mode: str | None = None
    ports: Mapping[int, Any] | Sequence[Mapping[str, Any]] | None = None

    def to_api(self) -> dict[str, Any]:
        _one_of(self.mode, "mode", ("vip", "dnsrr"))
        ports: list[dict[str, Any]] | None = None
        if isinstance(self.ports, Mapping):
            ports = []
            for published, target in self.ports.items():
                spec: tuple[Any, ...] = target if isinstance(target, tuple) else (target,)
                if not 1 <= len(spec) <= 3:
                    raise InvalidArgument(f"ports: {target!r} is not (target[, protocol[, mode]])")
                protocol = spec[1] if len(spec) > 1 else "tcp"
                publish_mode = spec[2] if len(spec) > 2 else None
                _one_of(protocol, "ports protocol", ("tcp", "udp", "sctp"))
                _one_of(publish_mode, "ports publish mode", ("ingress", "host"))
                ports.append(
                    _pruned(
                        {
                            "Protocol": protocol,
                            "PublishedPort": published,
                            "TargetPort": spec[0],
                            "PublishMode": publish_mode,
                        }
                    )
                )
        elif self.ports is not None:
            ports = [dict(item) for item in self.ports]
        return _pruned({"Mode": self.mode, "Ports": ports})


_MODES = ("replicated", "global", "replicated-job", "global-job")


@dataclass
class ServiceMode(_Spec):
    """How many tasks a service runs: ``ServiceMode("replicated", replicas=2)``,
    ``ServiceMode("global")``, ``ServiceMode("replicated-job", replicas=5, concurrency=2)``
    (``replicas`` completions, ``concurrency`` at a time) or ``ServiceMode("global-job")``."""

    mode: str = "replicated"
    replicas: int | None = None
    concurrency: int | None = None

    def __post_init__(self) -> None:
        _one_of(self.mode, "mode", _MODES)
        _count(self.replicas, "replicas")
        _count(self.concurrency, "concurrency")
        if self.replicas is not None and self.mode not in ("replicated", "replicated-job"):
            raise InvalidArgument(f"replicas: not allowed in {self.mode} mode")
        if self.concurrency is not None and self.mode != "replicated-job":
            raise InvalidArgument(f"concurrency: not allowed in {self.mode} mode")

    @classmethod
    def from_dict(cls, mode: Mapping[str, Any]) -> ServiceMode:
        """The mode of an Engine API ``Mode`` object."""
        if "Global" in mode:
            return cls("global")
        if "GlobalJob" in mode:
            return cls("global-job")
        if "ReplicatedJob" in mode:
            job = mode["ReplicatedJob"] or {}
            return cls("replicated-job", job.get("TotalCompletions"), job.get("MaxConcurrent"))
        replicated = mode.get("Replicated") or {}
        return cls("replicated", replicated.get("Replicas"))

    def to_api(self) -> dict[str, Any]:
        if self.mode == "global":
            return {"Global": {}}
        if self.mode == "global-job":
            return {"GlobalJob": {}}
        if self.mode == "replicated-job":
            return {
                "ReplicatedJob": _pruned(
                    {"MaxConcurrent": self.concurrency, "TotalCompletions": self.replicas}
                )
            }
        return {"Replicated": _pruned({"Replicas": self.replicas})}


def service_mode(value: ServiceMode | str | Mapping[str, Any]) -> dict[str, Any]:
    """A mode given as :class:`ServiceMode`, a mode name or an Engine API dict."""
    if isinstance(value, str):
        return ServiceMode(value).to_api()
    return dict(to_json(value, "mode"))


@dataclass
class ServiceSpec(_Spec):
    """A whole service: its :class:`TaskTemplate`, ``name``, ``labels``, ``mode`` (a
    :class:`ServiceMode` or a mode name), update and rollback strategy, ``endpoint_spec``.
    ``networks`` here are put on the task template, where the daemon expects them."""

    task_template: TaskTemplate | Mapping[str, Any]
    name: str | None = None
    labels: Mapping[str, str] | None = None
    mode: ServiceMode | str | Mapping[str, Any] | None = None
    update_config: UpdateConfig | Mapping[str, Any] | None = None
    rollback_config: RollbackConfig | Mapping[str, Any] | None = None
    networks: Sequence[str | NetworkAttachmentConfig | Mapping[str, Any]] | None = None
    endpoint_spec: EndpointSpec | Mapping[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        template = dict(to_json(self.task_template, "task_template"))
        if self.networks is not None:
            template["Networks"] = networks(self.networks)
        return _pruned(
            {
                "Name": self.name,
                "Labels": string_map(self.labels, "labels"),
                "TaskTemplate": template,
                "Mode": None if self.mode is None else service_mode(self.mode),
                "UpdateConfig": None
                if self.update_config is None
                else to_json(self.update_config, "update_config"),
                "RollbackConfig": None
                if self.rollback_config is None
                else to_json(self.rollback_config, "rollback_config"),
                "EndpointSpec": None
                if self.endpoint_spec is None
                else to_json(self.endpoint_spec, "endpoint_spec"),
            }
        )


@dataclass
class SwarmExternalCA(_Spec):
    """An external certificate authority the swarm forwards signing requests to."""

    url: str
    protocol: str | None = None
    options: Mapping[str, str] | None = None
    ca_cert: str | None = None

    def to_api(self) -> dict[str, Any]:
        _one_of(self.protocol, "protocol", ("cfssl",))
        return _pruned(
            {
                "URL": self.url,
                "Protocol": self.protocol,
                "Options": string_map(self.options, "options"),
                "CACert": self.ca_cert,
            }
        )


@dataclass
class SwarmSpec(_Spec):
    """The swarm's settings, with docker-py's ``create_swarm_spec`` keyword names.

    ``to_api()`` holds only what was given; :meth:`merge_into` lays it over a current spec,
    so an update changes just those settings.
    """

    name: str | None = None
    labels: Mapping[str, str] | None = None
    task_history_retention_limit: int | None = None
    snapshot_interval: int | None = None
    keep_old_snapshots: int | None = None
    log_entries_for_slow_followers: int | None = None
    heartbeat_tick: int | None = None
    election_tick: int | None = None
    dispatcher_heartbeat_period: Duration | None = None
    node_cert_expiry: Duration | None = None
    external_cas: Sequence[SwarmExternalCA | Mapping[str, Any]] | None = None
    signing_ca_cert: str | None = None
    signing_ca_key: str | None = None
    ca_force_rotate: int | None = None
    autolock_managers: bool | None = None
    log_driver: DriverConfig | str | Mapping[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        orchestration = _pruned({"TaskHistoryRetentionLimit": self.task_history_retention_limit})
        raft = _pruned(
            {
                "SnapshotInterval": _count(self.snapshot_interval, "snapshot_interval"),
                "KeepOldSnapshots": _count(self.keep_old_snapshots, "keep_old_snapshots"),
                "LogEntriesForSlowFollowers": _count(
                    self.log_entries_for_slow_followers, "log_entries_for_slow_followers"
                ),
                "HeartbeatTick": _count(self.heartbeat_tick, "heartbeat_tick"),
                "ElectionTick": _count(self.election_tick, "election_tick"),
            }
        )
        dispatcher = _pruned(
            {
                "HeartbeatPeriod": None
                if self.dispatcher_heartbeat_period is None
                else nanoseconds(self.dispatcher_heartbeat_period, "dispatcher_heartbeat_period")
            }
        )
        ca = _pruned(
            {
                "NodeCertExpiry": None
                if self.node_cert_expiry is None
                else nanoseconds(self.node_cert_expiry, "node_cert_expiry"),
                "ExternalCAs": None
                if self.external_cas is None
                else [to_json(item, "external_cas") for item in self.external_cas],
                "SigningCACert": self.signing_ca_cert,
                "SigningCAKey": self.signing_ca_key,
                "ForceRotate": _count(self.ca_force_rotate, "ca_force_rotate"),
            }
        )
        encryption = _pruned({"AutoLockManagers": self.autolock_managers})
        defaults = _pruned({"LogDriver": _driver(self.log_driver, "log_driver")})
        return _pruned(
            {
                "Name": self.name,
                "Labels": string_map(self.labels, "labels"),
                "Orchestration": orchestration or None,
                "Raft": raft or None,
                "Dispatcher": dispatcher or None,
                "CAConfig": ca or None,
                "EncryptionConfig": encryption or None,
                "TaskDefaults": defaults or None,
            }
        )

    def merge_into(self, current: Mapping[str, Any]) -> dict[str, Any]:
        """``current`` (a swarm's ``Spec``) with the settings given here laid over it."""
        merged = {
            key: dict(value) if isinstance(value, Mapping) else value
            for key, value in current.items()
        }
        for key, value in self.to_api().items():
            if isinstance(value, dict) and key not in ("Labels",):
                section = merged.get(key)
                merged[key] = {**(section if isinstance(section, dict) else {}), **value}
            else:
                merged[key] = value
        return merged
