"""Rolling updates across the nodes: progress reported batch by batch until every node
runs the new spec, and a failing update rolled back."""

from __future__ import annotations

import pytest

from aiodock import Docker, ServiceRolledBack, types
from aiodock.services import ConvergenceProgress

from .conftest import SESSION_LOOP, NewService, hostnames

pytestmark = SESSION_LOOP

STAGE = ["sh", "-c", 'echo "stage=$STAGE"; exec sleep 600']


def env_of(task_spec: dict[str, object]) -> list[str]:
    container = task_spec.get("ContainerSpec") or {}
    assert isinstance(container, dict)
    return list(container.get("Env") or [])


async def test_rolling_update_reports_progress_until_every_node_runs_the_new_spec(
    manager: Docker, new_service: NewService
) -> None:
    service = await new_service(
        "rolling",
        STAGE,
        replicas=3,
        maxreplicas=1,  # one task per node
        env={"STAGE": "1"},
        update_config=types.UpdateConfig(
            parallelism=1, delay="1s", monitor="1s", order="stop-first"
        ),
    )
    await service.wait_converged(timeout=60)
    await service.update(env={"STAGE": "2"})

    seen: list[ConvergenceProgress] = []
    async for progress in service.convergence(timeout=120, interval=0.2):
        seen.append(progress)
    final = seen[-1]
    assert final.converged and final.update_state == "completed"
    assert final.nodes == {"node1": 1, "node2": 1, "node3": 1} and final.updated == 3
    assert final.summary == "3 of 3 tasks running"
    # Batch by batch: one node after another ran the new spec while the update went on.
    during = [p for p in seen if p.update_state == "updating"]
    assert {p.updated for p in during} >= {1, 2}
    assert any("update updating" in p.summary for p in during)
    counts = [p.updated for p in seen]
    assert counts == sorted(counts)  # never a step back

    tasks = await service.wait_converged(timeout=10)
    names = await hostnames(manager)
    assert sorted(names[t.node_id] for t in tasks) == ["node1", "node2", "node3"]
    assert all(env_of(t.attrs["Spec"]) == ["STAGE=2"] for t in tasks)
    assert service.update_status["State"] == "completed"


async def test_failing_update_with_rollback_ends_rolled_back(new_service: NewService) -> None:
    service = await new_service(
        "rollback",
        STAGE,
        replicas=3,
        env={"STAGE": "1"},
        update_config=types.UpdateConfig(
            parallelism=1, failure_action="rollback", monitor="4s", max_failure_ratio=0
        ),
        rollback_config=types.RollbackConfig(parallelism=0),
    )
    await service.wait_converged(timeout=60)
    await service.update(command=["sh", "-c", "echo broken; exit 3"], env={"STAGE": "2"})

    with pytest.raises(ServiceRolledBack, match="rolled back") as caught:
        await service.wait_converged(timeout=120)
    assert caught.value.errors and any("non-zero exit (3)" in e for e in caught.value.errors)
    assert caught.value.progress.converged and caught.value.progress.running == 3
    await service.reload()
    assert service.update_status["State"] == "rollback_completed"
    assert service.spec["TaskTemplate"]["ContainerSpec"]["Env"] == ["STAGE=1"]
    running = await service.tasks(filters={"desired-state": "running"})
    assert len(running) == 3
    assert all(env_of(t.attrs["Spec"]) == ["STAGE=1"] for t in running)
