"""Container stats: the request behind ``Container.stats`` (ids filled in where daemons leave
them out) and ``StatsSummary``, the columns of ``docker stats`` computed from stats objects."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgument
from .resource import path_id
from .streams import JSONStream
from .transport import ByteSource

if TYPE_CHECKING:
    from .client import Docker

__all__ = ["StatsSummary"]


@dataclass(frozen=True)
class StatsSummary:
    """The columns of ``docker stats``, computed from one stats object as the CLI does."""

    cpu_percent: float
    memory_usage: int
    """Memory in use without the page cache (inactive files), in bytes."""
    memory_limit: int
    memory_percent: float
    network_rx: int
    network_tx: int
    block_read: int
    block_write: int
    pids: int

    @classmethod
    def from_stats(
        cls, stats: Mapping[str, Any], previous: Mapping[str, Any] | None = None
    ) -> StatsSummary:
        """The columns from one stats object; CPU percent compares its ``cpu_stats`` with
        ``previous``'s when given (two one-shot samples: one-shot answers and Podman's
        first have empty ``precpu_stats``), else with its own ``precpu_stats``; ``0.0``
        when there is nothing to compare with."""
        cpu = stats.get("cpu_stats") or {}
        pre = (previous if previous is not None else stats).get(
            "cpu_stats" if previous is not None else "precpu_stats"
        ) or {}
        cpu_delta = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (
            pre.get("cpu_usage") or {}
        ).get("total_usage", 0)
        system_delta = (cpu.get("system_cpu_usage") or 0) - (pre.get("system_cpu_usage") or 0)
        online = cpu.get("online_cpus") or len(
            (cpu.get("cpu_usage") or {}).get("percpu_usage") or []
        )
        cpu_percent = 0.0
        if system_delta > 0 and cpu_delta > 0 and pre.get("system_cpu_usage"):
            cpu_percent = cpu_delta / system_delta * online * 100.0

        memory = stats.get("memory_stats") or {}
        usage = int(memory.get("usage") or 0)
        details = memory.get("stats") or {}
        cache = details.get("total_inactive_file")  # cgroup v1
        if cache is None or cache >= usage:
            cache = details.get("inactive_file", 0)  # cgroup v2
        used = usage - cache if cache < usage else usage
        limit = int(memory.get("limit") or 0)

        rx = tx = 0
        for network in (stats.get("networks") or {}).values():
            rx += int(network.get("rx_bytes", 0))
            tx += int(network.get("tx_bytes", 0))
        read = write = 0
        for entry in (stats.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []:
            op = str(entry.get("op", "")).lower()
            if op == "read":
                read += int(entry.get("value", 0))
            elif op == "write":
                write += int(entry.get("value", 0))
        return cls(
            cpu_percent=cpu_percent,
            memory_usage=used,
            memory_limit=limit,
            memory_percent=used / limit * 100.0 if limit else 0.0,
            network_rx=rx,
            network_tx=tx,
            block_read=read,
            block_write=write,
            pids=int((stats.get("pids_stats") or {}).get("current") or 0),
        )


def container_stats(
    docker: Docker, container_id: str, name: str | None, *, stream: bool, one_shot: bool
) -> JSONStream[dict[str, Any]] | Awaitable[dict[str, Any]]:
    """What :meth:`Container.stats <aiodock.containers.Container.stats>` gives: the stream of
    stats objects, or an awaitable of one, each with ``id`` and ``name``."""
    path = f"/containers/{path_id(container_id)}/stats"

    def with_ids(stats: dict[str, Any]) -> dict[str, Any]:
        # the id and name some daemons leave out (Docker 28's one-shot answer; Podman's Id)
        if isinstance(stats, dict):
            stats.setdefault("id", stats.get("Id") or container_id)
            if name:
                stats.setdefault("name", name)
        return stats

    if not stream:
        params = {"stream": False, "one-shot": True if one_shot else None}

        async def one() -> dict[str, Any]:
            return with_ids(await docker.transport.json("GET", path, params=params, timeout=None))

        return one()
    if one_shot:
        raise InvalidArgument("one_shot applies with stream=False only")

    async def opener() -> ByteSource:
        return await docker.transport.request("GET", path, params={"stream": True}, stream=True)

    return JSONStream(docker, opener, f"GET {path}", with_ids)
