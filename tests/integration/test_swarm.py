"""Swarm mode against the real daemon: a single-node swarm made for this module and left at
its end (also on failure). Services run the local busybox image with sleep-style commands."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from aiodock import DaemonStreamError, Docker, DockerTimeoutError, InvalidArgument, types
from aiodock.errors import APIError, NotFound, OutOfSequence, ServiceNotConverged

from ..conftest import LABEL, RUN_ID, RUN_LABEL

pytestmark = pytest.mark.needs("swarm")

SLEEP = ["sh", "-c", 'echo "stage=$STAGE"; exec sleep 600']
# Tasks join the host's network namespace: the default bridge (docker0) is not needed (tests
# elsewhere run private daemons whose start can remove docker0 from the shared host).
HOST_NET = ["host"]


async def _leave_swarm(docker: Docker) -> None:
    info = await docker.info()
    if (info.get("Swarm") or {}).get("LocalNodeState", "inactive") != "inactive":
        await docker.swarm.leave(force=True)


async def _remove_services(docker: Docker) -> None:
    """Remove this run's services (leaving the swarm then removes their containers)."""
    for service in await docker.services.list(filters={"label": f"{RUN_LABEL}={RUN_ID}"}):
        try:
            await service.remove()
        except NotFound:
            pass


async def _swarm_containers(docker: Docker, service_id: str | None = None) -> list[Any]:
    label = "com.docker.swarm.service.id" + (f"={service_id}" if service_id else "")
    result: list[Any] = await docker.transport.json(
        "GET",
        "/containers/json",
        params={"all": True, "filters": f'{{"label":["{label}"]}}'},
    )
    return result


@pytest.fixture(scope="module")
def swarm_node(daemon: None) -> Iterator[str]:
    """Init a single-node swarm (leaving a stale one first); always leave it at the end."""

    had_gateway_bridge = False

    async def start() -> str:
        nonlocal had_gateway_bridge
        async with Docker() as docker:
            await _leave_swarm(docker)
            names = {network.name for network in await docker.networks.list()}
            had_gateway_bridge = "docker_gwbridge" in names
            return await docker.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")

    async def stop() -> None:
        async with Docker() as docker:
            try:
                await _remove_services(docker)
            finally:
                await _leave_swarm(docker)
            if not had_gateway_bridge:  # the daemon made it for the swarm; leaving keeps it
                with contextlib.suppress(NotFound):
                    await (await docker.networks.get("docker_gwbridge")).remove()

    node_id = asyncio.run(start())
    try:
        yield node_id
    finally:
        asyncio.run(stop())


@pytest.fixture(autouse=True)
def _in_swarm(swarm_node: str) -> None:
    return None


