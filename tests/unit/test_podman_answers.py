"""What aiodock does about Podman's answers and bugs, request by request: each test fails
without its workaround (see docs/engines.md, "Engine by engine")."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from aiodock import NotSupported
from aiodock.containers import Container
from aiodock.images import Image
from tests.unit.conftest import FakeAnswer, FakeRequest
from tests.unit.fake_engine import Start, fake_engine

__all__ = ["fake_engine"]

NOW_NS = time.time_ns()


def _event(action: str, at_ns: int, image: str = "docker.io/library/busybox:latest") -> bytes:
    event = {
        "Type": "container",
        "Action": action,
        "Actor": {"ID": "c1", "Attributes": {"image": image, "name": "web"}},
        "time": at_ns // 1_000_000_000,
        "timeNano": at_ns,
    }
    return json.dumps(event).encode() + b"\n"


@pytest.mark.parametrize("podman", [None, "4.3.1", "5.8.6"])
async def test_events_until_a_past_time(fake_engine: Start, podman: str | None) -> None:
    # Podman stops reading at once when `until` has passed: ask it for what it has
    # (stream=false) and drop what came after `until` here.
    docker, engine = await fake_engine(api="1.41", podman=podman)
    until = NOW_NS - 2_000_000_000
    body = _event("start", until - 1_000_000_000) + _event("die", until + 1_000_000_000)
    engine.answers[("GET", "/events")] = FakeAnswer(body=body)
    async with docker.events(since=(until - 5e9) / 1e9, until=until / 1e9) as stream:
        actions = [event.action async for event in stream]
    sent = engine.last("GET", "/events").query
    if podman is None:
        assert "until" in sent and "stream" not in sent
        assert actions == ["start", "die"]  # Docker itself stops at `until`
    else:
        assert "until" not in sent and sent["stream"] == ["false"]
        assert actions == ["start"]


async def test_podman_event_images_are_familiar_names(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", podman="5.8.6")
    engine.answers[("GET", "/events")] = FakeAnswer(body=_event("start", NOW_NS - 5_000_000_000))
    async with docker.events(until=time.time() - 1) as stream:
        events = [event async for event in stream]
    assert events[0].actor.attributes["image"] == "busybox:latest"
    assert events[0].raw["Actor"]["Attributes"]["image"] == "docker.io/library/busybox:latest"


@pytest.mark.parametrize(("podman", "sent"), [(None, ["a:1.2.3.4"]), ("4.3.1", ['["a:1.2.3.4"]'])])
async def test_build_extra_hosts_as_the_engine_reads_them(
    fake_engine: Start, podman: str | None, sent: list[str]
) -> None:
    docker, engine = await fake_engine(api="1.41", podman=podman)
    engine.answers[("POST", "/build")] = FakeAnswer(
        body=b'{"aux":{"ID":"sha256:' + b"1" * 64 + b'"}}\n'
    )
    engine.answers[("GET", "/images/sha256:" + "1" * 64 + "/json")] = {"Id": "sha256:" + "1" * 64}
    image = await docker.images.build(fileobj="FROM scratch\n", extra_hosts={"a": "1.2.3.4"})
    assert isinstance(image, Image)
    assert engine.last("POST", "/build").query["extrahosts"] == sent


async def test_podman_lists_newest_first(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.44", podman="5.8.6")
    engine.answers[("GET", "/containers/json")] = [  # Podman 5: oldest first
        {"Id": "old", "Created": 100},
        {"Id": "mid", "Created": 200},
        {"Id": "new", "Created": 200},
    ]
    created = {"old": "2026-12-01T10:00:00.1Z", "mid": "2026-12-01T10:00:01.2Z"}
    created["new"] = "2026-12-01T10:00:01.7Z"
    for cid, when in created.items():
        engine.answers[("GET", f"/containers/{cid}/json")] = {"Id": cid, "Created": when}
    sparse = await docker.containers.list(all=True, sparse=True)
    assert [c.id for c in sparse] == ["new", "mid", "old"]
    assert [c.id for c in await docker.containers.list(all=True)] == ["new", "mid", "old"]


async def test_removed_and_pruned_images_in_dockers_words(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    bare = "a" * 64
    answer = [{"Untagged": "docker.io/library/busybox:1"}, {"Deleted": bare}]
    engine.answers[("DELETE", "/images/busybox:1")] = answer
    engine.answers[("POST", "/images/prune")] = {"ImagesDeleted": answer, "SpaceReclaimed": 1}
    expected = [{"Untagged": "busybox:1"}, {"Deleted": f"sha256:{bare}"}]
    assert await docker.images.remove("busybox:1") == expected
    assert (await docker.images.prune())["ImagesDeleted"] == expected


async def test_podman_load_names_several_images_on_one_line(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", podman="5.8.6")
    line = {"stream": "Loaded image: docker.io/library/a:1,docker.io/library/b:2\n"}
    engine.answers[("POST", "/images/load")] = FakeAnswer(body=json.dumps(line).encode())
    for name in ("docker.io/library/a:1", "docker.io/library/b:2"):
        engine.answers[("GET", f"/images/{name}/json")] = {"Id": name}
    loaded = await docker.images.load(b"tar")
    assert [image.id for image in loaded] == ["docker.io/library/a:1", "docker.io/library/b:2"]


def _states(*states: dict[str, Any]) -> Any:
    """Inspect answers that go through ``states`` (the last one repeats)."""
    seen: list[int] = []

    def answer(request: FakeRequest) -> dict[str, Any]:
        seen.append(1)
        return {"Id": "c1", "State": states[min(len(seen), len(states)) - 1]}

    return answer


RUNNING = {"Status": "running", "Running": True, "ExitCode": 0, "FinishedAt": "0001-01-01"}
STOPPED = {"Status": "stopped", "Running": False, "ExitCode": 3, "FinishedAt": "2026-12-01"}


async def test_podman_4_wait_reads_the_state(fake_engine: Start) -> None:
    # Podman 4.3's wait never answers for a container that is "stopped".
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    engine.answers[("GET", "/containers/c1/json")] = _states(RUNNING, RUNNING, STOPPED)
    container = Container(docker, {"Id": "c1"})
    assert await container.wait(timeout=5) == {"StatusCode": 3, "Error": None}
    assert await container.wait(timeout=5) == {"StatusCode": 3, "Error": None}  # exited already
    assert "/containers/c1/wait" not in engine.paths()

    gone = _states(STOPPED)

    def removed(request: FakeRequest) -> Any:
        if len(engine.paths("GET")) > 8:
            return FakeAnswer(
                status=500,
                json={"message": "container c1 does not exist in database: no such container"},
            )
        return gone(request)

    engine.answers[("GET", "/containers/c1/json")] = removed
    assert await container.wait(condition="removed", timeout=5) == {"StatusCode": 3, "Error": None}


async def test_podman_5_and_docker_wait_on_the_daemon(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.44", podman="5.8.6")
    engine.answers[("POST", "/containers/c1/wait")] = {"StatusCode": 0, "Error": None}
    assert await Container(docker, {"Id": "c1"}).wait() == {"StatusCode": 0, "Error": None}
    assert engine.last("POST", "/containers/c1/wait").query == {"condition": ["not-running"]}


async def test_podman_4_top_in_columns(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    engine.answers[("GET", "/containers/c1/top")] = {
        "Titles": ["PID   USER     COMMAND"],
        "Processes": [["1     root     sleep 300"]],
    }
    top = await Container(docker, {"Id": "c1"}).top()
    assert top == {"Titles": ["PID", "USER", "COMMAND"], "Processes": [["1", "root", "sleep 300"]]}


async def test_a_quiet_build_reporting_a_bare_id(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    image_id = "2" * 64
    engine.answers[("POST", "/build")] = FakeAnswer(body=json.dumps({"stream": image_id}).encode())
    engine.answers[("GET", f"/images/sha256:{image_id}/json")] = {"Id": f"sha256:{image_id}"}
    image = await docker.images.build(fileobj="FROM scratch\n", quiet=True)
    assert image.id == f"sha256:{image_id}"


async def test_podman_4_wait_removed_of_a_running_container(fake_engine: Start) -> None:
    # force-removed while running: the exit code comes from its die event
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    inspects: list[int] = []

    def inspect(request: FakeRequest) -> Any:
        inspects.append(1)
        if len(inspects) > 2:
            return FakeAnswer(status=404, json={"message": "no such container"})
        return {"Id": "c1", "State": RUNNING}

    engine.answers[("GET", "/containers/c1/json")] = inspect
    die = {"Type": "container", "Action": "died", "timeNano": time.time_ns()}
    die["Actor"] = {"ID": "c1", "Attributes": {"exitCode": "137"}}
    engine.answers[("GET", "/events")] = FakeAnswer(body=json.dumps(die).encode())
    container = Container(docker, {"Id": "c1"})
    assert await container.wait(condition="removed", timeout=5) == {
        "StatusCode": 137,
        "Error": None,
    }
    assert engine.last("GET", "/events").query["stream"] == ["false"]


def _network_event(action: str, at_ns: int) -> bytes:
    event = {
        "status": action,
        "id": "n1",
        "Type": "network",
        "Action": action,
        "Actor": {"ID": "n1", "Attributes": {"name": "", "network": "web"}},
        "time": at_ns // 1_000_000_000,
        "timeNano": at_ns,
    }
    return json.dumps(event).encode() + b"\n"


@pytest.mark.parametrize("podman", [None, "5.8.6"])
async def test_network_and_volume_removals_in_dockers_words(
    fake_engine: Start, podman: str | None
) -> None:
    # Podman says `remove` where Docker says `destroy` for a network or a volume; Docker's
    # own `remove` (a swarm network's) is left alone.
    docker, engine = await fake_engine(api="1.41", podman=podman)
    volume = json.loads(_network_event("remove", NOW_NS - 3_000_000_000))
    volume.update(Type="volume")
    body = _network_event("remove", NOW_NS - 4_000_000_000) + json.dumps(volume).encode()
    engine.answers[("GET", "/events")] = FakeAnswer(body=body)
    async with docker.events(until=time.time() - 1) as stream:
        actions = [event.action async for event in stream]
    assert actions == (["remove", "remove"] if podman is None else ["destroy", "destroy"])


async def test_api_events_decoded_in_dockers_words(fake_engine: Start) -> None:
    # docker.api's decoded events are the high-level events' words (one normaliser); its
    # raw chunks are what the daemon sent.
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    created = _network_event("create", NOW_NS - 5_000_000_000)
    removed = _network_event("remove", NOW_NS - 4_000_000_000)
    died = _event("died", NOW_NS - 3_000_000_000)
    engine.answers[("GET", "/events")] = FakeAnswer(body=created + removed + died)
    async with docker.api.events(until=time.time() - 1, decode=True) as stream:
        decoded = [event async for event in stream]
    assert [(e["Action"], e.get("status")) for e in decoded] == [
        ("create", "create"),
        ("destroy", "destroy"),
        ("die", None),
    ]
    assert decoded[2]["Actor"]["Attributes"] == {"image": "busybox:latest", "name": "web"}
    async with docker.api.events(until=time.time() - 1) as raw:
        chunks = [chunk async for chunk in raw]
    assert [json.loads(chunk) for chunk in chunks] == [
        json.loads(line) for line in (created + removed + died).splitlines()
    ]


@pytest.mark.parametrize("podman", [None, "5.8.6"])
async def test_api_prune_volumes_with_all(fake_engine: Start, podman: str | None) -> None:
    # Podman prunes named volumes anyway and refuses the `all` filter: it is sent none.
    docker, engine = await fake_engine(api="1.44", podman=podman)
    engine.answers[("POST", "/volumes/prune")] = {"VolumesDeleted": [], "SpaceReclaimed": 0}
    await docker.api.prune_volumes({"label": "a=b", "all": True})
    sent = json.loads(engine.last("POST", "/volumes/prune").query["filters"][0])
    if podman is None:
        assert sent == {"label": ["a=b"], "all": ["true"]}
    else:
        assert sent == {"label": ["a=b"]}
        with pytest.raises(NotSupported, match="has no volume prune filter 'all'"):
            await docker.api.prune_volumes({"all": False})
