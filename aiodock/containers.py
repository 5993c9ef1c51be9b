"""Containers: the lifecycle, logs, attach, stats and archives.

``docker.containers`` is a :class:`ContainerManager`; it hands out :class:`Container` handles.
:func:`create_body` turns docker-py's keyword arguments into the ``POST /containers/create``
body, validating everything before a request goes out.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import difflib
import io
import json
import math
import re
import shlex
import weakref
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Final, Literal, cast, overload

import aiohttp

from .decoders import Frame, StreamType
from .errors import (
    APIError,
    ContainerError,
    DockerError,
    DockerTimeoutError,
    HealthTimeoutError,
    ImageNotFound,
    InvalidArgument,
    NotFound,
    NotModified,
    UnhealthyError,
)
from .hijack import open_plain
from .reference import familiar_name, split_tag
from .resource import Manager, Resource, path_id
from .shapes import (
    ContainerConfig,
    ContainerState,
    ContainerWaitResponse,
    HostConfig,
    MountPoint,
    NetworkSettings,
)
from .streams import FrameStream, JSONStream, Opener, ResponseStream, StreamSource
from .types.containers import (
    DeviceRequest,
    Healthcheck,
    LogConfig,
    Mount,
    RestartPolicy,
    Ulimit,
)
from .utils import (
    Filters,
    QueryValue,
    TimeSpec,
    console_size,
    encode_filters,
    parse_bytes,
    timeout_after,
    to_timestamp,
)
from .versions import adapt_create, check_body, request_target, require

if TYPE_CHECKING:
    from .client import Docker
    from .exec import ExecResult
    from .images import Image
    from .process import ProcessStarter

__all__ = [
    "CREATE_KEYWORDS",
    "ByteStream",
    "Container",
    "ContainerManager",
    "CreateRequest",
    "HealthTimeoutError",
    "RunOutput",
    "StatsSummary",
    "UnhealthyError",
    "create_body",
    "update_body",
]


# --- errors -------------------------------------------------------------------------------


# --- keyword translation (pure) -----------------------------------------------------------

Converter = Callable[[Any, str], Any]


def _fail(name: str, expected: str, value: Any) -> InvalidArgument:
    return InvalidArgument(f"{name}: expected {expected}, got {value!r}")


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise _fail(name, "a string", value)
    return value


def _absolute_path(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise _fail(name, "an absolute path", value)
    return value


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, "True or False", value)
    return value


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(name, "an integer", value)
    return value


def _natural(value: Any, name: str) -> int:
    if _integer(value, name) < 0:
        raise _fail(name, "an integer >= 0", value)
    return int(value)


def _size(value: Any, name: str) -> int:
    return parse_bytes(value, name=name)


def _size_or_unlimited(value: Any, name: str) -> int:
    if value == -1 and not isinstance(value, bool):
        return -1
    return parse_bytes(value, name=name)


def _swappiness(value: Any, name: str) -> int:
    if _integer(value, name) != -1 and not 0 <= value <= 100:
        raise _fail(name, "an integer from 0 to 100", value)
    return int(value)


def _string_list(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Sequence):
        raise _fail(name, "a list of strings", value)
    for item in value:
        if not isinstance(item, str):
            raise _fail(name, "a list of strings", value)
    return list(value)


def _string_map(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _fail(name, "a dict of strings", value)
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or isinstance(item, bool) or not isinstance(item, (str, int)):
            raise InvalidArgument(f"{name}: {key!r}: expected a string value, got {item!r}")
        out[key] = str(item)
    return out


def _user(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(name, "a user name or uid[:gid]", value)
    return str(value)


def _group_list(value: Any, name: str) -> list[str]:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, Mapping) or not isinstance(value, Sequence):
        raise _fail(name, "a list of group names or ids", value)
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise _fail(name, "a list of group names or ids", value)
        out.append(str(item))
    return out


_SIGNAL_NAME = re.compile(r"^(SIG)?[A-Z][A-Z0-9]*([+-]\d+)?$")


def signal_name(value: Any, name: str = "signal") -> str:
    """A signal as the daemon takes it: ``"SIGTERM"``, ``"KILL"``, ``9`` or ``signal.SIGHUP``."""
    if isinstance(value, bool):
        raise _fail(name, "a signal name or number", value)
    if isinstance(value, int):
        if not 1 <= value <= 64:
            raise _fail(name, "a signal number from 1 to 64", value)
        return str(int(value))
    if isinstance(value, str):
        text = value.strip().upper()
        if text.isdigit():
            return signal_name(int(text), name)
        if _SIGNAL_NAME.match(text):
            return text
    raise _fail(name, "a signal name (SIGTERM, KILL) or number", value)


def _command(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        try:
            parts = shlex.split(value)
        except ValueError as exc:
            raise InvalidArgument(f"{name}: cannot split {value!r} like a shell: {exc}") from None
        return parts if parts or name != "entrypoint" else [""]
    return _string_list(value, name)


def _environment(value: Any, name: str) -> list[str]:
    if isinstance(value, Mapping):
        out = []
        for key, item in value.items():
            if not isinstance(key, str) or not key or "=" in key:
                raise InvalidArgument(f"{name}: {key!r} is not a variable name")
            if item is None:
                out.append(key)
            elif isinstance(item, (str, int, float, bool)):
                out.append(f"{key}={item}")
            else:
                raise InvalidArgument(f"{name}: {key}: expected a string value, got {item!r}")
        return out
    items = _string_list(value, name)
    for item in items:
        if not item or item.startswith("="):
            raise InvalidArgument(f"{name}: {item!r} is not NAME=value")
    return items


def _labels(value: Any, name: str) -> dict[str, str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not isinstance(item, str):
                raise InvalidArgument(f"{name}: {key!r}: expected a string value, got {item!r}")
        return dict(value)
    return dict.fromkeys(_string_list(value, name), "")


_HEALTH_FIELDS = ("test", "interval", "timeout", "retries", "start_period", "start_interval")
_HEALTH_API_FIELDS = ("Test", "Interval", "Timeout", "Retries", "StartPeriod", "StartInterval")


def _healthcheck(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, Healthcheck):
        return value.to_api()
    if isinstance(value, Mapping):
        keys = set(value)
        if keys <= set(_HEALTH_FIELDS):
            return Healthcheck(**value).to_api()
        if keys <= set(_HEALTH_API_FIELDS):
            return dict(value)  # the raw API object: durations already in nanoseconds
        raise InvalidArgument(
            f"{name}: unknown fields {sorted(map(str, keys))}; use Healthcheck(test=..., "
            "interval=<seconds>) or the API's Test/Interval/... (nanoseconds)"
        )
    raise _fail(name, "a Healthcheck or a dict", value)


def _restart_policy(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, RestartPolicy):
        return value.to_api()
    if isinstance(value, str):
        return RestartPolicy.parse(value).to_api()
    if isinstance(value, Mapping):
        if set(value) <= {"Name", "MaximumRetryCount"}:
            return RestartPolicy(
                value.get("Name", "no"), value.get("MaximumRetryCount", 0)
            ).to_api()
        if set(value) <= {"name", "maximum_retry_count"}:
            return RestartPolicy(**value).to_api()
    raise _fail(name, "a RestartPolicy, 'on-failure:3' or {'Name': ...}", value)


def _typed(cls: type[Any], api_keys: set[str]) -> Converter:
    """A converter for a ``types`` dataclass, its dict form, or the raw API dict."""

    def convert(value: Any, name: str) -> dict[str, Any]:
        if isinstance(value, cls):
            result: dict[str, Any] = value.to_api()
            return result
        if isinstance(value, Mapping):
            if set(value) <= api_keys:
                return dict(value)
            try:
                result = cls(**value).to_api()
            except TypeError as exc:
                raise InvalidArgument(f"{name}: {exc}") from None
            return result
        raise _fail(name, f"a {cls.__name__} or a dict", value)

    return convert


def _list_of(item: Converter) -> Converter:
    def convert(value: Any, name: str) -> list[Any]:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            raise _fail(name, "a list", value)
        return [item(entry, name) for entry in value]

    return convert


_ulimit = _typed(Ulimit, {"Name", "Soft", "Hard"})
_log_config = _typed(LogConfig, {"Type", "Config"})
_device_request = _typed(DeviceRequest, {"Driver", "Count", "DeviceIDs", "Capabilities", "Options"})


def _mount(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, Mount):
        return value.to_api()
    if isinstance(value, Mapping) and "Target" in value:
        return dict(value)
    raise _fail(name, "a types.Mount or an API Mount dict", value)


def _device(value: Any, name: str) -> dict[str, str]:
    if isinstance(value, Mapping):
        if not set(value) <= {"PathOnHost", "PathInContainer", "CgroupPermissions"}:
            raise _fail(name, "PathOnHost/PathInContainer/CgroupPermissions", value)
        return dict(value)
    if not isinstance(value, str) or not value.startswith("/"):
        raise _fail(name, "'/dev/host[:/dev/container[:rwm]]'", value)
    parts = value.split(":")
    if len(parts) > 3:
        raise _fail(name, "'/dev/host[:/dev/container[:rwm]]'", value)
    host = parts[0]
    inside = parts[1] if len(parts) > 1 else host
    permissions = parts[2] if len(parts) > 2 else "rwm"
    if len(parts) == 2 and parts[1] and not parts[1].startswith("/"):
        inside, permissions = host, parts[1]
    if not permissions or set(permissions) - set("rwm"):
        raise InvalidArgument(f"{name}: {value!r}: permissions must be made of r, w and m")
    return {"PathOnHost": host, "PathInContainer": inside, "CgroupPermissions": permissions}


def _throttle(key: str) -> Converter:
    def convert(value: Any, name: str) -> dict[str, Any]:
        if isinstance(value, Mapping) and set(value) == {"Path", key}:
            return {"Path": _string(value["Path"], name), key: _natural(value[key], name)}
        raise _fail(name, f"a list of {{'Path': ..., '{key}': ...}}", value)

    return convert


def _extra_hosts(value: Any, name: str) -> list[str]:
    if isinstance(value, Mapping):
        return [f"{_string(host, name)}:{_string(ip, name)}" for host, ip in value.items()]
    items = _string_list(value, name)
    for item in items:
        if ":" not in item:
            raise InvalidArgument(f"{name}: {item!r} is not host:ip")
    return items


def _links(value: Any, name: str) -> list[str]:
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        pairs = [tuple(item) if isinstance(item, (tuple, list)) else (item, None) for item in value]
    else:
        raise _fail(name, "a dict of name to alias", value)
    out = []
    for pair in pairs:
        if len(pair) != 2 or not isinstance(pair[0], str):
            raise _fail(name, "name/alias pairs", value)
        target, alias = pair
        if alias is None:
            out.append(target if ":" in target else f"{target}:{target}")
        else:
            out.append(f"{target}:{_string(alias, name)}")
    return out


def _tmpfs(value: Any, name: str) -> dict[str, str]:
    if isinstance(value, Mapping):
        out = {}
        for path, options in value.items():
            out[_absolute_path(path, name)] = "" if options is None else _string(options, name)
        return out
    result: dict[str, str] = {}
    for item in _string_list(value, name):
        path, _, options = item.partition(":")
        result[_absolute_path(path, name)] = options
    return result


_VOLUME_MODES = frozenset(
    "rw ro z Z shared rshared slave rslave private rprivate nocopy consistent cached "
    "delegated".split()
)


def _volume_mode(mode: Any, name: str, spec: Any) -> str:
    if not isinstance(mode, str) or not mode or set(mode.split(",")) - _VOLUME_MODES:
        raise InvalidArgument(f"{name}: {spec!r}: invalid mode {mode!r} (rw, ro, z, Z, ...)")
    return mode


def _volumes(value: Any, name: str) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """``Binds`` and anonymous ``Volumes`` from the dict or ``"src:dst:mode"`` list form."""
    binds: list[str] = []
    anonymous: dict[str, dict[str, Any]] = {}
    if isinstance(value, Mapping):
        for source, spec in value.items():
            if not isinstance(source, str) or not source:
                raise InvalidArgument(f"{name}: {source!r} is not a host path or volume name")
            if isinstance(spec, str):
                bind, mode = spec, "rw"
            elif isinstance(spec, Mapping) and set(spec) <= {"bind", "mode"} and "bind" in spec:
                bind, mode = spec["bind"], spec.get("mode", "rw")
            else:
                raise InvalidArgument(
                    f"{name}: {source!r}: expected {{'bind': '/path', 'mode': 'rw'}}, got {spec!r}"
                )
            _absolute_path(bind, f"{name} {source!r} bind")
            binds.append(f"{source}:{bind}:{_volume_mode(mode, name, spec)}")
        return binds, anonymous
    for spec in _string_list(value, name):
        parts = spec.split(":")
        if len(parts) == 1:
            anonymous[_absolute_path(spec, name)] = {}
            continue
        if len(parts) > 3 or not parts[0]:
            raise InvalidArgument(f"{name}: {spec!r} is not 'source:/target[:mode]'")
        _absolute_path(parts[1], f"{name} {spec!r} target")
        if len(parts) == 3:
            _volume_mode(parts[2], name, spec)
        binds.append(spec)
    return binds, anonymous


_PORT_KEY = re.compile(r"^(\d+)(?:-(\d+))?(?:/(tcp|udp|sctp))?$")
_HOST_PORT = re.compile(r"^(\d+)(?:-(\d+))?$")


def _port_range(text: str, name: str, what: str) -> tuple[int, int]:
    match = _HOST_PORT.match(text)
    if not match:
        raise InvalidArgument(f"{name}: {what} {text!r} is not a port or a range like 8000-8010")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if not 0 < first <= last <= 65535:
        raise InvalidArgument(f"{name}: {what} {text!r} is out of range 1-65535")
    return first, last


def _host_binding(value: Any, name: str, key: Any) -> tuple[str, tuple[int, int] | None]:
    """One host binding as ``(host_ip, (first, last) or None for a random port)``."""
    ip: Any = ""
    port: Any = value
    if isinstance(value, tuple):
        if len(value) == 2:
            ip, port = value
        elif len(value) == 1:
            ip, port = value[0], None
        else:
            raise InvalidArgument(f"{name}: {key!r}: expected (host_ip, host_port), got {value!r}")
    elif isinstance(value, Mapping) and set(value) <= {"HostIp", "HostPort"}:
        ip, port = value.get("HostIp", ""), value.get("HostPort") or None
    if not isinstance(ip, str):
        raise InvalidArgument(f"{name}: {key!r}: host ip must be a string, got {ip!r}")
    if port is None:
        return ip, None
    if isinstance(port, bool) or not isinstance(port, (int, str)):
        raise InvalidArgument(f"{name}: {key!r}: bad host port {port!r}")
    return ip, _port_range(str(port), name, f"{key!r}: host port")


def _ports(value: Any, name: str) -> tuple[dict[str, dict[str, Any]], dict[str, list[Any]]]:
    """``ExposedPorts`` and ``PortBindings`` from docker-py's ``ports`` dict."""
    if not isinstance(value, Mapping):
        raise _fail(name, "a dict like {'80/tcp': 8080}", value)
    exposed: dict[str, dict[str, Any]] = {}
    bindings: dict[str, list[Any]] = {}
    for key, target in value.items():
        if isinstance(key, bool) or not isinstance(key, (int, str)):
            raise InvalidArgument(f"{name}: {key!r} is not a container port like '80/tcp'")
        match = _PORT_KEY.match(str(key))
        if not match:
            raise InvalidArgument(f"{name}: {key!r} is not a container port like '80/tcp'")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        protocol = match.group(3) or "tcp"
        if not 0 < first <= last <= 65535:
            raise InvalidArgument(f"{name}: {key!r} is out of range 1-65535")
        count = last - first + 1
        targets = target if isinstance(target, list) else [target]
        per_port: list[list[dict[str, str]]] = [[] for _ in range(count)]
        for item in targets:
            ip, host = _host_binding(item, name, key)
            if host is None:
                ports = [""] * count
            elif count == 1:
                ports = [str(host[0]) if host[0] == host[1] else f"{host[0]}-{host[1]}"]
            elif host[1] - host[0] + 1 == count:
                ports = [str(port) for port in range(host[0], host[1] + 1)]
            else:
                raise InvalidArgument(
                    f"{name}: {key!r}: the host range must have as many ports as the "
                    f"container range ({count}), or be None"
                )
            for slot, port in zip(per_port, ports, strict=True):
                slot.append({"HostIp": ip, "HostPort": port})
        for offset in range(count):
            port_key = f"{first + offset}/{protocol}"
            exposed[port_key] = {}
            bindings.setdefault(port_key, []).extend(per_port[offset])
    return exposed, bindings


