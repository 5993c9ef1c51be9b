"""``docker.prune(...)``: every type at once, in an order that frees what the previous step
released, filtered by this test's own label only (other tests' objects share the daemon)."""

from __future__ import annotations

import uuid

import pytest

from aiodock import Docker, InvalidArgument, NotFound


async def test_prune_everything_labelled(
    docker: Docker, labels: dict[str, str], test_image: str
) -> None:
    mark = uuid.uuid4().hex
    doomed = {**labels, "adk.prune": mark}
    network = await docker.networks.create(f"adk-prune-{mark[:10]}", labels=doomed)
    volume = await docker.volumes.create(f"adk-prune-{mark[:10]}", labels=doomed)
    # A stopped container holding the network and the volume: both are freed when it goes.
    holder = await docker.containers.create(
        test_image,
        ["true"],
        network=network.name,
        volumes={volume.name: {"bind": "/v"}},
        labels=doomed,
    )
    kept = await docker.containers.create(test_image, ["true"], labels=labels)
    kept_volume = await docker.volumes.create(labels=labels)
    try:
        result = await docker.prune(filters={"label": f"adk.prune={mark}"}, build_cache=False)
        assert result["containers"]["ContainersDeleted"] == [holder.id]
        assert result["networks"]["NetworksDeleted"] == [network.name]
        assert result["volumes"]["VolumesDeleted"] == [volume.name]
        assert not result["images"].get("ImagesDeleted")  # no dangling image has the label
        assert "build_cache" not in result
        parts = [result[kind].get("SpaceReclaimed") or 0 for kind in ("containers", "images")]
        parts.append(result["volumes"]["SpaceReclaimed"])
        assert result["SpaceReclaimed"] == sum(parts)
        for gone in (holder, network, volume):
            with pytest.raises(NotFound):
                await gone.reload()
        await kept.reload()
        await kept_volume.reload()
    finally:
        await kept.remove(force=True)
        await kept_volume.remove(force=True)


async def test_one_type_only(docker: Docker, labels: dict[str, str]) -> None:
    mark = uuid.uuid4().hex
    network = await docker.networks.create(
        f"adk-prune-{mark[:10]}", labels={**labels, "adk.prune": mark}
    )
    volume = await docker.volumes.create(labels={**labels, "adk.prune": mark})
    try:
        result = await docker.prune(
            containers=False,
            images=False,
            volumes=False,
            build_cache=False,
            filters={"label": f"adk.prune={mark}"},
        )
        assert result == {"networks": {"NetworksDeleted": [network.name]}, "SpaceReclaimed": 0}
        await volume.reload()
    finally:
        await volume.remove(force=True)


@pytest.mark.needs("build-prune")
async def test_build_cache_older_than_a_century(docker: Docker) -> None:
    # The only build-cache prune safe on a shared daemon: nothing is that old.
    result = await docker.prune(
        containers=False, images=False, networks=False, volumes=False, filters={"until": "876000h"}
    )
    assert set(result) == {"build_cache", "SpaceReclaimed"}
    assert result["build_cache"]["SpaceReclaimed"] == result["SpaceReclaimed"] == 0


async def test_filter_a_type_does_not_accept_fails_before_removing_anything(
    docker: Docker, labels: dict[str, str]
) -> None:
    mark = uuid.uuid4().hex
    network = await docker.networks.create(
        f"adk-prune-{mark[:10]}", labels={**labels, "adk.prune": mark}
    )
    try:
        # The build cache has no labels: pruning it "by label" would prune all of it.
        with pytest.raises(InvalidArgument, match=r"build_cache prune: unknown filter 'label'"):
            await docker.prune(filters={"label": f"adk.prune={mark}"})
        with pytest.raises(InvalidArgument, match=r"volumes prune: unknown filter 'until'"):
            await docker.prune(filters={"until": "1h", "label": f"adk.prune={mark}"})
        await network.reload()
    finally:
        await network.remove()
