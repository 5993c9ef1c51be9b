"""The workloads, their sizes (full and ``--quick``), and the targets checked against them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MiB = 1024 * 1024
LINE = "0" * 37  # + "\n": 38 bytes a line, so 1.7 M lines make 64.6 MB

CEILING = "raw"
CLIENTS = ("aiodock", "aiodocker", "docker-py")


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    measures: str
    sides: tuple[str, ...]
    headline: str
    """The metric the issue's table reports: ``wall``, ``cpu`` or ``rss``."""
    full: dict[str, Any]
    quick: dict[str, Any]
    max_repeat: int | None = None
    """Fewer repeats for the slowest workloads (their figures vary little)."""
    notes: str = ""

    def sizes(self, quick: bool) -> dict[str, Any]:
        return self.quick if quick else self.full


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in [
        Workload(
            name="exec_output",
            title="exec output, read fully",
            measures=(
                "create an exec of `head -c SIZE /dev/zero` in a running container, start it "
                "and read every output byte (wall time and client CPU)"
            ),
            sides=(CEILING, *CLIENTS),
            headline="wall",
            full={"size": 200 * MiB},
            quick={"size": 20 * MiB},
        ),
        Workload(
            name="logs",
            title="logs of an exited container, short lines",
            measures=(
                "read the whole log of an exited container (json-file driver) whose output "
                "was LINES lines of 38 bytes: every line comes back as its own frame"
            ),
            sides=(CEILING, *CLIENTS),
            headline="cpu",
            full={"lines": 1_700_000},
            quick={"lines": 170_000},
        ),
        Workload(
            name="inspects",
            title="container inspects, 32 at a time",
            measures=(
                "COUNT container inspects (`containers.get`), 32 in flight at once: 32 tasks "
                "for the async clients, a 32-thread pool (and 32 pooled connections) for "
                "docker-py"
            ),
            sides=CLIENTS,
            headline="wall",
            full={"count": 2000, "concurrency": 32},
            quick={"count": 200, "concurrency": 32},
        ),
        Workload(
            name="exec_roundtrips",
            title="sequential exec runs of `echo`",
            measures=(
                "COUNT exec runs of `echo hello` one after the other, each with its output "
                "and exit code checked (docker-py `exec_run`)"
            ),
            sides=CLIENTS,
            headline="wall",
            full={"count": 50},
            quick={"count": 10},
        ),
        Workload(
            name="events",
            title="events while containers are created and removed",
            measures=(
                "a watcher filtered on a label counts the create and destroy events of COUNT "
                "containers the runner creates and removes (4 at a time); client CPU to "
                "take them in, and lag: how long after the last removal returned the "
                "watcher saw the last event"
            ),
            sides=CLIENTS,
            headline="cpu",
            full={"count": 1000},
            quick={"count": 100},
            max_repeat=3,
        ),
        Workload(
            name="build",
            title="build-context upload",
            measures=(
                "build from a directory of SIZE of incompressible files plus a Dockerfile "
                "that adds only a label: mostly tarring and uploading the context. aiodocker "
                "takes a ready tar file, so its run includes writing one with `tarfile`"
            ),
            sides=CLIENTS,
            headline="wall",
            full={"size": 200 * MiB},
            quick={"size": 20 * MiB},
        ),
        Workload(
            name="follow",
            title="following a growing log, memory",
            measures=(
                "follow the logs of a container writing SIZE to stdout (16 KiB frames) "
                "until it exits; peak RSS of the client process and RSS sampled as the "
                "stream grows"
            ),
            sides=CLIENTS,
            headline="rss",
            full={"size": 1024 * MiB},
            quick={"size": 128 * MiB},
            max_repeat=3,
        ),
    ]
}


Medians = dict[str, dict[str, float]]
"""``medians[side][metric]``."""


@dataclass(frozen=True)
class Target:
    workload: str
    text: str
    check: Callable[[Medians], tuple[float, float] | None]
    """Returns ``(measured, limit)`` with pass meaning measured <= limit; ``None`` if a
    figure is missing."""
    unit: str = "x"
    extra: dict[str, Any] = field(default_factory=dict)


def _ratio(
    side: str, metric: str, other: str, other_metric: str | None = None
) -> Callable[[Medians], float | None]:
    def get(m: Medians) -> float | None:
        try:
            return m[side][metric] / m[other][other_metric or metric]
        except (KeyError, ZeroDivisionError):
            return None

    return get


def _limit(
    get: Callable[[Medians], float | None], limit: float
) -> Callable[[Medians], tuple[float, float] | None]:
    def check(m: Medians) -> tuple[float, float] | None:
        value = get(m)
        return None if value is None else (value, limit)

    return check


def _flat_rss(m: Medians) -> tuple[float, float] | None:
    growth = m.get("aiodock", {}).get("rss_growth")
    return None if growth is None else (growth / MiB, 8.0)


def _peak_rss(m: Medians) -> tuple[float, float] | None:
    peak = m.get("aiodock", {}).get("peak_rss")
    return None if peak is None else (peak / MiB, 80.0)


TARGETS = [
    Target(
        "exec_output",
        "exec output: aiodock wall / raw-socket wall <= 1.10",
        _limit(_ratio("aiodock", "wall", CEILING), 1.10),
    ),
    Target(
        "exec_output",
        "exec output: aiodock CPU / docker-py CPU <= 0.50",
        _limit(_ratio("aiodock", "cpu", "docker-py"), 0.50),
    ),
    Target(
        "logs",
        "logs, short lines: aiodock CPU / docker-py CPU <= 0.50",
        _limit(_ratio("aiodock", "cpu", "docker-py"), 0.50),
    ),
    Target(
        "inspects",
        "inspects: aiodock wall / aiodocker wall <= 0.80 (throughput >= 1.25x)",
        _limit(_ratio("aiodock", "wall", "aiodocker"), 0.80),
    ),
    Target(
        "exec_roundtrips",
        "exec round trips: aiodock wall / aiodocker wall <= 1.00",
        _limit(_ratio("aiodock", "wall", "aiodocker"), 1.00),
    ),
    Target("follow", "follow: aiodock peak RSS < 80 MiB", _peak_rss, unit="MiB"),
    Target(
        "follow",
        "follow: aiodock RSS growth from the first to the last sample <= 8 MiB (flat)",
        _flat_rss,
        unit="MiB",
    ),
]