@dataclass(frozen=True)
class _Keyword:
    section: Literal["Config", "HostConfig"]
    key: str
    convert: Converter


def _kw(section: Literal["Config", "HostConfig"], key: str, convert: Converter) -> _Keyword:
    return _Keyword(section, key, convert)


_C: Final = "Config"
_H: Final = "HostConfig"
_SIMPLE: dict[str, _Keyword] = {
    # Config
    "hostname": _kw(_C, "Hostname", _string),
    "domainname": _kw(_C, "Domainname", _string),
    "user": _kw(_C, "User", _user),
    "tty": _kw(_C, "Tty", _boolean),
    "stdin_open": _kw(_C, "OpenStdin", _boolean),
    "stdin_once": _kw(_C, "StdinOnce", _boolean),
    "working_dir": _kw(_C, "WorkingDir", _absolute_path),
    "mac_address": _kw(_C, "MacAddress", _string),
    "network_disabled": _kw(_C, "NetworkDisabled", _boolean),
    "stop_signal": _kw(_C, "StopSignal", signal_name),
    "stop_timeout": _kw(_C, "StopTimeout", _natural),
    "environment": _kw(_C, "Env", _environment),
    "labels": _kw(_C, "Labels", _labels),
    "command": _kw(_C, "Cmd", _command),
    "entrypoint": _kw(_C, "Entrypoint", _command),
    "healthcheck": _kw(_C, "Healthcheck", _healthcheck),
    # HostConfig: resources
    "mem_limit": _kw(_H, "Memory", _size),
    "mem_reservation": _kw(_H, "MemoryReservation", _size),
    "memswap_limit": _kw(_H, "MemorySwap", _size_or_unlimited),
    "mem_swappiness": _kw(_H, "MemorySwappiness", _swappiness),
    "kernel_memory": _kw(_H, "KernelMemory", _size),
    "shm_size": _kw(_H, "ShmSize", _size),
    "nano_cpus": _kw(_H, "NanoCpus", _natural),
    "cpu_count": _kw(_H, "CpuCount", _natural),
    "cpu_percent": _kw(_H, "CpuPercent", _natural),
    "cpu_period": _kw(_H, "CpuPeriod", _natural),
    "cpu_quota": _kw(_H, "CpuQuota", _integer),
    "cpu_rt_period": _kw(_H, "CpuRealtimePeriod", _natural),
    "cpu_rt_runtime": _kw(_H, "CpuRealtimeRuntime", _natural),
    "cpu_shares": _kw(_H, "CpuShares", _natural),
    "cpuset_cpus": _kw(_H, "CpusetCpus", _string),
    "cpuset_mems": _kw(_H, "CpusetMems", _string),
    "pids_limit": _kw(_H, "PidsLimit", _integer),
    "oom_kill_disable": _kw(_H, "OomKillDisable", _boolean),
    "oom_score_adj": _kw(_H, "OomScoreAdj", _integer),
    "blkio_weight": _kw(_H, "BlkioWeight", _natural),
    "blkio_weight_device": _kw(_H, "BlkioWeightDevice", _list_of(_throttle("Weight"))),
    "device_read_bps": _kw(_H, "BlkioDeviceReadBps", _list_of(_throttle("Rate"))),
    "device_read_iops": _kw(_H, "BlkioDeviceReadIOps", _list_of(_throttle("Rate"))),
    "device_write_bps": _kw(_H, "BlkioDeviceWriteBps", _list_of(_throttle("Rate"))),
    "device_write_iops": _kw(_H, "BlkioDeviceWriteIOps", _list_of(_throttle("Rate"))),
    "ulimits": _kw(_H, "Ulimits", _list_of(_ulimit)),
    "devices": _kw(_H, "Devices", _list_of(_device)),
    "device_requests": _kw(_H, "DeviceRequests", _list_of(_device_request)),
    "device_cgroup_rules": _kw(_H, "DeviceCgroupRules", _string_list),
    "cgroup_parent": _kw(_H, "CgroupParent", _string),
    "storage_opt": _kw(_H, "StorageOpt", _string_map),
    "console_size": _kw(_H, "ConsoleSize", console_size),
    "annotations": _kw(_H, "Annotations", _string_map),
    # HostConfig: security and namespaces
    "cap_add": _kw(_H, "CapAdd", _string_list),
    "cap_drop": _kw(_H, "CapDrop", _string_list),
    "privileged": _kw(_H, "Privileged", _boolean),
    "read_only": _kw(_H, "ReadonlyRootfs", _boolean),
    "security_opt": _kw(_H, "SecurityOpt", _string_list),
    "sysctls": _kw(_H, "Sysctls", _string_map),
    "userns_mode": _kw(_H, "UsernsMode", _string),
    "group_add": _kw(_H, "GroupAdd", _group_list),
    "ipc_mode": _kw(_H, "IpcMode", _string),
    "pid_mode": _kw(_H, "PidMode", _string),
    "uts_mode": _kw(_H, "UTSMode", _string),
    "cgroupns": _kw(_H, "CgroupnsMode", _string),
    "isolation": _kw(_H, "Isolation", _string),
    "runtime": _kw(_H, "Runtime", _string),
    # HostConfig: everything else
    "init": _kw(_H, "Init", _boolean),
    "auto_remove": _kw(_H, "AutoRemove", _boolean),
    "restart_policy": _kw(_H, "RestartPolicy", _restart_policy),
    "log_config": _kw(_H, "LogConfig", _log_config),
    "mounts": _kw(_H, "Mounts", _list_of(_mount)),
    "tmpfs": _kw(_H, "Tmpfs", _tmpfs),
    "extra_hosts": _kw(_H, "ExtraHosts", _extra_hosts),
    "dns": _kw(_H, "Dns", _string_list),
    "dns_opt": _kw(_H, "DnsOptions", _string_list),
    "dns_search": _kw(_H, "DnsSearch", _string_list),
    "links": _kw(_H, "Links", _links),
    "network_mode": _kw(_H, "NetworkMode", _string),
    "publish_all_ports": _kw(_H, "PublishAllPorts", _boolean),
    "volume_driver": _kw(_H, "VolumeDriver", _string),
    "volumes_from": _kw(_H, "VolumesFrom", _string_list),
}

