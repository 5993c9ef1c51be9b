"""The workloads, their sizes (full and ``--quick``), and the targets checked against them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MiB = 1024 * 1024
LINE = "0" * 37  # + "\n": 38 bytes a line, so 1.7 M lines make 64.6 MB

CEILING = "raw"
ASYNCIO_FLOOR = "asyncio-floor"
"""A side that is no client: the least any asyncio client does (events only)."""
CLIENTS = ("aiodock", "aiodocker", "docker-py")
AIODOCK_SHARED = "aiodock-shared"
"""aiodock with shared event subscriptions (many_subscribers only)."""


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
                "docker-py. The ceiling is a minimal keep-alive HTTP/1.1 client on asyncio "
                "(32 connections, a preformatted request, `json.loads` of the body)"
            ),
            sides=(CEILING, *CLIENTS),
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
                "watcher saw the last event. The ceiling is a blocking reader that decodes "
                "each event: the cost of one wake-up per event without an event loop; the "
                "asyncio floor is a bare protocol decoding each event and an async "
                "generator handing them on: what the event loop costs per wake-up"
            ),
            sides=(CEILING, ASYNCIO_FLOOR, *CLIENTS),
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
        Workload(
            name="exec_text",
            title="exec output of text, stdout and stderr interleaved",
            measures=(
                "an exec of two `yes` writers piped through `head -c`, one on stdout and one "
                "on stderr at once, SIZE in all (the pipes' 4-32 KiB writes, the two streams "
                "interleaved); the consumer hashes every byte it receives (crc32) and keeps "
                "nothing. The ceiling hashes every byte it receives, frame headers included; "
                "the asyncio floor copies each read out of a buffered protocol, paced alike, and "
                "hands it to the consumer's task, which hashes it"
            ),
            sides=(CEILING, ASYNCIO_FLOOR, *CLIENTS),
            headline="cpu",
            full={"size": 200 * MiB},
            quick={"size": 20 * MiB},
        ),
        Workload(
            name="logs_alternating",
            title="logs, stdout and stderr lines alternating",
            measures=(
                "read the whole log of an exited container whose LINES lines of 38 bytes "
                "alternate between stdout and stderr (no two neighbouring frames of one "
                "stream); the consumer keeps the bytes (`logs()`; aiodocker: its list of "
                "lines). The ceiling keeps every byte it receives"
            ),
            sides=(CEILING, *CLIENTS),
            headline="cpu",
            full={"lines": 400_000},
            quick={"lines": 40_000},
        ),
        Workload(
            name="logs_large",
            title="logs, stdout then stderr in large writes",
            measures=(
                "read the whole log of an exited container that wrote SIZE in large writes, "
                "half on stdout and then half on stderr (16 KiB log messages); the consumer "
                "keeps the bytes. The ceiling keeps every byte it receives"
            ),
            sides=(CEILING, *CLIENTS),
            headline="cpu",
            full={"size": 64 * MiB},
            quick={"size": 16 * MiB},
        ),
        Workload(
            name="whole_log_rss",
            title="reading a whole log into memory, peak RSS",
            measures=(
                "the `logs_large` log (SIZE) read into one bytes object; peak RSS during the "
                "read above the RSS just before it (the peak is reset first), against the "
                "size of the log"
            ),
            sides=CLIENTS,
            headline="rss",
            full={"size": 64 * MiB},
            quick={"size": 16 * MiB},
        ),
        Workload(
            name="many_follows",
            title="a thousand follow streams at once",
            measures=(
                "STREAMS concurrent `logs(follow=True, tail=0)` streams across CONTAINERS "
                "containers each writing 20 lines/s, every stream's lines split and counted; "
                "RSS per open stream after they settled, client CPU per delivered line over "
                "DURATION s, file descriptors left open after closing them all. docker-py "
                "needs a thread per stream: it runs DOCKERPY streams"
            ),
            sides=CLIENTS,
            headline="cpu",
            full={"streams": 1000, "containers": 100, "duration": 10.0, "dockerpy": 100},
            quick={"streams": 100, "containers": 10, "duration": 4.0, "dockerpy": 20},
            max_repeat=3,
        ),
        Workload(
            name="many_subscribers",
            title="a thousand event subscribers at once",
            measures=(
                "STREAMS concurrent event subscribers filtered on a label while the runner "
                "creates and removes COUNT containers (2 events each, to every subscriber); "
                "client CPU per delivered event, events lost, RSS per subscriber, file "
                "descriptors left open after. aiodocker's `subscribe()` fans one connection "
                "out in-process, as aiodock does with `events(shared=True)` (the "
                "aiodock-shared side; plain aiodock gives each subscriber a connection); "
                "docker-py needs a thread per stream: it runs DOCKERPY"
            ),
            sides=(*CLIENTS, AIODOCK_SHARED),
            headline="cpu",
            full={"subscribers": 1000, "count": 50, "dockerpy": 100},
            quick={"subscribers": 100, "count": 20, "dockerpy": 20},
            max_repeat=3,
        ),
        Workload(
            name="sse",
            title="the FastAPI SSE example, end to end",
            measures=(
                "examples/fastapi_app served by uvicorn (on a unix socket) in the measured "
                "process, CLIENTS clients (another process) following the logs of CONTAINERS "
                "containers that each write 20 lines/s (one every 50 ms), for DURATION s: "
                "latency from the line's write (the daemon's timestamp of it) to the "
                "client's receipt, and the app's CPU per delivered line"
            ),
            sides=("aiodock",),
            headline="cpu",
            full={"clients": 200, "containers": 10, "duration": 10.0},
            quick={"clients": 40, "containers": 4, "duration": 4.0},
            max_repeat=3,
        ),
        Workload(
            name="cold_start",
            title="cold start: import and the first request",
            measures=(
                "a fresh interpreter imports the client and lists containers (its first "
                "request, version negotiation included); wall is import + first request, "
                "CPU is the interpreter's over both"
            ),
            sides=CLIENTS,
            headline="wall",
            full={},
            quick={},
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
    info: bool = False
    """A figure shown for comparison (how far from a ceiling), with no pass or fail."""


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


def _value(
    side: str, metric: str, limit: float, scale: float = 1.0
) -> Callable[[Medians], tuple[float, float] | None]:
    def check(m: Medians) -> tuple[float, float] | None:
        value = m.get(side, {}).get(metric)
        return None if value is None else (value / scale, limit)

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
        "inspects",
        "inspects: ceiling (minimal keep-alive client) wall / aiodock wall: how close to it",
        _limit(_ratio(CEILING, "wall", "aiodock"), 1.00),
        info=True,
    ),
    Target(
        "exec_roundtrips",
        "exec round trips: aiodock wall / aiodocker wall (the daemon's time; #16 sets the "
        "target on CPU)",
        _limit(_ratio("aiodock", "wall", "aiodocker"), 1.00),
        info=True,
    ),
    Target(
        "exec_roundtrips",
        "exec round trips: aiodock CPU / aiodocker CPU <= 1.00",
        _limit(_ratio("aiodock", "cpu", "aiodocker"), 1.00),
    ),
    Target(
        "events",
        "events: aiodock CPU per event / docker-py's <= 0.50",
        _limit(_ratio("aiodock", "cpu_per_1k", "docker-py"), 0.50),
    ),
    Target("events", "events: aiodock events lost = 0", _value("aiodock", "lost", 0.0), unit=""),
    Target(
        "events",
        "events: ceiling (blocking reader) CPU per event / docker-py's: the floor under the target",
        _limit(_ratio(CEILING, "cpu_per_1k", "docker-py"), 0.50),
        info=True,
    ),
    Target(
        "events",
        "events: aiodock CPU per event / the ceiling's",
        _limit(_ratio("aiodock", "cpu_per_1k", CEILING), 1.00),
        info=True,
    ),
    Target(
        "events",
        "events: aiodock CPU per event / the asyncio floor's",
        _limit(_ratio("aiodock", "cpu_per_1k", ASYNCIO_FLOOR), 1.00),
        info=True,
    ),
    Target(
        "exec_text",
        "exec text, interleaved: aiodock wall / raw-socket wall <= 1.05",
        _limit(_ratio("aiodock", "wall", CEILING), 1.05),
    ),
    Target(
        "exec_text",
        "exec text, interleaved: aiodock CPU / raw-socket CPU <= 1.20",
        _limit(_ratio("aiodock", "cpu", CEILING), 1.20),
    ),
    Target(
        "exec_text",
        "exec text, interleaved: aiodock CPU / the asyncio floor's",
        _limit(_ratio("aiodock", "cpu", ASYNCIO_FLOOR), 1.00),
        info=True,
    ),
    Target(
        "logs_alternating",
        "logs, alternating streams: aiodock CPU / docker-py CPU <= 0.50",
        _limit(_ratio("aiodock", "cpu", "docker-py"), 0.50),
    ),
    Target(
        "logs_large",
        "logs, large writes: aiodock CPU / docker-py CPU (no target in #16)",
        _limit(_ratio("aiodock", "cpu", "docker-py"), 0.50),
        info=True,
    ),
    Target(
        "whole_log_rss",
        "whole log in memory: aiodock peak RSS above baseline / log size <= 1.30",
        _value("aiodock", "rss_over_size", 1.30),
    ),
    Target(
        "many_follows",
        "1,000 follows: aiodock RSS per open stream < 64 KiB",
        _value("aiodock", "rss_per_stream", 64.0, 1024.0),
        unit="KiB",
    ),
    Target(
        "many_follows",
        "1,000 follows: aiodock file descriptors left after closing = 0",
        _value("aiodock", "fds_left", 0.0),
        unit="",
    ),
    Target(
        "many_follows",
        "1,000 follows: aiodock CPU per line / aiodocker's",
        _limit(_ratio("aiodock", "cpu_per_item", "aiodocker"), 1.00),
        info=True,
    ),
    Target(
        "many_subscribers",
        "1,000 subscribers: aiodock events lost = 0",
        _value("aiodock", "lost", 0.0),
        unit="",
    ),
    Target(
        "many_subscribers",
        "1,000 subscribers: aiodock file descriptors left after closing = 0",
        _value("aiodock", "fds_left", 0.0),
        unit="",
    ),
    Target(
        "many_subscribers",
        "1,000 subscribers: aiodock CPU per delivered event / aiodocker's (one shared "
        "connection there)",
        _limit(_ratio("aiodock", "cpu_per_item", "aiodocker"), 1.00),
        info=True,
    ),
    Target(
        "many_subscribers",
        "1,000 subscribers: aiodock shared (`events(shared=True)`) events lost = 0",
        _value(AIODOCK_SHARED, "lost", 0.0),
        unit="",
    ),
    Target(
        "many_subscribers",
        "1,000 subscribers: aiodock shared file descriptors left after closing = 0",
        _value(AIODOCK_SHARED, "fds_left", 0.0),
        unit="",
    ),
    Target(
        "many_subscribers",
        "1,000 subscribers: aiodock shared CPU per delivered event / aiodocker's",
        _limit(_ratio(AIODOCK_SHARED, "cpu_per_item", "aiodocker"), 1.00),
        info=True,
    ),
    Target(
        "sse",
        "SSE app: write-to-receipt latency p50, ms",
        _value("aiodock", "latency_p50", 0.0, 0.001),
        unit="ms",
        info=True,
    ),
    Target(
        "sse",
        "SSE app: write-to-receipt latency p99, ms",
        _value("aiodock", "latency_p99", 0.0, 0.001),
        unit="ms",
        info=True,
    ),
    Target(
        "sse",
        "SSE app: app CPU per delivered line, µs",
        _value("aiodock", "cpu_per_item", 0.0, 1e-6),
        unit="µs",
        info=True,
    ),
    Target(
        "cold_start",
        "cold start: aiodock (import + first request) / aiodocker's",
        _limit(_ratio("aiodock", "wall", "aiodocker"), 1.00),
        info=True,
    ),
    Target(
        "cold_start",
        "cold start: aiodock (import + first request) / docker-py's",
        _limit(_ratio("aiodock", "wall", "docker-py"), 1.00),
        info=True,
    ),
    Target("follow", "follow: aiodock peak RSS < 80 MiB", _peak_rss, unit="MiB"),
    Target(
        "follow",
        "follow: aiodock RSS growth from the first to the last sample <= 8 MiB (flat)",
        _flat_rss,
        unit="MiB",
    ),
]


MISS_NOTES: dict[str, str] = {
    "exec_text": (
        "The target is below the asyncio floor: a bare buffered protocol with the same "
        "pacing, copying each read out and handing it to the consumer's task, spends "
        "about 1.8x the raw reader's CPU, and aiodock about 1.05x that floor. Per read "
        "(about 90 KiB, 2,300 reads for 200 MiB, half of them taken straight from the "
        "socket at the end of a pause) the event loop runs two iterations (the pacing "
        "timer with the read, then the reader task) where the blocking reader only "
        "sleeps; the pacer already sizes each read to what the daemon's socket buffer "
        "holds without stalling it, so reads cannot grow further. Reaching 1.2x the raw "
        "reader would need reads without the event loop (a reader thread for bulk "
        "streams, which costs a cross-thread wake-up per hand-over instead) and frames "
        "that are views of the read buffer rather than bytes the consumer owns."
    ),
    "events": (
        "The target is below the floor: the ceiling (a blocking `recv_into` loop that "
        "decodes each event, no event loop) spends about 0.6x docker-py's CPU per event, "
        "so 0.5x docker-py is out of reach of any reader that is woken once per event; "
        "the asyncio floor (a bare protocol and an async generator) spends about 1.1x "
        "docker-py's, and aiodock is within about 10% of that floor. aiodock's own work "
        "per event is small (the chunk 0.5 us, `json.loads` 5.7 us, `Event.from_dict` "
        "2.6 us, micro-benchmarked on a create event): the rest is the wake-up "
        "(`epoll_wait`, the protocol callback, waking the reader task). Events come one "
        "at a time, so nothing coalesces; going lower would need batching events in time "
        "(added latency for every watcher) or a cheaper wake-up than asyncio's."
    ),
    "inspects": (
        "aiodock spends about 0.8x aiodocker's CPU per inspect (both on aiohttp), which "
        "gives 1.19-1.24x its throughput in quiet runs: just short of 1.25x. Per inspect "
        "(callgrind, user-space instructions, deterministic): 659 k, down from 670 k by "
        "dropping the cookie jar, the Accept headers and a no-op timeout context; most of "
        "it is aiohttp's request and response machinery (`ClientSession._request`, the "
        "connector, `data_received`, the writer; its read-timeout timers alone are 4%), "
        "then `json.loads` of the 10 KiB answer and the kernel's `send`, the same for "
        "every client. aiodock's own layer (`Transport.request`, `Container`) is a few "
        "percent. The ceiling (a minimal keep-alive client) spends about a third of "
        "aiodock's CPU: the rest of the way needs plain requests over connections of "
        "aiodock's own (`transport/http11.py` already parses heads and bodies) instead of "
        "aiohttp's pool, which measured 2.5x aiodocker's throughput."
    ),
    "exec_roundtrips": (
        "Wall time is dominated by the daemon (about 60 ms an exec); client CPU is the "
        "figure the client controls."
    ),
    "cold_start": (
        "`python -X importtime`: aiohttp is most of `import aiodock` (aiodocker pays it "
        "too). aiodock imports the swarm family, plugins, the docker-py `APIClient` and "
        "the build modules on first use (module `__getattr__`, the client's managers as "
        "cached properties), so a container program does not load them; what is left of "
        "its own is the transport, the container, image, network, volume and exec "
        "managers and their shapes."
    ),
}
"""Where the CPU goes in a workload whose target was missed when these were measured,
shown under the workload when one of its targets fails."""
