"""A private dockerd for tests that stop, kill or restart a daemon.

The shared daemon must never be restarted (other tests run on it), so such tests start
their own: its own data root, exec root (with the containerd it manages), pid file and
unix socket, all under one short directory in /tmp, with no bridge and no iptables::

    async with private_daemon() as daemon, daemon.client() as docker:
        ...                                  # the test image is loaded already
        await daemon.restart()               # graceful: SIGTERM, wait, start again
        await daemon.kill(); await daemon.start()   # crash, then start on the same data

Leaving the block stops the daemon whatever happened, ends the processes it left
(containerd, shims: found by the private directory in their command line), unmounts
everything under the directory and removes it. A test run killed before that leaves its
daemon running: :func:`sweep_orphans` (at the start of every session) ends those whose
run is gone, found by the ``owner`` file holding the run's pid.

Daemons that must reach each other (a swarm of several nodes) run in named network
namespaces of a :class:`PrivateNetwork`: one namespace per daemon with an ``eth0`` linked to
a bridge in a hub namespace of its own, every address inside those namespaces. A
namespace's name starts with the name of the directory that owns it, so removing (or
sweeping) the directory deletes its namespaces, and the links and bridge with them.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from aiodock import Docker, DockerError

from ..conftest import TEST_IMAGE, unavailable

__all__ = [
    "PrivateDaemon",
    "PrivateNetwork",
    "orphan_roots",
    "private_daemon",
    "private_root",
    "sweep_orphans",
]

ROOT_PREFIX = "adk"
OWNER_FILE = "owner"
NETNS_DIR = Path("/run/netns")
# Flags of a daemon alone in an anonymous namespace: no bridge, no firewall to set up.
ISOLATED_ARGS = (
    "--bridge=none",
    "--iptables=false",
    "--ip6tables=false",
    "--ip-masq=false",
    "--userland-proxy=false",
)


def private_root() -> Path:
    """A new short directory in /tmp owned by this run (see :func:`sweep_orphans`)."""
    # Short: the unix sockets under it (containerd's too) must fit in ~107 bytes.
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX, dir="/tmp"))
    (root / OWNER_FILE).write_text(f"{os.getpid()}\n")
    return root


async def run(*command: str, check: bool = True) -> str:
    """Run a command; its output, or :class:`RuntimeError` with the output if it fails."""
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    text = output.decode(errors="replace")
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}): {text}")
    return text


def _unescape_mount_path(text: str) -> str:
    """Mount points in /proc/self/mountinfo escape space, tab, newline, backslash as octal."""
    out = []
    i = 0
    while i < len(text):
        code = text[i + 1 : i + 4]
        if text[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below ``root``, deepest first."""
    prefix = str(root)
    found: list[str] = []
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            point = _unescape_mount_path(line.split()[4])
            if point == prefix or point.startswith(prefix + "/"):
                found.append(point)
    return sorted(set(found), key=lambda p: p.count("/"), reverse=True)