CREATE_KEYWORDS: dict[str, str] = {
    **{name: f"{kw.section}.{kw.key}" for name, kw in _SIMPLE.items()},
    "ports": "Config.ExposedPorts and HostConfig.PortBindings",
    "volumes": "HostConfig.Binds (and Config.Volumes for a bare '/path')",
    "network": "HostConfig.NetworkMode and NetworkSettings.Networks",
    "networking_config": "NetworkingConfig.EndpointsConfig (at create)",
    "name": "Name",
    "platform": "the platform query parameter",
    "config": "raw Config fields, applied last",
    "host_config": "raw HostConfig fields, applied last",
}
"""Every keyword :func:`create_body` takes, with where it lands in the inspect data."""

_UPDATE_KEYWORDS = frozenset(
    "blkio_weight cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares cpuset_cpus "
    "cpuset_mems mem_limit mem_reservation memswap_limit kernel_memory nano_cpus pids_limit "
    "restart_policy oom_kill_disable device_read_bps device_read_iops device_write_bps "
    "device_write_iops blkio_weight_device".split()
)


def _unknown(name: str, known: Sequence[str] | frozenset[str], what: str) -> InvalidArgument:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return InvalidArgument(f"{what}: unknown keyword {name!r}{hint}")


@dataclass(frozen=True)
class CreateRequest:
    """What ``POST /containers/create`` is sent: the JSON body and the query parameters."""

    body: dict[str, Any]
    name: str | None = None
    platform: str | None = None

    @property
    def tty(self) -> bool:
        return bool(self.body.get("Tty"))


