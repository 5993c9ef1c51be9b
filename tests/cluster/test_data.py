"""What tasks on every node share: secrets and configs, service logs gathered from every
node into one stream, and an overlay network across the nodes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiodock import APIError, Docker, NotFound, StreamType, types
from aiodock.tasks import LogLine

from ..conftest import TEST_LABELS
from .conftest import SESSION_LOOP, NewService, hostnames, unique

pytestmark = SESSION_LOOP

HOLD = "trap 'exit 0' TERM; sleep 600 & wait"


async def collect(stream: Any, count: int, *, timeout: float = 30.0) -> list[LogLine]:
    """The first ``count`` lines of a followed tagged log stream."""
    lines: list[LogLine] = []

    async def read() -> None:
        async with stream:
            async for line in stream:
                lines.append(line)
                if len(lines) == count:
                    return

    await asyncio.wait_for(read(), timeout)
    return lines


async def test_secrets_and_configs_reach_tasks_on_every_node_and_logs_say_where(
    manager: Docker, new_service: NewService, cleanup: list[Any]
) -> None:
    secret = await manager.secrets.create(unique("token"), b"s3cret-value", labels=TEST_LABELS)
    cleanup.append(secret)
    config = await manager.configs.create(unique("conf"), "greeting=hello\n", labels=TEST_LABELS)
    cleanup.append(config)
    assert [s.id for s in await manager.secrets.list(filters={"name": secret.name})] == [secret.id]
    assert [c.id for c in await manager.configs.list(filters={"name": config.name})] == [config.id]
    await secret.update(labels={**TEST_LABELS, "rotated": "no"})
    await config.update(labels={**TEST_LABELS, "rotated": "no"})
    assert (await manager.secrets.get(secret.id)).labels["rotated"] == "no"
    fetched = await manager.configs.get(config.id)
    assert fetched.labels["rotated"] == "no" and fetched.data == b"greeting=hello\n"

    script = (
        'echo "node=$NODE secret=$(cat /run/secrets/token) config=$(cat /app.conf)"; '
        'echo "stderr from $NODE" >&2; ' + HOLD
    )
    service = await new_service(
        "readers",
        ["sh", "-c", script],
        mode="global",
        env={"NODE": "{{.Node.Hostname}}"},  # a template each node fills in
        secrets=[secret.reference("token")],
        configs=[config.reference("/app.conf")],
    )
    tasks = await service.wait_converged(timeout=60)
    by_id = {t.id: t for t in tasks}
    names = await hostnames(manager)

    lines = await collect(service.tagged_logs(follow=True, timestamps=True), 6)
    stdout = [line for line in lines if line.stream is StreamType.STDOUT]
    stderr = [line for line in lines if line.stream is StreamType.STDERR]
    assert sorted(line.node_name for line in stdout) == ["node1", "node2", "node3"]
    for line in stdout:
        assert line.text == f"node={line.node_name} secret=s3cret-value config=greeting=hello"
        assert line.task_id in by_id and by_id[line.task_id].node_id == line.node_id
        assert names[line.node_id] == line.node_name
        assert line.service_id == service.id
        assert line.task_name == f"{service.name}.{line.node_id}"  # a global task's name
        assert line.timestamp and line.timestamp.startswith("20")
    assert sorted(line.text for line in stderr) == [f"stderr from node{i}" for i in (1, 2, 3)]

    # One task's own log, and ids only when names are not wanted.
    task = await manager.tasks.get(tasks[0].id)
    assert task.node_id == tasks[0].node_id and task.state == "running"
    assert b"secret=s3cret-value" in await task.logs(stderr=False).read()
    (own,) = await collect(task.tagged_logs(stderr=False, resolve=False), 1)
    assert own.task_id == task.id and own.node_id == task.node_id and own.node_name == ""


async def test_tagged_logs_of_a_tty_service_come_line_by_line(
    manager: Docker, new_service: NewService
) -> None:
    service = await new_service(
        "tty", ["sh", "-c", f"echo one; echo two; {HOLD}"], tty=True, replicas=2
    )
    tasks = await service.wait_converged(timeout=60)
    assert service.tty
    lines = await collect(service.tagged_logs(follow=True), 4)
    assert sorted(line.text for line in lines) == ["one", "one", "two", "two"]
    assert {line.task_id for line in lines} == {t.id for t in tasks}
    slots = sorted({line.task_name for line in lines})
    assert slots == [f"{service.name}.1", f"{service.name}.2"]


async def test_overlay_network_joins_tasks_on_different_nodes(
    manager: Docker, new_service: NewService, cleanup: list[Any]
) -> None:
    network = await manager.networks.create(unique("overlay"), driver="overlay", labels=TEST_LABELS)
    try:
        # DNS round robin: the service name resolves to the tasks' addresses. (The default,
        # a virtual IP, needs IPVS in the kernel, which this one lacks.)
        server = await new_service(
            "web",
            ["sh", "-c", 'echo "served by $NODE" > /tmp/index.html; exec httpd -f -p 80 -h /tmp'],
            env={"NODE": "{{.Node.Hostname}}"},
            networks=[network.name],
            constraints=["node.hostname==node2"],
            endpoint_spec=types.EndpointSpec(mode="dnsrr"),
        )
        request = r'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 "$SERVER" 80 2>/dev/null'
        client = await new_service(
            "client",
            ["sh", "-c", f"until {request} | grep served; do sleep 0.5; done; {HOLD}"],
            env={"SERVER": server.name},
            networks=[network.name],
            constraints=["node.hostname==node3"],
        )
        (served,) = await server.wait_converged(timeout=60)
        await client.wait_converged(timeout=60)
        (line,) = await collect(client.tagged_logs(follow=True), 1, timeout=60)
        assert line.text == "served by node2" and line.node_name == "node3"
        names = await hostnames(manager)
        assert names[served.node_id] == "node2"
    finally:
        for service in reversed(cleanup):
            await service.remove()
        cleanup.clear()
        await remove_when_unused(network)


async def remove_when_unused(network: Any, *, within: float = 30.0) -> None:
    """Remove a network, retrying while tasks of removed services still hold it."""
    deadline = time.monotonic() + within
    while True:
        try:
            await network.remove()
            return
        except NotFound:
            return
        except APIError as exc:
            if "in use" not in exc.message or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)
