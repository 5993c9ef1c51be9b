"""BuildKit build secrets served over a build session (``POST /session``, HTTP/2): what
``RUN --mount=type=secret`` reads, never in the context nor in the image."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aiodock import BuildError, Docker, InvalidArgument
from aiodock.buildkit import StatusResponse
from aiodock.images import Image

from ..conftest import TEST_IMAGE, open_fds
from .test_build import image_files, remove_image, write

CHECKS = f"""\
FROM {TEST_IMAGE}
RUN --mount=type=secret,id=token --mount=type=secret,id=cert,dst=/etc/cert.pem \\
    test "$(cat /run/secrets/token)" = "s3cr3t-token" && cat /etc/cert.pem > /cert-copy \\
    && ls /run/secrets > /secret-dir-listing
"""


@pytest.fixture
async def built(docker: Docker) -> AsyncIterator[list[Image]]:
    images: list[Image] = []
    yield images
    for image in images:
        await remove_image(docker, image.id)


def logs_of(build_log: list[dict[str, Any]]) -> bytes:
    return b"".join(
        log.data
        for item in build_log
        if isinstance(item.get("aux"), StatusResponse)
        for log in item["aux"].logs
    )


async def test_secrets_from_values_and_files(
    docker: Docker, labels: dict[str, str], tmp_path: Path, built: list[Image]
) -> None:
    context = tmp_path / "context"
    write(context, {"Dockerfile": CHECKS})
    cert = tmp_path / "cert.pem"
    cert.write_bytes(b"-----BEGIN FAKE-----\n\x00\xff binary too\n")
    assert await docker.ping()  # a pooled connection, as during the build
    fds = open_fds()
    image = await docker.images.build(
        path=context,
        version="2",
        secrets={"token": "s3cr3t-token", "cert": cert},
        labels=labels,
        network_mode="none",
        nocache=True,
    )
    built.append(image)
    assert open_fds() == fds  # the session's connection is closed with the build
    files = await image_files(docker, image)
    # The step compared the secret and copied the file one: both were served.
    assert files["cert-copy"] == cert.read_bytes()
    # Secrets are mounted for the step only: nothing of them stays in the image.
    assert files["secret-dir-listing"] == b"token\n"
    assert not any(name.startswith("run/secrets/") for name in files)
    assert b"s3cr3t-token" not in b"".join(v or b"" for v in files.values())


async def test_a_wrong_secret_fails_the_step(
    docker: Docker, labels: dict[str, str], tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": f"FROM {TEST_IMAGE}\n"
            'RUN --mount=type=secret,id=token test "$(cat /run/secrets/token)" = right\n'
        },
    )
    with pytest.raises(BuildError):
        await docker.images.build(
            path=tmp_path, version="2", secrets={"token": b"wrong"}, labels=labels,
            network_mode="none", nocache=True,
        )  # fmt: skip


async def test_a_missing_required_secret_is_reported(
    docker: Docker, labels: dict[str, str], tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": f"FROM {TEST_IMAGE}\n"
            "RUN --mount=type=secret,id=absent,required=true cat /run/secrets/absent\n"
        },
    )
    with pytest.raises(BuildError) as failed:
        await docker.images.build(
            path=tmp_path, version="2", secrets={"token": "unused"}, labels=labels,
            network_mode="none", nocache=True,
        )  # fmt: skip
    assert "absent" in failed.value.reason


async def test_secrets_are_checked_before_anything_is_sent(docker: Docker, tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\n"})
    with pytest.raises(InvalidArgument, match="BuildKit"):
        docker.images.build(path=tmp_path, secrets={"token": "x"})
    with pytest.raises(InvalidArgument, match="no file"):
        docker.images.build(path=tmp_path, version="2", secrets={"token": tmp_path / "nope"})
    with pytest.raises(InvalidArgument, match="str or bytes"):
        docker.images.build(path=tmp_path, version="2", secrets={"token": 42})  # type: ignore[dict-item]
    with pytest.raises(InvalidArgument, match="secret id"):
        docker.images.build(path=tmp_path, version="2", secrets={"": "x"})