async def poll(
    probe: Callable[[], Awaitable[Any]],
    done: Callable[[Any], bool],
    *,
    timeout: float = 30.0,
    interval: float = 0.2,
) -> Any:
    """Call ``probe`` until ``done(result)``; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await probe()
        if done(result):
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s; last: {result!r}")
        await asyncio.sleep(interval)


def unique(prefix: str) -> str:
    return f"aiodock-{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def cleanup(docker: Docker) -> AsyncIterator[list[Any]]:
    """Objects (services, secrets, configs) to remove after the test, in reverse order."""
    created: list[Any] = []
    yield created
    for item in reversed(created):
        try:
            await item.remove()
        except NotFound:
            pass
    # Their containers go a few seconds later, or when the node leaves the swarm: a test
    # checking that nothing is left behind waits for it itself.


def fast_updates() -> dict[str, Any]:
    return {
        "update_config": types.UpdateConfig(parallelism=0, monitor="200ms"),
        "rollback_config": types.RollbackConfig(parallelism=0, monitor="200ms"),
    }


async def test_swarm_inspect_update_and_tokens(docker: Docker, swarm_node: str) -> None:
    await docker.swarm.reload()
    assert docker.swarm.id
    assert docker.swarm.version is not None
    tokens = docker.swarm.join_tokens
    assert tokens["Worker"].startswith("SWMTKN-")
    node = await docker.nodes.current()
    assert node.id == swarm_node
    assert node.role == "manager"

    await docker.swarm.update(rotate_worker_token=True)
    assert docker.swarm.join_tokens["Worker"] != tokens["Worker"]
    assert docker.swarm.join_tokens["Manager"] == tokens["Manager"]

    before = docker.swarm.attrs["Spec"]
    await docker.swarm.update(task_history_retention_limit=3, labels={"aiodock.test": "1"})
    spec = docker.swarm.attrs["Spec"]
    assert spec["Orchestration"]["TaskHistoryRetentionLimit"] == 3
    assert spec["Labels"] == {"aiodock.test": "1"}
    assert spec["Raft"] == before["Raft"]  # settings not named are kept

    await docker.swarm.update(autolock_managers=True)
    try:
        key = await docker.swarm.unlock_key()
        assert key.startswith("SWMKEY-")
        await docker.swarm.update(rotate_manager_unlock_key=True)
        assert await docker.swarm.unlock_key() != key
        with pytest.raises(APIError, match="not locked"):
            await docker.swarm.unlock(key)  # the manager is running, hence not locked
    finally:
        await docker.swarm.update(autolock_managers=False)
    assert docker.swarm.attrs["Spec"]["EncryptionConfig"]["AutoLockManagers"] is False

    with pytest.raises(InvalidArgument, match="unknown swarm setting"):
        await docker.swarm.update(no_such_setting=1)
    with pytest.raises(APIError):
        await docker.swarm.init(advertise_addr="127.0.0.1")  # already part of a swarm


async def test_replicated_service_scale_update_rollback_remove(
    docker: Docker, test_image: str, labels: dict[str, str], cleanup: list[Any]
) -> None:
    spec = types.ServiceSpec(
        types.TaskTemplate(
            types.ContainerSpec(
                test_image, command=SLEEP, env={"STAGE": "one"}, stop_signal="SIGKILL"
            ),
            restart_policy=types.ServiceRestartPolicy("any", delay="500ms"),
            resources=types.Resources(mem_limit="64m"),
            networks=HOST_NET,
        ),
        name=unique("web"),
        labels=labels,
        mode=types.ServiceMode("replicated", replicas=2),
        **fast_updates(),
    )
    service = await docker.services.create(spec=spec)
    cleanup.append(service)
    assert service.name == spec.name
    assert service.labels == labels
    assert service.mode == types.ServiceMode("replicated", replicas=2)

    tasks = await service.wait_converged(timeout=60)
    assert len(tasks) == 2
    assert {task.state for task in tasks} == {"running"}
    assert all(task.container_id for task in tasks)
    # The image exists only locally: the node runs it without a registry lookup.
    assert all(task.attrs["Spec"]["ContainerSpec"]["Image"] == test_image for task in tasks)

    await service.scale(3)
    assert service.mode.replicas == 3
    tasks = await service.wait_converged(timeout=60)
    assert len(tasks) == 3

    await service.update(env={"STAGE": "two"})
    tasks = await service.wait_converged(timeout=60)
    assert len(tasks) == 3
    assert all(t.attrs["Spec"]["ContainerSpec"]["Env"] == ["STAGE=two"] for t in tasks)
    assert service.attrs["Spec"]["TaskTemplate"]["Resources"]["Limits"]["MemoryBytes"] == 64 << 20

    await service.rollback()
    tasks = await service.wait_converged(timeout=60)
    assert service.update_status.get("State") == "rollback_completed"
    assert len(tasks) == 3
    assert all(t.attrs["Spec"]["ContainerSpec"]["Env"] == ["STAGE=one"] for t in tasks)

    async def logged() -> bytes:
        return await service.logs().read()

    output = await poll(logged, lambda data: data.count(b"stage=two") >= 3)
    assert b"stage=one" in output
    lines = [line async for _, line in service.logs(stderr=False).lines()]
    assert "stage=two" in lines

    listed = await docker.services.list(filters={"name": service.name})
    assert [item.id for item in listed] == [service.id]
    assert (await docker.services.get(service.name)).id == service.id

    await service.remove()
    cleanup.remove(service)
    await poll(lambda: _swarm_containers(docker, service.id), lambda found: not found)
    with pytest.raises(NotFound):
        await docker.services.get(service.id)
    assert await docker.services.list(filters={"name": service.name}) == []
    with pytest.raises(NotFound):  # the daemon refuses a filter naming a missing service
        await service.tasks()

    async def leftovers() -> list[Any]:
        return [task for task in await docker.tasks.list() if task.service_id == service.id]

    await poll(leftovers, lambda found: not found)


async def test_versioned_update_conflict(
    docker: Docker, test_image: str, labels: dict[str, str], cleanup: list[Any]
) -> None:
    service = await docker.services.create(
        test_image,
        ["sleep", "600"],
        name=unique("conflict"),
        labels=labels,
        replicas=0,
        networks=HOST_NET,
    )
    cleanup.append(service)
    # The orchestrator may record a new version of a service just created, a moment later:
    # read until the version stays, then keep that read as the one to go stale.
    for _ in range(50):
        stale = await docker.services.get(service.id)
        await asyncio.sleep(0.1)
        if (await docker.services.get(service.id)).version == stale.version:
            break
    await service.reload()
    await service.update(labels={**labels, "step": "1"})
    assert service.labels["step"] == "1"
    with pytest.raises(OutOfSequence, match="changed since it was read") as caught:
        await stale.update(labels={**labels, "step": "2"})
    assert isinstance(caught.value, APIError)
    # The orchestrator records the first update's status too (a new version of its own,
    # a moment later): read again until the change goes through, as a caller would.
    for _ in range(50):
        await stale.reload()
        try:
            await stale.update(labels={**labels, "step": "2"})
            break
        except OutOfSequence:
            await asyncio.sleep(0.1)
    else:
        pytest.fail("the update stayed out of sequence after reloading")
    assert stale.labels["step"] == "2"


async def test_create_from_keywords_force_update_and_filters(
    docker: Docker, test_image: str, labels: dict[str, str], cleanup: list[Any]
) -> None:
    name = unique("kw")
    service = await docker.services.create(
        test_image,
        command="sleep 600",
        name=name,
        labels=labels,
        container_labels={"role": "kw"},
        networks=HOST_NET,
        constraints=["node.role==manager"],
        stop_signal="SIGKILL",
        hosts={"db.local": "10.0.0.5"},
        **fast_updates(),
    )
    cleanup.append(service)
    container = service.attrs["Spec"]["TaskTemplate"]["ContainerSpec"]
    assert container["Command"] == ["sleep", "600"]
    assert container["Labels"] == {"role": "kw"}
    assert container["Hosts"] == ["10.0.0.5 db.local"]
    assert service.attrs["Spec"]["TaskTemplate"]["Placement"]["Constraints"] == [
        "node.role==manager"
    ]
    assert service.mode.replicas == 1
    (first,) = await service.wait_converged(timeout=60)

    await service.force_update()
    assert service.attrs["Spec"]["TaskTemplate"]["ForceUpdate"] == 1
    (second,) = await service.wait_converged(timeout=60)
    assert second.id != first.id

    found = await docker.services.list(filters={"label": f"{LABEL}", "name": name}, status=True)
    assert [item.id for item in found] == [service.id]
    assert found[0].attrs["ServiceStatus"]["RunningTasks"] == 1
    detailed = await docker.services.get(name, insert_defaults=True)
    assert "RestartPolicy" not in service.attrs["Spec"]["TaskTemplate"]
    assert detailed.attrs["Spec"]["TaskTemplate"]["RestartPolicy"]["Condition"] == "any"
    task = await docker.tasks.get(second.id)
    assert task.service_id == service.id
    assert task.desired_state == "running"

    with pytest.raises(InvalidArgument, match="unknown service argument"):
        await service.update(no_such_option=1)
    with pytest.raises(InvalidArgument, match="replicas"):
        await docker.services.create(test_image, mode="global", replicas=2)
    with pytest.raises(InvalidArgument, match="filter"):
        await docker.services.list(filters={"colour": "red"})


async def test_secret_and_config_files_read_by_a_job(
    docker: Docker, test_image: str, labels: dict[str, str], cleanup: list[Any]
) -> None:
    secret_data = b"s3cr3t-\x00-bytes"
    secret = await docker.secrets.create(unique("secret"), secret_data, labels=labels)
    cleanup.append(secret)
    config = await docker.configs.create(unique("config"), "greeting=hello\n", labels=labels)
    cleanup.append(config)
    assert "s3cr3t" not in repr(secret) and "Data" not in secret.attrs["Spec"]
    assert "hello" not in repr(config)
    assert config.data == b"greeting=hello\n"
    assert [s.id for s in await docker.secrets.list(filters={"name": secret.name})] == [secret.id]
    assert [c.id for c in await docker.configs.list(filters={"label": LABEL})] == [config.id]

    job = await docker.services.create(
        test_image,
        ["sh", "-c", "od -An -c /run/secrets/token; cat /etc/app.conf"],
        name=unique("reader"),
        labels=labels,
        mode=types.ServiceMode("replicated-job", replicas=1),
        secrets=[secret.reference("token")],
        configs=[types.ConfigReference(config.id, config.name, "/etc/app.conf")],
        restart_policy=types.ServiceRestartPolicy("none"),
        networks=HOST_NET,
    )
    cleanup.append(job)
    (task,) = await job.wait_converged(timeout=60)
    assert task.state == "complete"
    assert task.exit_code == 0
    try:
        output = (await job.logs().read()).decode()
    except DaemonStreamError as exc:  # swarm may end with "incomplete log stream"
        assert "incomplete log stream" in exc.message
        assert isinstance(exc.output, bytes)
        output = exc.output.decode()
    assert "greeting=hello" in output
    assert "s   3   c   r   3   t   -  \\0   -   b   y   t   e   s" in output
    task_output = (await task.logs(stderr=False).read()).decode()
    assert "greeting=hello" in task_output

    await secret.update(labels={**labels, "rotated": "no"})
    assert secret.labels["rotated"] == "no"
    await job.remove()
    cleanup.remove(job)
    with pytest.raises(NotFound):
        await job.reload()
    await secret.remove()
    await config.remove()
    cleanup.clear()
    with pytest.raises(NotFound):
        await docker.secrets.get(secret.id)
    with pytest.raises(NotFound):
        await docker.configs.get(config.id)


async def test_drain_empties_the_node_and_active_refills_it(
    docker: Docker, test_image: str, labels: dict[str, str], cleanup: list[Any]
) -> None:
    service = await docker.services.create(
        test_image,
        ["sleep", "600"],
        name=unique("drain"),
        labels=labels,
        replicas=2,
        stop_signal="SIGKILL",
        networks=HOST_NET,
    )
    cleanup.append(service)
    await service.wait_converged(timeout=60)
    node = await docker.nodes.current()
    stale = await docker.nodes.get(node.id)

    async def running_here() -> list[Any]:
        return [
            t for t in await node.tasks(filters={"service": service.id}) if t.state == "running"
        ]

    await node.update(availability="drain")
    try:
        assert node.availability == "drain"
        await poll(running_here, lambda found: not found)
        with pytest.raises(DockerTimeoutError, match="0 of 2 tasks running"):
            await service.wait_converged(timeout=1)
        with pytest.raises(OutOfSequence):
            await stale.update(availability="active")
    finally:
        await node.reload()
        await node.update(availability="active")
    assert node.availability == "active"
    tasks = await service.wait_converged(timeout=60)
    assert len(tasks) == 2 and all(t.node_id == node.id for t in tasks)

    await node.update(labels={"zone": "a"})
    assert node.labels == {"zone": "a"}
    assert [n.id for n in await docker.nodes.list(filters={"node.label": "zone=a"})] == [node.id]
    await node.update(labels={})
    with pytest.raises(InvalidArgument, match="availability"):
        await node.update(availability="asleep")


async def test_wait_converged_reports_failures_and_times_out(
    docker: Docker, test_image: str, labels: dict[str, str], cleanup: list[Any]
) -> None:
    missing = await docker.services.create(
        "aiodock-test/does-not-exist:1", name=unique("missing"), labels=labels
    )
    cleanup.append(missing)
    with pytest.raises(ServiceNotConverged, match="No such image") as caught:
        await missing.wait_converged(timeout=60)
    assert caught.value.tasks and "No such image" in caught.value.errors[0]

    failing = await docker.services.create(
        test_image,
        ["sh", "-c", "exit 3"],
        name=unique("failjob"),
        labels=labels,
        mode="replicated-job",
        restart_policy=types.ServiceRestartPolicy("none"),
        networks=HOST_NET,
    )
    cleanup.append(failing)
    with pytest.raises(ServiceNotConverged, match="exit") as job_error:
        await docker.services.wait_converged(failing.name, timeout=60)
    assert "3" in job_error.value.errors[0]

    unschedulable = await docker.services.create(
        test_image,
        ["sleep", "600"],
        name=unique("pending"),
        labels=labels,
        constraints=["node.labels.aiodock-never==yes"],
    )
    cleanup.append(unschedulable)
    with pytest.raises(DockerTimeoutError, match="0 of 1 tasks running"):
        await unschedulable.wait_converged(timeout=1, interval=0.2)


async def test_global_and_global_job_modes(
    docker: Docker, test_image: str, labels: dict[str, str], cleanup: list[Any]
) -> None:
    everywhere = await docker.services.create(
        test_image,
        ["sleep", "600"],
        name=unique("global"),
        labels=labels,
        mode="global",
        stop_signal="SIGKILL",
        networks=HOST_NET,
    )
    cleanup.append(everywhere)
    once = await docker.services.create(
        test_image,
        ["echo", "done"],
        name=unique("globaljob"),
        labels=labels,
        mode=types.ServiceMode("global-job"),
        networks=HOST_NET,
    )
    cleanup.append(once)
    (running,) = await everywhere.wait_converged(timeout=60)
    assert running.state == "running"
    (completed,) = await once.wait_converged(timeout=60)
    assert completed.state == "complete"
    assert everywhere.mode.mode == "global" and once.mode.mode == "global-job"
    with pytest.raises(InvalidArgument, match="global"):
        await everywhere.scale(2)
