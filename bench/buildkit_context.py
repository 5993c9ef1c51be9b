"""What a BuildKit rebuild sends: the context over the build session against the tar upload.

``python -m bench.buildkit_context`` builds twice from a 200 MiB context (random files plus
a small ``version.txt``), changing ``version.txt`` between the builds, once with the context
over the session (BuildKit asks for the files it lacks) and once uploading the tar, and
writes the figures into their own section of ``bench/RESULTS.md`` (kept when ``python -m
bench`` rewrites the rest).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from aiodock import Docker
from aiodock.build.context import prepare_context, tar_chunks

from .fixtures import IMAGE, MiB, build_context

RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN = "<!-- buildkit-context -->"
END = "<!-- /buildkit-context -->"
SIZE = 200 * MiB
DOCKERFILE = f"""\
FROM {IMAGE}
RUN --mount=type=bind,target=/ctx cat /ctx/version.txt && du -sm /ctx/data
"""


async def tar_size(path: str) -> int:
    total = 0
    async for chunk in tar_chunks(prepare_context(path)):
        total += len(chunk)
    return total


async def build(docker: Docker, path: str, transfer: str) -> tuple[float, int, str]:
    """One build: wall seconds, bytes sent for the context, the image id."""
    started = time.perf_counter()
    stream = docker.images.build(
        path=path, version="2", network_mode="none", context_transfer=transfer,  # type: ignore[arg-type]
        labels={"aiodock.bench": "buildkit-context"},
    )  # fmt: skip
    image = await stream
    wall = time.perf_counter() - started
    if transfer == "session":
        assert stream.session is not None
        sent = stream.session.bytes_sent
    else:
        sent = await tar_size(path)
    return wall, sent, image.id


def put(directory: str, name: str, text: str) -> None:
    Path(directory, name).write_text(text)


async def measure() -> dict[str, Any]:
    path = build_context(SIZE)
    figures: dict[str, Any] = {}
    built: list[str] = []
    try:
        put(path, "Dockerfile", DOCKERFILE)
        async with Docker() as docker:
            cached = {record["ID"] for record in (await docker.df()).get("BuildCache") or ()}
            for transfer in ("session", "tar"):
                put(path, "version.txt", f"{transfer} 1\n")
                first = await build(docker, path, transfer)
                put(path, "version.txt", f"{transfer} 2\n")
                second = await build(docker, path, transfer)
                figures[transfer] = (first, second)
                built += [first[2], second[2]]
            for image_id in built:
                await docker.images.remove(image_id, force=True)
            # BuildKit's copies of the context (build cache): 200 MiB a run otherwise.
            for record in (await docker.df()).get("BuildCache") or ():
                if record["ID"] not in cached and record.get("Type") == "source.local":
                    if not record.get("InUse"):
                        await docker.images.prune_builds(filters={"id": record["ID"]})
    finally:
        shutil.rmtree(path, ignore_errors=True)
    return figures


def _size(count: int) -> str:
    return f"{count / MiB:,.2f} MiB" if count >= MiB else f"{count / 1024:,.1f} KiB"


def section(figures: dict[str, Any]) -> str:
    rows = []
    names = {"session": "context over the session", "tar": "tar upload"}
    for transfer in ("session", "tar"):
        first, second = figures[transfer]
        rows.append(
            f"| {names[transfer]} | {_size(first[1])}, {first[0]:.2f} s "
            f"| {_size(second[1])}, {second[0]:.2f} s |"
        )
    return "\n".join(
        [
            BEGIN,
            "## BuildKit rebuild: bytes sent for the context",
            "",
            f'Written by `python -m bench.buildkit_context` ({_now()}): a `version="2"` '
            "build from a 200 MiB context of random files whose Dockerfile bind-mounts the "
            "whole context, then the same build after changing one small file. Over the "
            "session we count every byte aiodock wrote on the session's connection (HTTP/2 "
            "and gRPC framing included); for the tar, the tar's size.",
            "",
            "| context | first build | rebuild after one file changed |",
            "| --- | --- | --- |",
            *rows,
            END,
        ]
    )


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def write(text: str, results: Path = RESULTS) -> None:
    """Put the section into ``results``, replacing an earlier one."""
    old = results.read_text() if results.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if pattern.search(old):
        new = pattern.sub(lambda _: text, old)
    else:
        new = old.rstrip("\n") + "\n\n" + text
    results.write_text(new.rstrip("\n") + "\n")


def kept_section(results: Path = RESULTS) -> str:
    """The section as the file has it (for ``python -m bench`` to keep), or ``""``."""
    if not results.exists():
        return ""
    match = re.search(re.escape(BEGIN) + ".*?" + re.escape(END), results.read_text(), re.S)
    return match.group(0) if match else ""


def main() -> None:
    figures = asyncio.run(measure())
    text = section(figures)
    write(text)
    print(text)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
