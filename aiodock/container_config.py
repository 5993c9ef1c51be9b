"""Container keyword translation: docker-py's ``run``/``create``/``update`` keywords to the
Engine API bodies.

:func:`create_body` turns them into the ``POST /containers/create`` request and
:func:`update_body` into the ``POST /containers/{id}/update`` body, validating every value
before a request goes out; :data:`CREATE_KEYWORDS` says where each keyword lands. Pure: no
I/O. The argument checkers here (``_string``, ``_boolean``, ...) serve the container
methods too.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .errors import InvalidArgument
from .types.containers import (
    DeviceRequest,
    Healthcheck,
    LogConfig,
    Mount,
    RestartPolicy,
    Ulimit,
)
from .utils import console_size, parse_bytes, string_map

__all__ = [
    "CREATE_KEYWORDS",
    "CreateRequest",
    "create_body",
    "signal_name",
    "update_body",
]

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
            if isinstance(item, bytes):
                item = item.decode("utf-8")
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
        return string_map(value, name)
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
            "interval=...) or the API's Test/Interval/... (nanoseconds)"
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


def _typed_helper(cls: type[Any], api_keys: set[str]) -> Converter:
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


_ulimit = _typed_helper(Ulimit, {"Name", "Soft", "Hard"})
_log_config = _typed_helper(LogConfig, {"Type", "Config"})
_device_request = _typed_helper(
    DeviceRequest, {"Driver", "Count", "DeviceIDs", "Capabilities", "Options"}
)


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


def _blkio_device(key: str) -> Converter:
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


def link_pairs(value: Any, name: str = "links") -> list[tuple[str, str | None]]:
    """Links as ``(container, alias or None)`` pairs, from a dict of name to alias or a
    list of names and pairs."""
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        pairs = [tuple(item) if isinstance(item, (tuple, list)) else (item, None) for item in value]
    else:
        raise _fail(name, "a dict of name to alias", value)
    out: list[tuple[str, str | None]] = []
    for pair in pairs:
        if len(pair) != 2 or not isinstance(pair[0], str):
            raise _fail(name, "name/alias pairs", value)
        target, alias = pair
        out.append((target, None if alias is None else _string(alias, name)))
    return out


def _links(value: Any, name: str) -> list[str]:
    out = []
    for target, alias in link_pairs(value, name):
        if alias is None:
            out.append(target if ":" in target else f"{target}:{target}")
        else:
            out.append(f"{target}:{alias}")
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


_PROPAGATION = frozenset("shared rshared slave rslave private rprivate".split())


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
            elif (
                isinstance(spec, Mapping)
                and set(spec) <= {"bind", "mode", "ro", "propagation"}
                and "bind" in spec
            ):
                if "ro" in spec and "mode" in spec:
                    raise InvalidArgument(f"{name}: {source!r}: give 'ro' or 'mode', not both")
                bind = spec["bind"]
                mode = ("ro" if spec["ro"] else "rw") if "ro" in spec else spec.get("mode", "rw")
                if spec.get("propagation") in _PROPAGATION:
                    mode = f"{mode},{spec['propagation']}"
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
    """A keyword that sets one field: ``key`` of the body's ``section``, after ``convert``."""

    section: Literal["Config", "HostConfig"]
    key: str
    convert: Converter


def _config(key: str, convert: Converter) -> _Keyword:
    return _Keyword("Config", key, convert)


def _host_config(key: str, convert: Converter) -> _Keyword:
    return _Keyword("HostConfig", key, convert)


