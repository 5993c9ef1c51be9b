"""docker.api has every public method of docker-py's ContainerApiMixin, ImageApiMixin,
BuildApiMixin and ExecApiMixin, with docker-py's parameter names in docker-py's order.

The names below were written from docker-py's sources (``docker/api/container.py``,
``image.py``, ``build.py``, ``exec_api.py``). Where docker-py's method takes ``*args,
**kwargs`` and hands them to a type (``create_host_config`` to ``HostConfig``, ...), the
names are that type's, without its ``version``.
"""

from __future__ import annotations

import inspect

import pytest

from aiodock.api import APIClient

HOST_CONFIG = (
    "binds port_bindings lxc_conf publish_all_ports links privileged dns dns_search "
    "volumes_from network_mode restart_policy cap_add cap_drop devices extra_hosts read_only "
    "pid_mode ipc_mode security_opt ulimits log_config mem_limit memswap_limit mem_reservation "
    "kernel_memory mem_swappiness cgroup_parent group_add cpu_quota cpu_period blkio_weight "
    "blkio_weight_device device_read_bps device_write_bps device_read_iops device_write_iops "
    "oom_kill_disable shm_size sysctls tmpfs oom_score_adj dns_opt cpu_shares cpuset_cpus "
    "userns_mode uts_mode pids_limit isolation auto_remove storage_opt init init_path "
    "volume_driver cpu_count cpu_percent nano_cpus cpuset_mems runtime mounts cpu_rt_period "
    "cpu_rt_runtime device_cgroup_rules device_requests cgroupns"
)
CONTAINER_CONFIG = (
    "image command hostname user detach stdin_open tty ports environment volumes "
    "network_disabled entrypoint working_dir domainname host_config mac_address labels "
    "stop_signal networking_config healthcheck stop_timeout runtime"
)

DOCKER_PY: dict[str, str] = {
    # ContainerApiMixin
    "attach": "container stdout stderr stream logs demux",
    "attach_socket": "container params ws",
    "commit": "container repository tag message author pause changes conf",
    "containers": "quiet all trunc latest since before limit size filters",
    "create_container": (
        "image command hostname user detach stdin_open tty ports environment volumes "
        "network_disabled name entrypoint working_dir domainname host_config mac_address "
        "labels stop_signal networking_config healthcheck stop_timeout runtime "
        "use_config_proxy platform"
    ),
    "create_container_config": CONTAINER_CONFIG,
    "create_container_from_config": "config name platform",
    "create_host_config": HOST_CONFIG,
    "create_networking_config": "endpoints_config",
    "create_endpoint_config": (
        "aliases links ipv4_address ipv6_address link_local_ips driver_opt mac_address"
    ),
    "diff": "container",
    "export": "container chunk_size",
    "get_archive": "container path chunk_size encode_stream",
    "inspect_container": "container",
    "kill": "container signal",
    "logs": "container stdout stderr stream timestamps tail since follow until",
    "pause": "container",
    "port": "container private_port",
    "put_archive": "container path data",
    "prune_containers": "filters",
    "remove_container": "container v link force",
    "rename": "container name",
    "resize": "container height width",
    "restart": "container timeout",
    "start": "container *args **kwargs",
    "stats": "container decode stream one_shot",
    "stop": "container timeout",
    "top": "container ps_args",
    "unpause": "container",
    "update_container": (
        "container blkio_weight cpu_period cpu_quota cpu_shares cpuset_cpus cpuset_mems "
        "mem_limit mem_reservation memswap_limit kernel_memory restart_policy"
    ),
    "wait": "container timeout condition",
    # ImageApiMixin
    "get_image": "image chunk_size",
    "history": "image",
    "images": "name quiet all filters",
    "import_image": "src repository tag image changes stream_src",
    "import_image_from_data": "data repository tag changes",
    "import_image_from_file": "filename repository tag changes",
    "import_image_from_stream": "stream repository tag changes",
    "import_image_from_url": "url repository tag changes",
    "import_image_from_image": "image repository tag changes",
    "inspect_image": "image",
    "inspect_distribution": "image auth_config",
    "load_image": "data quiet",
    "prune_images": "filters",
    "pull": "repository tag stream auth_config decode platform all_tags",
    "push": "repository tag stream auth_config decode",
    "remove_image": "image force noprune",
    "search": "term limit",
    "tag": "image repository tag force",
    # BuildApiMixin
    "build": (
        "path tag quiet fileobj nocache rm timeout custom_context encoding pull forcerm "
        "dockerfile container_limits decode buildargs gzip shmsize labels cache_from target "
        "network_mode squash extra_hosts platform isolation use_config_proxy"
    ),
    "prune_builds": "filters keep_storage all",
    # ExecApiMixin
    "exec_create": (
        "container cmd stdout stderr stdin tty privileged user environment workdir detach_keys"
    ),
    "exec_inspect": "exec_id",
    "exec_resize": "exec_id height width",
    "exec_start": "exec_id detach tty stream socket demux",
}

# docker-py's defaults where they are not None/False, as aiodock must keep them.
DEFAULTS: dict[str, dict[str, object]] = {
    "attach": {"stdout": True, "stderr": True},
    "commit": {"pause": True},
    "containers": {"limit": -1},
    "create_container": {"use_config_proxy": True},
    "logs": {"stdout": True, "stderr": True, "tail": "all"},
    "restart": {"timeout": 10},
    "exec_create": {"stdout": True, "stderr": True, "user": ""},
    "export": {"chunk_size": 2 * 1024 * 1024},
    "get_archive": {"chunk_size": 2 * 1024 * 1024},
    "get_image": {"chunk_size": 2 * 1024 * 1024},
    "stats": {"stream": True},
    "build": {"use_config_proxy": True, "rm": False},
}


def _names(method: object) -> str:
    parameters = list(inspect.signature(method).parameters.values())  # type: ignore[arg-type]
    if parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    shown = []
    for parameter in parameters:
        prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
        shown.append(prefix.get(parameter.kind, "") + parameter.name)
    return " ".join(shown)


@pytest.mark.parametrize("name", sorted(DOCKER_PY))
def test_method_has_docker_py_s_parameters(name: str) -> None:
    method = getattr(APIClient, name, None)
    assert method is not None, f"APIClient.{name} is missing"
    assert _names(method) == DOCKER_PY[name]


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_defaults_are_docker_py_s(name: str) -> None:
    parameters = inspect.signature(getattr(APIClient, name)).parameters
    for parameter, default in DEFAULTS[name].items():
        assert parameters[parameter].default == default, f"{name}({parameter}=...)"


def test_the_rest_default_to_none_or_false() -> None:
    for name in DOCKER_PY:
        for parameter in inspect.signature(getattr(APIClient, name)).parameters.values():
            if parameter.default is inspect.Parameter.empty:
                continue
            if parameter.name in DEFAULTS.get(name, {}):
                continue
            assert parameter.default in (None, False), f"{name}({parameter.name}=...)"
