"""The request dicts docker-py's ``create_*_config`` methods build, made with the keyword
translation of :mod:`aiodock.container_config` (every value checked: bad input raises
:class:`~aiodock.errors.InvalidArgument` before anything is sent). Pure: no I/O; the
fields an API version lacks are checked when the container is created
(:func:`aiodock.versions.adapt_create`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..container_config import (
    _ONE_FIELD_KEYWORDS,
    _absolute_path,
    _boolean,
    _command,
    _environment,
    _fail,
    _healthcheck,
    _labels,
    _natural,
    _ports,
    _string,
    _unknown,
    _user,
    _volumes,
    signal_name,
)
from ..dockerpy_utils import normalize_links
from ..errors import InvalidArgument
from ..types.networks import EndpointConfig

__all__ = ["container_config", "endpoint_config", "host_config", "networking_config"]

HOST_CONFIG_KEYWORDS: Final = (
    "binds port_bindings lxc_conf publish_all_ports links privileged dns dns_search "
    "volumes_from network_mode restart_policy cap_add cap_drop devices extra_hosts read_only "
    "pid_mode ipc_mode security_opt ulimits log_config mem_limit memswap_limit mem_reservation "
    "kernel_memory mem_swappiness cgroup_parent group_add cpu_quota cpu_period blkio_weight "
    "blkio_weight_device device_read_bps device_write_bps device_read_iops device_write_iops "
    "oom_kill_disable shm_size sysctls tmpfs oom_score_adj dns_opt cpu_shares cpuset_cpus "
    "userns_mode uts_mode pids_limit isolation auto_remove storage_opt init init_path "
    "volume_driver cpu_count cpu_percent nano_cpus cpuset_mems runtime mounts cpu_rt_period "
    "cpu_rt_runtime device_cgroup_rules device_requests cgroupns"
).split()
"""docker-py's ``HostConfig`` keywords, in its order."""

# Flags docker-py leaves out of the dict while they are False (its defaults).
_UNSET_WHEN_FALSE: Final = frozenset({"publish_all_ports", "privileged", "oom_kill_disable",
                                      "auto_remove"})  # fmt: skip


def _binds(value: Any, name: str) -> list[str]:
    binds, anonymous = _volumes(value, name)
    if anonymous:
        raise InvalidArgument(f"{name}: {sorted(anonymous)} name no source ('source:/target')")
    return binds


def _port_bindings(value: Any, name: str) -> dict[str, list[Any]]:
    return _ports(value, name)[1]


def _lxc_conf(value: Any, name: str) -> list[dict[str, str]]:
    if isinstance(value, Mapping):
        return [{"Key": str(key), "Value": str(item)} for key, item in value.items()]
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        for item in value:
            if not isinstance(item, Mapping) or set(item) != {"Key", "Value"}:
                raise _fail(name, "a dict, or a list of {'Key': ..., 'Value': ...}", value)
        return [dict(item) for item in value]
    raise _fail(name, "a dict, or a list of {'Key': ..., 'Value': ...}", value)


def host_config(**options: Any) -> dict[str, Any]:
    """docker-py's ``HostConfig`` keywords (:data:`HOST_CONFIG_KEYWORDS`) as the Engine
    API ``HostConfig``: ``None`` values (and the flags above while ``False``) are left out,
    ``NetworkMode`` is ``"default"`` unless given."""
    if options.get("network_mode") == "host" and options.get("port_bindings"):
        raise InvalidArgument('"host" network_mode is incompatible with port_bindings')
    host: dict[str, Any] = {}
    for keyword, value in options.items():
        if keyword not in HOST_CONFIG_KEYWORDS:
            raise _unknown(keyword, HOST_CONFIG_KEYWORDS, "create_host_config")
        if value is None or (keyword in _UNSET_WHEN_FALSE and value is False):
            continue
        if keyword == "binds":
            host["Binds"] = _binds(value, keyword)
        elif keyword == "port_bindings":
            host["PortBindings"] = _port_bindings(value, keyword)
        elif keyword == "lxc_conf":
            host["LxcConf"] = _lxc_conf(value, keyword)
        elif keyword == "init_path":
            raise InvalidArgument("init_path: the Engine API has had no InitPath since 1.29")
        elif keyword == "links":
            host["Links"] = normalize_links(value)
        else:
            if keyword == "volumes_from" and isinstance(value, str):
                value = value.split(",")
            elif keyword == "sysctls" and isinstance(value, Mapping):
                value = {key: str(item) for key, item in value.items()}
            spec = _ONE_FIELD_KEYWORDS[keyword]
            host[spec.key] = spec.convert(value, keyword)
    host.setdefault("NetworkMode", "default")
    return host


def _exposed_ports(value: Any, name: str) -> dict[str, dict[str, Any]]:
    """``[80, (53, "udp"), "443/tcp"]`` (or the API's dict) as ``ExposedPorts``."""
    if isinstance(value, Mapping):
        return {str(key): dict(item or {}) for key, item in value.items()}
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _fail(name, "a list of ports", value)
    exposed: dict[str, dict[str, Any]] = {}
    for entry in value:
        port, protocol = entry, "tcp"
        if isinstance(entry, tuple):
            if len(entry) not in (1, 2):
                raise _fail(name, "ports or (port, protocol) pairs", value)
            port = entry[0]
            protocol = entry[1] if len(entry) == 2 else "tcp"
        key = str(port) if isinstance(port, str) and "/" in port else f"{port}/{protocol}"
        exposed.update(_ports({key: None}, name)[0])
    return exposed


