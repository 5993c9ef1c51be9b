"""The create/update keyword translation and the typed helpers, without a daemon."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from aiodock.containers import (
    CREATE_KEYWORDS,
    StatsSummary,
    create_body,
    signal_name,
    update_body,
)
from aiodock.errors import InvalidArgument
from aiodock.types import DeviceRequest, Healthcheck, LogConfig, Mount, RestartPolicy, Ulimit


def body(**kwargs: Any) -> dict[str, Any]:
    return create_body("img", **kwargs).body


def host(**kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = body(**kwargs)["HostConfig"]
    return result


def test_command_and_entrypoint_split_like_a_shell() -> None:
    request = create_body("img", "sh -c 'echo a b'", entrypoint="/bin/env -i")
    assert request.body["Cmd"] == ["sh", "-c", "echo a b"]
    assert request.body["Entrypoint"] == ["/bin/env", "-i"]
    assert body(command=["a", "b c"])["Cmd"] == ["a", "b c"]
    assert body(entrypoint="")["Entrypoint"] == [""]
    with pytest.raises(InvalidArgument, match="command"):
        create_body("img", "echo 'unclosed")
    with pytest.raises(InvalidArgument, match="entrypoint"):
        body(entrypoint=[1])


def test_environment_and_labels_take_dicts_and_lists() -> None:
    assert body(environment={"A": "1", "B": 2, "C": None})["Env"] == ["A=1", "B=2", "C"]
    assert body(environment=["A=1"])["Env"] == ["A=1"]
    assert body(labels={"a": "1"})["Labels"] == {"a": "1"}
    assert body(labels=["a", "b"])["Labels"] == {"a": "", "b": ""}
    with pytest.raises(InvalidArgument, match="environment"):
        body(environment={"A=B": "1"})
    assert body(labels={"a": 1})["Labels"] == {"a": "1"}  # the string-map rule: numbers
    with pytest.raises(InvalidArgument, match="labels"):
        body(labels={"a": True})


@pytest.mark.parametrize(
    ("ports", "exposed", "bindings"),
    [
        ({"80/tcp": 8080}, ["80/tcp"], {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}),
        ({80: None}, ["80/tcp"], {"80/tcp": [{"HostIp": "", "HostPort": ""}]}),
        (
            {"53/udp": ("127.0.0.1", 5353)},
            ["53/udp"],
            {"53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}]},
        ),
        (
            {"80": [8080, ("::1", 8081)]},
            ["80/tcp"],
            {
                "80/tcp": [
                    {"HostIp": "", "HostPort": "8080"},
                    {"HostIp": "::1", "HostPort": "8081"},
                ]
            },
        ),
        (
            {"8000-8001/tcp": "9000-9001"},
            ["8000/tcp", "8001/tcp"],
            {
                "8000/tcp": [{"HostIp": "", "HostPort": "9000"}],
                "8001/tcp": [{"HostIp": "", "HostPort": "9001"}],
            },
        ),
        (
            {"8000-8001": None},
            ["8000/tcp", "8001/tcp"],
            {
                "8000/tcp": [{"HostIp": "", "HostPort": ""}],
                "8001/tcp": [{"HostIp": "", "HostPort": ""}],
            },
        ),
        ({"80": "9000-9010"}, ["80/tcp"], {"80/tcp": [{"HostIp": "", "HostPort": "9000-9010"}]}),
        (
            {"80": ("127.0.0.1",)},
            ["80/tcp"],
            {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
        ),
    ],
)
def test_ports(ports: Any, exposed: list[str], bindings: dict[str, Any]) -> None:
    request = body(ports=ports)
    assert sorted(request["ExposedPorts"]) == exposed
    assert request["HostConfig"]["PortBindings"] == bindings


@pytest.mark.parametrize(
    "ports",
    [
        {"http": 80},
        {"80/xyz": 80},
        {"70000": 80},
        {"80": "abc"},
        {"8000-8002": "9000-9001"},
        {"8000-8001": 9000},
        {"80": (1, 2, 3)},
        [80],
    ],
)
def test_bad_ports_are_refused(ports: Any) -> None:
    with pytest.raises(InvalidArgument, match="ports"):
        body(ports=ports)


def test_volumes_dict_and_string_forms() -> None:
    request = body(
        volumes={"/srv": {"bind": "/data", "mode": "ro"}, "named": "/named", "/x": {"bind": "/y"}}
    )
    assert request["HostConfig"]["Binds"] == ["/srv:/data:ro", "named:/named:rw", "/x:/y:rw"]
    listed = body(volumes=["/srv:/data:ro,z", "vol:/v", "/anon"])
    assert listed["HostConfig"]["Binds"] == ["/srv:/data:ro,z", "vol:/v"]
    assert listed["Volumes"] == {"/anon": {}}
    for bad in (["/srv:data"], ["/a:/b:rx"], {"/srv": {"bind": "/d", "mode": "rw", "x": 1}}, "x"):
        with pytest.raises(InvalidArgument, match="volumes"):
            body(volumes=bad)


def test_mounts() -> None:
    mounts = host(
        mounts=[
            Mount("/v", "vol", labels={"a": "b"}, no_copy=True),
            Mount("/b", "/srv", type="bind", read_only=True, propagation="rslave"),
            Mount("/t", type="tmpfs", tmpfs_size="64m", tmpfs_mode=0o1770),
            {"Target": "/raw", "Type": "volume"},
        ]
    )["Mounts"]
    assert mounts[0] == {
        "Target": "/v",
        "Type": "volume",
        "Source": "vol",
        "VolumeOptions": {"NoCopy": True, "Labels": {"a": "b"}},
    }
    assert mounts[1]["BindOptions"] == {"Propagation": "rslave"} and mounts[1]["ReadOnly"]
    assert mounts[2]["TmpfsOptions"] == {"SizeBytes": 64 * 1024 * 1024, "Mode": 0o1770}
    assert mounts[3] == {"Target": "/raw", "Type": "volume"}
    with pytest.raises(InvalidArgument, match="source"):
        Mount("/b", type="bind")
    with pytest.raises(InvalidArgument, match="tmpfs"):
        Mount("/t", "src", type="tmpfs")
    with pytest.raises(InvalidArgument, match="bind mounts only"):
        Mount("/v", "vol", propagation="shared")
    with pytest.raises(InvalidArgument, match="absolute"):
        Mount("relative")


SECOND = 1_000_000_000  # as docker-py's documentation writes it


def test_healthcheck_durations_are_nanoseconds_or_readable() -> None:
    check = body(healthcheck=Healthcheck("true", interval="1.5s", timeout=timedelta(seconds=2)))
    assert check["Healthcheck"] == {
        "Test": ["CMD-SHELL", "true"],
        "Interval": 1_500_000_000,
        "Timeout": 2_000_000_000,
    }
    # docker-py's form, unchanged: integers are nanoseconds
    docker_py = {"test": ["CMD", "true"], "interval": 10 * SECOND, "start_period": 500_000_000}
    assert body(healthcheck=docker_py)["Healthcheck"] == {
        "Test": ["CMD", "true"],
        "Interval": 10 * SECOND,
        "StartPeriod": 500_000_000,
    }
    assert Healthcheck("true", interval="500ms").to_api()["Interval"] == 500_000_000
    with pytest.raises(InvalidArgument, match=r"interval: 0\.5 is a float.*timedelta.*Go"):
        Healthcheck("true", interval=0.5)
    assert body(healthcheck={"test": ["CMD", "true"], "retries": 3, "start_period": "1m"})[
        "Healthcheck"
    ] == {"Test": ["CMD", "true"], "Retries": 3, "StartPeriod": 60_000_000_000}
    raw = {"Test": ["NONE"], "Interval": 5}
    assert body(healthcheck=raw)["Healthcheck"] == raw
    assert Healthcheck("true", interval=30 * SECOND).to_api()["Interval"] == 30 * SECOND
    with pytest.raises(InvalidArgument, match="CMD"):
        Healthcheck(["true"])
    with pytest.raises(InvalidArgument, match="healthcheck"):
        body(healthcheck={"test": "true", "Interval": 1})


def test_restart_policy_forms() -> None:
    expected = {"Name": "on-failure", "MaximumRetryCount": 3}
    assert host(restart_policy=RestartPolicy("on-failure", 3))["RestartPolicy"] == expected
    assert host(restart_policy="on-failure:3")["RestartPolicy"] == expected
    assert host(restart_policy=expected)["RestartPolicy"] == expected
    assert host(restart_policy={"name": "always"})["RestartPolicy"]["Name"] == "always"
    for bad in ("sometimes", "always:3", {"Name": "x"}, 3):
        with pytest.raises(InvalidArgument, match="restart_policy"):
            body(restart_policy=bad)


def test_resources_and_typed_helpers() -> None:
    config = host(
        mem_limit="512m",
        memswap_limit=-1,
        mem_reservation="1g",
        shm_size=1024,
        nano_cpus=500_000_000,
        pids_limit=64,
        ulimits=[Ulimit("nofile", 1024, 2048), {"Name": "nproc", "Soft": 10, "Hard": 20}],
        device_requests=[DeviceRequest.gpus(), {"driver": "x", "count": 1}],
        devices=["/dev/null", "/dev/zero:/dev/z:r", "/dev/full:rw"],
        log_config=LogConfig("json-file", {"max-size": "1m"}),
        extra_hosts={"db": "10.0.0.1"},
        tmpfs={"/run": "size=1m"},
        sysctls={"net.core.somaxconn": 1024},
    )
    assert config["Memory"] == 512 * 1024**2 and config["MemorySwap"] == -1
    assert config["MemoryReservation"] == 1024**3 and config["ShmSize"] == 1024
    assert config["Ulimits"] == [
        {"Name": "nofile", "Soft": 1024, "Hard": 2048},
        {"Name": "nproc", "Soft": 10, "Hard": 20},
    ]
    assert config["DeviceRequests"][0] == {
        "Driver": "",
        "Count": -1,
        "DeviceIDs": [],
        "Capabilities": [["gpu"]],
        "Options": {},
    }
    assert config["DeviceRequests"][1]["Driver"] == "x"
    assert config["Devices"] == [
        {"PathOnHost": "/dev/null", "PathInContainer": "/dev/null", "CgroupPermissions": "rwm"},
        {"PathOnHost": "/dev/zero", "PathInContainer": "/dev/z", "CgroupPermissions": "r"},
        {"PathOnHost": "/dev/full", "PathInContainer": "/dev/full", "CgroupPermissions": "rw"},
    ]
    assert config["LogConfig"] == {"Type": "json-file", "Config": {"max-size": "1m"}}
    assert config["ExtraHosts"] == ["db:10.0.0.1"]
    assert config["Tmpfs"] == {"/run": "size=1m"}
    assert config["Sysctls"] == {"net.core.somaxconn": "1024"}


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("mem_limit", "lots"),
        ("mem_limit", -5),
        ("tty", "yes"),
        ("pids_limit", 1.5),
        ("user", ["root"]),
        ("working_dir", "relative"),
        ("cap_add", [1]),
        ("ulimits", [{"name": "nofile"}]),
        ("devices", ["/dev/x:/dev/y:rwx"]),
        ("log_config", {"type": "json-file", "config": {"max-size": None}}),
        ("extra_hosts", ["nohost"]),
        ("stop_signal", "not a signal"),
        ("mem_swappiness", 101),
        ("device_requests", [{"count": -2}]),
    ],
)
def test_malformed_values_name_the_keyword(keyword: str, value: Any) -> None:
    with pytest.raises(InvalidArgument, match=keyword.split("_")[0]):
        body(**{keyword: value})


def test_unknown_keyword_suggests_the_right_one() -> None:
    with pytest.raises(InvalidArgument, match=r"'mem_limt'.*'mem_limit'"):
        body(mem_limt="1g")
    with pytest.raises(InvalidArgument, match="'detach'"):
        body(detach=True)


def test_network_and_escape_hatches() -> None:
    request = body(network="net1", networking_config={"net1": {"Aliases": ["a"]}})
    assert request["HostConfig"]["NetworkMode"] == "net1"
    assert request["NetworkingConfig"] == {"EndpointsConfig": {"net1": {"Aliases": ["a"]}}}
    with pytest.raises(InvalidArgument, match="network_mode"):
        body(network="a", network_mode="host")
    raw = body(mem_limit="1m", config={"Domainname": "x"}, host_config={"Memory": 5, "Foo": 1})
    assert raw["Domainname"] == "x" and raw["HostConfig"] == {"Memory": 5, "Foo": 1}
    named = create_body("img", name="n", platform="linux/amd64")
    assert (named.name, named.platform) == ("n", "linux/amd64")


def test_every_keyword_is_documented() -> None:
    text = (Path(__file__).parents[2] / "docs" / "containers.md").read_text()
    missing = [name for name in CREATE_KEYWORDS if f"`{name}`" not in text]
    assert not missing


def test_update_body() -> None:
    assert update_body(mem_limit="64m", restart_policy="always", cpu_shares=512) == {
        "Memory": 64 * 1024**2,
        "RestartPolicy": {"Name": "always", "MaximumRetryCount": 0},
        "CpuShares": 512,
    }
    with pytest.raises(InvalidArgument, match="'hostname'"):
        update_body(hostname="x")
    with pytest.raises(InvalidArgument, match="nothing"):
        update_body()


def test_signal_names() -> None:
    assert signal_name("sigterm") == "SIGTERM"
    assert signal_name("HUP") == "HUP"
    assert signal_name(9) == "9"
    assert signal_name(signal.SIGINT) == "2"
    assert signal_name("SIGRTMIN+3") == "SIGRTMIN+3"
    for bad in (0, 65, "kill -9", True, 1.5):
        with pytest.raises(InvalidArgument, match="signal"):
            signal_name(bad)


def test_stats_summary_follows_the_cli() -> None:
    stats = {
        "cpu_stats": {
            "cpu_usage": {"total_usage": 300},
            "system_cpu_usage": 2000,
            "online_cpus": 2,
        },
        "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
        "memory_stats": {"usage": 1000, "limit": 4000, "stats": {"total_inactive_file": 200}},
        "networks": {
            "eth0": {"rx_bytes": 5, "tx_bytes": 7},
            "eth1": {"rx_bytes": 1, "tx_bytes": 1},
        },
        "blkio_stats": {
            "io_service_bytes_recursive": [
                {"op": "Read", "value": 10},
                {"op": "Write", "value": 20},
                {"op": "Total", "value": 30},
            ]
        },
        "pids_stats": {"current": 3},
    }
    summary = StatsSummary.from_stats(stats)
    assert summary.cpu_percent == pytest.approx(40.0)
    assert (summary.memory_usage, summary.memory_limit) == (800, 4000)
    assert summary.memory_percent == pytest.approx(20.0)
    assert (summary.network_rx, summary.network_tx) == (6, 8)
    assert (summary.block_read, summary.block_write, summary.pids) == (10, 20, 3)
    v2 = {"memory_stats": {"usage": 1000, "limit": 0, "stats": {"inactive_file": 100}}}
    assert StatsSummary.from_stats(v2).memory_usage == 900
    assert StatsSummary.from_stats(v2).memory_percent == 0.0
    assert StatsSummary.from_stats({}).cpu_percent == 0.0
