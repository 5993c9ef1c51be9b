"""``aiodock.api.APIClient`` has every public method of docker-py's network, volume, swarm,
service, secret, config, plugin and daemon mixins, and the client's own members, with
docker-py's parameter names in docker-py's order (the lists below are docker-py's
signatures, read from ``docker/api/*.py``)."""

from __future__ import annotations

import inspect

import pytest

from aiodock.api import APIClient

DOCKER_PY_METHODS: dict[str, list[str]] = {
    # NetworkApiMixin
    "networks": ["names", "ids", "filters"],
    "create_network": [
        "name",
        "driver",
        "options",
        "ipam",
        "check_duplicate",
        "internal",
        "labels",
        "enable_ipv6",
        "attachable",
        "scope",
        "ingress",
    ],
    "prune_networks": ["filters"],
    "remove_network": ["net_id"],
    "inspect_network": ["net_id", "verbose", "scope"],
    "connect_container_to_network": [
        "container",
        "net_id",
        "ipv4_address",
        "ipv6_address",
        "aliases",
        "links",
        "link_local_ips",
        "driver_opt",
        "mac_address",
    ],
    "disconnect_container_from_network": ["container", "net_id", "force"],
    # VolumeApiMixin
    "volumes": ["filters"],
    "create_volume": ["name", "driver", "driver_opts", "labels"],
    "inspect_volume": ["name"],
    "prune_volumes": ["filters"],
    "remove_volume": ["name", "force"],
    # SwarmApiMixin
    "create_swarm_spec": ["args", "kwargs"],
    "get_unlock_key": [],
    "init_swarm": [
        "advertise_addr",
        "listen_addr",
        "force_new_cluster",
        "swarm_spec",
        "default_addr_pool",
        "subnet_size",
        "data_path_addr",
        "data_path_port",
    ],
    "inspect_swarm": [],
    "inspect_node": ["node_id"],
    "join_swarm": ["remote_addrs", "join_token", "listen_addr", "advertise_addr", "data_path_addr"],
    "leave_swarm": ["force"],
    "nodes": ["filters"],
    "remove_node": ["node_id", "force"],
    "unlock_swarm": ["key"],
    "update_node": ["node_id", "version", "node_spec"],
    "update_swarm": [
        "version",
        "swarm_spec",
        "rotate_worker_token",
        "rotate_manager_token",
        "rotate_manager_unlock_key",
    ],
    # ServiceApiMixin
    "create_service": [
        "task_template",
        "name",
        "labels",
        "mode",
        "update_config",
        "networks",
        "endpoint_config",
        "endpoint_spec",
        "rollback_config",
    ],
    "inspect_service": ["service", "insert_defaults"],
    "inspect_task": ["task"],
    "remove_service": ["service"],
    "services": ["filters", "status"],
    "service_logs": [
        "service",
        "details",
        "follow",
        "stdout",
        "stderr",
        "since",
        "timestamps",
        "tail",
        "is_tty",
    ],
    "tasks": ["filters"],
    "update_service": [
        "service",
        "version",
        "task_template",
        "name",
        "labels",
        "mode",
        "update_config",
        "networks",
        "endpoint_config",
        "endpoint_spec",
        "fetch_current_spec",
        "rollback_config",
    ],
    # SecretApiMixin
    "create_secret": ["name", "data", "labels", "driver"],
    "inspect_secret": ["id"],
    "remove_secret": ["id"],
    "secrets": ["filters"],
    # ConfigApiMixin
    "create_config": ["name", "data", "labels", "templating"],
    "inspect_config": ["id"],
    "remove_config": ["id"],
    "configs": ["filters"],
    # PluginApiMixin
    "configure_plugin": ["name", "options"],
    "create_plugin": ["name", "plugin_data_dir", "gzip"],
    "disable_plugin": ["name", "force"],
    "enable_plugin": ["name", "timeout"],
    "inspect_plugin": ["name"],
    "pull_plugin": ["remote", "privileges", "name"],
    "plugins": [],
    "plugin_privileges": ["name"],
    "push_plugin": ["name"],
    "remove_plugin": ["name", "force"],
    "upgrade_plugin": ["name", "remote", "privileges"],
    # DaemonApiMixin
    "df": [],
    "events": ["since", "until", "filters", "decode"],
    "info": [],
    "login": ["username", "password", "email", "registry", "reauth", "dockercfg_path"],
    "ping": [],
    "version": ["api_version"],
    # APIClient itself
    "reload_config": ["dockercfg_path"],
    "close": [],
}

# Defaults docker-py gives (where one is not None), checked too.
DOCKER_PY_DEFAULTS: dict[str, dict[str, object]] = {
    "create_network": {"internal": False, "enable_ipv6": False},
    "disconnect_container_from_network": {"force": False},
    "remove_volume": {"force": False},
    "init_swarm": {"listen_addr": "0.0.0.0:2377", "force_new_cluster": False},
    "join_swarm": {"listen_addr": "0.0.0.0:2377"},
    "leave_swarm": {"force": False},
    "remove_node": {"force": False},
    "update_swarm": {
        "rotate_worker_token": False,
        "rotate_manager_token": False,
        "rotate_manager_unlock_key": False,
    },
    "service_logs": {
        "details": False,
        "follow": False,
        "stdout": False,
        "stderr": False,
        "since": 0,
        "timestamps": False,
        "tail": "all",
    },
    "update_service": {"fetch_current_spec": False},
    "create_plugin": {"gzip": False},
    "disable_plugin": {"force": False},
    "enable_plugin": {"timeout": 0},
    "remove_plugin": {"force": False},
    "login": {"reauth": False},
    "version": {"api_version": True},
}

CONSTRUCTOR = [
    "base_url",
    "version",
    "timeout",
    "tls",
    "user_agent",
    "num_pools",
    "credstore_env",
    "use_ssh_client",
    "max_pool_size",
]
PROPERTIES = ["api_version", "base_url", "timeout"]


def _parameters(function: object) -> list[inspect.Parameter]:
    return list(inspect.signature(function).parameters.values())[1:]  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(DOCKER_PY_METHODS))
def test_method_has_docker_py_parameters(name: str) -> None:
    method = getattr(APIClient, name, None)
    assert callable(method), f"APIClient.{name} is missing"
    assert [p.name for p in _parameters(method)] == DOCKER_PY_METHODS[name]
    defaults = {p.name: p.default for p in _parameters(method)}
    for parameter, default in DOCKER_PY_DEFAULTS.get(name, {}).items():
        assert defaults[parameter] == default, (name, parameter)
    # every other parameter defaults to None where docker-py's does
    for parameter in _parameters(method):
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not inspect.Parameter.empty:
            expected = DOCKER_PY_DEFAULTS.get(name, {}).get(parameter.name)
            assert parameter.default == expected, (name, parameter.name)


def test_constructor_takes_docker_py_arguments() -> None:
    parameters = _parameters(APIClient.__init__)
    assert [p.name for p in parameters] == CONSTRUCTOR
    defaults = {p.name: p.default for p in parameters}
    assert defaults["timeout"] == 60
    assert defaults["tls"] is False
    assert defaults["use_ssh_client"] is False
    assert defaults["max_pool_size"] == 10
    assert defaults["base_url"] is None and defaults["version"] is None


@pytest.mark.parametrize("name", PROPERTIES)
def test_client_properties(name: str) -> None:
    assert isinstance(inspect.getattr_static(APIClient, name), property)
