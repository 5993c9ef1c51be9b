"""One measurement in a fresh interpreter: ``python -m bench.worker SIDE WORKLOAD PARAMS``.

Prints ``BENCH-READY`` when a watcher is listening and, at the end, one line
``BENCH-RESULT {json}`` with wall time, client CPU, peak RSS and the workload's figures.
With ``BENCH_PROFILE=FILE`` in the environment the run is profiled with cProfile and the
statistics written to FILE (read them with ``python -m pstats FILE``).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

from .measure import Meter

SIDES = {
    "raw": "bench.sides.raw",
    "asyncio-floor": "bench.sides.asyncio_floor",
    "aiodock": "bench.sides.aiodock_side",
    "aiodock-shared": "bench.sides.aiodock_shared",
    "aiodocker": "bench.sides.aiodocker_side",
    "docker-py": "bench.sides.dockerpy",
}


def ready() -> None:
    print("BENCH-READY", flush=True)


def main(argv: list[str]) -> int:
    side, workload, raw_params = argv
    params = json.loads(raw_params)
    meter = Meter()
    try:
        module = importlib.import_module(SIDES[side])
        run = module.WORKLOADS[workload]
        profile_to = os.environ.get("BENCH_PROFILE")
        if profile_to:
            import cProfile

            with cProfile.Profile() as profiler:
                extra = run(params, meter, ready)
            profiler.dump_stats(profile_to)
        else:
            extra = run(params, meter, ready)
        result = {"ok": True, **meter.result(), **extra}
    except NotImplementedError as exc:
        result = {"ok": False, "missing": True, "error": str(exc)}
    except Exception as exc:
        traceback.print_exc()
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    print("BENCH-RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
