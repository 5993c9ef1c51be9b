"""docker.api's pure parts: create_host_config, create_container_config and the
networking configs as docker-py builds them, their checks, and the requests of the calls
that send them (against the fake daemon)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from aiodock import Docker, InvalidArgument
from aiodock.api import APIClient
from aiodock.api._convert import resource_id

from .conftest import FakeAnswer, FakeDaemon, FakeRequest

FakeDocker = Callable[..., Awaitable[tuple[Docker, FakeDaemon]]]


@pytest.fixture
def api() -> APIClient:
    return APIClient(Docker.__new__(Docker))  # the config builders send nothing


def test_host_config_translates_docker_py_keywords(api: APIClient) -> None:
    host = api.create_host_config(
        binds={"/home/user1/": {"bind": "/mnt/vol2", "mode": "rw"},
               "/var/www": {"bind": "/mnt/vol1", "mode": "ro"},
               "/autofs": {"bind": "/mnt/vol3", "mode": "rw", "propagation": "shared"}},
        port_bindings={1111: 4567, 2222: None, "53/udp": ("127.0.0.1", 5353),
                       3333: [1234, 4567], 4444: ("127.0.0.1",)},
        lxc_conf={"lxc.utsname": "docker"},
        links={"db": "database", "cache": None},
        privileged=True,
        publish_all_ports=True,
        dns=["8.8.8.8"],
        volumes_from="a,b",
        mem_limit="128m",
        memswap_limit=-1,
        sysctls={"net.core.somaxconn": 1024},
        restart_policy={"Name": "on-failure", "MaximumRetryCount": 3},
        cap_drop=["MKNOD"],
        tmpfs={"/run": "size=1m"},
        ulimits=[{"Name": "nofile", "Soft": 1024, "Hard": 2048}],
    )  # fmt: skip
    assert host == {
        "Binds": ["/home/user1/:/mnt/vol2:rw", "/var/www:/mnt/vol1:ro",
                  "/autofs:/mnt/vol3:rw,shared"],
        "PortBindings": {
            "1111/tcp": [{"HostIp": "", "HostPort": "4567"}],
            "2222/tcp": [{"HostIp": "", "HostPort": ""}],
            "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}],
            "3333/tcp": [{"HostIp": "", "HostPort": "1234"}, {"HostIp": "", "HostPort": "4567"}],
            "4444/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}],
        },
        "LxcConf": [{"Key": "lxc.utsname", "Value": "docker"}],
        "Links": ["cache", "db:database"],
        "Privileged": True,
        "PublishAllPorts": True,
        "Dns": ["8.8.8.8"],
        "VolumesFrom": ["a", "b"],
        "Memory": 128 * 1024 * 1024,
        "MemorySwap": -1,
        "Sysctls": {"net.core.somaxconn": "1024"},
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
        "CapDrop": ["MKNOD"],
        "Tmpfs": {"/run": "size=1m"},
        "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}],
        "NetworkMode": "default",
    }  # fmt: skip


def test_host_config_defaults_are_left_out(api: APIClient) -> None:
    assert api.create_host_config() == {"NetworkMode": "default"}
    assert api.create_host_config(privileged=False, auto_remove=False, read_only=False) == {
        "NetworkMode": "default",
        "ReadonlyRootfs": False,
    }
    assert api.create_host_config(binds=["/a:/b:ro"], network_mode="host") == {
        "Binds": ["/a:/b:ro"],
        "NetworkMode": "host",
    }


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"mem_limit": "lots"}, "mem_limit"),
        ({"binds": ["/only-a-target"]}, "binds"),
        ({"binds": {"/h": {"bind": "relative"}}}, "binds"),
        ({"port_bindings": {"http": 80}}, "port_bindings"),
        ({"port_bindings": {80: 80}, "network_mode": "host"}, "incompatible"),
        ({"privileged": "yes"}, "privileged"),
        ({"lxc_conf": "x"}, "lxc_conf"),
        ({"init_path": "/sbin/init"}, "init_path"),
        ({"cap_add": [1]}, "cap_add"),
    ],
)
def test_host_config_refuses_bad_input(
    api: APIClient, keywords: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        api.create_host_config(**keywords)


def test_container_config_is_docker_py_s_body(api: APIClient) -> None:
    host = api.create_host_config(port_bindings={1111: 4567})
    body = api.create_container_config(
        "busybox", "sh -c 'echo a b'", ports=[1111, (2222, "udp")], volumes="/data",
        environment={"A": "1", "B": None}, labels=["one"], stdin_open=True, user=1000,
        host_config=host, working_dir="/tmp", stop_signal="SIGINT",
    )  # fmt: skip
    assert body == {
        "Hostname": None, "Domainname": None,
        "ExposedPorts": {"1111/tcp": {}, "2222/udp": {}},
        "User": "1000", "Tty": False, "OpenStdin": True, "StdinOnce": True,
        "AttachStdin": True, "AttachStdout": True, "AttachStderr": True,
        "Env": ["A=1", "B"], "Cmd": ["sh", "-c", "echo a b"], "Image": "busybox",
        "Volumes": {"/data": {}}, "NetworkDisabled": False, "Entrypoint": None,
        "WorkingDir": "/tmp", "HostConfig": host, "NetworkingConfig": None,
        "MacAddress": None, "Labels": {"one": ""}, "StopSignal": "SIGINT",
        "Healthcheck": None, "StopTimeout": None, "Runtime": None,
    }  # fmt: skip
    detached = api.create_container_config("busybox", None, detach=True, stdin_open=True)
    assert (detached["AttachStdout"], detached["AttachStdin"], detached["StdinOnce"]) == (
        False,
        False,
        False,
    )


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"image": 5}, "image"),
        ({"command": 5}, "command"),
        ({"working_dir": "relative"}, "working_dir"),
        ({"environment": {"=": "x"}}, "environment"),
        ({"ports": "80"}, "ports"),
        ({"ports": [70000]}, "ports"),
        ({"volumes": ["relative"]}, "volumes"),
        ({"host_config": ["x"]}, "host_config"),
        ({"healthcheck": {"nonsense": 1}}, "healthcheck"),
        ({"tty": "yes"}, "tty"),
    ],
)
def test_container_config_refuses_bad_input(
    api: APIClient, keywords: dict[str, Any], message: str
) -> None:
    arguments = {"image": "busybox", "command": None, **keywords}
    with pytest.raises(InvalidArgument, match=message):
        api.create_container_config(**arguments)


def test_networking_and_endpoint_configs(api: APIClient) -> None:
    endpoint = api.create_endpoint_config(
        aliases=["web", "app"], links={"app_db": "db", "another": None},
        ipv4_address="172.28.0.124", link_local_ips=["169.254.1.1"], driver_opt={"a": "b"},
    )  # fmt: skip
    assert endpoint == {
        "Aliases": ["web", "app"],
        "Links": ["another", "app_db:db"],
        "IPAMConfig": {"IPv4Address": "172.28.0.124", "LinkLocalIPs": ["169.254.1.1"]},
        "DriverOpts": {"a": "b"},
    }
    assert api.create_networking_config({"net1": endpoint}) == {
        "EndpointsConfig": {"net1": endpoint}
    }
    assert api.create_networking_config() == {}
    with pytest.raises(InvalidArgument):
        api.create_endpoint_config(ipv4_address="not-an-ip")
    with pytest.raises(InvalidArgument):
        api.create_networking_config({"net1": "endpoint"})


def test_ids_are_taken_as_docker_py_takes_them() -> None:
    assert resource_id("abc", "container") == "abc"
    assert resource_id({"Id": "abc", "Warnings": []}, "container") == "abc"
    assert resource_id({"ID": "abc"}, "container") == "abc"
    for bad in ("", None, {}, 5):
        with pytest.raises(InvalidArgument, match="container"):
            resource_id(bad, "container")


async def test_create_container_sends_the_body_name_and_platform(
    fake_docker: FakeDocker,
) -> None:
    def answer(request: FakeRequest) -> FakeAnswer:
        if request.path == "/containers/create":
            return FakeAnswer(201, json={"Id": "c" * 64, "Warnings": ["careful"]})
        return FakeAnswer(404)

    docker, daemon = await fake_docker(answer, api_version="1.45")
    api = docker.api
    networking = api.create_networking_config({"net1": api.create_endpoint_config(aliases=["a"])})
    result = await api.create_container(
        "busybox", ["true"], name="one", platform="linux/amd64", mac_address="02:42:ac:11:00:02",
        host_config=api.create_host_config(mem_limit="1g"), networking_config=networking,
    )  # fmt: skip
    assert result == {"Id": "c" * 64, "Warnings": ["careful"]}
    [sent] = daemon.sent("/containers/create")
    assert sent.method == "POST"
    assert (sent.param("name"), sent.param("platform")) == ("one", "linux/amd64")
    body = sent.json()
    assert body["Cmd"] == ["true"] and body["HostConfig"]["Memory"] == 1 << 30
    assert "MacAddress" not in body  # moved onto the endpoint from API 1.44
    assert body["NetworkingConfig"]["EndpointsConfig"] == {
        "net1": {"Aliases": ["a"]},
        "bridge": {"MacAddress": "02:42:ac:11:00:02"},
    }


async def test_a_field_the_version_lacks_fails_before_sending(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(lambda r: FakeAnswer(404), api_version="1.41")
    host = {"ConsoleSize": [1, 2]}
    config = docker.api.create_container_config("busybox", None, host_config=host)
    with pytest.raises(InvalidArgument, match="console_size"):
        await docker.api.create_container_from_config(config)
    assert daemon.sent("/containers/create") == []


async def test_list_calls_give_the_daemon_s_entries(fake_docker: FakeDocker) -> None:
    entry = {"Id": "a" * 64, "Names": ["/one"], "Labels": {}, "Image": "busybox"}
    summary = {"Id": "sha256:" + "b" * 64, "RepoTags": ["busybox:latest"]}

    def answer(request: FakeRequest) -> FakeAnswer:
        if request.path == "/containers/json":
            return FakeAnswer(json=[dict(entry)])
        if request.path == "/images/json":
            return FakeAnswer(json=[dict(summary)])
        return FakeAnswer(404)

    docker, daemon = await fake_docker(answer, api_version="1.41")
    api = docker.api
    assert await api.containers(all=True, filters={"label": "x"}) == [entry]
    assert await api.containers(quiet=True) == [{"Id": "a" * 64}]
    assert (await api.containers(trunc=True))[0]["Id"] == "a" * 12
    await api.containers(latest=True)
    sent = daemon.sent("/containers/json")
    assert sent[0].param("all") == "1"
    assert json.loads(sent[0].param("filters") or "") == {"label": ["x"]}
    assert sent[-1].param("limit") == "1"
    assert await api.images() == [summary]
    assert await api.images("busybox", quiet=True) == [summary["Id"]]
    assert json.loads(daemon.sent("/images/json")[-1].param("filters") or "") == {
        "reference": ["busybox"]
    }


async def test_start_with_configuration_is_refused(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(lambda r: FakeAnswer(204), api_version="1.41")
    with pytest.raises(InvalidArgument, match="create_container"):
        await docker.api.start("c1", {"Privileged": True})
    await docker.api.start({"Id": "c1"})
    assert [r.method for r in daemon.sent("/containers/c1/start")] == ["POST"]


async def test_update_container_sends_what_is_set(fake_docker: FakeDocker) -> None:
    def answer(request: FakeRequest) -> FakeAnswer:
        return FakeAnswer(json={"Warnings": []})

    docker, daemon = await fake_docker(answer, api_version="1.41")
    assert await docker.api.update_container("c1", mem_limit="64m", cpu_shares=512) == {
        "Warnings": []
    }
    [sent] = daemon.sent("/containers/c1/update")
    assert sent.json() == {"Memory": 64 << 20, "CpuShares": 512}
