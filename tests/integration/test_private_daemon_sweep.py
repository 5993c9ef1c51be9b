"""Private daemons left by a test run killed from outside are swept by the next session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..conftest import unavailable
from .private_daemon import (
    NETNS_DIR,
    OWNER_FILE,
    ROOT_PREFIX,
    _alive,
    orphan_roots,
    run,
    sweep_orphans,
)


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def fake_root(owner: int) -> tuple[Path, subprocess.Popen[bytes]]:
    """A private-daemon directory whose "daemon" is a sleep naming the directory."""
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX, dir="/tmp"))
    (root / OWNER_FILE).write_text(f"{owner}\n")
    # One process (no child left behind when it is killed) whose command line names root.
    sleeper = "import time; time.sleep(600)"
    proc = subprocess.Popen([sys.executable, "-c", sleeper, f"--data-root={root}/data"])
    return root, proc


async def test_a_dead_runs_daemon_is_ended_and_its_directory_removed() -> None:
    orphan, orphan_proc = fake_root(dead_pid())
    ours, our_proc = fake_root(os.getpid())
    try:
        assert orphan in orphan_roots() and ours not in orphan_roots()
        removed = await sweep_orphans()
        assert orphan in removed and ours not in removed
        assert orphan_proc.wait(timeout=10) is not None
        assert not orphan.exists()
        assert ours.exists() and _alive(our_proc.pid)
    finally:
        for proc in (orphan_proc, our_proc):
            proc.kill()
            proc.wait()
        for root in (orphan, ours):
            shutil.rmtree(root, ignore_errors=True)


async def test_a_dead_runs_namespaces_go_with_it_and_ownerless_ones_too() -> None:
    if not shutil.which("ip"):
        unavailable("the namespace sweep needs ip (iproute2)")
    orphan, orphan_proc = fake_root(dead_pid())
    ours, our_proc = fake_root(os.getpid())
    ownerless = f"{ROOT_PREFIX}gone{os.getpid()}-hub"  # no /tmp directory of that name
    names = [orphan.name, f"{orphan.name}-hub", ours.name, ownerless]
    try:
        for name in names:
            await run("ip", "netns", "add", name)
        await run("ip", "-n", orphan.name, "link", "add", "br0", "type", "bridge")
        await sweep_orphans()
        left = set(os.listdir(NETNS_DIR))
        assert ours.name in left
        assert not left & {orphan.name, f"{orphan.name}-hub", ownerless}
        assert not orphan.exists()
    finally:
        for proc in (orphan_proc, our_proc):
            proc.kill()
            proc.wait()
        for name in names:
            await run("ip", "netns", "delete", name, check=False)
        for root in (orphan, ours):
            shutil.rmtree(root, ignore_errors=True)
