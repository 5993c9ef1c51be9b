"""The benchmark runner: fixtures, one subprocess per measurement, medians, the report."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiodock

from . import baseline, fixtures
from .report import Environment, write_report
from .sides import cold
from .workloads import LINE, WORKLOADS, Workload

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
WORKER_TIMEOUT = 600.0


@dataclass
class Run:
    """The results of every repeat of one workload, by side."""

    workload: Workload
    sizes: dict[str, Any]
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark aiodock against aiodocker, docker-py and a raw-socket ceiling.",
    )
    parser.add_argument(
        "--repeat", type=int, help="runs of each measurement (default 5, 1 with --quick)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: smaller sizes, one repeat"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these workloads (repeatable or comma separated): {', '.join(WORKLOADS)}",
    )
    parser.add_argument(
        "--clients",
        default="",
        help=(
            "comma-separated subset of raw, asyncio-floor, aiodock, aiodock-shared, aiodocker, "
            "docker-py (default: all)"
        ),
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"report to write (default {RESULTS})"
    )
    parser.add_argument("--json", type=Path, help="also write every raw result to this file")
    parser.add_argument(
        "--baseline",
        metavar="GITREF",
        help="also measure aiodock as it was at GITREF (a side named aiodock@COMMIT), "
        "interleaved with the current code",
    )
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 5
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    names: list[str] = []
    for item in args.only or []:
        names.extend(n.strip() for n in item.split(",") if n.strip())
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(WORKLOADS)}")
    args.names = names or list(WORKLOADS)
    args.client_set = {c.strip() for c in args.clients.split(",") if c.strip()}
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def run_worker(
    side: str,
    workload: str,
    params: dict[str, Any],
    on_ready: Any = None,
    checkout: baseline.Checkout | None = None,
) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; ``on_ready`` is awaited when the worker
    says it is listening. With ``checkout``, the worker (aiodock and ``bench.worker``) comes
    from that tree."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.worker",
        side,
        workload,
        json.dumps(params),
        cwd=checkout.path if checkout else HERE.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(checkout.env() if checkout else {})},
    )
    assert proc.stdout is not None and proc.stderr is not None
    stderr_task = asyncio.ensure_future(proc.stderr.read())
    result: dict[str, Any] | None = None
    ready_extra: dict[str, Any] = {}

    async def communicate() -> None:
        nonlocal result, ready_extra
        assert proc.stdout is not None
        async for raw_line in proc.stdout:
            line = raw_line.decode(errors="replace").strip()
            if line == "BENCH-READY" and on_ready is not None:
                ready_extra = await on_ready() or {}
            elif line.startswith("BENCH-RESULT "):
                result = json.loads(line[len("BENCH-RESULT ") :])
        await proc.wait()

    try:
        await asyncio.wait_for(communicate(), WORKER_TIMEOUT)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        result = {"ok": False, "error": f"timed out after {WORKER_TIMEOUT:.0f} s"}
    stderr = (await stderr_task).decode(errors="replace")
    if result is None:
        result = {"ok": False, "error": f"worker exited {proc.returncode}: {stderr[-2000:]}"}
    if not result.get("ok") and stderr.strip():
        result["stderr"] = stderr[-4000:]
    result.update(ready_extra)
    return result


def check(workload: Workload, sizes: dict[str, Any], side: str, result: dict[str, Any]) -> str:
    """Why a result is wrong (data missing, count off), or ``""``."""
    name = workload.name
    raw = result.get("bytes_are_raw", False)

    def want_bytes(expected: int) -> str:
        got = result.get("bytes", -1)
        if (got < expected) if raw else (got != expected):
            return f"read {got} bytes, expected {expected}"
        return ""

    if name in ("exec_output", "follow", "build"):
        if name == "build":
            return "" if result.get("image") else "no image id in the build result"
        return want_bytes(sizes["size"])
    if name == "logs":
        return want_bytes(sizes["lines"] * 38)
    if name == "exec_text":
        return want_bytes(sizes["size"])
    if name == "logs_alternating":
        return want_bytes(sizes["lines"] * 38)
    if name in ("logs_large", "whole_log_rss"):
        return want_bytes(sizes["size"])
    if name in ("many_follows", "many_subscribers", "sse"):
        return "" if result.get("items") else "nothing delivered"
    if name in ("inspects", "exec_roundtrips"):
        return "" if result.get("items") == sizes["count"] else f"{result.get('items')} ok"
    if name == "events":
        expected = 2 * sizes["count"]
        got = result.get("items")
        return "" if got == expected else f"saw {got} events, expected {expected}"
    return ""


class Bench:
    def __init__(
        self,
        docker: aiodock.Docker,
        args: argparse.Namespace,
        base: baseline.Checkout | None = None,
    ) -> None:
        self.docker = docker
        self.args = args
        self.base = base
        self.exec_container: str | None = None
        self.large_logs: str | None = None
        self.cleanup: list[str] = []

    async def _exec_container(self) -> str:
        if self.exec_container is None:
            self.exec_container = await fixtures.exec_container(self.docker)
            self.cleanup.append(self.exec_container)
        return self.exec_container

    async def _large_logs(self, size: int) -> str:
        if self.large_logs is None:
            log(f"  making the large logs fixture ({size // 2**20} MiB)...")
            self.large_logs = await fixtures.large_logs_container(self.docker, size)
            self.cleanup.append(self.large_logs)
        return self.large_logs

    async def run_workload(self, workload: Workload) -> Run:
        sizes = dict(workload.sizes(self.args.quick))
        run = Run(workload, sizes)
        sides = [s for s in workload.sides if not self.args.client_set or s in self.args.client_set]
        if self.base and "aiodock" in sides:
            sides.insert(sides.index("aiodock") + 1, self.base.side)
        repeats = self.args.repeat
        if workload.max_repeat is not None and not self.args.only:
            repeats = min(repeats, workload.max_repeat)
        sizes["repeats"] = repeats
        base, per_run, teardown = await self._fixture(workload, sizes)
        try:
            for rep in range(repeats):
                for side in sides:  # interleaved, so drifting load hits every client alike
                    params, on_ready, after = await per_run(side)
                    old = self.base if self.base and side == self.base.side else None
                    try:
                        result = await run_worker(
                            "aiodock" if old else side,
                            workload.name,
                            {**base, **params},
                            on_ready,
                            old,
                        )
                    finally:
                        await after()
                    result["repeat"] = rep
                    problem = "" if not result.get("ok") else check(workload, sizes, side, result)
                    if problem:
                        result = {**result, "ok": False, "error": problem}
                    if result.get("ok"):
                        run.results.setdefault(side, []).append(result)
                        log(
                            f"  {workload.name:16} {side:15} #{rep + 1}: "
                            f"wall {result['wall']:7.3f} s"
                            f"  cpu {result['cpu']:7.3f} s  peak rss "
                            f"{result['peak_rss'] / 2**20:6.1f} MiB"
                        )
                    else:
                        message = result.get("error", "failed")
                        run.failures.setdefault(side, []).append(message)
                        log(f"  {workload.name:16} {side:15} #{rep + 1}: FAILED {message}")
                        if result.get("stderr"):
                            log(result["stderr"])
        finally:
            await teardown()
        return run

    async def _fixture(self, workload: Workload, sizes: dict[str, Any]) -> Any:
        """``(params for every run, per-run set-up, teardown)`` of one workload."""
        docker = self.docker
        created: list[str] = []

        async def nothing() -> None:
            return None

        async def plain(side: str) -> Any:
            return {}, None, nothing

        async def teardown() -> None:
            for ident in created:
                await fixtures.remove(docker, ident)

        name = workload.name
        if name in ("exec_output", "exec_roundtrips"):
            container = await self._exec_container()
            if name == "exec_output":
                cmd = ["head", "-c", str(sizes["size"]), "/dev/zero"]
                return {"container": container, "cmd": cmd}, plain, nothing
            params = {"container": container, "cmd": ["echo", "hello"], "expect": "hello\n"}
            return {**params, "count": sizes["count"]}, plain, nothing
        if name == "exec_text":
            container = await self._exec_container()
            half = sizes["size"] // 2
            script = (
                f"yes {LINE} | head -c {half} & "
                f"yes {LINE[::-1]}x | head -c {sizes['size'] - half} >&2; wait"
            )
            return {"container": container, "cmd": ["sh", "-c", script]}, plain, nothing
        if name == "logs_alternating":
            log(f"  making the alternating logs fixture ({sizes['lines']} lines)...")
            ident = await fixtures.alternating_logs_container(docker, sizes["lines"])
            created.append(ident)
            return {"container": ident}, plain, teardown
        if name in ("logs_large", "whole_log_rss"):
            return {"container": await self._large_logs(sizes["size"])}, plain, nothing
        if name == "cold_start":
            cold.compile_clients()
            return {}, plain, nothing
        if name == "many_follows":
            log(f"  starting {sizes['containers']} line writers...")
            created.extend(await fixtures.line_writers(docker, sizes["containers"]))

            async def follows_run(side: str) -> Any:
                streams = sizes["dockerpy"] if side == "docker-py" else sizes["streams"]
                return {"streams": streams}, None, nothing

            params = {"containers": created, "duration": sizes["duration"], "settle": 2.0}
            return params, follows_run, teardown
        if name == "many_subscribers":
            count = sizes["count"]

            async def subscribers_run(side: str) -> Any:
                token = fixtures.new_token()
                n = sizes["dockerpy"] if side == "docker-py" else sizes["subscribers"]
                params = {
                    "label": f"{fixtures.EVENTS_LABEL}={token}",
                    "expected": 2 * count,
                    "subscribers": n,
                    "settle": 1.0,
                    "timeout": 120.0,
                }

                async def on_ready() -> dict[str, Any]:
                    await fixtures.churn(docker, count, token)
                    return {}

                return params, on_ready, nothing

            return {}, subscribers_run, nothing
        if name == "sse":
            log(f"  starting {sizes['containers']} paced line writers...")
            created.extend(await fixtures.line_writers(docker, sizes["containers"], paced=True))
            params = {
                "containers": created,
                "clients": sizes["clients"],
                "duration": sizes["duration"],
                "settle": 2.0,
            }
            return params, plain, teardown
        if name == "logs":
            log(f"  making the logs fixture ({sizes['lines']} lines)...")
            ident = await fixtures.logs_container(docker, sizes["lines"])
            created.append(ident)
            return {"container": ident}, plain, teardown
        if name == "inspects":
            created.extend(await fixtures.inspect_containers(docker))
            params = {"containers": created, "count": sizes["count"]}
            return {**params, "concurrency": sizes["concurrency"]}, plain, teardown
        if name == "events":
            count = sizes["count"]

            async def events_run(side: str) -> Any:
                token = fixtures.new_token()
                params = {
                    "label": f"{fixtures.EVENTS_LABEL}={token}",
                    "expected": 2 * count,
                    "since": int(time.time()) - 1,
                }

                async def on_ready() -> dict[str, Any]:
                    start = time.time()
                    await fixtures.churn(docker, count, token)
                    return {"churn_started_at": start, "churn_ended_at": time.time()}

                return params, on_ready, nothing

            return {}, events_run, nothing
        if name == "build":
            log(f"  making a {sizes['size'] // 2**20} MiB build context...")
            path = fixtures.build_context(sizes["size"])

            async def build_run(side: str) -> Any:
                tag = f"{fixtures.BUILD_TAG}:{side.replace('@', '-')}"
                return {"path": path, "tag": tag, "labels": fixtures.LABELS}, None, nothing

            async def build_teardown() -> None:
                fixtures.remove_context(path)

            return {}, build_run, build_teardown
        if name == "follow":
            size = sizes["size"]

            async def follow_run(side: str) -> Any:
                ident = await fixtures.follow_container(docker, size)

                async def after() -> None:
                    await fixtures.remove(docker, ident)

                return {"container": ident, "sample_step": size // 16}, None, after

            return {"size": size}, follow_run, nothing
        raise ValueError(name)


async def run(args: argparse.Namespace, base: baseline.Checkout | None = None) -> int:
    started = time.time()
    async with aiodock.Docker(timeout=120) as docker:
        swept = await fixtures.sweep(docker)
        if swept:
            log(f"removed {swept} leftovers of earlier runs")
        env = await Environment.collect(docker, args)
        if base:
            env.extra["baseline"] = {
                "side": base.side,
                "ref": base.ref,
                "commit": base.commit,
                "current": baseline.describe_current(HERE.parent),
            }
        bench = Bench(docker, args, base)
        runs: list[Run] = []
        try:
            for name in args.names:
                workload = WORKLOADS[name]
                log(f"{workload.name}: {workload.title}")
                runs.append(await bench.run_workload(workload))
        finally:
            for ident in bench.cleanup:
                await fixtures.remove(docker, ident)
            await fixtures.sweep(docker)
        env.finish(time.time() - started)
    write_report(args.output, env, runs)
    log(f"wrote {args.output}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "environment": env.as_dict(),
                    "runs": {
                        r.workload.name: {
                            "sizes": r.sizes,
                            "results": r.results,
                            "failures": r.failures,
                        }
                        for r in runs
                    },
                },
                indent=1,
            )
        )
    return 1 if any(r.failures for r in runs) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.baseline:
        return asyncio.run(run(args))
    log(f"checking out and building {args.baseline}...")
    with baseline.checkout(HERE.parent, args.baseline) as base:
        return asyncio.run(run(args, base))
