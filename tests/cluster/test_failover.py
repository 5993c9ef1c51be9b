"""Nodes going away: a manager killed (its tasks rescheduled, the other managers carry
on) and brought back, a downed worker force-removed and joined again. These run after the
other tests and leave the cluster as they found it: node1 the manager, two workers."""

from __future__ import annotations

from typing import Any

import pytest

from aiodock import APIError, Docker, DockerError, NotFound
from aiodock.nodes import Node
from aiodock.services import ConvergenceProgress

from ..conftest import TEST_IMAGE, TEST_LABELS
from .cluster import Cluster, change_node, poll
from .conftest import SESSION_LOOP, SLEEP, NewService, unique

pytestmark = SESSION_LOOP


async def node_ids(cluster: Cluster) -> dict[str, str]:
    return {node.name: await node.node_id() for node in cluster.nodes}


async def test_killed_manager_tasks_are_rescheduled_and_the_others_carry_on(
    cluster: Cluster, manager: Docker, new_service: NewService, cleanup: list[Any]
) -> None:
    ids = await node_ids(cluster)
    for name in ("node2", "node3"):
        await change_node(manager, ids[name], Node.promote)
    await poll(
        manager.nodes.list,
        lambda nodes: all(n.manager_status.get("Reachability") == "reachable" for n in nodes),
    )
    service = await new_service("survivor", replicas=3)
    tasks = await service.wait_converged(timeout=60)
    on_node1 = {t.id for t in tasks if t.node_id == ids["node1"]}
    assert len(on_node1) == 1  # one task a node

    await cluster["node1"].power_off()
    survivor = cluster["node2"].docker

    def settled(nodes: list[Any]) -> bool:
        state = {n.hostname: n.state for n in nodes}
        return state["node1"] == "down" and any(n.is_leader for n in nodes)

    # node2 and node3 elect a leader among them and find node1 down.
    nodes = await poll(survivor.nodes.list, settled, timeout=90, retry=(DockerError,))
    (leader,) = [n for n in nodes if n.is_leader]
    assert leader.hostname in ("node2", "node3")

    seen: list[ConvergenceProgress] = []
    async for progress in await survivor.services.convergence(service.id, timeout=90):
        seen.append(progress)
    final = seen[-1]
    assert final.converged and final.running == 3
    assert sum(final.nodes.values()) == 3 and set(final.nodes) <= {"node2", "node3"}
    # The waiter says where the lost task was; it stays listed while node1 is down.
    assert final.down_nodes == ("node1",) and set(final.lost_tasks) == on_node1
    assert "1 task(s) lost with down node(s) node1" in final.summary

    # The client of the surviving manager keeps working: a new service runs.
    after = await survivor.services.create(
        TEST_IMAGE, SLEEP, name=unique("after"), labels=TEST_LABELS, stop_signal="SIGKILL"
    )
    cleanup.append(after)
    (task,) = await after.wait_converged(timeout=60)
    assert task.node_id in (ids["node2"], ids["node3"])

    # node1 comes back on its data and rejoins as a manager.
    await cluster["node1"].start()
    back = await poll(
        lambda: survivor.nodes.get(ids["node1"]),
        lambda n: n.state == "ready" and n.manager_status.get("Reachability") == "reachable",
        timeout=90,
    )
    assert back.role == "manager"
    await poll(manager.info, lambda info: info["Swarm"]["ControlAvailable"], retry=(DockerError,))
    # The task lost with node1 reports its end (failed: its container was killed) once
    # node1 is back: one failure to tolerate; the three tasks elsewhere run on.
    handle = await survivor.services.get(service.id)
    tasks = await handle.wait_converged(timeout=60, tolerate_failures=1)
    assert len(tasks) == 3 and ids["node1"] not in {t.node_id for t in tasks}


async def test_downed_worker_is_force_removed_and_joins_again(
    cluster: Cluster, manager: Docker
) -> None:
    ids = await node_ids(cluster)
    for name in ("node2", "node3"):
        await change_node(manager, ids[name], Node.demote)
    # Out of the managers' Raft group too (it follows the role change), before node3 goes.
    await poll(
        manager.nodes.list,
        lambda nodes: [bool(n.manager_status) for n in nodes].count(True) == 1,
        retry=(DockerError,),
    )
    for name in ("node2", "node3"):
        await poll(cluster[name].docker.info, lambda info: not info["Swarm"]["ControlAvailable"])

    # A new leader knows the nodes as "unknown" until they report in; only a "ready" node
    # is protected from removal without force.
    await cluster.wait_ready(manager)
    with pytest.raises(APIError, match="is not down") as caught:
        await manager.nodes.remove(ids["node2"])  # up: refused without force
    assert caught.value.status < 500

    node3 = cluster["node3"]
    await node3.power_off()
    down = await poll(
        lambda: manager.nodes.get(ids["node3"]), lambda n: n.state == "down", retry=(DockerError,)
    )
    await down.remove(force=True)
    with pytest.raises(NotFound):
        await manager.nodes.get(ids["node3"])
    assert sorted(n.hostname for n in await manager.nodes.list()) == ["node1", "node2"]

    # Back on, node3 still believes in the swarm it was removed from: it leaves and joins.
    await node3.start()
    await node3.docker.swarm.leave(force=True)
    assert await node3.swarm_state() == "inactive"
    await node3.docker.swarm.join_via(
        manager, listen_addr=f"{node3.address}:2377", advertise_addr=node3.address
    )
    new_id = await node3.node_id()
    assert new_id and new_id != ids["node3"]
    await cluster.wait_ready(manager)
    assert (await manager.nodes.get(new_id)).role == "worker"
