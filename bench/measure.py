"""What a worker measures around one workload: wall time, client CPU, memory."""

from __future__ import annotations

import asyncio
import gc
import os
import resource
import time
from types import TracebackType
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def current_rss() -> int:
    """This process's resident memory now, in bytes."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes.

    ``VmHWM`` rather than ``ru_maxrss``: Linux carries ``ru_maxrss`` over fork and exec, so
    a worker would report at least its parent's size.
    """
    with open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Meter:
    """Context manager timing the workload: wall clock and CPU of every thread of the process.

    ``samples`` collects ``(bytes_so_far, rss_bytes)`` pairs for streams watched for memory.
    """

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self.samples: list[tuple[int, int]] = []
        self._wall0 = 0.0
        self._cpu0 = 0.0
        self._faults0 = 0
        self.faults = 0
        self.started_at = 0.0

    @staticmethod
    def _cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def __enter__(self) -> Meter:
        self.started_at = time.time()
        self._faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        self._cpu0 = self._cpu()
        self._wall0 = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.wall = time.perf_counter() - self._wall0
        self.cpu = self._cpu() - self._cpu0
        self.faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - self._faults0

    def sample(self, done: int) -> None:
        """Record the resident memory after ``done`` bytes of a stream."""
        self.samples.append((done, current_rss()))

    def result(self) -> dict[str, Any]:
        return {
            "wall": self.wall,
            "cpu": self.cpu,
            "page_faults": self.faults,
            "peak_rss": peak_rss(),
            "rss_samples": self.samples,
        }


class SampleEvery:
    """Calls ``meter.sample`` each time a running byte count crosses another ``step``."""

    def __init__(self, meter: Meter, step: int) -> None:
        self.meter = meter
        self.step = step
        self.next = step
        self.total = 0

    def add(self, n: int) -> None:
        self.total += n
        if self.total >= self.next:
            self.meter.sample(self.total)
            while self.next <= self.total:
                self.next += self.step


def open_fds() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


async def fds_left_after(tasks: list[asyncio.Task[Any]], base_fds: int) -> int:
    """Cancel the streams' tasks, let them close, and count the descriptors still open
    beyond ``base_fds``."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    gc.collect()
    await asyncio.sleep(0.5)
    return open_fds() - base_fds


def reset_peak_rss() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux 4.0+: ``5`` to ``clear_refs``), so that a
    later :func:`peak_rss` covers only what came after; ``False`` where that is refused."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True
