"""``containers.run()`` and the create keywords against the daemon."""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from aiodock import APIError, ContainerError, Docker, ImageNotFound, InvalidArgument, NotFound
from aiodock.containers import CREATE_KEYWORDS, Container, RunOutput, create_body
from aiodock.decoders import StreamType
from aiodock.types import DeviceRequest, Healthcheck, LogConfig, Mount, Ulimit

from ..engines import Engine

NO_NET: dict[str, Any] = {"network_mode": "none"}


def _block_device() -> str:
    """A block device of this machine for the blkio throttles (Podman checks that it is
    one; Docker takes any path): a disk when there is one, else a loop device."""
    names = sorted(os.listdir("/sys/block"), key=lambda n: n.startswith(("loop", "zram", "ram")))
    for name in names:
        path = f"/dev/{name}"
        if os.path.exists(path) and stat.S_ISBLK(os.stat(path).st_mode):
            return path
    raise AssertionError("no block device in /dev for the blkio throttle keywords")


BLOCK_DEVICE = _block_device()


@pytest.fixture
def tagged(labels: dict[str, str]) -> dict[str, str]:
    """The test labels plus one unique to this test, to find what it left behind."""
    return {**labels, "aiodock.run": uuid.uuid4().hex}


@pytest.fixture
async def leftovers(docker: Docker, tagged: dict[str, str]) -> AsyncIterator[Any]:
    async def find() -> list[Container]:
        label = f"aiodock.run={tagged['aiodock.run']}"
        return await docker.containers.list(all=True, filters={"label": label})

    yield find
    for container in await find():
        try:
            await container.remove(force=True)
        except NotFound:
            pass


async def test_run_returns_output(docker: Docker, test_image: str, tagged: dict[str, str]) -> None:
    script = ["sh", "-c", "echo out; echo err >&2"]

    async def run(command: Any = script, **kwargs: Any) -> bytes:
        output = await docker.containers.run(
            test_image, command, remove=True, labels=tagged, **NO_NET, **kwargs
        )
        assert isinstance(output, bytes)
        return output

    assert await run() == b"out\n"
    assert sorted((await run(stderr=True)).splitlines()) == [b"err", b"out"]
    assert await run(stdout=False, stderr=True) == b"err\n"
    assert await run("echo hello", tty=True) == b"hello\r\n"


async def test_container_error_carries_status_and_stderr(
    docker: Docker, test_image: str, tagged: dict[str, str], leftovers: Any
) -> None:
    with pytest.raises(ContainerError) as info:
        await docker.containers.run(
            test_image,
            ["sh", "-c", "echo fine; echo broken >&2; exit 3"],
            remove=True,
            labels=tagged,
            **NO_NET,
        )
    error = info.value
    assert error.exit_status == 3 and error.stderr == b"broken\n"
    assert error.image == test_image and "broken" in str(error)
    assert await leftovers() == []  # remove=True honoured although it raised

    with pytest.raises(ContainerError) as kept:
        await docker.containers.run(test_image, "false", labels=tagged, **NO_NET)
    assert kept.value.exit_status == 1 and kept.value.stderr == b""
    assert [c.id for c in await leftovers()] == [kept.value.container.id]