def pids_mentioning(root: Path) -> list[int]:
    """Processes whose command line names ``root`` (the daemon's containerd and shims)."""
    needle = str(root).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if needle in cmdline.read():
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie counts as gone
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def _wait_dead(pids: Sequence[int], *, timeout: float) -> bool:
    """Poll until none of ``pids`` runs; ``False`` if some still do after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        if not any(_alive(pid) for pid in pids):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)


class PrivateDaemon:
    """A dockerd of the test's own, startable again on the same data root after a stop
    or a kill."""

    def __init__(
        self,
        *,
        extra_args: Sequence[str] = (),
        start_timeout: float = 60.0,
        network_args: Sequence[str] = ISOLATED_ARGS,
        hostname: str | None = None,
        config: str = "{}",
    ) -> None:
        if os.geteuid() != 0 or shutil.which("dockerd") is None:
            unavailable("a private dockerd needs root and the dockerd binary")
        self.root = private_root()
        self.netns: str | None = None
        """The named network namespace the daemon runs in (see :meth:`PrivateNetwork.attach`);
        ``None``: an anonymous one of its own, made at each start."""
        self.hostname = hostname
        self.network_args = list(network_args)
        self.socket = self.root / "d.sock"
        self.url = f"unix://{self.socket}"
        self.log_path = self.root / "dockerd.log"
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.starts = 0
        self._proc: asyncio.subprocess.Process | None = None
        (self.root / "daemon.json").write_text(config + "\n")

    def __repr__(self) -> str:
        return f"<PrivateDaemon {self.url} pid={self.pid}>"

    @property
    def pid(self) -> int | None:
        """The dockerd process id while it runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    def command(self) -> list[str]:
        root = self.root
        # Never the host's network namespace: with --bridge=none dockerd deletes the host's
        # docker0 on start, which would break every container of the shared daemon.
        if self.netns is None:
            prefix = ["unshare", "--net"]
        else:
            prefix = ["nsenter", f"--net={NETNS_DIR / self.netns}"]
        if self.hostname is not None:  # a UTS namespace of its own: the node's host name
            set_name = 'hostname "$0" && exec "$@"'
            prefix += ["unshare", "--uts", "sh", "-c", set_name, self.hostname]
        return [
            *prefix,
            "dockerd",
            f"--config-file={root / 'daemon.json'}",
            f"--data-root={root / 'data'}",
            f"--exec-root={root / 'x'}",
            f"--pidfile={root / 'd.pid'}",
            f"--host={self.url}",
            *self.network_args,
            *self.extra_args,
        ]

    def log_tail(self, lines: int = 30) -> str:
        with suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def _open_log(self) -> BinaryIO:
        log = open(self.log_path, "ab")  # the caller closes it
        log.write(f"--- start {self.starts + 1} ---\n".encode())
        log.flush()
        return log

    async def start(self) -> None:
        """Start dockerd and wait until it answers ``/_ping``."""
        if self.pid is not None:
            raise RuntimeError(f"{self!r} already runs")
        await self._forget_dead_containerd()
        with self._open_log() as log:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + self.start_timeout
        async with Docker(self.url, timeout=5, connect_timeout=2) as probe:
            while True:
                if self._proc.returncode is not None:
                    await self._proc.wait()
                    raise RuntimeError(
                        f"private dockerd exited with {self._proc.returncode}:\n{self.log_tail()}"
                    )
                with suppress(DockerError):
                    if await probe.ping():
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"private dockerd did not answer within {self.start_timeout} s:\n"
                        f"{self.log_tail()}"
                    )
                await asyncio.sleep(0.05)

    async def _forget_dead_containerd(self) -> None:
        """After a crash, the containerd dockerd ran dies with it (parent-death signal) but
        may linger as a zombie nobody reaps; dockerd would then wait for it as if it still
        ran. Give it a moment to die, then drop its pid file."""
        pidfile = self.root / "x" / "containerd" / "containerd.pid"
        try:
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            return
        if await _wait_dead([pid], timeout=5):
            pidfile.unlink(missing_ok=True)

    async def _end(self, sig: signal.Signals, timeout: float) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            with suppress(ProcessLookupError):
                proc.send_signal(sig)
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except asyncio.TimeoutError:
                with suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        else:
            await proc.wait()
        self._proc = None

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop dockerd gracefully (SIGTERM; SIGKILL after ``timeout`` seconds)."""
        await self._end(signal.SIGTERM, timeout)

    async def kill(self) -> None:
        """Kill dockerd at once (SIGKILL), as a crash would."""
        await self._end(signal.SIGKILL, 10.0)

    async def power_off(self) -> None:
        """Kill dockerd, its containerd and shims and every process of its containers at
        once, as a machine losing power would (the data root stays for :meth:`start`)."""
        pids = [*pids_mentioning(self.root), *container_pids(self.root)]
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await self._end(signal.SIGKILL, 10.0)
        await _wait_dead(pids, timeout=10)

    async def restart(self) -> None:
        """Stop gracefully and start again on the same data root."""
        await self.stop()
        await self.start()

    async def load_image(self, image: str = TEST_IMAGE) -> None:
        """Copy ``image`` from the shared daemon (``docker save | docker load``)."""
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
        proc = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            'set -o pipefail; docker save "$1" | docker -H "$2" load',
            "load-image",
            image,
            self.url,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
        )
        output, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"loading {image} failed: {output.decode(errors='replace')}")

    def client(self, **kwargs: object) -> Docker:
        """A client of this daemon (use it with ``async with``)."""
        return Docker(self.url, **kwargs)  # type: ignore[arg-type]

    async def close(self) -> None:
        """Stop everything this daemon started and remove its directory."""
        try:
            await self.stop(timeout=20)
        finally:
            await remove_daemon_root(self.root)


def container_pids(root: Path) -> list[int]:
    """Processes in the cgroups of the containers of the daemon whose data root is under
    ``root`` (they outlive a killed daemon and its shims)."""
    try:
        ids = os.listdir(root / "data" / "containers")
    except OSError:
        return []
    if not ids:
        return []
    pattern = re.compile(r"[/-](" + "|".join(map(re.escape, ids)) + r")(\.scope)?$", re.M)
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cgroup") as cgroup:
                if pattern.search(cgroup.read()):
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def namespaces_of(root: Path) -> list[str]:
    """The named network namespaces belonging to ``root``: named after it."""
    try:
        names = os.listdir(NETNS_DIR)
    except OSError:
        return []
    return [name for name in names if name == root.name or name.startswith(root.name + "-")]


async def delete_namespace(name: str) -> None:
    """Delete a named network namespace (its interfaces go with it)."""
    await run("ip", "netns", "delete", name, check=False)


async def remove_daemon_root(root: Path) -> None:
    """End every process naming ``root`` (dockerd, its containerd and shims) and those of
    its containers, unmount everything under it, delete its network namespaces and remove
    it."""
    pids = pids_mentioning(root) + container_pids(root)
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    await _wait_dead(pids, timeout=10)
    for pid in pids:
        if _alive(pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for point in mounts_under(root):
        proc = await asyncio.create_subprocess_exec(
            "umount", "-l", point, stdout=asyncio.subprocess.DEVNULL
        )
        await proc.wait()
    for name in namespaces_of(root):
        await delete_namespace(name)
    shutil.rmtree(root, ignore_errors=True)


def orphan_roots() -> list[Path]:
    """The directories of private daemons whose test run is gone."""
    found = []
    for root in Path("/tmp").glob(f"{ROOT_PREFIX}*"):
        try:
            owner = int((root / OWNER_FILE).read_text().strip())
        except (OSError, ValueError):
            continue  # not one of ours, or still being set up
        if owner != os.getpid() and not _alive(owner):
            found.append(root)
    return found


async def sweep_orphans() -> list[Path]:
    """Remove the private daemons and networks of test runs that are gone; the roots
    removed. Namespaces whose directory is gone are deleted too (a directory is made before
    its namespaces and removed after them, so these belong to no live run)."""
    roots = orphan_roots()
    for root in roots:
        await remove_daemon_root(root)
    with suppress(OSError):
        for name in os.listdir(NETNS_DIR):
            owner = Path("/tmp") / name.split("-", 1)[0]
            if name.startswith(ROOT_PREFIX) and not owner.exists():
                await delete_namespace(name)
    return roots


class PrivateNetwork:
    """A bridge in a hub namespace of its own, and for each daemon attached a namespace
    whose ``eth0`` is linked to it: daemons that reach each other at ``192.0.2.N`` and
    nothing else (no interface or address on the host).

    ``async with PrivateNetwork() as net: await net.attach(daemon)`` before the daemon starts;
    leaving the block (or :meth:`close`) deletes the namespaces, the links and the bridge
    go with them. The namespaces of a daemon belong to its directory (and are deleted with
    it, see :func:`remove_daemon_root`); the hub belongs to a directory of its own.
    """

    SUBNET = "192.0.2"  # TEST-NET-1: never a route anywhere, never a Docker pool

    def __init__(self) -> None:
        if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("nsenter") is None:
            unavailable("a private network needs root, ip (iproute2) and nsenter")
        self.root = private_root()
        self.hub = f"{self.root.name}-hub"
        self.members: list[PrivateDaemon] = []
        self._up = False

    async def open(self) -> None:
        """Make the hub namespace and its bridge."""
        await run("ip", "netns", "add", self.hub)
        await run("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
        await run("ip", "-n", self.hub, "link", "set", "br0", "up")
        self._up = True

    async def __aenter__(self) -> PrivateNetwork:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def address(self, daemon: PrivateDaemon) -> str:
        """The address of ``daemon`` on this network."""
        return f"{self.SUBNET}.{self.members.index(daemon) + 1}"

    async def attach(self, daemon: PrivateDaemon) -> str:
        """Give ``daemon`` (not started yet) a namespace linked to the bridge; its address."""
        if not self._up:
            raise RuntimeError("use the network with 'async with' first")
        if daemon.pid is not None:
            raise RuntimeError(f"{daemon!r} runs already: attach it before starting it")
        self.members.append(daemon)
        address = self.address(daemon)
        netns = daemon.root.name
        port = f"p{len(self.members)}"
        await run("ip", "netns", "add", netns)
        daemon.netns = netns
        await run(
            "ip", "link", "add", port, "netns", self.hub, "type", "veth",
            "peer", "name", "eth0", "netns", netns,
        )  # fmt: skip
        await run("ip", "-n", self.hub, "link", "set", port, "master", "br0", "up")
        await run("ip", "-n", netns, "addr", "add", f"{address}/24", "dev", "eth0")
        await run("ip", "-n", netns, "link", "set", "eth0", "up")
        await run("ip", "-n", netns, "link", "set", "lo", "up")
        return address

    async def close(self) -> None:
        """Delete the hub (and with it the bridge and the hub's end of every link)."""
        await remove_daemon_root(self.root)
        self._up = False


@asynccontextmanager
async def private_daemon(
    *, image: str | None = TEST_IMAGE, extra_args: Sequence[str] = ()
) -> AsyncIterator[PrivateDaemon]:
    """A started private daemon with ``image`` loaded; everything is removed on exit."""
    daemon = PrivateDaemon(extra_args=extra_args)
    try:
        await daemon.start()
        if image is not None:
            await daemon.load_image(image)
        yield daemon
    finally:
        await daemon.close()
