"""Where engines answer differently, aiodock says it one way: event actions, image tags,
container statuses and the ids of stats objects (Podman's and Docker 28's answers)."""

from __future__ import annotations

import pytest

from aiodock.containers import Container
from aiodock.events import Event
from aiodock.images import Image
from aiodock.reference import familiar_name
from tests.unit.fake_engine import Start, fake_engine

__all__ = ["fake_engine"]


@pytest.mark.parametrize(
    ("kind", "podman", "docker"),
    [
        ("container", "remove", "destroy"),
        ("container", "died", "die"),
        ("image", "remove", "delete"),
        ("container", "destroy", "destroy"),
        ("container", "cleanup", "cleanup"),  # Podman only, and said as it is
        ("network", "remove", "remove"),  # a Docker action of networks
    ],
)
def test_event_actions_are_dockers(kind: str, podman: str, docker: str) -> None:
    raw = {"Type": kind, "Action": podman, "Actor": {"ID": "x"}, "timeNano": 1}
    event = Event.from_dict(raw)
    assert event.action == docker
    assert event.raw["Action"] == podman


@pytest.mark.parametrize(
    ("tag", "familiar"),
    [
        ("docker.io/library/busybox:latest", "busybox:latest"),
        ("docker.io/aiodock-test/busybox:latest", "aiodock-test/busybox:latest"),
        ("busybox:1", "busybox:1"),
        ("127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1"),
        ("localhost/app:1", "localhost/app:1"),  # Podman's local names: a registry name
    ],
)
def test_image_tags_as_the_cli_shows_them(tag: str, familiar: str) -> None:
    assert familiar_name(tag) == familiar
    image = Image(None, {"Id": "sha256:" + "a" * 64, "RepoTags": [tag, "<none>:<none>"]})  # type: ignore[arg-type]
    assert image.tags == [familiar]
    assert image.attrs["RepoTags"][0] == tag


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("stopped", "exited"),
        ("configured", "created"),
        ("exited", "exited"),
        ("running", "running"),
    ],
)
def test_container_status_is_dockers(status: str, said: str) -> None:
    container = Container(None, {"Id": "c1", "State": {"Status": status}})  # type: ignore[arg-type]
    assert container.status == said


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"read": "t"}, {"read": "t", "id": "c1", "name": "/web"}),  # Docker 28 one-shot
        ({"Id": "c1", "name": "web"}, {"Id": "c1", "id": "c1", "name": "web"}),  # Podman
        ({"id": "c1", "name": "/web", "read": "t"}, {"id": "c1", "name": "/web", "read": "t"}),
    ],
)
async def test_stats_carry_id_and_name(
    fake_engine: Start, answer: dict[str, str], expected: dict[str, str]
) -> None:
    docker, engine = await fake_engine(api="1.51")
    engine.answers[("GET", "/containers/c1/stats")] = answer
    container = Container(docker, {"Id": "c1", "Name": "/web"})
    assert await container.stats(stream=False, one_shot=True) == expected
