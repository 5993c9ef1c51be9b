"""A BuildKit build session (``POST /session``, HTTP/2) serving what ``RUN --mount`` steps
use: secrets (never in the context nor in the image) and a forwarded SSH agent."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from aiodock import BuildError, Docker, InvalidArgument
from aiodock.build.buildkit import StatusResponse
from aiodock.images import Image

from ..conftest import TEST_IMAGE, open_fds, unavailable
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


# A static client of the SSH agent protocol: asks for the identities, prints how many.
AGENT_COUNT_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int read_all(int fd, unsigned char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

int main(void) {
    const char *path = getenv("SSH_AUTH_SOCK");
    if (path == NULL) { fprintf(stderr, "no SSH_AUTH_SOCK\n"); return 2; }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { perror("connect"); return 3; }
    unsigned char request[5] = {0, 0, 0, 1, 11}; /* SSH2_AGENTC_REQUEST_IDENTITIES */
    if (write(fd, request, 5) != 5) { perror("write"); return 4; }
    unsigned char head[4];
    if (read_all(fd, head, 4)) { fprintf(stderr, "no answer\n"); return 5; }
    size_t len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
    unsigned char *body = malloc(len ? len : 1);
    if (body == NULL || len < 5 || read_all(fd, body, len)) {
        fprintf(stderr, "bad answer\n");
        return 6;
    }
    if (body[0] != 12) { fprintf(stderr, "answer type %d\n", body[0]); return 7; }
    unsigned count = (unsigned)body[1] << 24 | (unsigned)body[2] << 16;
    printf("%u\n", count | (unsigned)body[3] << 8 | body[4]);
    return 0;
}
"""


def need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        unavailable(f"missing {', '.join(missing)}")


@pytest.fixture
def ssh_agent(tmp_path: Path) -> Iterator[str]:
    """A running ssh-agent holding one new key; its socket."""
    need("ssh-agent", "ssh-add", "ssh-keygen")
    socket_path = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            assert time.monotonic() < deadline, "ssh-agent did not start"
            time.sleep(0.02)
        key = tmp_path / "key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket_path)}
        subprocess.run(["ssh-add", "-q", str(key)], check=True, env=env, capture_output=True)
        yield str(socket_path)
    finally:
        agent.terminate()
        agent.wait()


def agent_count_binary(target: Path) -> None:
    need("cc")
    source = target.parent / "agent-count.c"
    source.write_text(AGENT_COUNT_C)
    subprocess.run(["cc", "-static", "-Os", "-s", "-o", str(target), str(source)], check=True)
    source.unlink()


async def test_ssh_agent_is_forwarded(
    docker: Docker, labels: dict[str, str], tmp_path: Path, ssh_agent: str, built: list[Image]
) -> None:
    context = tmp_path / "context"
    context.mkdir()
    agent_count_binary(context / "agent-count")
    write(
        context,
        {
            "Dockerfile": f"FROM {TEST_IMAGE}\n"
            "COPY agent-count /agent-count\n"
            "RUN --mount=type=ssh /agent-count > /keys-default\n"
            "RUN --mount=type=ssh,id=deploy /agent-count > /keys-deploy\n"
        },
    )
    assert await docker.ping()
    fds = open_fds()
    image = await docker.images.build(
        path=context, version="2", ssh={"default": ssh_agent, "deploy": Path(ssh_agent)},
        labels=labels, network_mode="none", nocache=True,
    )  # fmt: skip
    built.append(image)
    assert open_fds() == fds  # the session and its agent connections are closed
    files = await image_files(docker, image)
    assert files["keys-default"] == b"1\n"
    assert files["keys-deploy"] == b"1\n"


async def test_an_unknown_ssh_id_fails_the_build(
    docker: Docker, labels: dict[str, str], tmp_path: Path, ssh_agent: str
) -> None:
    write(
        tmp_path,
        {"Dockerfile": f"FROM {TEST_IMAGE}\nRUN --mount=type=ssh,id=other,required=true true\n"},
    )
    with pytest.raises(BuildError) as failed:
        await docker.images.build(
            path=tmp_path, version="2", ssh={"default": ssh_agent}, labels=labels,
            network_mode="none", nocache=True,
        )  # fmt: skip
    assert "other" in failed.value.reason


async def test_ssh_agents_are_checked_before_anything_is_sent(
    docker: Docker, tmp_path: Path
) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\n"})
    with pytest.raises(InvalidArgument, match="BuildKit"):
        docker.images.build(path=tmp_path, ssh={"default": "/nowhere"})
    with pytest.raises(InvalidArgument, match="no SSH agent socket"):
        docker.images.build(path=tmp_path, version="2", ssh={"default": tmp_path / "Dockerfile"})


async def test_leaving_a_build_early_ends_its_session(
    labels: dict[str, str], tmp_path: Path
) -> None:
    write(
        tmp_path,
        {"Dockerfile": f"FROM {TEST_IMAGE}\nRUN --mount=type=secret,id=token sleep 20\n"},
    )
    fds = open_fds()
    async with Docker() as docker:  # a client of its own: closing it closes its pool
        stream = docker.images.build(
            path=tmp_path, version="2", secrets={"token": "x"}, labels=labels,
            network_mode="none", nocache=True,
        )  # fmt: skip
        async with stream:
            async for _event in stream:
                break
        assert repr(stream).endswith("finished>")
        assert await docker.ping()
    await asyncio.sleep(0.1)  # the session's serving task sees its cancellation
    assert open_fds() == fds  # the session's connection is closed too
