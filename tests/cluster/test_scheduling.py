"""Where tasks land: replicated services spread over the nodes and scaled, a global
service on every node, placement by node labels, a drained node emptied."""

from __future__ import annotations

from collections import Counter

from aiodock import Docker

from .cluster import Cluster, poll
from .conftest import SESSION_LOOP, NewService, hostnames

pytestmark = SESSION_LOOP


async def test_replicated_service_spreads_over_the_nodes_and_scales(
    manager: Docker, new_service: NewService
) -> None:
    service = await new_service("spread", replicas=6)
    names = await hostnames(manager)
    tasks = await service.wait_converged(timeout=90)
    assert Counter(names[t.node_id] for t in tasks) == {"node1": 2, "node2": 2, "node3": 2}

    await service.scale(2)
    assert service.mode.replicas == 2
    tasks = await service.wait_converged(timeout=60)
    assert len(tasks) == 2 and all(t.state == "running" for t in tasks)
    await service.scale(4)
    tasks = await service.wait_converged(timeout=60)
    assert len(tasks) == 4 and len({t.node_id for t in tasks}) == 3


async def test_global_service_runs_one_task_per_node(
    manager: Docker, new_service: NewService
) -> None:
    service = await new_service("everywhere", mode="global")
    tasks = await service.wait_converged(timeout=60)
    names = await hostnames(manager)
    assert sorted(names[t.node_id] for t in tasks) == ["node1", "node2", "node3"]
    # The daemon's own count (read just before the tasks, so its RunningTasks may lag).
    assert service.attrs["ServiceStatus"]["DesiredTasks"] == 3


async def test_labels_and_constraints_place_tasks(
    cluster: Cluster, manager: Docker, new_service: NewService
) -> None:
    node2 = await manager.nodes.get(await cluster["node2"].node_id())
    await node2.update(labels={"zone": "b"})
    try:
        assert node2.labels == {"zone": "b"}
        found = await manager.nodes.list(filters={"node.label": "zone=b"})
        assert [n.id for n in found] == [node2.id]
        service = await new_service("zoned", replicas=3, constraints=["node.labels.zone==b"])
        tasks = await service.wait_converged(timeout=60)
        assert len(tasks) == 3 and {t.node_id for t in tasks} == {node2.id}
        # The opposite constraint: never on node2.
        other = await new_service("elsewhere", replicas=4, constraints=["node.labels.zone!=b"])
        tasks = await other.wait_converged(timeout=60)
        assert len(tasks) == 4 and node2.id not in {t.node_id for t in tasks}
    finally:
        await node2.reload()
        await node2.update(labels={})
    assert node2.labels == {}


async def test_drained_node_is_emptied_and_takes_tasks_again(
    cluster: Cluster, manager: Docker, new_service: NewService
) -> None:
    service = await new_service("drain", replicas=3)
    tasks = await service.wait_converged(timeout=60)
    node3 = await manager.nodes.get(await cluster["node3"].node_id())
    assert node3.id in {t.node_id for t in tasks}

    await node3.update(availability="drain")
    try:
        assert node3.availability == "drain"

        async def running_on_node3() -> list[str]:
            tasks = await node3.tasks(filters={"service": service.id, "desired-state": "running"})
            return [t.id for t in tasks if t.state == "running"]

        await poll(running_on_node3, lambda ids: not ids)
        tasks = await service.wait_converged(timeout=60)
        assert len(tasks) == 3 and node3.id not in {t.node_id for t in tasks}
        # A new service does not land there either.
        late = await new_service("late", mode="global")
        assert len(await late.wait_converged(timeout=60)) == 2
    finally:
        await node3.reload()
        await node3.update(availability="active")
    assert node3.availability == "active"
    await service.scale(6)  # the scheduler fills the emptiest node first
    tasks = await service.wait_converged(timeout=60)
    assert Counter(t.node_id for t in tasks)[node3.id] >= 2