def create_body(
    image: str, command: str | Sequence[str] | None = None, **options: Any
) -> CreateRequest:
    """Translate docker-py's create keywords into the Engine API request, validating each.

    Unknown keywords and malformed values raise :class:`InvalidArgument` naming them.
    ``config=`` and ``host_config=`` (raw API fields) are applied last, over the rest.
    """
    if not isinstance(image, str) or not image:
        raise _fail("image", "an image reference", image)
    body: dict[str, Any] = {"Image": image}
    host: dict[str, Any] = {}
    sections = {"Config": body, "HostConfig": host}
    if command is not None:
        body["Cmd"] = _command(command, "command")
    raw_config = options.pop("config", None)
    raw_host = options.pop("host_config", None)
    name = options.pop("name", None)
    platform = options.pop("platform", None)
    network = options.pop("network", None)
    networking = options.pop("networking_config", None)
    ports = options.pop("ports", None)
    volumes = options.pop("volumes", None)
    for keyword, value in options.items():
        spec = _SIMPLE.get(keyword)
        if spec is None:
            raise _unknown(keyword, list(CREATE_KEYWORDS), "create")
        if value is None:
            continue
        sections[spec.section][spec.key] = spec.convert(value, keyword)
    if name is not None:
        _string(name, "name")
    if platform is not None:
        _string(platform, "platform")
    if ports is not None:
        exposed, bindings = _ports(ports, "ports")
        body["ExposedPorts"] = exposed
        host["PortBindings"] = bindings
    if volumes is not None:
        binds, anonymous = _volumes(volumes, "volumes")
        if binds:
            host["Binds"] = binds
        if anonymous:
            body["Volumes"] = anonymous
    endpoints: dict[str, Any] = {}
    if network is not None:
        _string(network, "network")
        if "NetworkMode" in host:
            raise InvalidArgument("network and network_mode cannot be given together")
        host["NetworkMode"] = network
        endpoints[network] = {}
    if networking is not None:
        if not isinstance(networking, Mapping):
            raise _fail(
                "networking_config", "a dict of network name to endpoint config", networking
            )
        for net, endpoint in networking.items():
            if not isinstance(net, str) or not isinstance(endpoint, Mapping):
                raise _fail(
                    "networking_config", "a dict of network name to endpoint config", networking
                )
            endpoints[net] = dict(endpoint)
    if endpoints:
        body["NetworkingConfig"] = {"EndpointsConfig": endpoints}
    if raw_config is not None:
        if not isinstance(raw_config, Mapping):
            raise _fail("config", "a dict of Engine API Config fields", raw_config)
        body.update(raw_config)
    if raw_host is not None:
        if not isinstance(raw_host, Mapping):
            raise _fail("host_config", "a dict of Engine API HostConfig fields", raw_host)
        host.update(raw_host)
    if host:
        body["HostConfig"] = host
    return CreateRequest(body, name, platform)


def update_body(**options: Any) -> dict[str, Any]:
    """The ``POST /containers/{id}/update`` body from docker-py's ``update`` keywords."""
    body: dict[str, Any] = {}
    for keyword, value in options.items():
        if keyword not in _UPDATE_KEYWORDS:
            raise _unknown(keyword, _UPDATE_KEYWORDS, "update")
        if value is not None:
            body[_SIMPLE[keyword].key] = _SIMPLE[keyword].convert(value, keyword)
    if not body:
        raise InvalidArgument("update: nothing to update")
    return body


# --- streams ------------------------------------------------------------------------------


class _ChunkDecoder:
    """Hands each received chunk on unchanged."""

    __slots__ = ()

    def feed(self, data: bytes) -> list[bytes]:
        return [data] if data else []

    def eof(self) -> None:
        return None


class ByteStream(ResponseStream[bytes]):
    """A raw byte stream (``export()``, ``get_archive()``): ``async for chunk in stream``,
    ``await stream.read()``, or ``await stream.write_to(file)``. Chunks are handed on as they
    arrive; nothing is buffered whole unless you call :meth:`read`."""

    def __init__(self, docker: Docker, opener: Opener, what: str) -> None:
        super().__init__(docker, opener, _ChunkDecoder(), what)

    async def read(self) -> bytes:
        """Every byte until the end of the stream."""
        parts: list[bytes] = []
        async for chunks in self.batches():
            parts.extend(chunks)
        return b"".join(parts)

    async def write_to(self, file: IO[bytes]) -> int:
        """Write the stream into a binary file object; returns the number of bytes."""
        total = 0
        async for chunks in self.batches():
            for chunk in chunks:
                file.write(chunk)
                total += len(chunk)
        return total


class RunOutput(FrameStream):
    """Output of ``containers.run(..., stream=True)``, live while the container runs.

    Yields :class:`Frame` objects of the streams asked for (``stdout``/``stderr``), with
    ``read()``, ``demux()`` and ``lines()``. When the output ends it waits for the exit
    status, removes the container if ``remove=True``, and raises :class:`ContainerError`
    on a non-zero exit. Closing it early (leaving ``async with``) removes the container
    too when ``remove=True``.
    """

    def __init__(
        self,
        container: Container,
        opener: Opener,
        *,
        tty: bool,
        stdout: bool,
        stderr: bool,
        remove: bool,
        command: Any,
        image: str,
    ) -> None:
        super().__init__(container.docker, opener, tty=tty, what=f"run {image}")
        self.container = container
        self.exit_status: int | None = None
        self._wanted = {StreamType.STDOUT} if stdout else set()
        if stderr:
            self._wanted.add(StreamType.STDERR)
        self._remove = remove
        self._command = command
        self._image = image
        self._stderr: list[bytes] = []
        self._output_tail: list[bytes] = []
        self._settled = False

    def _convert(self, items: list[Any]) -> list[Frame]:
        frames = super()._convert(items)
        if self.tty:
            self._output_tail.extend(frame.data for frame in frames)
            if len(self._output_tail) > 256:
                del self._output_tail[:-256]
        else:
            self._stderr.extend(f.data for f in frames if f.stream is StreamType.STDERR)
        wanted = self._wanted
        if len(wanted) == 2:
            return frames
        return [frame for frame in frames if frame.stream in wanted]

    async def _fill(self) -> bool:
        while await super()._fill():
            if self._items:
                return True
        await self._settle()
        return False

    async def _settle(self) -> None:
        if self._settled:
            return
        self._settled = True
        try:
            result = await self.container.wait()
            self.exit_status = int(result.get("StatusCode", -1))
        finally:
            if self._remove:
                await _remove_quietly(self.container)
        if self.exit_status != 0:
            err = b"".join(self._output_tail if self.tty else self._stderr)
            raise ContainerError(self.container, self.exit_status, self._command, self._image, err)

    async def close(self) -> None:
        """Stop reading; with ``remove=True`` the container is removed (killed if running)."""
        await super().close()
        if not self._settled:
            self._settled = True
            if self._remove:
                await _remove_quietly(self.container)