# The keywords that set one field each; create_body handles the others (ports, volumes, ...).
_ONE_FIELD_KEYWORDS: dict[str, _Keyword] = {
    # Config
    "hostname": _config("Hostname", _string),
    "domainname": _config("Domainname", _string),
    "user": _config("User", _user),
    "tty": _config("Tty", _boolean),
    "stdin_open": _config("OpenStdin", _boolean),
    "stdin_once": _config("StdinOnce", _boolean),
    "working_dir": _config("WorkingDir", _absolute_path),
    "mac_address": _config("MacAddress", _string),
    "network_disabled": _config("NetworkDisabled", _boolean),
    "stop_signal": _config("StopSignal", signal_name),
    "stop_timeout": _config("StopTimeout", _natural),
    "environment": _config("Env", _environment),
    "labels": _config("Labels", _labels),
    "command": _config("Cmd", _command),
    "entrypoint": _config("Entrypoint", _command),
    "healthcheck": _config("Healthcheck", _healthcheck),
    # HostConfig: resources
    "mem_limit": _host_config("Memory", _size),
    "mem_reservation": _host_config("MemoryReservation", _size),
    "memswap_limit": _host_config("MemorySwap", _size_or_unlimited),
    "mem_swappiness": _host_config("MemorySwappiness", _swappiness),
    "kernel_memory": _host_config("KernelMemory", _size),
    "shm_size": _host_config("ShmSize", _size),
    "nano_cpus": _host_config("NanoCpus", _natural),
    "cpu_count": _host_config("CpuCount", _natural),
    "cpu_percent": _host_config("CpuPercent", _natural),
    "cpu_period": _host_config("CpuPeriod", _natural),
    "cpu_quota": _host_config("CpuQuota", _integer),
    "cpu_rt_period": _host_config("CpuRealtimePeriod", _natural),
    "cpu_rt_runtime": _host_config("CpuRealtimeRuntime", _natural),
    "cpu_shares": _host_config("CpuShares", _natural),
    "cpuset_cpus": _host_config("CpusetCpus", _string),
    "cpuset_mems": _host_config("CpusetMems", _string),
    "pids_limit": _host_config("PidsLimit", _integer),
    "oom_kill_disable": _host_config("OomKillDisable", _boolean),
    "oom_score_adj": _host_config("OomScoreAdj", _integer),
    "blkio_weight": _host_config("BlkioWeight", _natural),
    "blkio_weight_device": _host_config("BlkioWeightDevice", _list_of(_blkio_device("Weight"))),
    "device_read_bps": _host_config("BlkioDeviceReadBps", _list_of(_blkio_device("Rate"))),
    "device_read_iops": _host_config("BlkioDeviceReadIOps", _list_of(_blkio_device("Rate"))),
    "device_write_bps": _host_config("BlkioDeviceWriteBps", _list_of(_blkio_device("Rate"))),
    "device_write_iops": _host_config("BlkioDeviceWriteIOps", _list_of(_blkio_device("Rate"))),
    "ulimits": _host_config("Ulimits", _list_of(_ulimit)),
    "devices": _host_config("Devices", _list_of(_device)),
    "device_requests": _host_config("DeviceRequests", _list_of(_device_request)),
    "device_cgroup_rules": _host_config("DeviceCgroupRules", _string_list),
    "cgroup_parent": _host_config("CgroupParent", _string),
    "storage_opt": _host_config("StorageOpt", string_map),
    "console_size": _host_config("ConsoleSize", console_size),
    "annotations": _host_config("Annotations", string_map),
    # HostConfig: security and namespaces
    "cap_add": _host_config("CapAdd", _string_list),
    "cap_drop": _host_config("CapDrop", _string_list),
    "privileged": _host_config("Privileged", _boolean),
    "read_only": _host_config("ReadonlyRootfs", _boolean),
    "security_opt": _host_config("SecurityOpt", _string_list),
    "sysctls": _host_config("Sysctls", string_map),
    "userns_mode": _host_config("UsernsMode", _string),
    "group_add": _host_config("GroupAdd", _group_list),
    "ipc_mode": _host_config("IpcMode", _string),
    "pid_mode": _host_config("PidMode", _string),
    "uts_mode": _host_config("UTSMode", _string),
    "cgroupns": _host_config("CgroupnsMode", _string),
    "isolation": _host_config("Isolation", _string),
    "runtime": _host_config("Runtime", _string),
    # HostConfig: everything else
    "init": _host_config("Init", _boolean),
    "auto_remove": _host_config("AutoRemove", _boolean),
    "restart_policy": _host_config("RestartPolicy", _restart_policy),
    "log_config": _host_config("LogConfig", _log_config),
    "mounts": _host_config("Mounts", _list_of(_mount)),
    "tmpfs": _host_config("Tmpfs", _tmpfs),
    "extra_hosts": _host_config("ExtraHosts", _extra_hosts),
    "dns": _host_config("Dns", _string_list),
    "dns_opt": _host_config("DnsOptions", _string_list),
    "dns_search": _host_config("DnsSearch", _string_list),
    "links": _host_config("Links", _links),
    "network_mode": _host_config("NetworkMode", _string),
    "publish_all_ports": _host_config("PublishAllPorts", _boolean),
    "volume_driver": _host_config("VolumeDriver", _string),
    "volumes_from": _host_config("VolumesFrom", _string_list),
}

CREATE_KEYWORDS: dict[str, str] = {
    **{name: f"{kw.section}.{kw.key}" for name, kw in _ONE_FIELD_KEYWORDS.items()},
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
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return InvalidArgument(f"{what}: unknown keyword {name!r}{hint}")


@dataclass(frozen=True)
class CreateRequest:
    """What ``POST /containers/create`` is sent: the JSON body and the query parameters."""

    body: dict[str, Any]
    name: str | None = None
    platform: str | None = None
    use_config_proxy: bool = True
    """Whether the proxies of the docker CLI's ``config.json`` go into ``Env`` at create."""

    @property
    def tty(self) -> bool:
        return bool(self.body.get("Tty"))


def create_body(
    image: str, command: str | Sequence[str] | None = None, **options: Any
) -> CreateRequest:
    """Translate docker-py's create keywords into the Engine API request, validating each.

    Unknown keywords and malformed values raise :class:`InvalidArgument` naming them.
    ``config=`` and ``host_config=`` (raw API fields) are applied last, over the rest.
    ``use_config_proxy=False`` leaves out the proxies of ``config.json``, which are
    otherwise added to the environment (an explicit entry wins) when the request is sent.
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
    use_config_proxy = _boolean(options.pop("use_config_proxy", True), "use_config_proxy")
    network = options.pop("network", None)
    networking = options.pop("networking_config", None)
    ports = options.pop("ports", None)
    volumes = options.pop("volumes", None)
    for keyword, value in options.items():
        spec = _ONE_FIELD_KEYWORDS.get(keyword)
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
    return CreateRequest(body, name, platform, use_config_proxy)


def update_body(**options: Any) -> dict[str, Any]:
    """The ``POST /containers/{id}/update`` body from docker-py's ``update`` keywords."""
    body: dict[str, Any] = {}
    for keyword, value in options.items():
        if keyword not in _UPDATE_KEYWORDS:
            raise _unknown(keyword, _UPDATE_KEYWORDS, "update")
        if value is not None:
            spec = _ONE_FIELD_KEYWORDS[keyword]
            body[spec.key] = spec.convert(value, keyword)
    if not body:
        raise InvalidArgument("update: nothing to update")
    return body


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _fail(name, "a number of seconds >= 0", value)
    return value


def _whole_seconds(value: Any, name: str) -> int:
    """Seconds for parameters the daemon reads as an integer, rounded up (0.5 s -> 1 s)."""
    return math.ceil(_seconds(value, name))
