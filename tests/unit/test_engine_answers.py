"""Where engines answer differently, aiodock says it one way: event actions, image tags,
container statuses and the ids of stats objects (Podman's and Docker 28's answers)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from aiodock import Conflict, InvalidArgument
from aiodock.containers import Container, StatsSummary
from aiodock.errors import api_error
from aiodock.events import Event
from aiodock.images import Image
from aiodock.reference import familiar_name
from aiodock.utils import parse_datetime
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


async def test_podman_list_entries_have_no_empty_config(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    engine.answers[("GET", "/containers/json")] = [
        {"Id": "c1", "Names": ["/a"], "Config": None},
        {"Id": "c2", "Names": ["/b"]},
    ]
    listed = await docker.containers.list(all=True, sparse=True)
    assert sorted(("Config" in c.attrs, c.id) for c in listed) == [(False, "c1"), (False, "c2")]


def _cpu(total: int, system: int) -> dict[str, Any]:
    return {"cpu_usage": {"total_usage": total}, "system_cpu_usage": system, "online_cpus": 2}


def test_cpu_percent_from_two_samples_when_precpu_is_empty() -> None:
    first = {"cpu_stats": _cpu(1_000, 100_000), "precpu_stats": {}}
    second = {"cpu_stats": _cpu(6_000, 200_000), "precpu_stats": {"cpu_usage": {}}}
    assert StatsSummary.from_stats(second).cpu_percent == 0.0  # nothing to compare with
    assert StatsSummary.from_stats(second, first).cpu_percent == pytest.approx(10.0)
    streamed = {"cpu_stats": _cpu(6_000, 200_000), "precpu_stats": _cpu(1_000, 100_000)}
    assert StatsSummary.from_stats(streamed).cpu_percent == pytest.approx(10.0)


def test_daemon_times_of_every_precision() -> None:
    utc = timezone.utc
    assert parse_datetime("2026-12-01T09:24:43.123456789Z") == datetime(
        2026, 12, 1, 9, 24, 43, 123456, tzinfo=utc
    )
    assert parse_datetime("2026-12-01T09:24:43Z") == datetime(2026, 12, 1, 9, 24, 43, tzinfo=utc)
    assert parse_datetime("2026-12-01T10:24:43.5+01:00").timestamp() == (
        datetime(2026, 12, 1, 9, 24, 43, 500000, tzinfo=utc).timestamp()
    )
    with pytest.raises(InvalidArgument):
        parse_datetime("2026-12-01T09:24:43Z+00:00")


def test_container_image_and_name_as_docker_says_them() -> None:
    image = "docker.io/library/busybox:1"
    listed = Container(None, {"Id": "c1", "Names": ["/web"], "Name": "", "Image": image})  # type: ignore[arg-type]
    assert (listed.name, listed.image) == ("web", "busybox:1")
    config = {"Image": "docker.io/a/b:2"}
    inspected = Container(None, {"Id": "c1", "Name": "/web", "Config": config})  # type: ignore[arg-type]
    assert (inspected.name, inspected.image) == ("web", "a/b:2")


@pytest.mark.parametrize(
    ("podman", "sent"), [(None, ["destroy"]), ("4.3.1", ["destroy", "remove"])]
)
async def test_event_filters_in_the_engines_words(
    fake_engine: Start, podman: str | None, sent: list[str]
) -> None:
    docker, engine = await fake_engine(api="1.41", podman=podman)
    async with docker.events(filters={"type": "container", "event": "destroy"}) as stream:
        async for _ in stream:
            pass
    filters = json.loads(engine.last("GET", "/events").query["filters"][0])
    assert filters == {"type": ["container"], "event": sent}


@pytest.mark.parametrize(
    "message",
    [
        "can only kill running containers. c1 is in state created: container state improper",
        "cannot remove container c1 as it is running - running or paused containers cannot be "
        "removed without force: container state improper",
    ],
)
def test_podman_state_errors_are_conflicts(message: str) -> None:
    error = api_error(500, message, method="POST", path="/containers/c1/kill")
    assert isinstance(error, Conflict) and error.status == 500
    assert not isinstance(api_error(500, "disk full"), Conflict)