async def _remove_quietly(container: Container) -> None:
    """Force-remove, surviving a second cancellation and a container already gone."""

    async def remove() -> None:
        try:
            await container.remove(force=True)
        except NotFound:
            pass
        except DockerError as exc:
            if "already in progress" not in str(exc):
                raise

    await asyncio.shield(asyncio.ensure_future(remove()))


# --- stats --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsSummary:
    """The columns of ``docker stats``, computed from one stats object as the CLI does."""

    cpu_percent: float
    memory_usage: int
    """Memory in use without the page cache (inactive files), in bytes."""
    memory_limit: int
    memory_percent: float
    network_rx: int
    network_tx: int
    block_read: int
    block_write: int
    pids: int

    @classmethod
    def from_stats(
        cls, stats: Mapping[str, Any], previous: Mapping[str, Any] | None = None
    ) -> StatsSummary:
        """The columns from one stats object; CPU percent compares its ``cpu_stats`` with
        ``previous``'s when given (two one-shot samples: one-shot answers and Podman's
        first have empty ``precpu_stats``), else with its own ``precpu_stats``; ``0.0``
        when there is nothing to compare with."""
        cpu = stats.get("cpu_stats") or {}
        pre = (previous if previous is not None else stats).get(
            "cpu_stats" if previous is not None else "precpu_stats"
        ) or {}
        cpu_delta = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (
            pre.get("cpu_usage") or {}
        ).get("total_usage", 0)
        system_delta = (cpu.get("system_cpu_usage") or 0) - (pre.get("system_cpu_usage") or 0)
        online = cpu.get("online_cpus") or len(
            (cpu.get("cpu_usage") or {}).get("percpu_usage") or []
        )
        cpu_percent = 0.0
        if system_delta > 0 and cpu_delta > 0 and pre.get("system_cpu_usage"):
            cpu_percent = cpu_delta / system_delta * online * 100.0

        memory = stats.get("memory_stats") or {}
        usage = int(memory.get("usage") or 0)
        details = memory.get("stats") or {}
        cache = details.get("total_inactive_file")  # cgroup v1
        if cache is None or cache >= usage:
            cache = details.get("inactive_file", 0)  # cgroup v2
        used = usage - cache if cache < usage else usage
        limit = int(memory.get("limit") or 0)

        rx = tx = 0
        for network in (stats.get("networks") or {}).values():
            rx += int(network.get("rx_bytes", 0))
            tx += int(network.get("tx_bytes", 0))
        read = write = 0
        for entry in (stats.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []:
            op = str(entry.get("op", "")).lower()
            if op == "read":
                read += int(entry.get("value", 0))
            elif op == "write":
                write += int(entry.get("value", 0))
        return cls(
            cpu_percent=cpu_percent,
            memory_usage=used,
            memory_limit=limit,
            memory_percent=used / limit * 100.0 if limit else 0.0,
            network_rx=rx,
            network_tx=tx,
            block_read=read,
            block_write=write,
            pids=int((stats.get("pids_stats") or {}).get("current") or 0),
        )


# --- the handle ---------------------------------------------------------------------------

_WAIT_CONDITIONS = ("not-running", "next-exit", "removed")
_KERNEL_MEMORY: Final = {"KernelMemory": "kernel_memory"}
_DOCKER_STATUS: Final = {"stopped": "exited", "configured": "created", "initialized": "created"}
_STATUS_HEALTH = re.compile(r"\((healthy|unhealthy|health: starting)\)")


def _decode_path_stat(header: str | None) -> dict[str, Any]:
    if not header:
        return {}
    try:
        result: dict[str, Any] = json.loads(base64.b64decode(header))
    except (ValueError, binascii.Error):
        return {}
    return result


def _section(attrs: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``attrs[key]`` when it is an object (the live dict, not a copy), else an empty one."""
    value = attrs.get(key)
    return value if isinstance(value, dict) else {}


class Container(Resource):
    """A container. ``attrs`` holds the inspect data, or the list entry for handles from
    :meth:`ContainerManager.list` (``await container.reload()`` fetches the full data)."""

    inspect_path = "/containers/{id}/json"

    @property
    def _path(self) -> str:
        return f"/containers/{path_id(self.id)}"

    # --- properties ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The name, without the leading ``/``."""
        if self.attrs.get("Name"):  # inspect data (Podman's list entries have "")
            return str(self.attrs["Name"]).lstrip("/")
        names = self.attrs.get("Names") or [""]
        return str(names[0]).lstrip("/")

    @property
    def status(self) -> str:
        """``created``, ``running``, ``paused``, ``restarting``, ``exited``, ``dead``, ...
        (Podman's ``stopped``, ``configured`` and ``initialized`` are said as Docker says
        them: ``exited``, ``created``, ``created``)."""
        state = self.attrs.get("State")
        status = str(state.get("Status", "")) if isinstance(state, dict) else str(state or "")
        return _DOCKER_STATUS.get(status, status)

    @property
    def labels(self) -> dict[str, str]:
        config = self.attrs.get("Config")
        labels = config.get("Labels") if isinstance(config, dict) else self.attrs.get("Labels")
        return dict(labels or {})

    @property
    def image(self) -> str:
        """The image reference the container was created from, as the docker CLI shows it
        (Podman's ``docker.io/`` prefix left out)."""
        config = self.attrs.get("Config")
        if isinstance(config, dict):
            return familiar_name(str(config.get("Image", "")))
        return familiar_name(str(self.attrs.get("Image", "")))

    @property
    def image_id(self) -> str:
        """The id of the container's image."""
        if isinstance(self.attrs.get("Config"), dict):
            return str(self.attrs.get("Image", ""))
        return str(self.attrs.get("ImageID", ""))

    @property
    def ports(self) -> dict[str, list[dict[str, str]] | None]:
        """Published ports as ``{"80/tcp": [{"HostIp": ..., "HostPort": ...}]}``."""
        settings = self.attrs.get("NetworkSettings") or {}
        if "Ports" in settings:
            return dict(settings.get("Ports") or {})
        out: dict[str, list[dict[str, str]] | None] = {}
        for entry in self.attrs.get("Ports") or []:  # list() form
            key = f"{entry.get('PrivatePort')}/{entry.get('Type', 'tcp')}"
            if "PublicPort" in entry:
                host = {"HostIp": entry.get("IP", ""), "HostPort": str(entry["PublicPort"])}
                out[key] = [*(out.get(key) or []), host]
            else:
                out.setdefault(key, None)
        return out

    @property
    def health(self) -> str:
        """``"starting"``, ``"healthy"``, ``"unhealthy"``, or ``"none"`` without a health check
        (as of ``attrs``: ``reload()`` to refresh)."""
        state = self.attrs.get("State")
        if isinstance(state, dict):
            health = state.get("Health") or {}
            return str(health.get("Status") or "none")
        match = _STATUS_HEALTH.search(str(self.attrs.get("Status", "")))
        if not match:
            return "none"
        return "starting" if match.group(1) == "health: starting" else match.group(1)

    @property
    def exit_code(self) -> int | None:
        """The exit status of the last run (inspect data only)."""
        state = self.attrs.get("State")
        return int(state.get("ExitCode", 0)) if isinstance(state, dict) else None

    @property
    def state(self) -> ContainerState:
        """``State`` of the inspect data (status, pid, exit code, ``Health``, ...); empty
        for handles from :meth:`ContainerManager.list` until ``reload()``."""
        return cast(ContainerState, _section(self.attrs, "State"))

    @property
    def config(self) -> ContainerConfig:
        """``Config`` of the inspect data (image, command, environment, labels, ...);
        empty for list handles until ``reload()``."""
        return cast(ContainerConfig, _section(self.attrs, "Config"))

    @property
    def host_config(self) -> HostConfig:
        """``HostConfig`` of the inspect data (binds, port bindings, limits, restart
        policy, ...); list handles carry only ``NetworkMode`` until ``reload()``."""
        return cast(HostConfig, _section(self.attrs, "HostConfig"))

    @property
    def network_settings(self) -> NetworkSettings:
        """``NetworkSettings`` of the inspect data (``Ports``, ``Networks``, ...); list
        handles carry only ``Networks`` until ``reload()``."""
        return cast(NetworkSettings, _section(self.attrs, "NetworkSettings"))

    @property
    def mounts(self) -> list[MountPoint]:
        """The container's mounts (inspect data and list entries alike)."""
        return list(self.attrs.get("Mounts") or [])

    def _known_tty(self) -> bool | None:
        config = self.attrs.get("Config")
        return bool(config.get("Tty")) if isinstance(config, dict) else None

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the container (a no-op if it is already running)."""
        try:
            await self._docker._call("POST", f"{self._path}/start")
        except NotModified:
            pass

    async def stop(self, timeout: float | None = None, *, signal: str | int | None = None) -> None:
        """Stop it: the stop signal (``signal``, else the container's; API 1.42), then
        SIGKILL after ``timeout`` seconds (the container's ``stop_timeout``, else 10, when
        ``None``). A no-op if it is not running."""
        params = await self._stop_params("stop", timeout, signal)
        try:
            await self._docker._call("POST", f"{self._path}/stop", params=params, timeout=None)
        except NotModified:
            pass

    async def restart(
        self, timeout: float | None = None, *, signal: str | int | None = None
    ) -> None:
        """Restart it: stop it with ``signal`` (API 1.42; else its stop signal), killing it
        after ``timeout`` seconds if it does not stop."""
        params = await self._stop_params("restart", timeout, signal)
        await self._docker._call("POST", f"{self._path}/restart", params=params, timeout=None)

    async def _stop_params(
        self, operation: str, timeout: float | None, signal: str | int | None
    ) -> dict[str, QueryValue]:
        params: dict[str, QueryValue] = {}
        if timeout is not None:
            params["t"] = _whole_seconds(timeout, "timeout")
        if signal is not None:
            params["signal"] = signal_name(signal)
            await require(self._docker, f"{operation}.signal")
        return params

    async def kill(self, signal: str | int | None = None) -> None:
        """Send a signal (``"SIGHUP"``, ``"HUP"``, ``1`` or ``signal.SIGHUP``; default SIGKILL)."""
        params = {"signal": signal_name(signal)} if signal is not None else None
        await self._docker._call("POST", f"{self._path}/kill", params=params)

    async def pause(self) -> None:
        """Freeze every process of the container."""
        await self._docker._call("POST", f"{self._path}/pause")

    async def unpause(self) -> None:
        """Resume a paused container."""
        await self._docker._call("POST", f"{self._path}/unpause")

    async def wait(
        self,
        *,
        condition: Literal["not-running", "next-exit", "removed"] = "not-running",
        timeout: float | None = None,
    ) -> ContainerWaitResponse:
        """Wait until the container meets ``condition``; returns ``{"StatusCode": ..,
        "Error": ..}``. Raises :class:`DockerTimeoutError` after ``timeout`` seconds."""
        if condition not in _WAIT_CONDITIONS:
            raise InvalidArgument(
                f"condition: expected one of {', '.join(_WAIT_CONDITIONS)}, got {condition!r}"
            )
        limit = None if timeout is None else _seconds(timeout, "timeout")
        request = self._docker._json(
            "POST", f"{self._path}/wait", params={"condition": condition}, timeout=None
        )
        if limit is None:
            result: ContainerWaitResponse = await request
            return result
        try:
            async with timeout_after(limit):
                result = await request
        except asyncio.TimeoutError as exc:
            if isinstance(exc, DockerTimeoutError):
                raise
            raise DockerTimeoutError(
                f"container {self.short_id} did not reach {condition!r} within {timeout}s"
            ) from None
        return result

    async def remove(
        self, *, force: bool = False, volumes: bool = False, link: bool = False, v: bool = False
    ) -> None:
        """Remove it: ``force`` kills it first if running, ``volumes`` (or docker-py's ``v``)
        removes its anonymous volumes, ``link`` removes the link named by this handle
        instead."""
        await self._docker._call(
            "DELETE",
            self._path,
            params={
                "force": _boolean(force, "force"),
                "v": _boolean(volumes, "volumes") or _boolean(v, "v"),
                "link": _boolean(link, "link"),
            },
            timeout=None,
        )

    async def rename(self, name: str) -> None:
        """Give the container a new name."""
        await self._docker._call(
            "POST", f"{self._path}/rename", params={"name": _string(name, "name")}
        )
        if "Name" in self.attrs:
            self.attrs["Name"] = "/" + name

    async def update(self, **resources: Any) -> list[str]:
        """Change resource limits or the restart policy of a created or running container.

        Takes ``mem_limit``, ``memswap_limit``, ``mem_reservation``, ``kernel_memory``,
        ``nano_cpus``, ``cpu_shares``, ``cpu_period``, ``cpu_quota``, ``cpu_rt_*``,
        ``cpuset_cpus``, ``cpuset_mems``, ``blkio_weight``, ``pids_limit``, ``restart_policy``
        (as for create). Returns the daemon's warnings.
        """
        body = update_body(**resources)
        aim = await request_target(self._docker)
        aim.check("container.update")
        check_body(aim, "update", _KERNEL_MEMORY, body)
        result = await self._docker._json("POST", f"{self._path}/update", json=body)
        return list((result or {}).get("Warnings") or [])

    async def resize(self, height: int, width: int) -> None:
        """Resize the TTY of the container."""
        await self._docker._call(
            "POST",
            f"{self._path}/resize",
            params={"h": _natural(height, "height"), "w": _natural(width, "width")},
        )

    # --- inspection ---------------------------------------------------------------------

    async def top(self, ps_args: str | None = None) -> dict[str, Any]:
        """The processes running in it: ``{"Titles": [...], "Processes": [[...], ...]}``."""
        result: dict[str, Any] = await self._docker._json(
            "GET", f"{self._path}/top", params={"ps_args": ps_args}
        )
        return result

    async def diff(self) -> list[dict[str, Any]]:
        """Changes to its filesystem: ``[{"Path": ..., "Kind": 0|1|2}]`` (modified, added,
        deleted)."""
        return list(await self._docker._json("GET", f"{self._path}/changes") or [])

    changes = diff

    async def port(self, private_port: int | str) -> list[dict[str, str]] | None:
        """The host bindings of a container port (``80``, ``"80/udp"``), ``None`` if it is not
        published. Reads fresh inspect data."""
        key = str(private_port)
        if "/" not in key:
            key += "/tcp"
        await self.reload()
        return self.ports.get(key)

    # --- output -------------------------------------------------------------------------

    def _output(self, what: str, open_response: Opener) -> FrameStream:
        tty = self._known_tty()
        if tty is not None:
            return FrameStream(self._docker, open_response, tty=tty, what=what)
        # The TTY setting decides the framing: look it up when the stream opens. The
        # opener holds the stream weakly, so that dropping the stream still closes it.
        stream_ref: weakref.ref[FrameStream] | None = None

        async def opener() -> StreamSource:
            await self.reload()
            stream = stream_ref() if stream_ref is not None else None
            if stream is not None:
                stream.set_tty(bool(self._known_tty()))
            return await open_response()

        stream = FrameStream(self._docker, opener, tty=False, what=what)
        stream_ref = weakref.ref(stream)
        return stream

    def logs(
        self,
        *,
        stdout: bool = True,
        stderr: bool = True,
        follow: bool = False,
        timestamps: bool = False,
        tail: int | Literal["all"] = "all",
        since: TimeSpec | None = None,
        until: TimeSpec | None = None,
    ) -> FrameStream:
        """The container's output as a stream of :class:`Frame` objects.

        ``follow`` keeps streaming until the container stops. ``tail`` limits the output to
        its last lines. ``since``/``until`` take a datetime, a Unix timestamp, or a duration
        (``timedelta``, ``"10m"``: that long ago). TTY containers give raw output as STDOUT.
        """
        if tail != "all" and (isinstance(tail, bool) or not isinstance(tail, int) or tail < 0):
            raise _fail("tail", "an integer >= 0 or 'all'", tail)
        params: dict[str, QueryValue] = {
            "stdout": _boolean(stdout, "stdout"),
            "stderr": _boolean(stderr, "stderr"),
            "follow": _boolean(follow, "follow"),
            "timestamps": _boolean(timestamps, "timestamps"),
            "tail": str(tail),
            "since": to_timestamp(since, name="since") if since is not None else None,
            "until": to_timestamp(until, name="until") if until is not None else None,
        }
        path = f"{self._path}/logs"

        async def open_response() -> StreamSource:
            # Our own connection: far cheaper than aiohttp when each line is an HTTP chunk.
            return await open_plain(self._docker, "GET", path, params=params)

        return self._output(f"GET {path}", open_response)

    def _attach_output(self, *, logs: bool = False) -> Opener:
        """An opener of a read-only attach (stdout and stderr), without hijacking."""
        path = f"{self._path}/attach"
        params = {"stream": True, "stdout": True, "stderr": True, "logs": logs}

        async def open_response() -> aiohttp.ClientResponse:
            return await self._docker._request("POST", path, params=params, stream=True)

        return open_response

    @overload
    def stats(
        self, *, stream: Literal[True] = True, one_shot: bool = False
    ) -> JSONStream[dict[str, Any]]: ...

    @overload
    def stats(
        self, *, stream: Literal[False], one_shot: bool = False
    ) -> Awaitable[dict[str, Any]]: ...

    def stats(
        self, *, stream: bool = True, one_shot: bool = False
    ) -> JSONStream[dict[str, Any]] | Awaitable[dict[str, Any]]:
        """Resource usage: a stream of stats dicts (one a second), or with ``stream=False``
        an awaitable of one (``one_shot=True`` answers at once, without the ``precpu_stats``
        needed for CPU percent). :meth:`StatsSummary.from_stats` computes the CLI's columns."""
        path = f"{self._path}/stats"
        if not stream:
            params = {"stream": False, "one-shot": True if one_shot else None}

            async def one() -> dict[str, Any]:
                answer = await self._docker._json("GET", path, params=params, timeout=None)
                return self._with_ids(answer)

            return one()
        if one_shot:
            raise InvalidArgument("one_shot applies with stream=False only")

        async def opener() -> aiohttp.ClientResponse:
            return await self._docker._request("GET", path, params={"stream": True}, stream=True)

        return JSONStream(self._docker, opener, f"GET {path}", self._with_ids)

    def _with_ids(self, stats: dict[str, Any]) -> dict[str, Any]:
        """``stats`` with the ``id`` and ``name`` some daemons leave out (Docker 28's
        one-shot answer; Podman, which sends ``Id``)."""
        if isinstance(stats, dict):
            stats.setdefault("id", stats.get("Id") or self.id)
            if self.attrs.get("Name"):
                stats.setdefault("name", self.attrs["Name"])
        return stats

    # --- health -------------------------------------------------------------------------

    async def wait_healthy(self, timeout: float = 60.0, *, interval: float = 0.2) -> None:
        """Wait until the health check reports ``healthy``, polling every ``interval`` seconds.

        Raises :class:`UnhealthyError` (with the last check's output) when it turns
        unhealthy or the container stops, :class:`HealthTimeoutError` after ``timeout``
        seconds, and :class:`InvalidArgument` if the container has no health check.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _seconds(timeout, "timeout")
        while True:
            await self.reload()
            state = self.attrs.get("State") or {}
            health = state.get("Health")
            if health is None:
                raise InvalidArgument(f"container {self.short_id} has no health check")
            status = str(health.get("Status") or "")
            log = health.get("Log") or []
            output = str(log[-1].get("Output", "")) if log else ""
            if status == "healthy":
                return
            if status == "unhealthy":
                raise UnhealthyError(
                    f"container {self.short_id} is unhealthy: {output.strip()}",
                    status=status,
                    output=output,
                )
            if not state.get("Running"):
                raise UnhealthyError(
                    f"container {self.short_id} is {state.get('Status')} (exit code "
                    f"{state.get('ExitCode')}) before becoming healthy",
                    status=status,
                    output=output,
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise HealthTimeoutError(
                    f"container {self.short_id} not healthy within {timeout}s (status "
                    f"{status}); last check: {output.strip() or 'none yet'}",
                    status=status,
                    output=output,
                )
            await asyncio.sleep(min(interval, remaining))

    # --- files --------------------------------------------------------------------------

    def export(self) -> ByteStream:
        """The container's filesystem as a tar byte stream."""
        path = f"{self._path}/export"

        async def opener() -> aiohttp.ClientResponse:
            return await self._docker._request("GET", path, stream=True)

        return ByteStream(self._docker, opener, f"GET {path}")

    async def get_archive(self, path: str) -> tuple[ByteStream, dict[str, Any]]:
        """A tar of ``path`` in the container as a byte stream, with the stat of ``path``
        (``name``, ``size``, ``mode``, ``mtime``, ``linkTarget``). Close or exhaust the
        stream to release the connection."""
        url = f"{self._path}/archive"
        resp = await self._docker._request(
            "GET", url, params={"path": _string(path, "path")}, stream=True
        )
        stat = _decode_path_stat(resp.headers.get("X-Docker-Container-Path-Stat"))

        async def opener() -> aiohttp.ClientResponse:
            return resp

        stream = ByteStream(self._docker, opener, f"GET {url}")
        await stream.open()
        return stream, stat

    async def stat_archive(self, path: str) -> dict[str, Any]:
        """The stat of ``path`` in the container, without its content."""
        resp = await self._docker._request(
            "HEAD", f"{self._path}/archive", params={"path": _string(path, "path")}
        )
        resp.release()
        return _decode_path_stat(resp.headers.get("X-Docker-Container-Path-Stat"))

    async def put_archive(
        self,
        path: str,
        data: bytes | bytearray | memoryview | IO[bytes] | AsyncIterable[bytes],
        *,
        no_overwrite_dir_non_dir: bool = False,
        copy_uidgid: bool = False,
    ) -> None:
        """Extract a tar archive into the directory ``path`` of the container.

        ``data`` is the tar as bytes, a binary file object, or an async iterator of bytes
        (streamed, never buffered whole).
        """
        if isinstance(data, io.TextIOBase):
            raise InvalidArgument("put_archive: open the file in binary mode")
        if not isinstance(data, (bytes, bytearray, memoryview, AsyncIterable)) and not hasattr(
            data, "read"
        ):
            raise _fail("data", "bytes, a binary file or an async iterator of bytes", data)
        if isinstance(data, (bytes, bytearray, memoryview)) and len(data) > 1024 * 1024:
            data = io.BytesIO(data)  # sent in chunks; a bytes body would block the loop
        await self._docker._call(
            "PUT",
            f"{self._path}/archive",
            params={
                "path": _string(path, "path"),
                "noOverwriteDirNonDir": no_overwrite_dir_non_dir,
                "copyUIDGID": copy_uidgid,
            },
            data=data,
            headers={"Content-Type": "application/x-tar"},
            timeout=None,
        )

    async def commit(
        self,
        repository: str | None = None,
        tag: str | None = None,
        message: str | None = None,
        author: str | None = None,
        changes: str | Sequence[str] | None = None,
        conf: Mapping[str, Any] | None = None,
        pause: bool = True,
    ) -> Image:
        """Make an image of the container; returns an :class:`~aiodock.images.Image`
        handle. ``changes`` are Dockerfile instructions (``["ENV A=1", "CMD sh"]``), ``conf``
        a raw Config object for the image."""
        if isinstance(changes, str):
            changes = [changes]
        result = await self._docker._json(
            "POST",
            "/commit",
            params={
                "container": self.id,
                "repo": repository,
                "tag": tag,
                "comment": message,
                "author": author,
                "changes": _string_list(changes, "changes") if changes else None,
                "pause": pause,
            },
            json=dict(conf or {}),
            timeout=None,
        )
        return await self._docker.images.get(str(result["Id"]))

    # --- exec and attach (built in aiodock.exec / aiodock.process) ---------------------

    def exec(self, cmd: str | Sequence[str], **kwargs: Any) -> ProcessStarter:
        """Run a command in the container as a process (``async with container.exec(...) as
        proc``); takes the keywords of :meth:`aiodock.exec.ExecManager.process`."""
        return self._docker.exec.process(self.id, cmd, **kwargs)

    async def exec_run(self, cmd: str | Sequence[str], **kwargs: Any) -> ExecResult:
        """Run a command to completion; returns an ``ExecResult`` (exit code, output).
        Takes the keywords of :meth:`aiodock.exec.ExecManager.run` (docker-py's)."""
        return await self._docker.exec.run(self.id, cmd, **kwargs)

    def attach(self, **kwargs: Any) -> ProcessStarter:
        """Attach to the container's stdio as a process-like object; see
        :mod:`aiodock.process`."""
        from .process import attach_container

        return attach_container(self._docker, self.id, **kwargs)


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _fail(name, "a number of seconds >= 0", value)
    return value


def _whole_seconds(value: Any, name: str) -> int:
    """Seconds for parameters the daemon reads as an integer, rounded up (0.5 s -> 1 s)."""
    return math.ceil(_seconds(value, name))


_LIST_FILTERS = (
    "ancestor before expose exited health id isolation is-task label name network publish "
    "since status volume".split()
)


class ContainerManager(Manager):
    """``docker.containers``: create, run, get, list and prune containers."""

    async def get(self, container_id: str) -> Container:
        """The container with this id, id prefix or name (raises ``ContainerNotFound``)."""
        attrs = await self._docker._json(
            "GET", f"/containers/{path_id(_string(container_id, 'container_id'))}/json"
        )
        return Container(self._docker, attrs)

    async def list(
        self,
        all: bool = False,
        *,
        filters: Filters | None = None,
        limit: int | None = None,
        since: str | None = None,
        before: str | None = None,
        size: bool = False,
    ) -> list[Container]:
        """Containers (running ones unless ``all``), newest first, as handles built from the
        list answer itself. ``limit`` keeps the newest n (implies ``all``); ``since``/
        ``before`` keep those created after/before the named container; ``size`` adds
        ``SizeRw``/``SizeRootFs``."""
        merged: dict[str, Any] = dict(filters or {})
        if since is not None:
            merged["since"] = _string(since, "since")
        if before is not None:
            merged["before"] = _string(before, "before")
        if limit is not None and _integer(limit, "limit") < 1:
            limit = None
        entries = await self._docker._json(
            "GET",
            "/containers/json",
            params={
                "all": _boolean(all, "all"),
                "limit": limit,
                "size": _boolean(size, "size"),
                "filters": encode_filters(merged, allowed=_LIST_FILTERS),
            },
        )
        docker = self._docker
        for entry in entries or []:
            if "Config" in entry and not entry["Config"]:
                del entry["Config"]  # Podman's empty one: list entries have none
        return [Container(docker, entry) for entry in entries or []]

    async def create(
        self, image: str, command: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Container:
        """Create a container from docker-py's keyword arguments (see :data:`CREATE_KEYWORDS`
        and ``docs/containers.md``); returns the handle with its inspect data. The image
        must exist locally (``run()`` pulls it)."""
        request = create_body(image, command, **kwargs)
        created = await self._create(request)
        await created.reload()
        return created

    async def _create(self, request: CreateRequest) -> Container:
        result = await self._docker._json(
            "POST",
            "/containers/create",
            params={"name": request.name, "platform": request.platform},
            json=adapt_create(await request_target(self._docker), request.body),
        )
        return Container(
            self._docker,
            {
                "Id": result["Id"],
                "Warnings": result.get("Warnings"),
                "Config": {"Tty": request.tty},
            },
        )

    async def _create_pulling(self, request: CreateRequest) -> Container:
        try:
            return await self._create(request)
        except ImageNotFound:
            pull = getattr(self._docker.images, "pull", None)
            if pull is None:
                raise
        image = request.body["Image"]
        repository, tag = split_tag(image)
        try:
            await pull(repository, tag=tag or "latest", platform=request.platform)
        except APIError as exc:
            raise ImageNotFound(
                exc.status,
                f"image {image!r} is not present locally and pulling it failed: {exc.message}",
                method=exc.method,
                path=exc.path,
                body=exc.body,
            ) from exc
        return await self._create(request)

    @overload
    async def run(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        detach: Literal[True],
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> Container: ...

    @overload
    async def run(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        stream: Literal[True],
        detach: Literal[False] = False,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> RunOutput: ...

    @overload
    async def run(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        detach: Literal[False] = False,
        stream: Literal[False] = False,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> bytes: ...

    @overload
    async def run(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        detach: bool = False,
        stream: bool = False,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> Container | RunOutput | bytes: ...

    async def run(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        detach: bool = False,
        stream: bool = False,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> Container | RunOutput | bytes:
        """Create and start a container, pulling the image first if it is not present.

        - ``detach=True``: return the running :class:`Container` (``remove=True`` then sets
          ``auto_remove``).
        - otherwise wait for it to exit and return its output: stdout, or stdout and stderr
          interleaved with ``stderr=True``. A non-zero exit raises :class:`ContainerError`
          carrying the exit status and stderr.
        - ``stream=True``: return a :class:`RunOutput` at once, yielding output live.

        ``remove=True`` removes the container afterwards, also when this raises or is
        cancelled (for ``stream=True``: when the stream ends or is closed).
        """
        for flag, value in (
            ("detach", detach),
            ("stream", stream),
            ("stdout", stdout),
            ("stderr", stderr),
            ("remove", remove),
        ):
            _boolean(value, flag)
        if detach and stream:
            raise InvalidArgument("detach and stream cannot be used together")
        if detach and remove:
            kwargs["auto_remove"] = True
        request = create_body(image, command, **kwargs)
        container = await self._create_pulling(request)
        if detach:
            await container.start()
            await container.reload()
            return container
        output = RunOutput(
            container,
            container._attach_output(),
            tty=request.tty,
            stdout=stdout,
            stderr=stderr,
            remove=remove,
            command=command,
            image=image,
        )
        try:
            await output.open()
            await container.start()
        except BaseException:
            await output.close()
            raise
        if stream:
            return output
        try:
            return await output.read()
        finally:
            await output.close()

    async def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        """Remove stopped containers (``filters``: ``until``, ``label``, ``label!``); returns
        ``{"ContainersDeleted": [...], "SpaceReclaimed": n}``."""
        result: dict[str, Any] = await self._docker._json(
            "POST",
            "/containers/prune",
            params={"filters": encode_filters(filters, allowed=("until", "label", "label!"))},
            timeout=None,
        )
        result["ContainersDeleted"] = result.get("ContainersDeleted") or []
        return result
