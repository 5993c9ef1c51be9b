"""``docker.api`` (networks, volumes, swarm, services, secrets, configs, plugins, system)
against the fake daemon: the requests docker-py's methods send, the shapes they answer."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from aiodock import APIClient, APIError, Docker, InvalidArgument, types
from aiodock.api.services import merge_task_template
from aiodock.auth import resolve_auth

from .conftest import FakeAnswer, FakeDaemon, FakeRequest

FakeDocker = Callable[..., Awaitable[tuple[Docker, FakeDaemon]]]


def by_path(answers: dict[tuple[str, str], FakeAnswer]) -> Callable[[FakeRequest], FakeAnswer]:
    """A handler answering ``(method, path)`` from ``answers``, 404 otherwise."""

    def handler(request: FakeRequest) -> FakeAnswer:
        return answers.get((request.method, request.path), FakeAnswer(404, json={"message": "no"}))

    return handler


async def test_create_network_answers_the_daemons_create_answer(fake_docker: FakeDocker) -> None:
    created = {"Id": "n" * 64, "Warning": "careful"}
    docker, daemon = await fake_docker(
        by_path({("POST", "/networks/create"): FakeAnswer(201, json=created)})
    )
    answer = await docker.api.create_network(
        "net", driver="overlay", labels={"a": "1"}, attachable=True, internal=True
    )
    assert answer == created
    [sent] = daemon.sent("/networks/create")
    assert sent.json() == {
        "Name": "net",
        "Driver": "overlay",
        "Internal": True,
        "EnableIPv6": False,
        "Labels": {"a": "1"},
        "Attachable": True,
    }
    assert not daemon.sent(f"/networks/{'n' * 64}")  # no inspect after it, as docker-py


async def test_connect_and_disconnect_send_the_endpoint(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(
        by_path(
            {
                ("POST", "/networks/net/connect"): FakeAnswer(200),
                ("POST", "/networks/net/disconnect"): FakeAnswer(200),
            }
        )
    )
    assert (
        await docker.api.connect_container_to_network(
            "box", "net", ipv4_address="10.1.0.5", aliases=["web"]
        )
        is None
    )
    await docker.api.disconnect_container_from_network("box", "net", force=True)
    [connect] = daemon.sent("/networks/net/connect")
    assert connect.json() == {
        "Container": "box",
        "EndpointConfig": {"Aliases": ["web"], "IPAMConfig": {"IPv4Address": "10.1.0.5"}},
    }
    [disconnect] = daemon.sent("/networks/net/disconnect")
    assert disconnect.json() == {"Container": "box", "Force": True}


async def test_volumes_keep_warnings_and_prune_sends_filters_as_given(
    fake_docker: FakeDocker,
) -> None:
    listed = {"Volumes": [{"Name": "v"}], "Warnings": ["w"]}
    docker, daemon = await fake_docker(
        by_path(
            {
                ("GET", "/volumes"): FakeAnswer(json=listed),
                ("POST", "/volumes/prune"): FakeAnswer(json={"VolumesDeleted": ["v"]}),
            }
        ),
        api_version="1.43",
    )
    assert await docker.api.volumes(filters={"dangling": True}) == listed
    assert await docker.api.prune_volumes() == {"VolumesDeleted": ["v"]}
    assert await docker.api.prune_volumes({"label": "x"}) == {"VolumesDeleted": ["v"]}
    first, second = daemon.sent("/volumes/prune")
    assert first.param("filters") in (None, "{}")  # not the manager's all=true
    assert json.loads(second.param("filters") or "") == {"label": ["x"]}
    # the manager keeps its own behaviour: named volumes too
    await docker.volumes.prune()
    assert json.loads(daemon.sent("/volumes/prune")[-1].param("filters") or "") == {"all": ["true"]}


@pytest.mark.parametrize(
    ("given", "pool", "size"),
    [
        ({"default_addr_pool": ["10.20.0.0/16"]}, ["10.20.0.0/16"], 24),
        ({"subnet_size": 26}, ["10.0.0.0/8"], 26),
        ({}, None, None),
    ],
)
async def test_init_swarm_fills_the_address_pool_as_docker_py(
    fake_docker: FakeDocker, given: dict[str, Any], pool: list[str] | None, size: int | None
) -> None:
    docker, daemon = await fake_docker(
        by_path(
            {
                ("POST", "/swarm/init"): FakeAnswer(json="node-id"),
                ("GET", "/swarm"): FakeAnswer(json={"ID": "s"}),
            }
        )
    )
    spec = docker.api.create_swarm_spec(task_history_retention_limit=2, external_ca={"URL": "u"})
    assert spec["Orchestration"] == {"TaskHistoryRetentionLimit": 2}
    assert spec["CAConfig"]["ExternalCAs"] == [{"URL": "u"}]
    node = await docker.api.init_swarm("127.0.0.1", swarm_spec=spec, **given)
    assert node == "node-id"
    [sent] = daemon.sent("/swarm/init")
    body = sent.json()
    assert body.get("DefaultAddrPool") == pool
    assert body.get("SubnetSize") == size
    assert body["ListenAddr"] == "0.0.0.0:2377" and body["AdvertiseAddr"] == "127.0.0.1"
    assert body["Spec"] == spec


async def test_update_swarm_sends_the_given_version_and_spec(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(by_path({("POST", "/swarm/update"): FakeAnswer(200)}))
    assert await docker.api.update_swarm(7, rotate_worker_token=True) is True
    assert await docker.api.update_swarm(8, {"Name": "default"}) is True
    first, second = daemon.sent("/swarm/update")
    assert first.param("version") == "7" and first.param("rotateWorkerToken") == "1"
    assert first.json() == {}  # as docker-py: no spec sends an empty one
    assert second.param("version") == "8" and second.json() == {"Name": "default"}
    assert not daemon.sent("/swarm")  # the swarm is not read first


async def test_leave_unlock_join_and_unlock_key(fake_docker: FakeDocker) -> None:
    not_in_swarm = FakeAnswer(503, json={"message": "This node is not part of a swarm"})
    docker, daemon = await fake_docker(
        by_path(
            {
                ("POST", "/swarm/leave"): not_in_swarm,
                ("POST", "/swarm/unlock"): FakeAnswer(200),
                ("POST", "/swarm/join"): FakeAnswer(200),
                ("GET", "/swarm/unlockkey"): FakeAnswer(json={"UnlockKey": "SWMKEY-1-x"}),
            }
        )
    )
    assert await docker.api.leave_swarm(force=True) is True
    with pytest.raises(APIError):
        await docker.api.leave_swarm()
    assert await docker.api.get_unlock_key() == {"UnlockKey": "SWMKEY-1-x"}
    assert await docker.api.unlock_swarm({"UnlockKey": "SWMKEY-1-x"}) is True
    assert await docker.api.unlock_swarm("SWMKEY-1-y") is True
    with pytest.raises(InvalidArgument):
        await docker.api.unlock_swarm({"Key": "x"})
    assert [r.json() for r in daemon.sent("/swarm/unlock")] == [
        {"UnlockKey": "SWMKEY-1-x"},
        {"UnlockKey": "SWMKEY-1-y"},
    ]
    token = "SWMTKN-1-" + "a" * 50 + "-" + "b" * 25
    assert await docker.api.join_swarm(["10.0.0.1:2377"], token, advertise_addr="10.0.0.2")
    [join] = daemon.sent("/swarm/join")
    assert join.json() == {
        "ListenAddr": "0.0.0.0:2377",
        "RemoteAddrs": ["10.0.0.1:2377"],
        "JoinToken": token,
        "AdvertiseAddr": "10.0.0.2",
    }


async def test_update_and_remove_node(fake_docker: FakeDocker) -> None:
    node = {"ID": "n1", "Version": {"Index": 12}, "Spec": {"Role": "worker"}}
    docker, daemon = await fake_docker(
        by_path(
            {
                ("POST", "/nodes/n1/update"): FakeAnswer(200),
                ("GET", "/nodes/n1"): FakeAnswer(json=node),
                ("DELETE", "/nodes/n1"): FakeAnswer(200),
            }
        )
    )
    spec = {"Role": "worker", "Availability": "drain"}
    assert await docker.api.update_node("n1", 11, spec) is True
    [update] = daemon.sent("/nodes/n1/update")
    assert update.param("version") == "11" and update.json() == spec
    assert await docker.api.inspect_node("n1") == node
    assert await docker.api.remove_node("n1", force=True) is True
    assert [r.param("force") for r in daemon.sent("/nodes/n1") if r.method == "DELETE"] == ["1"]


def test_merge_task_template_as_docker_py() -> None:
    current = {
        "ContainerSpec": {"Image": "old", "Env": ["A=1"], "Args": ["x"]},
        "RestartPolicy": {"Condition": "any"},
    }
    override = {"ContainerSpec": {"Image": "new", "Args": None}, "RestartPolicy": None, "X": 1}
    merged = merge_task_template(current, override)
    assert merged == {
        "ContainerSpec": {"Image": "new", "Env": ["A=1"], "Args": ["x"]},
        "RestartPolicy": {"Condition": "any"},
        "X": 1,
    }
    assert current["ContainerSpec"]["Image"] == "old"  # not changed in place
    assert merge_task_template(current, None) == current


async def test_create_service_body_and_answer(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(
        by_path(
            {("POST", "/services/create"): FakeAnswer(201, json={"ID": "s1", "Warnings": None})}
        )
    )
    template = {"ContainerSpec": {"Image": "busybox", "Args": ["sleep", "9"]}}
    answer = await docker.api.create_service(
        template,
        name="web",
        labels={"a": "1"},
        mode="global",
        networks=["front"],
        endpoint_spec={"Ports": [{"TargetPort": 80}]},
    )
    assert answer == {"ID": "s1", "Warnings": None}
    [sent] = daemon.sent("/services/create")
    assert sent.json() == {
        "Name": "web",
        "Labels": {"a": "1"},
        "TaskTemplate": {**template, "Networks": [{"Target": "front"}]},
        "Mode": {"Global": {}},
        "EndpointSpec": {"Ports": [{"TargetPort": 80}]},
    }
    assert not daemon.sent("/services/s1")  # the answer, not an inspect
    with pytest.raises(InvalidArgument, match="Image"):
        await docker.api.create_service({"ContainerSpec": {}})


async def test_update_service_fetches_and_merges_the_current_spec(
    fake_docker: FakeDocker,
) -> None:
    current = {
        "ID": "s1",
        "Version": {"Index": 3},
        "Spec": {
            "Name": "web",
            "Labels": {"a": "1"},
            "Mode": {"Replicated": {"Replicas": 2}},
            "TaskTemplate": {
                "ContainerSpec": {"Image": "busybox", "Env": ["A=1"]},
                "Networks": [{"Target": "front"}],
            },
            "EndpointSpec": {"Mode": "vip"},
        },
    }
    docker, daemon = await fake_docker(
        by_path(
            {
                ("GET", "/services/s1"): FakeAnswer(json=current),
                ("POST", "/services/s1/update"): FakeAnswer(json={"Warnings": ["w"]}),
            }
        )
    )
    answer = await docker.api.update_service(
        "s1",
        3,
        task_template={"ContainerSpec": {"Env": ["A=2"]}},
        mode={"Replicated": {"Replicas": 4}},
        fetch_current_spec=True,
    )
    assert answer == {"Warnings": ["w"]}
    [update] = daemon.sent("/services/s1/update")
    assert update.param("version") == "3"
    assert update.json() == {
        "Name": "web",
        "Labels": {"a": "1"},
        "Mode": {"Replicated": {"Replicas": 4}},
        "TaskTemplate": {
            "ContainerSpec": {"Image": "busybox", "Env": ["A=2"]},
            "Networks": [{"Target": "front"}],
        },
        "EndpointSpec": {"Mode": "vip"},
    }
    assert daemon.sent("/services/s1")[0].param("insertDefaults") == "1"

    await docker.api.update_service("s1", 4, name="alone")  # nothing fetched, nothing kept
    last = daemon.sent("/services/s1/update")[-1]
    assert last.param("version") == "4"
    assert last.json() == {"Name": "alone", "TaskTemplate": {}}


def _frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


async def test_service_logs_give_bytes(fake_docker: FakeDocker) -> None:
    service = {"ID": "s1", "Spec": {"TaskTemplate": {"ContainerSpec": {"TTY": False}}}}
    logs = _frame(1, b"out\n") + _frame(2, b"err\n")
    docker, daemon = await fake_docker(
        by_path(
            {
                ("GET", "/services/s1"): FakeAnswer(json=service),
                ("GET", "/services/s1/logs"): FakeAnswer(body=logs),
            }
        )
    )
    async with docker.api.service_logs("s1", stdout=True, stderr=True, tail=5) as chunks:
        assert [chunk async for chunk in chunks] == [b"out\n", b"err\n"]
    [sent] = daemon.sent("/services/s1/logs")
    assert (sent.param("stdout"), sent.param("stderr"), sent.param("tail")) == ("1", "1", "5")
    assert daemon.sent("/services/s1")  # inspected for its TTY setting
    raw = [c async for c in docker.api.service_logs("s1", stdout=True, is_tty=True)]
    assert b"".join(raw) == logs  # a TTY's output is not framed
    assert len(daemon.sent("/services/s1")) == 1  # is_tty given: no inspect


async def test_events_raw_bytes_or_dicts(fake_docker: FakeDocker) -> None:
    events = [{"Type": "container", "Action": "start", "time": 1}, {"Type": "network"}]
    body = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    docker, daemon = await fake_docker(by_path({("GET", "/events"): FakeAnswer(body=body)}))
    async with docker.api.events(decode=True, filters={"type": "container"}) as stream:
        assert [event async for event in stream] == events
    raw = [chunk async for chunk in docker.api.events(since=10, until=20)]
    assert [json.loads(chunk) for chunk in raw] == events
    assert all(isinstance(chunk, bytes) and chunk.endswith(b"\n") for chunk in raw)
    first, second = daemon.sent("/events")
    assert json.loads(first.param("filters") or "") == {"type": ["container"]}
    assert second.param("since") is not None and second.param("until") is not None


async def test_secret_and_config_create_answer_ids(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(
        by_path(
            {
                ("POST", "/secrets/create"): FakeAnswer(201, json={"ID": "sec"}),
                ("POST", "/configs/create"): FakeAnswer(201, json={"ID": "cfg"}),
                ("DELETE", "/secrets/sec"): FakeAnswer(204),
                ("DELETE", "/configs/cfg"): FakeAnswer(204),
            }
        )
    )
    assert await docker.api.create_secret("pw", "hunter2", labels={"a": "1"}) == {"ID": "sec"}
    assert await docker.api.create_config("conf", b"x=1", templating={"Name": "golang"}) == {
        "ID": "cfg"
    }
    [secret] = daemon.sent("/secrets/create")
    assert secret.json() == {
        "Name": "pw",
        "Labels": {"a": "1"},
        "Data": base64.b64encode(b"hunter2").decode(),
    }
    [config] = daemon.sent("/configs/create")
    assert config.json()["Templating"] == {"Name": "golang"}
    assert await docker.api.remove_secret("sec") is True
    assert await docker.api.remove_config("cfg") is True


async def test_plugin_calls_answer_true_and_progress(fake_docker: FakeDocker) -> None:
    progress = b'{"status":"Downloading"}\n{"status":"Digest: sha256:1"}\n'
    plugin = {"Id": "p" * 64, "Name": "vieux/sshfs:latest", "Enabled": False}
    docker, daemon = await fake_docker(
        by_path(
            {
                ("POST", "/plugins/pull"): FakeAnswer(body=progress),
                ("POST", "/plugins/vieux/sshfs/enable"): FakeAnswer(200),
                ("POST", "/plugins/vieux/sshfs/set"): FakeAnswer(204),
                ("GET", "/plugins/vieux/sshfs:latest/json"): FakeAnswer(json=plugin),
            }
        )
    )
    privileges = [{"Name": "network", "Description": "", "Value": ["host"]}]
    pulled = [p async for p in docker.api.pull_plugin("vieux/sshfs", privileges)]
    assert pulled == [{"status": "Downloading"}, {"status": "Digest: sha256:1"}]
    [pull] = daemon.sent("/plugins/pull")
    assert pull.param("remote") == "vieux/sshfs" and pull.json() == privileges
    assert await docker.api.enable_plugin("vieux/sshfs", timeout=3) is True
    assert daemon.sent("/plugins/vieux/sshfs/enable")[0].param("timeout") == "3"
    assert await docker.api.configure_plugin("vieux/sshfs", {"DEBUG": 1}) is True
    assert daemon.sent("/plugins/vieux/sshfs/set")[0].json() == ["DEBUG=1"]
    assert await docker.api.inspect_plugin("vieux/sshfs:latest") == plugin


async def test_standalone_client_owns_its_docker(fake_docker: FakeDocker) -> None:
    _, daemon = await fake_docker(by_path({("GET", "/info"): FakeAnswer(json={"ID": "x"})}))
    api = APIClient(daemon.url, version="1.40", timeout=7, user_agent="tests/1")
    async with api:
        assert api.api_version == "1.40" and api.timeout == 7
        assert api.base_url == daemon.url
        assert await api.info() == {"ID": "x"}
    assert api.docker.transport.closed
    [info] = daemon.sent("/info")
    assert info.api_version == "1.40" and info.headers["User-Agent"] == "tests/1"

    auto = APIClient(daemon.url)  # negotiated on entering
    async with auto:
        assert auto.api_version == daemon.api_version


async def test_docker_api_speaks_through_its_client(fake_docker: FakeDocker) -> None:
    docker, _ = await fake_docker()
    assert docker.api.docker is docker
    assert docker.api is docker.api


async def test_credstore_env_reaches_the_helper_and_reload_config(
    fake_docker: FakeDocker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper = tmp_path / "docker-credential-envtest"
    helper.write_text(
        '#!/bin/sh\nread key\nprintf \'{"Username":"u","Secret":"%s"}\' "$AIODOCK_SECRET"\n'
    )
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credsStore": "envtest"}))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"auths": {}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("AIODOCK_SECRET", raising=False)
    _, daemon = await fake_docker()
    async with APIClient(daemon.url, version="1.41", credstore_env={"AIODOCK_SECRET": "s3"}) as api:
        found = await resolve_auth("registry.example", docker=api.docker)
        assert found is not None and found.password == "s3"
        api.reload_config(str(other))
        assert await resolve_auth("registry.example", docker=api.docker) is None
        api.reload_config()
        again = await resolve_auth("registry.example", docker=api.docker)
        assert again is not None and again.password == "s3"


async def test_typed_container_spec_takes_secret_and_config_names(
    fake_docker: FakeDocker,
) -> None:
    service = {"ID": "s1", "Version": {"Index": 1}, "Spec": {"Name": "web"}}
    docker, daemon = await fake_docker(
        by_path(
            {
                ("GET", "/secrets/pw"): FakeAnswer(json={"ID": "sid", "Spec": {"Name": "pw"}}),
                ("GET", "/configs/conf"): FakeAnswer(json={"ID": "cid", "Spec": {"Name": "conf"}}),
                ("POST", "/services/create"): FakeAnswer(201, json={"ID": "s1"}),
                ("GET", "/services/s1"): FakeAnswer(json=service),
                ("POST", "/services/s1/update"): FakeAnswer(json={}),
            }
        )
    )
    spec = types.ServiceSpec(
        types.TaskTemplate(types.ContainerSpec("img", secrets=["pw"], configs=["conf"])),
        name="web",
    )
    created = await docker.services.create(spec=spec)
    [sent] = daemon.sent("/services/create")
    container = sent.json()["TaskTemplate"]["ContainerSpec"]
    [secret] = container["Secrets"]
    assert (secret["SecretID"], secret["SecretName"]) == ("sid", "pw")
    assert secret["File"]["Name"] == "pw"
    [config] = container["Configs"]
    assert (config["ConfigID"], config["ConfigName"], config["File"]["Name"]) == (
        "cid",
        "conf",
        "conf",
    )
    # a typed spec given to update, and docker.api's raw dicts, are resolved the same way
    await created.update(spec)
    [update] = daemon.sent("/services/s1/update")
    assert update.json()["TaskTemplate"]["ContainerSpec"]["Secrets"][0]["SecretID"] == "sid"
    await docker.api.create_service({"ContainerSpec": {"Image": "img", "Secrets": ["pw"]}})
    raw = daemon.sent("/services/create")[-1].json()["TaskTemplate"]["ContainerSpec"]
    assert raw["Secrets"][0]["SecretName"] == "pw"
    with pytest.raises(InvalidArgument, match="secrets"):
        types.ContainerSpec("img", secrets="pw").to_api()  # type: ignore[arg-type]
