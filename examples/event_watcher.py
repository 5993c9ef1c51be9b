"""Print container lifecycle events as they happen, surviving daemon restarts.

    python examples/event_watcher.py                       # every container
    python examples/event_watcher.py --label app=web       # only containers labelled app=web
    python examples/event_watcher.py --since 10m           # replay the last ten minutes first

``docker.events(reconnect=True)`` does the hard part: when the connection drops or the
daemon restarts, the stream reconnects with backoff and resumes from the last event it
delivered, so no event is printed twice or lost. Ctrl-C (or SIGTERM) stops the watcher.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from aiodock import Docker, Event

LIFECYCLE = frozenset(
    {"create", "start", "restart", "pause", "unpause", "kill", "oom", "die", "stop", "destroy"}
)


def describe(event: Event) -> str:
    """One line: time, action, container name and short id, and what matters for it."""
    attributes = event.actor.attributes
    name = attributes.get("name", "?")
    details = [f"image={attributes.get('image', '?')}"]
    if event.action == "die":
        details.append(f"exit={attributes.get('exitCode', '?')}")
    elif event.action == "kill":
        details.append(f"signal={attributes.get('signal', '?')}")
    stamp = event.time.strftime("%H:%M:%S.%f")[:-3]
    return f"{stamp}  {event.action:<22} {name} ({event.actor.id[:12]})  {' '.join(details)}"


async def watch(labels: list[str], since: str | None) -> None:
    filters = {"type": ["container"], "label": labels}
    async with Docker() as docker:
        stream = docker.events(filters=filters, since=since, reconnect=True)
        async with stream:  # connects now, so "watching" below is true
            print(f"watching container events at {docker.address.display}", flush=True)
            reconnects = 0
            async for event in stream:
                if stream.reconnects != reconnects:
                    reconnects = stream.reconnects
                    cause = f" after: {stream.last_error}" if stream.last_error else ""
                    print(f"(reconnected{cause})", flush=True)
                if event.action in LIFECYCLE or event.action.startswith("health_status"):
                    print(describe(event), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", action="append", default=[], help="KEY or KEY=VALUE")
    parser.add_argument("--since", help="replay from this long ago (10m, 1h) or a timestamp")
    args = parser.parse_args(argv)

    async def run() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        # Both end the watch, even where SIGINT was ignored when the program started (as
        # in a shell's background job): then Python raises no KeyboardInterrupt for it.
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel)
        try:
            await watch(args.label, args.since)
        except asyncio.CancelledError:
            pass

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
