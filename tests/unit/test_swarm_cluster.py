"""The cluster-facing pure parts: tagged service log lines, join arguments checked before
anything is sent, and the convergence judgement with nodes down and updates rolled back."""

from __future__ import annotations

from typing import Any

import pytest

from aiodock import Docker, InvalidArgument, ServiceNotConverged, ServiceRolledBack, StreamType
from aiodock.services import ConvergenceProgress, Service
from aiodock.tasks import parse_tagged

ATTRS = "com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1"


def test_a_tagged_line_gives_task_node_and_service() -> None:
    line = parse_tagged(StreamType.STDOUT, f"{ATTRS} hello world\n", timestamps=False)
    assert (line.task_id, line.node_id, line.service_id) == ("t1", "n1", "s1")
    assert line.text == "hello world" and line.timestamp is None and line.details == {}


def test_timestamps_user_details_and_escapes_are_kept_apart() -> None:
    text = f"2026-12-01T09:02:45.0193Z app=a%2Cb,{ATTRS} x y\r\n"
    line = parse_tagged(StreamType.STDERR, text, timestamps=True)
    assert line.timestamp == "2026-12-01T09:02:45.0193Z"
    assert line.details == {"app": "a,b"} and line.task_id == "t1"
    assert line.text == "x y" and line.stream is StreamType.STDERR


def test_a_line_without_details_keeps_its_text() -> None:
    line = parse_tagged(StreamType.STDOUT, " bare\n", timestamps=False)
    assert line.text == "bare" and line.task_id == ""


@pytest.mark.parametrize(
    ("addrs", "token", "match"),
    [
        (["192.0.2.1:2377"], "not-a-token", "not a swarm join token"),
        (["192.0.2.1:2377"], "", "not a swarm join token"),
        ([], "SWMTKN-1-abc-def", "at least one manager"),
    ],
)
async def test_join_arguments_are_checked_before_sending(
    addrs: list[str], token: str, match: str
) -> None:
    async with Docker("unix:///nonexistent/d.sock") as docker:  # a request would fail
        with pytest.raises(InvalidArgument, match=match):
            await docker.swarm.join(addrs, token)
        with pytest.raises(InvalidArgument, match="role"):
            await docker.swarm.join_via(docker, "boss")


def task(ident: str, node: str, state: str, desired: str = "running", **spec: Any) -> Any:
    return {
        "ID": ident,
        "NodeID": node,
        "DesiredState": desired,
        "Spec": spec or {"ContainerSpec": {"Image": "app:1"}},
        "Status": {"State": state, "Timestamp": "2026-12-01T10:00:05Z", "Err": "boom"},
    }


def node(ident: str, state: str) -> Any:
    return {"ID": ident, "Description": {"Hostname": f"host-{ident}"}, "Status": {"State": state}}


def fake_service(
    docker: Docker,
    monkeypatch: pytest.MonkeyPatch,
    tasks: list[Any],
    nodes: list[Any],
    update: dict[str, Any] | None = None,
) -> Service:
    attrs = {
        "ID": "svc",
        "CreatedAt": "2026-12-01T10:00:00Z",
        "UpdatedAt": "2026-12-01T10:00:00Z",
        "Spec": {
            "Name": "web",
            "Mode": {"Replicated": {"Replicas": 3}},
            "TaskTemplate": {"ContainerSpec": {"Image": "app:1"}},
        },
    }
    if update:
        attrs["UpdateStatus"] = update
    answers = {"/services": [attrs], "/tasks": tasks, "/nodes": nodes}

    async def answer(method: str, path: str, **kwargs: Any) -> Any:
        return answers[path]

    async def version() -> str:
        return "1.41"

    monkeypatch.setattr(docker.transport, "json", answer)
    monkeypatch.setattr(docker, "negotiate_version", version)
    return Service(docker, attrs)


async def test_tasks_on_a_down_node_do_not_count_and_are_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with Docker("unix:///nonexistent/d.sock") as docker:
        service = fake_service(
            docker,
            monkeypatch,
            [
                task("lost", "a", "running", desired="shutdown"),
                task("t2", "b", "running"),
                task("t3", "b", "running"),
                task("t4", "c", "running"),
            ],
            [node("a", "down"), node("b", "ready"), node("c", "ready")],
        )
        seen = [progress async for progress in service.convergence(timeout=5)]
    assert seen == [
        ConvergenceProgress(
            running=3,
            wanted=3,
            updated=3,
            update_state="",
            nodes={"host-b": 2, "host-c": 1},
            lost_tasks=("lost",),
            down_nodes=("host-a",),
            converged=True,
        )
    ]
    assert seen[0].summary == "3 of 3 tasks running; 1 task(s) lost with down node(s) host-a"


async def test_failures_during_an_update_wait_for_its_failure_action(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tasks = [task("bad", "b", "failed", desired="shutdown"), task("t2", "b", "running")]
    nodes = [node("b", "ready")]
    async with Docker("unix:///nonexistent/d.sock") as docker:
        updating = fake_service(docker, monkeypatch, tasks, nodes, {"State": "updating"})
        progress, _ = await updating._look(0)
        assert not progress.converged and progress.errors
        assert "update updating" in progress.summary

        idle = fake_service(docker, monkeypatch, tasks, nodes)
        with pytest.raises(ServiceNotConverged, match="1 task"):
            await idle._look(0)


async def test_an_update_rolled_back_after_failures_raises_once_converged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new_spec = {"ContainerSpec": {"Image": "app:2"}}
    tasks = [
        task("bad", "b", "failed", desired="shutdown", **new_spec),
        *(task(f"t{i}", "b", "running") for i in range(3)),
    ]
    update = {
        "State": "rollback_completed",
        "StartedAt": "2026-12-01T10:00:01Z",
        "Message": "rollback completed",
    }
    async with Docker("unix:///nonexistent/d.sock") as docker:
        service = fake_service(docker, monkeypatch, tasks, [node("b", "ready")], update)
        with pytest.raises(ServiceRolledBack, match="rolled back") as caught:
            await service.wait_converged(timeout=5)
    assert caught.value.progress.converged and caught.value.errors == ["task bad (failed): boom"]


async def test_convergence_arguments_are_checked() -> None:
    async with Docker("unix:///nonexistent/d.sock") as docker:
        service = Service(docker, {"ID": "svc"})
        with pytest.raises(InvalidArgument, match="timeout"):
            service.convergence(timeout=0)
        with pytest.raises(InvalidArgument, match="interval"):
            service.convergence(interval=-1)