def _volume_paths(value: Any, name: str) -> dict[str, dict[str, Any]]:
    paths = [value] if isinstance(value, str) else value
    if isinstance(paths, Mapping):
        paths = list(paths)
    if not isinstance(paths, Sequence):
        raise _fail(name, "a list of paths in the container", value)
    return {_absolute_path(path, name): {} for path in paths}


def _optional(value: Any, convert: Any, name: str) -> Any:
    return None if value is None else convert(value, name)


def container_config(
    image: str,
    command: str | Sequence[str] | None,
    hostname: str | None = None,
    user: str | int | None = None,
    detach: bool = False,
    stdin_open: bool = False,
    tty: bool = False,
    ports: Any = None,
    environment: Mapping[str, Any] | Sequence[str] | None = None,
    volumes: str | Sequence[str] | None = None,
    network_disabled: bool = False,
    entrypoint: str | Sequence[str] | None = None,
    working_dir: str | None = None,
    domainname: str | None = None,
    host_config: Mapping[str, Any] | None = None,
    mac_address: str | None = None,
    labels: Mapping[str, str] | Sequence[str] | None = None,
    stop_signal: str | None = None,
    networking_config: Mapping[str, Any] | None = None,
    healthcheck: Any = None,
    stop_timeout: int | None = None,
    runtime: str | None = None,
) -> dict[str, Any]:
    """docker-py's ``ContainerConfig``: the ``POST /containers/create`` body, every field
    docker-py writes (``None`` where unset); attached to stdout and stderr (and stdin, once,
    with ``stdin_open``) unless ``detach``."""
    attach = not _boolean(detach, "detach")
    stdin = attach and _boolean(stdin_open, "stdin_open")
    if host_config is not None and not isinstance(host_config, Mapping):
        raise _fail("host_config", "a dict (create_host_config)", host_config)
    if networking_config is not None and not isinstance(networking_config, Mapping):
        raise _fail("networking_config", "a dict (create_networking_config)", networking_config)
    return {
        "Hostname": _optional(hostname, _string, "hostname"),
        "Domainname": _optional(domainname, _string, "domainname"),
        "ExposedPorts": _optional(ports, _exposed_ports, "ports"),
        "User": _optional(user, _user, "user"),
        "Tty": _boolean(tty, "tty"),
        "OpenStdin": stdin_open,
        "StdinOnce": stdin,
        "AttachStdin": stdin,
        "AttachStdout": attach,
        "AttachStderr": attach,
        "Env": _optional(environment, _environment, "environment"),
        "Cmd": _optional(command, _command, "command"),
        "Image": _string(image, "image"),
        "Volumes": _optional(volumes, _volume_paths, "volumes"),
        "NetworkDisabled": _boolean(network_disabled, "network_disabled"),
        "Entrypoint": _optional(entrypoint, _command, "entrypoint"),
        "WorkingDir": _optional(working_dir, _absolute_path, "working_dir"),
        "HostConfig": dict(host_config) if host_config is not None else None,
        "NetworkingConfig": dict(networking_config) if networking_config is not None else None,
        "MacAddress": _optional(mac_address, _string, "mac_address"),
        "Labels": _optional(labels, _labels, "labels"),
        "StopSignal": _optional(stop_signal, signal_name, "stop_signal"),
        "Healthcheck": _optional(healthcheck, _healthcheck, "healthcheck"),
        "StopTimeout": _optional(stop_timeout, _natural, "stop_timeout"),
        "Runtime": _optional(runtime, _string, "runtime"),
    }


def networking_config(endpoints_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """docker-py's ``NetworkingConfig``: ``{"EndpointsConfig": ...}``, or ``{}``."""
    if not endpoints_config:
        return {}
    if not isinstance(endpoints_config, Mapping) or not all(
        isinstance(net, str) and isinstance(endpoint, Mapping)
        for net, endpoint in endpoints_config.items()
    ):
        raise _fail(
            "endpoints_config", "a dict of network name to endpoint config", endpoints_config
        )
    return {"EndpointsConfig": {net: dict(ep) for net, ep in endpoints_config.items()}}


def endpoint_config(
    aliases: Sequence[str] | None = None,
    links: Any = None,
    ipv4_address: str | None = None,
    ipv6_address: str | None = None,
    link_local_ips: Sequence[str] | None = None,
    driver_opt: Mapping[str, str] | None = None,
    mac_address: str | None = None,
) -> dict[str, Any]:
    """docker-py's ``EndpointConfig``: one network's ``EndpointSettings`` (links as
    docker-py writes them, ``"name:alias"`` or ``"name"``, sorted)."""
    body = EndpointConfig(
        aliases=aliases, ipv4_address=ipv4_address, ipv6_address=ipv6_address,
        link_local_ips=link_local_ips, driver_opt=driver_opt, mac_address=mac_address,
    ).to_api()  # fmt: skip
    if links:
        body["Links"] = normalize_links(links)
    return body
