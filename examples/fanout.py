"""Ask several Docker daemons the same question at once and print one row per daemon.

    python examples/fanout.py unix:///var/run/docker.sock tcp://build-1:2376 ssh://ops@db-2

Each daemon gets its own client; the queries run concurrently, so the whole run takes as
long as the slowest daemon (bounded by ``--timeout``), not the sum. A daemon that is down
or slow gets an error row and does not hold up the others. The exit status is 0 when every
daemon answered, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from typing import Any

from aiodock import Docker, DockerError


@dataclass
class Answer:
    """What one daemon said, or why it said nothing."""

    url: str
    seconds: float
    info: dict[str, Any] | None = None
    error: str | None = None


async def ask(url: str, timeout: float) -> Answer:
    """``info()`` of one daemon, with its own client and time limit."""
    started = time.perf_counter()
    try:
        async with Docker(url or None, timeout=timeout, connect_timeout=timeout) as docker:
            info = await asyncio.wait_for(docker.info(), timeout)
    except (DockerError, asyncio.TimeoutError) as exc:
        message = str(exc) or f"no answer within {timeout:g} s"
        return Answer(url, time.perf_counter() - started, error=message)
    return Answer(url, time.perf_counter() - started, info=info)


async def fan_out(urls: list[str], timeout: float) -> list[Answer]:
    """The answers of every daemon, in the order given, asked concurrently."""
    return list(await asyncio.gather(*(ask(url, timeout) for url in urls)))


def render(answers: list[Answer]) -> str:
    """A fixed-width table: one row per daemon; an error row says what went wrong."""
    header = ("DAEMON", "ENGINE", "RUNNING", "CONTAINERS", "IMAGES", "CPUS", "TIME")
    rows: list[tuple[str, ...]] = [header]
    errors: dict[int, str] = {}
    for answer in answers:
        took = f"{answer.seconds * 1000:.0f}ms"
        info = answer.info or {}
        if answer.error is not None:
            errors[len(rows)] = answer.error
        fields = ("ServerVersion", "ContainersRunning", "Containers", "Images", "NCPU")
        cells = tuple("" if answer.error else str(info.get(key, "?")) for key in fields)
        rows.append((answer.url or "(default)", *cells, took))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        if index in errors:
            lines.append(f"{row[0]:<{widths[0]}}  error: {errors[index]} ({row[-1]})")
        else:
            cells = zip(row, widths, strict=True)
            lines.append("  ".join(f"{cell:<{width}}" for cell, width in cells))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*", help="daemon addresses (default: DOCKER_HOST)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per daemon")
    args = parser.parse_args(argv)
    answers = asyncio.run(fan_out(args.urls or [""], args.timeout))
    print(render(answers))
    return 0 if all(answer.error is None for answer in answers) else 1


if __name__ == "__main__":
    sys.exit(main())
