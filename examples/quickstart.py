"""aiodock in one page: talk to the local daemon, run a container, read its logs.

Run with ``make demo`` (it makes sure a daemon answers and the test image exists).
"""

from __future__ import annotations

import asyncio
import os
import sys

from aiodock import Docker, StreamType
from aiodock.progress import show_progress

IMAGE = os.environ.get("AIODOCK_DEMO_IMAGE", "aiodock-test/busybox:latest")
LABELS = {"aiodock.example": "quickstart"}


async def main() -> int:
    async with Docker() as docker:
        version = await docker.version()
        print(
            f"daemon: Docker Engine {version['Version']} (API {docker.api_version}, "
            f"{version['Os']}/{version['Arch']}) at {docker.address.display}"
        )
        info = await docker.info()
        print(
            f"        {info['Containers']} containers, {info['Images']} images, "
            f"storage driver {info['Driver']}"
        )

        # One-shot: run a command and get its output, like `docker run --rm`.
        output = await docker.containers.run(
            IMAGE,
            ["sh", "-c", "echo hello from $(hostname); uname -sm"],
            remove=True,
            labels=LABELS,
        )
        print(f"run:    {output.decode().strip()!r}")

        # Detached: start a container that writes to both streams, then follow its logs.
        container = await docker.containers.run(
            IMAGE,
            ["sh", "-c", "for i in 1 2 3; do echo out $i; echo err $i >&2; sleep 0.2; done"],
            detach=True,
            labels=LABELS,
        )
        try:
            print(f"started {container.short_id}; following its logs:")
            async for stream, line in container.logs(follow=True).lines():
                name = "stderr" if stream is StreamType.STDERR else "stdout"
                print(f"  [{name}] {line}")
            status = await container.wait()
            print(f"exited with status {status['StatusCode']}")
        finally:
            await container.remove(force=True)

        # Build an image, showing its progress: bars on a terminal, plain lines otherwise.
        image = await show_progress(
            docker.images.build(
                fileobj=f"FROM {IMAGE}\nRUN echo built by aiodock > /greeting\n",
                tag="aiodock-demo/greeting:latest",
                labels=LABELS,
                network_mode="none",
            )
        )
        try:
            greeting = await docker.containers.run(image.id, ["cat", "/greeting"], remove=True)
            print(f"built {image.short_id}: {greeting.decode().strip()!r}")
        finally:
            await docker.images.remove(image.id, force=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
