"""A swarm of three private daemons that reach each other over a private network.

Each node is a :class:`~tests.integration.private_daemon.PrivateDaemon` with its own data
root, host name (``node1``..``node3``) and network namespace on a
:class:`~tests.integration.private_daemon.PrivateNetwork`; the test image is loaded into
each. The daemons log every API call (``--debug``) so that the calls the tests made can be
counted. Closing the cluster powers every node off and removes everything; a run killed
before that is swept by the next session (``sweep_orphans``).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from aiodock import Docker, DockerError, OutOfSequence, ServerError
from aiodock.nodes import Node

from ..integration.private_daemon import PrivateDaemon, PrivateNetwork

T = TypeVar("T")
SIZE = 3
DAEMON_CONFIG = {"debug": True}  # every API call logged: see api_calls()
# Inside their own namespaces the daemons may set up iptables (the overlay's embedded DNS
# needs it in the tasks' namespaces); there is no default bridge.
NETWORK_ARGS = ("--bridge=none", "--userland-proxy=false")
# What a manager answers (500) when the Raft leader changed under a request.
LEADER_CHANGE = re.compile(r"lost leader status|no elected cluster leader|leadership changed")


async def poll(
    probe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float = 60.0,
    interval: float = 0.25,
    retry: tuple[type[BaseException], ...] = (),
) -> T:
    """Call ``probe`` until ``done(result)``; fail after ``timeout`` seconds. Errors of the
    ``retry`` types count as not done yet (a manager electing a leader, say)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = await probe()
            if done(last):
                return last
        except retry as exc:
            last = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s; last: {last!r}")
        await asyncio.sleep(interval)


async def change_node(
    manager: Docker, node_id: str, change: Callable[[Node], Awaitable[None]]
) -> Node:
    """Read the node and apply ``change`` (``Node.promote``, ...), again while the swarm
    moves the node's version on under it (status reports do): the documented way of
    meeting :class:`OutOfSequence`. Again too when the Raft leader stepped down while the
    change was in flight (demoting the leader itself hands leadership on, and the manager
    answers 500 "lost leader status"): the change is read and applied anew once a leader
    answers."""
    for _ in range(20):
        try:
            node = await manager.nodes.get(node_id)
            await change(node)
            return node
        except OutOfSequence:
            await asyncio.sleep(0.2)
        except ServerError as exc:
            if not LEADER_CHANGE.search(str(exc)):
                raise
            await asyncio.sleep(1.0)
    raise AssertionError(f"node {node_id} kept changing under {change}")


@dataclass
class ClusterNode:
    """One machine of the cluster: its daemon, its address and a client of it."""

    name: str
    daemon: PrivateDaemon
    address: str = ""
    docker: Docker = field(init=False)

    def __repr__(self) -> str:
        return f"<ClusterNode {self.name} {self.address}>"

    def open_client(self) -> None:
        self.docker = self.daemon.client(timeout=30, connect_timeout=5)

    async def node_id(self) -> str:
        """This daemon's swarm node id (empty when not in a swarm)."""
        return str(((await self.docker.info()).get("Swarm") or {}).get("NodeID") or "")

    async def swarm_state(self) -> str:
        """``inactive``, ``pending``, ``active``, ``locked`` or ``error``."""
        return str(((await self.docker.info()).get("Swarm") or {}).get("LocalNodeState", ""))

    async def start(self) -> None:
        """Start the daemon again (same data root); the client carries on."""
        await self.daemon.start()

    async def power_off(self) -> None:
        """Kill the daemon and everything it runs, as a machine losing power."""
        await self.daemon.power_off()


class Cluster:
    """Three started daemons (``nodes``) and the swarm :meth:`form` makes of them."""

    def __init__(self) -> None:
        self.network = PrivateNetwork()
        self.nodes = [
            ClusterNode(
                f"node{i}",
                PrivateDaemon(
                    network_args=NETWORK_ARGS,
                    hostname=f"node{i}",
                    config=json.dumps(DAEMON_CONFIG),
                ),
            )
            for i in range(1, SIZE + 1)
        ]
        self.formed = False

    def __getitem__(self, name: str) -> ClusterNode:
        return next(node for node in self.nodes if node.name == name)

    async def start(self) -> None:
        """Link the namespaces, start the daemons and load the test image into each."""
        await self.network.open()
        for node in self.nodes:
            node.address = await self.network.attach(node.daemon)
        await asyncio.gather(*(node.daemon.start() for node in self.nodes))
        await asyncio.gather(*(node.daemon.load_image() for node in self.nodes))
        for node in self.nodes:
            node.open_client()

    async def form(self) -> None:
        """``node1`` initialises the swarm (a heartbeat of one second, so that a node is
        found down within seconds), the others join it as workers."""
        first = self.nodes[0]
        await first.docker.swarm.init(
            advertise_addr=first.address,
            listen_addr=f"{first.address}:2377",
            dispatcher_heartbeat_period="1s",
            election_tick=3,
            heartbeat_tick=1,
        )
        for node in self.nodes[1:]:
            await node.docker.swarm.join_via(
                first.docker, listen_addr=f"{node.address}:2377", advertise_addr=node.address
            )
        await self.wait_ready(first.docker)
        self.formed = True

    async def wait_ready(self, manager: Docker, count: int = SIZE) -> None:
        """Until ``manager`` lists ``count`` ready nodes."""

        async def ready() -> int:
            return sum(node.state == "ready" for node in await manager.nodes.list())

        try:
            await poll(ready, lambda n: n == count, retry=(DockerError,))
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{await self.diagnosis(manager)}") from None

    async def diagnosis(self, manager: Docker) -> str:
        """The nodes as ``manager`` sees them and each daemon's last warnings: what a
        failing wait shows."""
        lines = []
        try:
            for node in await manager.nodes.list():
                status = node.attrs.get("Status", {})
                lines.append(f"{node.hostname}: {node.role} {node.state} {status.get('Message')}")
        except DockerError as exc:
            lines.append(f"nodes.list: {exc}")
        for member in self.nodes:
            log = member.daemon.log_tail(400).splitlines()
            noisy = [line for line in log if "level=error" in line or "level=warn" in line]
            lines.append(f"--- {member.name} ({member.daemon.root}):")
            lines.extend(noisy[-8:])
        return "\n".join(lines)

    async def close(self) -> None:
        """Power every node off, remove their directories and the network."""
        for node in self.nodes:
            if hasattr(node, "docker"):
                await node.docker.close()
        try:
            await asyncio.gather(*(node.daemon.power_off() for node in self.nodes))
        finally:
            await asyncio.gather(*(node.daemon.close() for node in self.nodes))
            await self.network.close()

    def api_calls(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every API call any node's daemon logged, version prefix
        and query cut off."""
        calls = []
        pattern = re.compile(r'msg="Calling (\w+) (?:/v[0-9.]+)?(/[^?" ]*)')
        for node in self.nodes:
            log = Path(node.daemon.log_path)
            for match in pattern.finditer(log.read_text(errors="replace")):
                calls.append((match.group(1), match.group(2)))
        return calls