async def test_remove_is_honoured_on_cancellation(
    docker: Docker, test_image: str, tagged: dict[str, str], leftovers: Any
) -> None:
    task = asyncio.ensure_future(
        docker.containers.run(test_image, "sleep 300", remove=True, labels=tagged, **NO_NET)
    )

    async def started() -> None:
        while not [c for c in await leftovers() if c.status == "running"]:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    await asyncio.wait_for(started(), 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await leftovers() == []


async def test_remove_is_honoured_when_start_fails(
    docker: Docker, test_image: str, tagged: dict[str, str], leftovers: Any
) -> None:
    with pytest.raises(APIError, match="no-such-binary"):
        await docker.containers.run(
            test_image, "/no-such-binary", remove=True, labels=tagged, **NO_NET
        )
    assert await leftovers() == []


async def test_detach_returns_the_running_container(
    docker: Docker, test_image: str, tagged: dict[str, str], leftovers: Any, engine: Engine
) -> None:
    container = await docker.containers.run(
        test_image, "sleep 300", detach=True, labels=tagged, **NO_NET
    )
    assert isinstance(container, Container) and container.status == "running"
    await container.remove(force=True)

    auto = await docker.containers.run(
        test_image, "true", detach=True, remove=True, labels=tagged, **NO_NET
    )
    assert auto.attrs["HostConfig"]["AutoRemove"] is True
    if engine.lacks("auto-remove") is not None:
        await auto.wait(timeout=20)  # (removing it as it stops: "container state improper")
        await auto.remove(force=True)
    with contextlib.suppress(NotFound):  # gone already, before the wait began
        await auto.wait(condition="removed", timeout=20)
    assert await leftovers() == []


async def test_stream_yields_output_while_the_container_runs(
    docker: Docker, test_image: str, tagged: dict[str, str], leftovers: Any
) -> None:
    script = "echo first; echo warn >&2; sleep 300; echo never"
    output = await docker.containers.run(
        test_image, ["sh", "-c", script], stream=True, remove=True, labels=tagged, **NO_NET
    )
    assert isinstance(output, RunOutput)
    async with output:
        async for stream, line in output.lines():
            assert (stream, line) == (StreamType.STDOUT, "first")  # stderr not asked for
            await output.container.reload()
            assert output.container.status == "running"
            break
    assert await leftovers() == []  # closing early removed it


async def test_stream_joins_characters_cut_across_writes(
    docker: Docker, test_image: str, tagged: dict[str, str]
) -> None:
    # "é" is \303\251: its two bytes are written apart, so they arrive in two frames.
    script = "printf 'ab\\303'; sleep 0.3; printf '\\251\\n'; printf 'x' >&2; sleep 0.3; echo y >&2"
    async with await docker.containers.run(
        test_image,
        ["sh", "-c", script],
        stream=True,
        stderr=True,
        remove=True,
        labels=tagged,
        **NO_NET,
    ) as output:
        frames: list[Any] = []
        async for frame in output:
            frames.append(frame)
    assert len(frames) >= 4
    async with await docker.containers.run(
        test_image,
        ["sh", "-c", script],
        stream=True,
        stderr=True,
        remove=True,
        labels=tagged,
        **NO_NET,
    ) as output:
        lines = [item async for item in output.lines()]
    assert lines == [(StreamType.STDOUT, "abé"), (StreamType.STDERR, "xy")]
    assert output.exit_status == 0


async def test_stream_raises_container_error_at_the_end(
    docker: Docker, test_image: str, tagged: dict[str, str], leftovers: Any
) -> None:
    output = await docker.containers.run(
        test_image,
        ["sh", "-c", "echo partial; echo oops >&2; exit 5"],
        stream=True,
        remove=True,
        labels=tagged,
        **NO_NET,
    )
    received = []
    with pytest.raises(ContainerError) as info:
        async for frame in output:
            received.append(frame.data)
    assert received == [b"partial\n"]
    assert info.value.exit_status == 5 and info.value.stderr == b"oops\n"
    assert await leftovers() == []


async def test_missing_image_from_an_unreachable_registry(
    docker: Docker, tagged: dict[str, str], leftovers: Any
) -> None:
    with pytest.raises(ImageNotFound, match=r"'127\.0\.0\.1:1/nothing:latest'.*pulling") as info:
        await docker.containers.run("127.0.0.1:1/nothing:latest", "true", labels=tagged)
    assert "127.0.0.1:1" in str(info.value)  # the daemon's reason is kept
    assert await leftovers() == []


async def test_bad_keywords_fail_before_any_request(test_image: str) -> None:
    async with Docker("unix:///nonexistent/aiodock.sock") as offline:
        with pytest.raises(InvalidArgument, match=r"'mem_limt'.*'mem_limit'"):
            await offline.containers.run(test_image, "true", mem_limt="1g")
        with pytest.raises(InvalidArgument, match="ports"):
            await offline.containers.create(test_image, ports={"http": 80})
        with pytest.raises(InvalidArgument, match="detach and stream"):
            await offline.containers.run(test_image, detach=True, stream=True)


async def test_keywords_reach_the_container(
    docker: Docker, test_image: str, tagged: dict[str, str]
) -> None:
    output = await docker.containers.run(
        test_image,
        ["sh", "-c", 'echo "$(id -u):$(id -g) $(pwd) $(hostname) $GREETING"; cat /etc/hosts'],
        user="1234:5678",
        working_dir="/tmp",
        hostname="kwhost",
        environment={"GREETING": "hi there"},
        extra_hosts={"db.test": "10.9.8.7"},
        remove=True,
        labels=tagged,
        **NO_NET,
    )
    first, _, hosts = output.decode().partition("\n")
    assert first == "1234:5678 /tmp kwhost hi there"
    assert "10.9.8.7\tdb.test" in hosts


def _sent(request: dict[str, Any], keyword: str) -> Any:
    section, _, key = CREATE_KEYWORDS[keyword].partition(".")
    return request.get("HostConfig", {}).get(key) if section == "HostConfig" else request[key]


@pytest.mark.needs("create-readback")
async def test_every_keyword_appears_in_inspect_data(
    docker: Docker, test_image: str, tagged: dict[str, str]
) -> None:
    volume_name = f"aiodock-kw-{uuid.uuid4().hex[:8]}"
    groups: list[dict[str, Any]] = [
        dict(
            hostname="kwhost",
            domainname="example.test",
            user="1000:1000",
            working_dir="/srv",
            environment={"A": "1"},
            entrypoint="/bin/sh -c",
            command="sleep 300",
            tty=True,
            stdin_open=True,
            stdin_once=True,
            stop_signal="SIGUSR1",
            stop_timeout=7,
            healthcheck=Healthcheck(
                "true", interval="2s", timeout="3s", retries=4, start_period="5s"
            ),
            restart_policy="on-failure:3",
            mem_limit="512m",
            mem_reservation="256m",
            memswap_limit="1g",
            mem_swappiness=10,
            shm_size="32m",
            nano_cpus=500_000_000,
            cpu_shares=512,
            cpuset_cpus="0",
            cpuset_mems="0",
            pids_limit=100,
            oom_score_adj=100,
            oom_kill_disable=True,
            ulimits=[Ulimit("nofile", 1024, 2048)],
            device_requests=[DeviceRequest.gpus(count=1)],
            devices=["/dev/null:/dev/xnull:rw"],
            device_cgroup_rules=["c 1:3 mr"],
            device_read_bps=[{"Path": BLOCK_DEVICE, "Rate": 1048576}],
            device_read_iops=[{"Path": BLOCK_DEVICE, "Rate": 50}],
            device_write_bps=[{"Path": BLOCK_DEVICE, "Rate": 2097152}],
            device_write_iops=[{"Path": BLOCK_DEVICE, "Rate": 100}],
            cgroup_parent="/aiodock-test",
            cap_add=["NET_ADMIN"],
            cap_drop=["MKNOD"],
            privileged=False,
            read_only=True,
            security_opt=["no-new-privileges"],
            sysctls={"net.ipv4.ip_forward": "1"},
            userns_mode="host",
            group_add=["audio", 1234],
            ipc_mode="shareable",
            pid_mode="host",
            cgroupns="private",
            runtime="runc",
            isolation="default",
            log_config=LogConfig("json-file", {"max-size": "1m"}),
            extra_hosts={"db": "10.1.2.3"},
            dns=["10.0.0.53"],
            dns_opt=["ndots:2"],
            dns_search=["example.test"],
            tmpfs={"/run": "size=1m"},
            mounts=[
                Mount("/m/vol", volume_name, labels=tagged),
                Mount("/m/bind", "/tmp", type="bind", read_only=True, propagation="rslave"),
                Mount("/m/tmp", type="tmpfs", tmpfs_size="8m", tmpfs_mode=0o1770),
            ],
            volumes={"/tmp": {"bind": "/hosttmp", "mode": "ro"}},
            ports={"80/tcp": ("127.0.0.1", 8080), "53/udp": None},
            publish_all_ports=True,
            volume_driver="local",
            mac_address="02:42:ac:11:00:99",
            platform="linux/amd64",
            name=f"aiodock-kw-{uuid.uuid4().hex[:8]}",
        ),
        dict(
            init=True,  # an init as PID 1 needs the container's own PID namespace
            cpu_period=100_000,
            cpu_quota=50_000,
            cpu_rt_period=1_000_000,
            cpu_rt_runtime=0,
            auto_remove=True,
            network_mode="none",
            network_disabled=True,
            uts_mode="host",
            labels={"plain-label": ""},
        ),
    ]
    checked: set[str] = set()
    # Keywords of some API versions only: sent where the daemon has them, refused elsewhere.
    api = await docker.negotiate_version()
    aim = (await docker.engine()).target
    versioned = {"kernel_memory": "64m", "console_size": (30, 100), "annotations": {"a.b": "c"}}
    for keyword, value in versioned.items():
        if aim.supports(f"create.{keyword}"):
            groups[0][keyword] = value
        else:
            with pytest.raises(InvalidArgument, match=rf"^{keyword} .*API {api}$"):
                await docker.containers.create(test_image, labels=tagged, **{keyword: value})
            checked.add(keyword)
    created: list[Container] = []
    try:
        for options in groups:
            options["labels"] = {**tagged, **options.get("labels", {})}
            container = await docker.containers.create(test_image, **options)
            created.append(container)
            inspect = container.attrs
            request = create_body(test_image, **options).body
            for keyword in options:
                checked.add(keyword)
                if keyword in ("ports", "volumes", "mounts", "name", "platform"):
                    continue  # checked below
                if keyword == "mac_address" and aim.supports("create.mac_address"):
                    endpoint = inspect["NetworkSettings"]["Networks"][aim.default_network]
                    assert endpoint["MacAddress"] == options[keyword]  # moved there in 1.44
                    continue
                got = inspect[CREATE_KEYWORDS[keyword].partition(".")[0]]
                got = got[CREATE_KEYWORDS[keyword].partition(".")[2]]
                sent = _sent(request, keyword)
                if keyword == "environment":
                    assert set(sent) <= set(got), keyword  # the image's PATH is added
                elif keyword == "security_opt":
                    assert set(sent) <= set(got), keyword  # pid_mode=host adds label=disable
                else:
                    assert got == sent, keyword
        main, other = (c.attrs for c in created)
        assert main["Config"]["Entrypoint"] == ["/bin/sh", "-c"]
        assert main["Config"]["Healthcheck"] == {
            "Test": ["CMD-SHELL", "true"],
            "Interval": 2_000_000_000,
            "Timeout": 3_000_000_000,
            "Retries": 4,
            "StartPeriod": 5_000_000_000,
        }
        assert main["HostConfig"]["Memory"] == 512 * 1024**2
        assert main["HostConfig"]["GroupAdd"] == ["audio", "1234"]
        assert main["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
        assert main["Config"]["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}}
        assert main["HostConfig"]["PortBindings"] == {
            "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}],
            "53/udp": [{"HostIp": "", "HostPort": ""}],
        }
        assert main["HostConfig"]["Binds"] == ["/tmp:/hosttmp:ro"]
        assert [m["Target"] for m in main["HostConfig"]["Mounts"]] == [
            "/m/vol",
            "/m/bind",
            "/m/tmp",
        ]
        assert main["HostConfig"]["Mounts"][2]["TmpfsOptions"] == {
            "SizeBytes": 8 * 1024**2,
            "Mode": 0o1770,
        }
        assert {m["Destination"] for m in main["Mounts"]} >= {"/m/vol", "/m/bind", "/hosttmp"}
        assert main["Name"].startswith("/aiodock-kw-") and main["Platform"] == "linux"
        assert other["Config"]["Labels"]["plain-label"] == ""
        assert other["HostConfig"]["AutoRemove"] is True
    finally:
        for container in created:
            await container.remove(force=True, volumes=True)
        await docker.transport.call("DELETE", f"/volumes/{volume_name}", params={"force": True})

    # Where the daemon ignores or refuses a value on this host, it was still sent as
    # documented: blkio_weight[_device] (no kernel support here: dropped), cpu_count and
    # cpu_percent (Windows only), storage_opt (overlay over xfs only), and the keywords
    # that need another container or a user-defined network.
    with pytest.raises(APIError, match="storage-opt"):
        await docker.containers.create(test_image, storage_opt={"size": "1G"}, labels=tagged)
    checked |= {"blkio_weight", "blkio_weight_device", "cpu_count", "cpu_percent", "storage_opt"}
    linked = await docker.containers.create(test_image, "sleep 300", labels=tagged)
    network_name = f"aiodock-kw-{uuid.uuid4().hex[:8]}"
    network = await docker.transport.json(
        "POST", "/networks/create", json={"Name": network_name, "Labels": tagged}
    )
    try:
        sharing = await docker.containers.create(
            test_image,
            volumes_from=[f"{linked.id}:ro"],
            links={linked.name: "peer"},
            blkio_weight=300,
            cpu_count=1,
            cpu_percent=50,
            labels=tagged,
        )
        created = [sharing]
        assert sharing.attrs["HostConfig"]["VolumesFrom"] == [f"{linked.id}:ro"]
        assert sharing.attrs["HostConfig"]["Links"] == [f"/{linked.name}:/{sharing.name}/peer"]
        on_network = await docker.containers.create(
            test_image,
            network=network_name,
            networking_config={network_name: {"Aliases": ["kw-alias"]}},
            labels=tagged,
        )
        created.append(on_network)
        assert on_network.attrs["HostConfig"]["NetworkMode"] == network_name
        endpoint = on_network.attrs["NetworkSettings"]["Networks"][network_name]
        assert "kw-alias" in endpoint["Aliases"]
        checked |= {"volumes_from", "links", "network", "networking_config"}
    finally:
        for container in [*created, linked]:
            await container.remove(force=True)
        await docker.transport.call("DELETE", f"/networks/{network['Id']}")
    raw = await docker.containers.create(
        test_image,
        config={"Domainname": "raw.test"},
        host_config={"OomScoreAdj": 42},
        labels=tagged,
    )
    try:
        assert raw.attrs["Config"]["Domainname"] == "raw.test"
        assert raw.attrs["HostConfig"]["OomScoreAdj"] == 42
    finally:
        await raw.remove()
    checked |= {"config", "host_config"}
    assert checked >= set(CREATE_KEYWORDS)
