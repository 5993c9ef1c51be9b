"""Typed swarm specs and the keyword translation of services: pure code, no daemon."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from aiodock import InvalidArgument, types
from aiodock.services import _normalized, _parse_time, apply_service_kwargs
from aiodock.swarm_objects import encode_data
from aiodock.types.swarm import nanoseconds, restart_policy


def test_durations_are_nanoseconds_or_readable_forms() -> None:
    assert nanoseconds(1_500_000_000, "delay") == 1_500_000_000  # docker-py's integers
    assert nanoseconds(timedelta(minutes=1, microseconds=3), "delay") == 60_000_003_000
    assert nanoseconds("1m30s", "delay") == 90_000_000_000
    assert nanoseconds("500ms", "delay") == 500_000_000
    with pytest.raises(InvalidArgument, match=r"float.*timedelta.*\"10s\""):
        nanoseconds(1.5, "delay")
    assert types.UpdateConfig(delay=5 * 10**9).to_api()["Delay"] == 5_000_000_000
    for bad in (-1, True, "soon", None):
        with pytest.raises(InvalidArgument, match="delay"):
            nanoseconds(bad, "delay")  # type: ignore[arg-type]


def test_container_spec_like_docker_py() -> None:
    spec = types.ContainerSpec(
        "busybox",
        command="sh -c 'echo hi'",
        args=["x"],
        env={"A": "1", "B": None},
        labels={"k": "v"},
        mounts=["/srv:/data:ro", "cache:/cache"],
        stop_grace_period=2_000_000_000,
        hosts={"db": "10.0.0.2"},
        secrets=[types.SecretReference("sid", "token")],
        configs=[types.ConfigReference("cid", "conf", "/etc/app.conf", mode=0o400)],
        dns_config=types.DNSConfig(nameservers=["1.1.1.1"]),
        privileges=types.Privileges(selinux_disable=True),
        cap_add=["NET_ADMIN"],
    )
    assert spec.to_api() == {
        "Image": "busybox",
        "Command": ["sh", "-c", "echo hi"],
        "Args": ["x"],
        "Env": ["A=1", "B"],
        "Labels": {"k": "v"},
        "Mounts": [
            {"Type": "bind", "Source": "/srv", "Target": "/data", "ReadOnly": True},
            {"Type": "volume", "Source": "cache", "Target": "/cache", "ReadOnly": False},
        ],
        "StopGracePeriod": 2_000_000_000,
        "Hosts": ["10.0.0.2 db"],
        "Secrets": [
            {
                "SecretID": "sid",
                "SecretName": "token",
                "File": {"Name": "token", "UID": "0", "GID": "0", "Mode": 0o444},
            }
        ],
        "Configs": [
            {
                "ConfigID": "cid",
                "ConfigName": "conf",
                "File": {"Name": "/etc/app.conf", "UID": "0", "GID": "0", "Mode": 0o400},
            }
        ],
        "DNSConfig": {"Nameservers": ["1.1.1.1"]},
        "Privileges": {"SELinuxContext": {"Disable": True}},
        "CapabilityAdd": ["NET_ADMIN"],
    }
    with pytest.warns(DeprecationWarning, match=r"to_dict\(\) is deprecated: use to_api\(\)"):
        assert spec.to_dict() == spec.to_api()
    with pytest.raises(InvalidArgument, match="mounts"):
        types.ContainerSpec("busybox", mounts=["nocolon"]).to_api()
    with pytest.raises(InvalidArgument, match="image"):
        types.ContainerSpec("").to_api()


def test_container_helpers_of_the_containers_module_are_accepted() -> None:
    mount = types.Mount("/data", "vol")
    spec = types.ContainerSpec("busybox", mounts=[mount], healthcheck={"Test": ["NONE"]})
    body = spec.to_api()
    assert body["Mounts"] == [mount.to_api()]
    assert body["HealthCheck"] == {"Test": ["NONE"]}


def test_service_modes() -> None:
    assert types.ServiceMode("replicated", replicas=2).to_api() == {"Replicated": {"Replicas": 2}}
    assert types.ServiceMode("global").to_api() == {"Global": {}}
    assert types.ServiceMode("global-job").to_api() == {"GlobalJob": {}}
    job = types.ServiceMode("replicated-job", replicas=5, concurrency=2)
    assert job.to_api() == {"ReplicatedJob": {"MaxConcurrent": 2, "TotalCompletions": 5}}
    assert types.ServiceMode.from_dict(job.to_api()) == job
    assert types.ServiceMode.from_dict({"Global": {}}).mode == "global"
    with pytest.raises(InvalidArgument, match="replicas"):
        types.ServiceMode("global", replicas=2)
    with pytest.raises(InvalidArgument, match="concurrency"):
        types.ServiceMode("replicated", concurrency=2)
    with pytest.raises(InvalidArgument, match="mode"):
        types.ServiceMode("sometimes")


def test_full_service_spec() -> None:
    spec = types.ServiceSpec(
        types.TaskTemplate(
            types.ContainerSpec("busybox", args=["sleep", "1"]),
            resources=types.Resources(cpu_limit=500_000_000, mem_limit="64m", pids_limit=10),
            restart_policy=types.ServiceRestartPolicy("on-failure", delay="5s", max_attempts=3),
            placement=["node.role==manager"],
            log_driver="json-file",
            force_update=2,
        ),
        name="web",
        labels={"a": "b"},
        mode="global",
        update_config=types.UpdateConfig(parallelism=2, delay="1s", order="start-first"),
        rollback_config=types.RollbackConfig(monitor="500ms", failure_action="pause"),
        networks=["backend", types.NetworkAttachmentConfig("front", aliases=["web"])],
        endpoint_spec=types.EndpointSpec(ports={8080: 80, 53: (53, "udp", "host")}),
    )
    body = spec.to_api()
    template = body["TaskTemplate"]
    assert template["Resources"] == {
        "Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 64 << 20, "Pids": 10}
    }
    assert template["RestartPolicy"] == {
        "Condition": "on-failure",
        "Delay": 5_000_000_000,
        "MaxAttempts": 3,
        "Window": 0,
    }
    assert template["Placement"] == {"Constraints": ["node.role==manager"]}
    assert template["LogDriver"] == {"Name": "json-file"}
    assert template["ForceUpdate"] == 2
    assert template["Networks"] == [{"Target": "backend"}, {"Target": "front", "Aliases": ["web"]}]
    assert body["Mode"] == {"Global": {}}
    assert body["UpdateConfig"] == {
        "Parallelism": 2,
        "Delay": 1_000_000_000,
        "FailureAction": "continue",
        "Order": "start-first",
    }
    assert body["RollbackConfig"]["Monitor"] == 500_000_000
    assert body["EndpointSpec"] == {
        "Ports": [
            {"Protocol": "tcp", "PublishedPort": 8080, "TargetPort": 80},
            {"Protocol": "udp", "PublishedPort": 53, "TargetPort": 53, "PublishMode": "host"},
        ]
    }
    with pytest.raises(InvalidArgument, match="failure_action"):
        types.RollbackConfig(failure_action="rollback").to_api()
    with pytest.raises(InvalidArgument, match="max_failure_ratio"):
        types.UpdateConfig(max_failure_ratio=2).to_api()
    with pytest.raises(InvalidArgument, match="condition"):
        types.ServiceRestartPolicy("sometimes").to_api()


def test_placement_and_generic_resources() -> None:
    placement = types.Placement(
        constraints=["node.labels.zone==a"],
        preferences=[("spread", "node.labels.rack")],
        platforms=[("x86_64", "linux")],
        maxreplicas=2,
    )
    assert placement.to_api() == {
        "Constraints": ["node.labels.zone==a"],
        "Preferences": [{"Spread": {"SpreadDescriptor": "node.labels.rack"}}],
        "Platforms": [{"Architecture": "x86_64", "OS": "linux"}],
        "MaxReplicas": 2,
    }
    resources = types.Resources(generic_resources={"gpu": 2, "ssd": "UUID1"})
    assert resources.to_api()["Reservations"]["GenericResources"] == [
        {"DiscreteResourceSpec": {"Kind": "gpu", "Value": 2}},
        {"NamedResourceSpec": {"Kind": "ssd", "Value": "UUID1"}},
    ]


def test_containers_restart_policy_is_translated_for_services() -> None:
    assert restart_policy(types.RestartPolicy("on-failure", 3)) == {
        "Condition": "on-failure",
        "MaxAttempts": 3,
    }
    assert restart_policy(types.RestartPolicy("always"))["Condition"] == "any"
    assert restart_policy({"Condition": "none"}) == {"Condition": "none"}


def test_create_keywords_build_a_spec() -> None:
    body = apply_service_kwargs(
        {},
        {
            "image": "busybox",
            "command": ["sleep", "9"],
            "env": ["A=1"],
            "name": "svc",
            "labels": {"x": "y"},
            "container_labels": {"c": "d"},
            "constraints": ["node.role==manager"],
            "log_driver": "json-file",
            "log_driver_options": {"max-size": "1m"},
            "replicas": 3,
        },
        updating=False,
    )
    assert body == {
        "Name": "svc",
        "Labels": {"x": "y"},
        "TaskTemplate": {
            "ContainerSpec": {
                "Image": "busybox",
                "Command": ["sleep", "9"],
                "Env": ["A=1"],
                "Labels": {"c": "d"},
            },
            "Placement": {"Constraints": ["node.role==manager"]},
            "LogDriver": {"Name": "json-file", "Options": {"max-size": "1m"}},
        },
        "Mode": {"Replicated": {"Replicas": 3}},
    }
    assert apply_service_kwargs({}, {"image": "busybox"}, updating=False)["Mode"] == {
        "Replicated": {"Replicas": 1}
    }
    with pytest.raises(InvalidArgument, match="colour"):
        apply_service_kwargs({}, {"image": "busybox", "colour": "red"}, updating=False)
    with pytest.raises(InvalidArgument, match="image"):
        apply_service_kwargs({}, {"name": "x"}, updating=False)
    with pytest.raises(InvalidArgument, match="global"):
        apply_service_kwargs({}, {"image": "b", "mode": "global", "replicas": 2}, updating=False)


def test_update_keywords_change_only_what_they_name() -> None:
    current = {
        "Name": "svc",
        "Labels": {"x": "y"},
        "TaskTemplate": {
            "ContainerSpec": {"Image": "busybox", "Args": ["sleep", "9"], "Env": ["A=1"]},
            "Placement": {"Constraints": ["node.role==manager"]},
            "ForceUpdate": 1,
        },
        "Mode": {"ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 1}},
    }
    body = apply_service_kwargs(
        current,
        {"env": {"A": "2"}, "force_update": True, "replicas": 4, "maxreplicas": 1},
        updating=True,
    )
    assert body["TaskTemplate"]["ContainerSpec"] == {
        "Image": "busybox",
        "Args": ["sleep", "9"],
        "Env": ["A=2"],
    }
    assert body["TaskTemplate"]["ForceUpdate"] == 2
    assert body["TaskTemplate"]["Placement"] == {
        "Constraints": ["node.role==manager"],
        "MaxReplicas": 1,
    }
    assert body["Mode"] == {"ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 4}}
    assert current["TaskTemplate"]["ContainerSpec"]["Env"] == ["A=1"]  # not modified
    assert (
        apply_service_kwargs(current, {"env": {}}, updating=True)["TaskTemplate"]["ContainerSpec"][
            "Env"
        ]
        == []
    )


def test_swarm_spec_merges_over_the_current_one() -> None:
    spec = types.SwarmSpec(task_history_retention_limit=3, autolock_managers=True)
    assert spec.to_api() == {
        "Orchestration": {"TaskHistoryRetentionLimit": 3},
        "EncryptionConfig": {"AutoLockManagers": True},
    }
    current = {
        "Name": "default",
        "Orchestration": {"TaskHistoryRetentionLimit": 5},
        "Raft": {"SnapshotInterval": 10000},
        "CAConfig": {"NodeCertExpiry": 1},
    }
    merged = types.SwarmSpec(node_cert_expiry="1h").merge_into(current)
    assert merged["CAConfig"] == {"NodeCertExpiry": 3600 * 10**9}
    assert merged["Raft"] == {"SnapshotInterval": 10000}
    assert merged["Name"] == "default"


def test_secret_data_and_helpers() -> None:
    assert base64.b64decode(encode_data("héllo")) == "héllo".encode()
    assert base64.b64decode(encode_data(b"\x00\xff")) == b"\x00\xff"
    with pytest.raises(InvalidArgument, match="data"):
        encode_data(3)  # type: ignore[arg-type]
    assert _normalized({"A": {}, "B": [], "Runtime": "container", "C": {"D": 0, "E": 1}}) == {
        "C": {"E": 1}
    }
    assert _parse_time("2026-11-22T14:18:32.507586722Z") == pytest.approx(1795357112.507586, 1e-3)
    assert _parse_time(None) == 0.0
