"""examples/fanout.py: the same query to several daemons at once, errors kept per daemon."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from ..conftest import daemon_socket
from .conftest import EXAMPLES, PYTHON, example_env


def run_fanout(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(EXAMPLES / "fanout.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=example_env(),
    )


def test_every_daemon_answers() -> None:
    daemon = f"unix://{daemon_socket()}"
    done = run_fanout(daemon, "")
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split()[:3] == ["DAEMON", "ENGINE", "RUNNING"]
    assert [row.split()[0] for row in rows] == [daemon, "(default)"]
    for row in rows:
        assert "error" not in row
        assert row.split()[1][0].isdigit()  # the engine version


def test_an_unreachable_daemon_gets_an_error_row_and_the_others_still_answer(
    tmp_path: Path,
) -> None:
    missing = f"unix://{tmp_path}/nothing.sock"
    daemon = f"unix://{daemon_socket()}"
    done = run_fanout(missing, daemon, "--timeout", "3")
    assert done.returncode == 1
    _, first, second = done.stdout.splitlines()
    assert first.startswith(missing) and "error: cannot connect" in first
    assert second.startswith(daemon) and "error" not in second


async def test_the_queries_run_concurrently() -> None:
    # A daemon that accepts the connection but never answers: the other answers at once
    # and the whole run takes about one timeout, not the sum of them.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()  # until the client gives up
        finally:
            writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        proc = await asyncio.create_subprocess_exec(
            PYTHON,
            str(EXAMPLES / "fanout.py"),
            f"tcp://127.0.0.1:{port}",
            f"tcp://127.0.0.1:{port}",
            f"unix://{daemon_socket()}",
            "--timeout",
            "2",
            stdout=asyncio.subprocess.PIPE,
            env=example_env(),
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
        elapsed = loop.time() - started
    finally:
        server.close()
        await server.wait_closed()
    lines = out.decode().splitlines()
    assert proc.returncode == 1
    assert sum("error:" in line for line in lines) == 2
    assert "error" not in lines[3]
    # Two silent daemons asked one after the other would take 4 s, plus the start-up.
    assert elapsed < 3.7, f"took {elapsed:.1f} s"
