"""Medians, ratios and the markdown report (``bench/RESULTS.md``)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiodock

from .workloads import AIODOCK_SHARED, ASYNCIO_FLOOR, CEILING, MISS_NOTES, TARGETS, Medians, MiB

if TYPE_CHECKING:
    from .runner import Run

SIDE_NAMES = {
    CEILING: "raw socket (ceiling)",
    ASYNCIO_FLOOR: "minimal asyncio reader (floor)",
    "aiodock": "aiodock",
    AIODOCK_SHARED: "aiodock, shared subscriptions",
    "aiodocker": "aiodocker",
    "docker-py": "docker-py",
}


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo") as info:
            kib = int(info.readline().split()[1])
        return f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def _inotify_instances() -> str:
    """``fs.inotify.max_user_instances``: past it the daemon polls followed logs every
    200 ms instead of watching them, which shows in the latency of many followers."""
    try:
        with open("/proc/sys/fs/inotify/max_user_instances") as limit:
            return limit.read().strip()
    except OSError:
        return "unknown"


@dataclass
class Environment:
    started: str
    machine: str
    python: str
    versions: dict[str, str]
    daemon: str
    repeat: int
    quick: bool
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    duration: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def collect(cls, docker: aiodock.Docker, args: argparse.Namespace) -> Environment:
        info = await docker.version()
        return cls(
            started=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            machine=(
                f"{_cpu_model()}, {os.cpu_count()} cores, {_memory()}, "
                f"{platform.system()} {platform.release()}"
            ),
            python=platform.python_version(),
            versions={
                "aiodock": aiodock.__version__,
                "aiohttp": _version("aiohttp"),
                "aiodocker": _version("aiodocker"),
                "docker-py": _version("docker"),
            },
            daemon=f"Docker Engine {info.get('Version')} (API {info.get('ApiVersion')})",
            repeat=args.repeat,
            quick=args.quick,
            load_start=os.getloadavg(),
            extra={"inotify_instances": _inotify_instances()},
        )

    def finish(self, duration: float) -> None:
        self.duration = duration
        self.load_end = os.getloadavg()

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _metrics(workload: str, result: dict[str, Any], sizes: dict[str, Any]) -> dict[str, float]:
    """The figures of one result worth a median."""
    figures = {"wall": result["wall"], "cpu": result["cpu"], "peak_rss": result["peak_rss"]}
    samples = result.get("rss_samples") or []
    if len(samples) >= 2:
        figures["rss_growth"] = samples[-1][1] - samples[0][1]
        figures["rss_last"] = samples[-1][1]
    if workload == "events" and result.get("churn_ended_at"):
        figures["lag"] = max(0.0, result["last_event_at"] - result["churn_ended_at"])
        figures["cpu_per_1k"] = result["cpu"] / (2 * sizes["count"]) * 1000
        figures["lost"] = 2 * sizes["count"] - result.get("items", 0)
    for key in ("rss_per_stream", "fds_left", "lost", "latency_p50", "latency_p99"):
        if key in result:
            figures[key] = result[key]
    if workload in ("many_follows", "many_subscribers", "sse") and result.get("items"):
        figures["cpu_per_item"] = result["cpu"] / result["items"]
    if workload == "whole_log_rss" and result.get("bytes"):
        figures["rss_over_size"] = (result["peak_rss_read"] - result["baseline_rss"]) / result[
            "bytes"
        ]
    if workload == "cold_start":
        figures["import_s"] = result["import_s"]
        figures["first_s"] = result["first_s"]
    if workload == "inspects":
        figures["per_second"] = sizes["count"] / result["wall"]
    if workload in ("exec_output", "follow", "build") and result["wall"]:
        figures["mib_per_s"] = sizes["size"] / MiB / result["wall"]
    return figures


@dataclass
class Stat:
    median: float
    low: float
    high: float
    n: int


def summarize(run: Run) -> dict[str, dict[str, Stat]]:
    """``stats[side][metric]`` over the repeats."""
    out: dict[str, dict[str, Stat]] = {}
    for side, results in run.results.items():
        columns: dict[str, list[float]] = {}
        for result in results:
            for key, value in _metrics(run.workload.name, result, run.sizes).items():
                columns.setdefault(key, []).append(value)
        out[side] = {
            key: Stat(statistics.median(values), min(values), max(values), len(values))
            for key, values in columns.items()
        }
    return out


def _s(stat: Stat | None, scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
    if stat is None:
        return "—"
    text = f"{stat.median / scale:.{digits}f}{unit}"
    if stat.n > 1:
        text += f" ({stat.low / scale:.{digits}f}-{stat.high / scale:.{digits}f})"
    return text


def _ratio(a: Stat | None, b: Stat | None) -> str:
    if a is None or b is None or not b.median:
        return "—"
    return f"{a.median / b.median:.2f}x"


def _describe(run: Run) -> str:
    text = run.workload.measures
    sizes = run.sizes
    if "size" in sizes:
        text = text.replace("SIZE", f"{sizes['size'] // MiB} MiB")
    if "lines" in sizes:
        text = text.replace("LINES", f"{sizes['lines']:,}")
    if "count" in sizes:
        text = text.replace("COUNT", f"{sizes['count']:,}")
    for key in ("streams", "subscribers", "containers", "clients", "dockerpy", "duration"):
        if key in sizes:
            name = "STREAMS" if key == "subscribers" else key.upper()
            text = text.replace(name, f"{sizes[key]:,}")
    return text


def _summary_row(run: Run, stats: dict[str, dict[str, Stat]]) -> str:
    w = run.workload
    cells = []
    for side in (CEILING, "docker-py", "aiodocker", "aiodock"):
        s = stats.get(side)
        if s is None:
            cells.append("—")
        elif w.name == "cold_start":
            cells.append(
                f"{s['wall'].median:.2f} s (import {s['import_s'].median:.2f} s, "
                f"CPU {s['cpu'].median:.2f} s)"
            )
        elif w.headline == "wall" and w.name in ("exec_output", "inspects"):
            cells.append(f"{s['wall'].median:.2f} s (CPU {s['cpu'].median:.2f} s)")
        elif w.headline == "wall":
            cells.append(f"{s['wall'].median:.2f} s")
        elif w.name in ("many_follows", "many_subscribers", "sse") and "cpu_per_item" in s:
            extra = ""
            if "rss_per_stream" in s:
                extra = f", {s['rss_per_stream'].median / 1024:.0f} KiB/stream"
            if "latency_p99" in s:
                extra = f", p99 {s['latency_p99'].median * 1000:.0f} ms"
            cells.append(f"CPU {s['cpu_per_item'].median * 1e6:.0f} µs/item{extra}")
        elif w.name == "whole_log_rss" and "rss_over_size" in s:
            cells.append(f"{s['rss_over_size'].median:.2f}x the log above baseline")
        elif w.headline == "cpu" and w.name == "events":
            lag = s.get("lag")
            lag_text = f", lag {lag.median * 1000:.0f} ms" if lag else ""
            cells.append(f"CPU {s['cpu'].median:.2f} s{lag_text}")
        elif w.headline == "cpu":
            cells.append(f"CPU {s['cpu'].median:.2f} s (wall {s['wall'].median:.2f} s)")
        else:
            growth = s.get("rss_growth")
            growth_text = f", +{growth.median / MiB:.1f} MiB over the stream" if growth else ""
            cells.append(f"peak {s['peak_rss'].median / MiB:.0f} MiB{growth_text}")
    label = w.title
    if "size" in run.sizes:
        label += f", {run.sizes['size'] // MiB} MiB"
    elif "lines" in run.sizes:
        label += f", {run.sizes['lines']:,} lines"
    elif "count" in run.sizes:
        label += f", {run.sizes['count']:,}"
    return f"| {label} | " + " | ".join(cells) + " |"


def render(env: Environment, runs: list[Run]) -> str:
    all_stats = {run.workload.name: summarize(run) for run in runs}
    lines: list[str] = []
    add = lines.append
    add("# aiodock benchmark results")
    add("")
    add("Written by `python -m bench` (`make bench`); do not edit by hand.")
    add("")
    add(f"- Date: {env.started}; the run took {env.duration / 60:.1f} min")
    add(f"- Machine: {env.machine}")
    add(f"- Python {env.python}; " + ", ".join(f"{k} {v}" for k, v in env.versions.items()))
    add(f"- Daemon: {env.daemon}")
    mode = "quick (smaller sizes)" if env.quick else "full"
    add(
        f"- Mode: {mode}; {env.repeat} repeats per measurement (fewer where a workload caps "
        "it), clients interleaved; each figure is the median, with (min-max)"
    )
    add(
        f"- Load average at start {env.load_start[0]:.2f}, at end {env.load_end[0]:.2f} "
        f"(on {os.cpu_count()} cores): figures taken under load are noisy"
    )
    instances = env.extra.get("inotify_instances")
    if instances:
        add(
            f"- `fs.inotify.max_user_instances`: {instances}. Past it the daemon polls a followed "
            "log every 200 ms instead of watching it: the SSE latency's 99th percentile shows it"
        )
    base = env.extra.get("baseline")
    if base:
        add(
            f"- Baseline: `{base['side']}` is aiodock at {base['ref']} ({base['commit']}), "
            f"run from a checkout of its own; `aiodock` is the current tree ({base['current']})"
        )
    add("")
    add("## Summary")
    add("")
    add("| workload | raw socket (ceiling) | docker-py | aiodocker | aiodock |")
    add("| --- | --- | --- | --- | --- |")
    for run in runs:
        add(_summary_row(run, all_stats[run.workload.name]))
    add("")
    add("## Ceilings")
    add("")
    add(
        "- Stream workloads (`exec_output`, `exec_text`, `logs`, `logs_alternating`, "
        "`logs_large`): the raw-socket reader is the best reader we could write: a unix "
        "socket, a hand-written request, `recv_into` a reused 256 KiB buffer until EOF, with "
        "aiodock's read pacer (`aiodock.transport.pacing`: while reads come back to back, a "
        "pause of a millisecond or two sized to gather about 128 KiB), "
        "no parsing at all. Where the consumer hashes (crc32) or keeps the output, the "
        "ceiling hashes or keeps every byte it received, frame headers and chunk lines "
        "included, so it does slightly more of that work than the clients."
    )
    add(
        "- Requests (`inspects`): a minimal keep-alive HTTP/1.1 client on asyncio, one "
        "connection per request in flight, a preformatted request, a head parsed just for "
        "`Content-Length` or chunking, and `json.loads` of the body: what any asyncio "
        "client has to do at least."
    )
    add(
        "- Events (`events`): a blocking `recv_into` loop on the events stream that decodes "
        "each event with `json.loads`: one wake-up per event without an event loop, the "
        "floor under every client."
    )
    add(
        "- The asyncio floor (`events`, `exec_text`): the least any asyncio client does for "
        "the same work. Events: a bare protocol decoding each event and an async generator "
        "handing them to the consumer's task. Exec text: a buffered protocol reading into a "
        "reused buffer with the same pacing, each read copied out and handed to the "
        "consumer's task through an async generator (no frame parsed). What separates "
        "aiodock from it is aiodock's own work; what separates it from the ceiling is the "
        "event loop's."
    )
    add(
        "- Client CPU is user + system time of the client's process over the measured "
        "region: on a shared machine it still moves with load (cache and scheduler), less "
        "than wall time does; compare ratios within one run."
    )
    add("")
    add("## Targets")
    add("")
    add("| target | measured | limit | result |")
    add("| --- | --- | --- | --- |")
    failed: set[str] = set()
    for target in TARGETS:
        if target.workload not in all_stats:
            continue
        stats = all_stats[target.workload]
        medians: Medians = {
            side: {k: v.median for k, v in metrics.items()} for side, metrics in stats.items()
        }
        checked = target.check(medians)
        if checked is None:
            add(f"| {target.text} | — | — | not measured |")
            continue
        value, limit = checked
        unit = "x" if target.unit == "x" else f" {target.unit}" if target.unit else ""
        if target.info:
            if value > limit:  # behind where a comparison is shown: the profile note too
                failed.add(target.workload)
            add(f"| {target.text} | {value:.2f}{unit} | — | info |")
            continue
        verdict = "**pass**" if value <= limit else "**FAIL**"
        if value > limit:
            failed.add(target.workload)
        add(f"| {target.text} | {value:.2f}{unit} | {limit:.2f}{unit} | {verdict} |")
    if base:
        lines += _baseline_section(runs, all_stats, base["side"])
    add("")
    add("## Workloads")
    for run in runs:
        w = run.workload
        stats = all_stats[w.name]
        add("")
        add(f"### {w.title} (`{w.name}`)")
        add("")
        add(_describe(run) + f". {run.sizes.get('repeats', env.repeat)} repeats.")
        add("")
        ref = stats.get("aiodock", {})
        extra_head, extra_cell = _extra_column(w.name)
        add(
            "| client | wall s | client CPU s | peak RSS MiB | "
            + (f"{extra_head} | " if extra_head else "")
            + "wall vs aiodock | CPU vs aiodock |"
        )
        add("| --- | --- | --- | --- | " + ("--- | " if extra_head else "") + "--- | --- |")
        for side in _sides(w.sides, base["side"] if base else None):
            s = stats.get(side)
            if s is None:
                failures = run.failures.get(side)
                why = f"failed: {failures[0][:120]}" if failures else "not run"
                add(f"| {SIDE_NAMES.get(side, side)} | {why} |")
                continue
            row = [
                SIDE_NAMES.get(side, side),
                _s(s.get("wall"), digits=3),
                _s(s.get("cpu"), digits=3),
                _s(s.get("peak_rss"), scale=MiB, digits=1),
            ]
            if extra_head:
                row.append(extra_cell(s))
            row += [_ratio(s.get("wall"), ref.get("wall")), _ratio(s.get("cpu"), ref.get("cpu"))]
            add("| " + " | ".join(row) + " |")
        api_notes = {r.get("api") for r in run.results.get("aiodock", [])}
        if "low-level" in api_notes:
            add("")
            add(
                "aiodock ran through its low-level client here: the public call was not "
                "available when this was measured."
            )
        for side, failures in run.failures.items():
            add("")
            add(f"{SIDE_NAMES.get(side, side)}: {len(failures)} failed run(s): {failures[0][:300]}")
        if w.name == "follow":
            add("")
            add(_rss_curve(run))
        if w.name in MISS_NOTES and w.name in failed:
            add("")
            add(f"Profile of the miss: {MISS_NOTES[w.name]}")
    add("")
    add(
        "Ratios are the client's median divided by aiodock's: above 1.00x aiodock is faster "
        "(or uses less CPU). Client CPU is user+system time of the client process (all its "
        "threads) over the measured region only; peak RSS covers the whole process."
    )
    add("")
    return "\n".join(lines)


def _sides(sides: tuple[str, ...], base: str | None) -> list[str]:
    """The workload's sides, the baseline's after aiodock."""
    out = list(sides)
    if base and "aiodock" in out:
        out.insert(out.index("aiodock") + 1, base)
    return out


BASELINE_METRICS = {"wall": "wall s", "cpu": "client CPU s", "peak_rss": "peak RSS MiB"}


def _baseline_section(runs: list[Run], all_stats: dict[str, Any], base: str) -> list[str]:
    """Current against baseline: medians, ratio, spread, and each repeat's ratio (the two
    sides ran one after the other in every repeat, so drifting load mostly cancels)."""
    lines = [
        "",
        f"## Against the baseline (`aiodock` / `{base}`)",
        "",
        "Spread is (max - min) / median over the repeats. Verdict: *worse* or *better* when "
        "every repeat's ratio (3 at least) is on that side of 1.00 (by chance alone: 1 in "
        "2^repeats), else *within noise*.",
        "",
        "| workload | metric | current | baseline | current / baseline "
        "| per-repeat ratios | spread current, baseline | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        stats = all_stats[run.workload.name]
        now, old = stats.get("aiodock"), stats.get(base)
        if now is None or old is None:
            continue
        pairs = _paired(run.results.get("aiodock", []), run.results.get(base, []))
        for metric, label in BASELINE_METRICS.items():
            if metric == "peak_rss" and run.workload.headline != "rss":
                continue
            scale = MiB if metric == "peak_rss" else 1.0
            a, b = now[metric], old[metric]
            ratios = sorted(x[metric] / y[metric] for x, y in pairs if y[metric])
            spread = f"{_spread(a):.0%}, {_spread(b):.0%}"
            per_repeat = f"{ratios[0]:.2f}-{ratios[-1]:.2f}" if ratios else "—"
            if len(ratios) < 3:
                verdict = "too few repeats"
            elif ratios[0] > 1:
                verdict = "**worse**"
            elif ratios[-1] < 1:
                verdict = "better"
            else:
                verdict = "within noise"
            headline = metric == run.workload.headline
            lines.append(
                f"| {run.workload.name} | {f'**{label}**' if headline else label} "
                f"| {_s(a, scale, 3)} | {_s(b, scale, 3)} | {_ratio(a, b)} "
                f"| {per_repeat} | {spread} | {verdict} |"
            )
    return lines


def _paired(
    now: list[dict[str, Any]], old: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    by_repeat = {r.get("repeat"): r for r in old}
    return [(r, by_repeat[r.get("repeat")]) for r in now if r.get("repeat") in by_repeat]


def _spread(stat: Stat) -> float:
    return (stat.high - stat.low) / stat.median if stat.median else 0.0


def _extra_column(workload: str) -> tuple[str, Any]:
    if workload == "inspects":
        return "inspects/s", lambda s: _s(s.get("per_second"), digits=0)
    if workload in ("exec_output", "build"):
        return "MiB/s", lambda s: _s(s.get("mib_per_s"), digits=0)
    if workload in ("many_follows", "many_subscribers"):
        return (
            "CPU µs per item; RSS KiB per stream; fds left; lost",
            lambda s: (
                f"{_s(s.get('cpu_per_item'), scale=1e-6, digits=1)}; "
                f"{_s(s.get('rss_per_stream'), scale=1024, digits=1)}; "
                f"{_s(s.get('fds_left'), digits=0)}; {_s(s.get('lost'), digits=0)}"
            ),
        )
    if workload == "sse":
        return (
            "latency p50, p99 ms; CPU µs per line",
            lambda s: (
                f"{_s(s.get('latency_p50'), scale=0.001, digits=1)}, "
                f"{_s(s.get('latency_p99'), scale=0.001, digits=1)}; "
                f"{_s(s.get('cpu_per_item'), scale=1e-6, digits=1)}"
            ),
        )
    if workload == "whole_log_rss":
        return "peak above baseline / log size", lambda s: _s(s.get("rss_over_size"), digits=2)
    if workload == "cold_start":
        return (
            "import s; first request s",
            lambda s: f"{_s(s.get('import_s'), digits=3)}; {_s(s.get('first_s'), digits=3)}",
        )
    if workload == "events":
        return (
            "lag after the last removal, ms; lost",
            lambda s: f"{_s(s.get('lag'), scale=0.001, digits=0)}; {_s(s.get('lost'), digits=0)}",
        )
    if workload == "follow":
        return "RSS growth over the stream, MiB", lambda s: _s(
            s.get("rss_growth"), scale=MiB, digits=1
        )
    return "", None


def _rss_curve(run: Run) -> str:
    """RSS as the stream grows, for the first run of each client."""
    rows = ["| bytes read | " + " | ".join(run.results) + " |"]
    rows.append("| --- | " + " | ".join("---" for _ in run.results) + " |")
    series = {
        side: dict(results[0].get("rss_samples") or []) for side, results in run.results.items()
    }
    points = sorted({point for samples in series.values() for point in samples})
    step = max(1, len(points) // 8)
    for point in points[::step] + ([points[-1]] if points and (len(points) - 1) % step else []):
        cells = []
        for side in run.results:
            nearest = min(series[side], key=lambda p: abs(p - point), default=None)
            cells.append(f"{series[side][nearest] / MiB:.1f}" if nearest is not None else "—")
        rows.append(f"| {point / MiB:.0f} MiB | " + " | ".join(cells) + " |")
    return "RSS (MiB) as the followed stream grows, first run of each client:\n\n" + "\n".join(rows)


def write_report(path: Path, env: Environment, runs: list[Run]) -> None:
    from .buildkit_context import kept_section

    kept = kept_section(path)  # written by bench.buildkit_context, not by this run
    path.write_text(render(env, runs) + (f"\n{kept}\n" if kept else ""))
