#!/usr/bin/env bash
# Stop the dockerd that docker-up.sh started (a daemon it did not start is left alone).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pidfile="$here/.docker/dockerd.pid"
if [ ! -f "$pidfile" ]; then
    echo "docker-down: no daemon of ours runs"
    exit 0
fi
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$pidfile"
echo "docker-down: stopped dockerd $pid"
